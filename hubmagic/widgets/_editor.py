"""``CardEditor``: the model card of a repository, edited in the notebook.

A ``VBox`` whose state lives in traits (``metadata``, ``sections``, ``figures``, ``dirty``
...); the child widgets only show and feed them. It is bound to a ``NotebookSession`` (the
one ``%hub_push`` uses), or to a ``ModelRepository`` and a push function: Save writes
README.md and tells the session (``card_changed`` bumps ``card_version``), so every other
editor of the repository reloads; a README changed in Python shows here the same way.
"""

from __future__ import annotations

import copy
import os
import threading
import time
import weakref
from collections.abc import Callable
from pathlib import Path
from typing import Any

import ipywidgets as w
from traitlets import Bool, Dict, Float, Int, List, Unicode

from hubmagic.errors import HubMagicError
from hubmagic.widgets import _checks as checks
from hubmagic.widgets._document import CardDocument
from hubmagic.widgets._figures import FigureEditing
from hubmagic.widgets._preview import LivePreview
from hubmagic.widgets._views import ActionBar, FigureRow, MetadataForm, MetricsPanel, SectionsPanel, tagged

_COALESCE_SECONDS = 1.5  # keystrokes in one field within this time are one undo step
_OPEN: weakref.WeakSet = weakref.WeakSet()


class CardEditor(FigureEditing, LivePreview, w.VBox):
    """Edit, check, save and push the model card of a repository.

    Args:
        session: a ``hubmagic.notebook.NotebookSession``; the editor follows its
            ``repository``, ``figures``, ``card_version`` and ``push_state``.
        repository: without a session, the ``ModelRepository`` to edit.
        push: without a session, what Push calls (default ``repository.push``).
        create_pr: Push opens a pull request (default for a card loaded with ``--from``).

    >>> editor = CardEditor(repository=ModelRepository.open("hub/model"))  # doctest: +SKIP
    >>> editor.metadata_form.license.value = "mit"; editor.actions.save.click()  # doctest: +SKIP
    """

    metadata = Dict(help="The card's YAML metadata.")
    sections = List(help="[{title, level, content}] in document order.")
    preamble = Unicode()
    figures = List(help="[{path, caption, alt, include, section}] in card order; excluded ones keep their section.")
    selected = Int(0, help="Index of the section shown in the Markdown editor.")
    placeholders = Int(0)
    field_problems = Dict()
    problems = List(help="Our checks and the Hub's validate-yaml answer, as sentences.")
    dirty = Bool(False, help="The editor holds edits README.md does not have yet.")
    status = Unicode()
    preview_delay = Float(0.3, help="Seconds of quiet typing before the preview and checks update.")

    def __init__(self, session=None, *, repository=None, push: Callable[..., Any] | None = None,
                 create_pr: bool = False, commit_message: str = "", **kwargs):
        super().__init__(**kwargs)
        self.add_class("hubmagic-card-editor")
        self.session = session
        self._repository = repository
        self._push = push
        self._history: list[tuple[dict, str, float]] = []
        self._future: list[dict] = []
        self._syncing = False
        self._timer: threading.Timer | None = None
        self._disk_text = ""
        self._row_keys: list[tuple[str, bool]] = []

        self.header = tagged(w.HTML(), "header")
        self.metadata_form = MetadataForm()
        self.sections_panel = SectionsPanel()
        self.figures_box = w.VBox()
        self.metrics_panel = MetricsPanel()
        self.preview = tagged(w.HTML(layout=w.Layout(max_height="520px", overflow="auto")), "preview")
        self.checks = tagged(w.HTML(), "checks")
        self.actions = ActionBar(create_pr, commit_message)
        self.figure_rows: list[FigureRow] = []
        self.tabs = w.Tab(children=[
            self.metadata_form.box, self.sections_panel.box, self.figures_box, self.metrics_panel.box,
            self.preview, self.checks,
        ])
        for i, title in enumerate(["Metadata", "Sections", "Figures", "Metrics", "Preview", "Checks"]):
            self.tabs.set_title(i, title)
        self.children = [self.header, self.tabs, self.actions.box]
        self._wire()
        if session is not None:
            session.observe(self._on_session_card, names=["card_version", "repository"])
            session.observe(self._on_session_figures, names=["figures"])
            session.observe(self._on_push_state, names=["push_state"])
        _OPEN.add(self)
        self.reload()

    def _repr_mimebundle_(self, **kwargs):
        # A saved notebook (nbconvert, GitHub) shows the card's state instead of "CardEditor(...)".
        bundle = super()._repr_mimebundle_(**kwargs)
        if bundle is not None and self.folder is not None:
            from hubmagic.widgets._summary import card_summary

            bundle["text/plain"] = card_summary(self.folder)
        return bundle

    # -- what is edited ------------------------------------------------------------------
    @property
    def repository(self):
        return self.session.repository if self.session is not None else self._repository

    @property
    def folder(self) -> Path | None:
        repo = self.repository
        return Path(repo.path) if repo is not None else None

    def document(self) -> CardDocument:
        return CardDocument(self.metadata, copy.deepcopy(self.sections), self.preamble)

    def text(self) -> str:
        """The README.md this editor would save."""
        return self.document().render()

    def reload(self) -> None:
        """Read README.md again (drops unsaved edits; Undo brings them back)."""
        folder = self.folder
        readme = folder / "README.md" if folder is not None else None
        text = readme.read_text(encoding="utf-8") if readme is not None and readme.is_file() else ""
        self._disk_text = text
        doc = CardDocument.from_text(text) if text else CardDocument()
        self._set_document(doc, self._figures_for(doc))
        self.dirty = False
        self.status = (
            f"Editing {readme}" if readme is not None else "No model repository yet: run %hub_init MODEL first."
        )
        self._update_views(checks_hub=True)

    # -- edits: every one goes through _edit, so it can be undone ------------------------
    def _edit(self, change: Callable[[CardDocument], Any], *, field: str = "", hub: bool = False) -> Any:
        before = self._snapshot()
        doc = self.document()
        result = change(doc)
        now = time.monotonic()
        last = self._history[-1] if self._history else None
        if not (field and last and last[1] == field and now - last[2] < _COALESCE_SECONDS):
            self._history.append((before, field, now))
        elif last:
            self._history[-1] = (last[0], field, now)
        self._future.clear()
        self._set_document(doc, self.figures)
        self.dirty = self._unsaved()
        self._update_views(checks_hub=hub)
        return result

    def undo(self) -> None:
        if self._history:
            self._future.append(self._snapshot())
            self._restore(self._history.pop()[0])

    def redo(self) -> None:
        if self._future:
            self._history.append((self._snapshot(), "", 0.0))
            self._restore(self._future.pop())

    # -- editing from Python: the same undoable edits the widgets make -------------------
    def set_field(self, key: str, value) -> CardEditor:
        """Set a metadata field (``license``, ``tags``, ``datasets``, ``language`` ...); returns the editor.

        >>> editor.set_field("license", "mit").set_field("tags", ["tabular", "medical"])  # doctest: +SKIP
        """
        self._edit(lambda doc: doc.set_field(key, value), hub=True)
        return self

    def set_section(self, path: str, content: str) -> CardEditor:
        """Replace the Markdown of the section at ``path`` (``"A/B"`` for a subsection); returns the editor."""

        def change(doc: CardDocument) -> None:
            doc.sections[doc.find(path)]["content"] = content

        self._edit(change)
        return self

    def _unsaved(self) -> bool:
        return self._figures_moved() or self.text() != self._disk_text

    def _snapshot(self) -> dict:
        return copy.deepcopy({"doc": self.document().state(), "figures": self.figures, "selected": self.selected})

    def _restore(self, snap: dict) -> None:
        doc = CardDocument()
        doc.restore(snap["doc"])
        self._set_document(doc, snap["figures"])
        self.selected = snap["selected"]
        self.dirty = self._unsaved()
        self._update_views(checks_hub=True)

    def _set_document(self, doc: CardDocument, figures: list[dict]) -> None:
        self.metadata, self.sections, self.preamble = doc.metadata, doc.sections, doc.preamble
        self.figures = copy.deepcopy(figures)

    # -- save, revert, push --------------------------------------------------------------
    def save(self) -> Path | None:
        """Write README.md (and set excluded figures aside) then tell every other editor."""
        folder = self.folder
        if folder is None:
            self._outcome("No repository to save to: run %hub_init MODEL first.", error=True)
            return None
        text = self.text()
        tmp = folder / ".README.md.saving"
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, folder / "README.md")
        self._disk_text = text
        excluded = self._place_figures(folder)
        if self.repository is not None and hasattr(self.repository, "_card"):
            self.repository._card = None  # its cached Card would hide this save from repo.card
        self.dirty = False
        if self.session is not None:
            self._tell_session_figures(excluded)
            self._guard(self.session.card_changed)
        for editor in list(_OPEN):
            if editor is not self and editor.folder == folder:
                editor._on_disk_changed()
        self._outcome(f"Saved {folder / 'README.md'}.")
        return folder / "README.md"

    def revert(self) -> None:
        """Back to README.md on disk; Undo returns to the edits."""
        self._history.append((self._snapshot(), "", 0.0))
        self._future.clear()
        before = self._history[:]
        self.reload()
        self._history = before

    def push(self):
        """Save, then publish as ``%hub_push`` does; the outcome shows in the editor."""
        if self.save() is None:
            return None
        kwargs: dict[str, Any] = {}
        if self.actions.message.value.strip():
            kwargs["commit_message"] = self.actions.message.value.strip()
        if self.actions.create_pr.value:
            kwargs["create_pr"] = True
        bar = self.actions.progress
        bar.layout.visibility, bar.value, bar.bar_style = "visible", 0, "info"
        self._outcome("Pushing …")
        try:
            if self.session is not None:
                result = self.session.push(**kwargs)
            else:
                result = (self._push or self.repository.push)(**kwargs)
        except HubMagicError as exc:
            bar.bar_style = "danger"
            self._outcome(str(exc), error=True)
            return None
        except Exception as exc:  # noqa: BLE001 - shown in the widget, where the user looks
            bar.bar_style = "danger"
            self._outcome(f"The push failed ({type(exc).__name__}): {exc}", error=True)
            return None
        bar.value, bar.bar_style = 100, "success"
        url = getattr(result, "pr_url", None) or getattr(result, "commit_url", None)
        what = "Pull request opened" if getattr(result, "pr_url", None) else "Published"
        if getattr(result, "no_change", False):
            self._outcome(f"Nothing to push: {result.repo_id} already has this card.")
        else:
            self._outcome(f"{what}: <a href='{url}' target='_blank'>{url}</a>", raw=True)
        return result

    def _outcome(self, text: str, *, error: bool = False, raw: bool = False) -> None:
        import html

        body = text if raw else html.escape(text)
        color = "#b00020" if error else "#1b5e20"
        self.actions.outcome.value = f"<div style='color:{color}'>{body}</div>"
        self.status = text

    # -- the session and other editors ---------------------------------------------------
    def _on_disk_changed(self) -> None:
        folder = self.folder
        text = (folder / "README.md").read_text(encoding="utf-8") if folder and (folder / "README.md").is_file() else ""
        if text == self._disk_text:
            return
        if self.dirty:
            self._outcome("README.md changed outside this editor; your edits here are kept: Save overwrites it, "
                          "Revert loads it (Undo then brings your edits back).", error=True)
            self._disk_text = text
            return
        self.reload()

    def _on_session_card(self, change) -> None:
        old, new = change.get("old"), change.get("new")
        if change["name"] == "repository" and getattr(old, "path", None) != getattr(new, "path", None):
            self._history.clear()
            self._future.clear()
            self.reload()
        else:
            self._on_disk_changed()

    def _on_session_figures(self, change) -> None:
        if not self.dirty:
            self.reload()

    def _on_push_state(self, change) -> None:
        state = change["new"] or {}
        total = state.get("bytes_total") or 0
        if total:
            self.actions.progress.value = int(100 * (state.get("bytes_done") or 0) / total)
        phase = state.get("phase")
        if phase and phase not in ("idle", "done", "error"):
            self.actions.outcome.value = f"<div>{phase} {state.get('path') or ''}</div>"

    # -- views -----------------------------------------------------------------------------
    def _update_views(self, *, checks_hub: bool = False) -> None:
        doc = self.document()
        self.placeholders = doc.placeholders()
        self.field_problems = checks.field_problems(self.metadata)
        self._syncing = True
        try:
            self.metadata_form.show({key: doc.field(key) for key in self.metadata_form.fields}, self.field_problems)
            self.sections_panel.show(self.sections, self.selected, self.placeholders)
            self.metrics_panel.show(doc.metrics())
            self._show_figures(doc)
        finally:
            self._syncing = False
        state = "unsaved edits" if self.dirty else "saved"
        self.header.value = (
            f"<b>Model card</b> — {self.folder / 'README.md' if self.folder else 'no repository'} "
            f"({state}; {self.placeholders} placeholder(s) left)"
        )
        self._schedule(checks_hub)

    # -- wiring ---------------------------------------------------------------------------
    def _wire(self) -> None:
        form, panel, actions, metrics = self.metadata_form, self.sections_panel, self.actions, self.metrics_panel
        for key, field in form.fields.items():
            field.observe(lambda change, key=key: self._on_metadata(key), names="value")
        panel.picker.observe(self._on_pick, names="value")
        panel.content.observe(self._on_content, names="value")
        panel.rename.on_click(lambda _: self._guard(lambda: self._edit(
            lambda doc: doc.rename_section(self.selected, panel.title.value))))
        panel.up.on_click(lambda _: self._guard(lambda: self._move(-1)))
        panel.down.on_click(lambda _: self._guard(lambda: self._move(1)))
        panel.remove.on_click(lambda _: self._guard(self._remove))
        panel.add.on_click(lambda _: self._guard(lambda: self._add(parent=None)))
        panel.add_sub.on_click(lambda _: self._guard(lambda: self._add(parent=self.selected)))
        metrics.add.on_click(lambda _: self._guard(self._add_metric))
        actions.save.on_click(lambda _: self.save())
        actions.push.on_click(lambda _: self.push())
        actions.revert.on_click(lambda _: self.revert())
        actions.undo.on_click(lambda _: self.undo())
        actions.redo.on_click(lambda _: self.redo())

    def _guard(self, action) -> None:
        """Run ``action``; a problem the user can fix shows in the editor instead of a traceback."""
        try:
            action()
        except HubMagicError as exc:
            self._outcome(str(exc), error=True)

    def _on_metadata(self, key: str) -> None:
        if self._syncing:
            return
        value = self.metadata_form.values()[key]

        self._edit(lambda doc: doc.set_field(key, value), field=f"metadata:{key}", hub=True)

    def _on_pick(self, change) -> None:
        if not self._syncing and change["new"] is not None:
            self.selected = change["new"]
            self._update_views()

    def _on_content(self, change) -> None:
        if self._syncing or not self.sections:
            return
        index = self.selected

        def edit(doc: CardDocument) -> None:
            doc.sections[index]["content"] = change["new"]
        self._edit(edit, field=f"content:{index}")

    def _move(self, step: int) -> None:
        self.selected = self._edit(lambda doc: doc.move_section(self.selected, step))
        self._update_views()

    def _remove(self) -> None:
        self._edit(lambda doc: doc.remove_section(self.selected))
        self.selected = max(0, min(self.selected, len(self.sections) - 1))
        self._update_views()

    def _add(self, parent: int | None) -> None:
        title = self.sections_panel.new_title.value
        self.selected = self._edit(lambda doc: doc.add_section(title, parent=parent))
        self.sections_panel.new_title.value = ""
        self._update_views()

    def _add_metric(self) -> None:
        panel = self.metrics_panel
        self._edit(lambda doc: doc.add_metric(panel.name.value, panel.value.value, panel.dataset.value), hub=True)
        panel.name.value = panel.value.value = panel.dataset.value = ""

