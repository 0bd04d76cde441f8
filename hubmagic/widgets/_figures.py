"""The figures of a card in ``CardEditor``: which are published, their captions and order.

A figure left out of the card keeps its section (so it can rejoin where it was) and its
PNG moves under ``.hubmagic/excluded-figures`` at Save, so it stays on disk but is never
uploaded. The session's capture is told the same choice, or the next ``%hub_init`` would
bring the figure back.
"""

from __future__ import annotations

import copy
import os
from pathlib import Path

import ipywidgets as w

from hubmagic.widgets._document import CardDocument
from hubmagic.widgets._views import FigureRow

EXCLUDED_FIGURES = Path(".hubmagic") / "excluded-figures"  # never uploaded: hubmagic's bookkeeping


class FigureEditing:
    """The figure part of ``CardEditor`` (a mixin: it uses the editor's traits and ``_edit``).

    ``figures`` holds ``{path, caption, alt, include, section}`` per figure in card order;
    ``section`` is the section an excluded figure takes back with it when it rejoins.
    """

    def _figures_for(self, doc: CardDocument) -> list[dict]:
        """The card's figures, then the figures of the session (or the folder) it leaves out."""
        found = [
            {"path": f["path"], "caption": f["caption"], "alt": f["alt"], "include": True, "section": None}
            for f in doc.figures()
        ]
        known = {f["path"] for f in found}
        folder = self.folder
        extra = []
        if self.session is not None:
            extra = [session_path(f) for f in self.session.figures or []]
        aside = folder / EXCLUDED_FIGURES if folder is not None else None
        if aside is not None and aside.is_dir():
            extra += [p.relative_to(aside).as_posix() for p in sorted(aside.rglob("*.png"))]
        for path in dict.fromkeys(extra):
            if path not in known:
                name = Path(path).stem
                section = {"title": name, "level": 3, "content": f"![{name}]({path})"}
                found.append({"path": path, "caption": "", "alt": name, "include": False, "section": section})
        return found

    def set_figure_included(self, path: str, include: bool) -> None:
        """Publish the figure at ``path`` or not (its section leaves or rejoins the card)."""
        def change(doc: CardDocument) -> None:
            figure = next(f for f in self.figures if f["path"] == path)
            if figure["include"] == include:
                return
            if include:
                doc.sections.insert(_figures_end(doc), figure["section"])
                figure.update(include=True, section=None)
            else:
                index = next(f["index"] for f in doc.figures() if f["path"] == path)
                figure.update(include=False, section=doc.remove_section(index)[0])
        self.figures = copy.deepcopy(self.figures)
        self._edit(change, field=f"figure-include:{path}")

    def set_figure_text(self, path: str, *, caption: str | None = None, alt: str | None = None) -> None:
        def change(doc: CardDocument) -> None:
            for f in doc.figures():
                if f["path"] == path:
                    doc.set_figure(f["index"], caption=f["caption"] if caption is None else caption,
                                   alt=f["alt"] if alt is None else alt, path=path)
        self._edit(change, field=f"figure-text:{path}")

    def move_figure(self, path: str, step: int) -> None:
        def change(doc: CardDocument) -> None:
            index = next((f["index"] for f in doc.figures() if f["path"] == path), None)
            if index is not None:
                doc.move_section(index, step)
        self._edit(change)

    # -- on disk and in the session ------------------------------------------------------
    def _figures_moved(self) -> bool:
        """Some figure's PNG is not where the editor's choice puts it (so Save has work to do)."""
        folder = self.folder
        return folder is not None and any(
            (folder / (EXCLUDED_FIGURES if f["include"] else Path()) / f["path"]).is_file() for f in self.figures
        )

    def _place_figures(self, folder: Path) -> list[str]:
        """Excluded figures move under .hubmagic/ (kept, not published); included ones come back."""
        excluded = []
        for figure in self.figures:
            live, aside = folder / figure["path"], folder / EXCLUDED_FIGURES / figure["path"]
            src, dst = (aside, live) if figure["include"] else (live, aside)
            if not figure["include"]:
                excluded.append(figure["path"])
            if src.is_file():
                dst.parent.mkdir(parents=True, exist_ok=True)
                os.replace(src, dst)
        return excluded

    def _tell_session_figures(self, excluded: list[str]) -> None:
        """The capture must agree with the card, or the next %hub_init would bring a figure back."""
        chosen = {session_path(f): f for f in self.session.figures or []}
        out = [chosen[p]["name"] for p in excluded if p in chosen and chosen[p]["include"]]
        back = [f["name"] for p, f in chosen.items() if p not in excluded and not f["include"]
                and any(g["path"] == p for g in self.figures)]
        if out or back:
            self._guard(lambda: self.session.choose_figures(include=back, exclude=out))

    def _png(self, path: str) -> bytes | None:
        folder = self.folder
        for candidate in (folder / path, folder / EXCLUDED_FIGURES / path) if folder else ():
            if candidate.is_file():
                return candidate.read_bytes()
        return None

    # -- the Figures tab -----------------------------------------------------------------
    def _show_figures(self, doc: CardDocument) -> None:
        order = {f["path"]: i for i, f in enumerate(doc.figures())}
        figures = sorted(self.figures, key=lambda f: order.get(f["path"], len(order)))
        current = {f["path"]: f for f in doc.figures()}
        for figure in figures:
            if figure["path"] in current:
                figure.update(caption=current[figure["path"]]["caption"], alt=current[figure["path"]]["alt"])
        keys = [(f["path"], f["include"]) for f in figures]
        if keys != self._row_keys:
            # Rows are rebuilt only when figures come, go or change side, so typing keeps focus.
            self._row_keys = keys
            self.figure_rows = [FigureRow(f, self._png(f["path"])) for f in figures]
            for row in self.figure_rows:
                self._wire_figure(row)
            rows = [r.box for r in self.figure_rows]
            self.figures_box.children = rows or [w.HTML("<i>No figures in this card.</i>")]
        for row, figure in zip(self.figure_rows, figures, strict=True):
            row.caption.value, row.alt.value, row.include.value = figure["caption"], figure["alt"], figure["include"]

    def _wire_figure(self, row: FigureRow) -> None:
        path = row.path
        row.include.observe(lambda c: self._syncing or self.set_figure_included(path, c["new"]), names="value")
        row.caption.observe(lambda c: self._syncing or self.set_figure_text(path, caption=c["new"]), names="value")
        row.alt.observe(lambda c: self._syncing or self.set_figure_text(path, alt=c["new"]), names="value")
        row.up.on_click(lambda _: self.move_figure(path, -1))
        row.down.on_click(lambda _: self.move_figure(path, 1))


def session_path(figure: dict) -> str:
    """The repository path of a figure of ``NotebookSession.figures`` (written or not)."""
    return f"figures/{figure['name']}.png"


def _figures_end(doc: CardDocument) -> int:
    """Where a figure rejoining the card goes: after the last figure, else in "Figures", else at the end."""
    figures = doc.figures()
    if figures:
        return doc.subtree_end(figures[-1]["index"])
    parent = next((i for i, s in enumerate(doc.sections) if s["title"] == "Figures"), None)
    return doc.subtree_end(parent) if parent is not None else len(doc.sections)
