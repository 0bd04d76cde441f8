"""Capture the matplotlib figures a notebook displays, with the cell that made them.

Three display routes are covered:

* the inline backend (``%matplotlib inline``) displays figures through
  ``display(fig)`` (``plt.show()`` or its end-of-cell flush) and closes them
  right after, so figures are taken when IPython's display formatter is asked
  to format a ``Figure``;
* a cell whose result is a ``Figure`` (or an object with ``figure_``, like
  scikit-learn's ``*Display``) is taken from the cell result;
* with a non-interactive backend (Agg), the figures still open in pyplot after
  the cell are taken.

A figure object is captured once per content: seen again unchanged it is
skipped; changed by a later cell it is captured again under the same name.

A figure belongs to the model only if nothing it shows changed after it was
drawn: a training curve of a model refitted later (or a plot of data changed
since) is stale and not published unless the user includes it (``refresh``).
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import re
import sys
import weakref
from dataclasses import dataclass
from pathlib import Path


@dataclass
class CapturedFigure:
    """A displayed figure, rendered to PNG.

    Attributes:
        name: file-name friendly, unique (``"roc-curve"``); the file is ``figures/<name>.png``.
        title: the figure's title (suptitle or first axes title), ``""`` if none.
        execution_count: the cell that displayed it.
        png: the PNG bytes.
        caption: the text shown under the figure in the model card.
        include: published with the repository or not.
        stale: why the figure no longer shows the model (``""`` when it does).
    """

    name: str
    title: str
    execution_count: int | None
    png: bytes
    caption: str = ""
    include: bool = True
    stale: str = ""


class FigureCapture:
    """Collects the figures displayed by the cells of an IPython shell.

    >>> figures = FigureCapture(get_ipython()).register()   # doctest: +SKIP
    >>> [f.name for f in figures.figures]                    # doctest: +SKIP
    """

    def __init__(self, shell, *, dpi: int = 100, history=None):
        self.shell = shell
        self.dpi = dpi
        self.history = history  # () -> the recorded cells, to tell stale figures
        self._chosen: set[str] = set()  # names the user included or excluded
        self.figures: list[CapturedFigure] = []
        self._by_figure: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
        self._hashes: set[str] = set()
        self._changed: weakref.WeakSet = weakref.WeakSet()
        self._watched: weakref.WeakSet = weakref.WeakSet()
        self._original_format = None
        self._registered = False
        self._cell_start = 0
        self._depth = 0

    # -- lifecycle ----------------------------------------------------------------
    def register(self) -> FigureCapture:
        if self._registered:
            return self
        formatter = getattr(self.shell, "display_formatter", None)
        if formatter is not None:
            original = formatter.format

            def format(obj, *args, **kwargs):
                self._maybe_capture(obj, None)  # the cell's count is set after the cell
                return original(obj, *args, **kwargs)

            self._original_format = original
            formatter.format = format
        self.shell.events.register("pre_run_cell", self._pre_run_cell)
        self.shell.events.register("post_run_cell", self._post_run_cell)
        self._registered = True
        return self

    def unregister(self) -> None:
        if not self._registered:
            return
        formatter = getattr(self.shell, "display_formatter", None)
        if formatter is not None and self._original_format is not None:
            if "format" in vars(formatter):
                del formatter.format  # back to the class's method
            self._original_format = None
        for event, hook in (("pre_run_cell", self._pre_run_cell),
                            ("post_run_cell", self._post_run_cell)):
            with contextlib.suppress(ValueError):  # already unregistered
                self.shell.events.unregister(event, hook)
        self._registered = False

    # -- choosing --------------------------------------------------------------------
    def get(self, name: str) -> CapturedFigure:
        for figure in self.figures:
            if figure.name == name:
                return figure
        from hubmagic.errors import InvalidInputError

        known = ", ".join(f.name for f in self.figures) or "none captured yet"
        raise InvalidInputError(f"No captured figure is named {name!r} (figures: {known}).")

    def include(self, *names: str) -> None:
        for name in names:
            self.get(name).include = True
            self._chosen.add(name)

    def exclude(self, *names: str) -> None:
        for name in names:
            self.get(name).include = False
            self._chosen.add(name)

    def only(self, *names: str) -> None:
        """Publish exactly these figures."""
        chosen = {self.get(name).name for name in names}
        for figure in self.figures:
            figure.include = figure.name in chosen
            self._chosen.add(figure.name)

    def refresh(self) -> list[CapturedFigure]:
        """Mark the figures whose content changed since they were drawn; returns them.

        A stale figure is left out unless the user chose it (``include``).
        """
        if self.history is None or not self.figures:
            return []
        from hubmagic.capture.staleness import stale_reasons

        reasons = stale_reasons(self.history(), {f.execution_count for f in self.figures})
        for figure in self.figures:
            figure.stale = reasons.get(figure.execution_count, "")
            if figure.name not in self._chosen:
                figure.include = not figure.stale
        return [f for f in self.figures if f.stale]

    def set_caption(self, name: str, caption: str) -> None:
        self.get(name).caption = caption

    @property
    def included(self) -> list[CapturedFigure]:
        """The figures to publish (stale ones only if the user included them)."""
        self.refresh()
        return [f for f in self.figures if f.include]

    def clear(self) -> None:
        self._cell_start = 0
        self._chosen.clear()
        self.figures.clear()
        self._by_figure = weakref.WeakKeyDictionary()
        self._hashes.clear()

    # -- hooks ---------------------------------------------------------------------------
    def _pre_run_cell(self, info) -> None:
        self._depth += 1

    def _post_run_cell(self, result) -> None:
        self._depth = max(self._depth - 1, 0)
        if self._depth:
            return  # a cell run inside a cell (%%capture): its parent's figures
        if "matplotlib" not in sys.modules:
            return  # never import matplotlib for a user who does not plot
        count = result.execution_count
        value = result.result
        if value is not None:
            self._maybe_capture(value, count)
        pyplot = sys.modules.get("matplotlib.pyplot")
        if pyplot is not None:
            for number in pyplot.get_fignums():
                self._maybe_capture(pyplot.figure(number), count)
        # Figures displayed during the cell learn their cell only now.
        taken = {f.name for f in self.figures if f.name}
        for index, figure in enumerate(self.figures[self._cell_start :], start=1):
            if figure.execution_count is None:
                figure.execution_count = count
            if not figure.name:
                cell = count if count is not None else "x"
                figure.name = unique_name(f"figure-{cell}-{index}", taken)
                taken.add(figure.name)
        self._cell_start = len(self.figures)

    def _maybe_capture(self, obj, count) -> None:
        figure = _as_figure(obj)
        if figure is None:
            return
        with contextlib.suppress(Exception):  # a figure that cannot render must not break the cell
            self._capture(figure, count)

    def _capture(self, figure, count) -> None:
        previous = self._by_figure.get(figure)
        if previous is not None and figure not in self._changed:
            return  # unchanged since we rendered it: no need to render again
        png = render_png(figure, self.dpi)
        self._watch(figure)
        digest = hashlib.sha256(png).hexdigest()
        if digest in self._hashes:
            return
        self._hashes.add(digest)
        title = figure_title(figure)
        if previous is not None:
            previous.png, previous.title, previous.execution_count = png, title, count
            if previous in self.figures[: self._cell_start]:
                self.figures.remove(previous)  # re-displayed by a later cell: move it there
                self.figures.append(previous)
                self._cell_start -= 1
            return
        slug = slugify(title or _labels(figure))
        name = unique_name(slug, {f.name for f in self.figures}) if slug else ""
        captured = CapturedFigure(name, title, count, png, caption=title)
        self.figures.append(captured)
        self._by_figure[figure] = captured

    def _watch(self, figure) -> None:
        """Learn when a captured figure changes, without rendering it again.

        Any change to an artist of a figure marks the figure stale, which calls
        ``figure.stale_callback``: we chain ours in front of pyplot's.
        """
        self._changed.discard(figure)
        if figure in self._watched:
            return
        changed = self._changed
        original = figure.stale_callback

        def stale_callback(fig, stale):
            if stale:
                changed.add(fig)
            if original is not None:
                original(fig, stale)

        figure.stale_callback = stale_callback
        self._watched.add(figure)


def _as_figure(obj):
    matplotlib_figure = sys.modules.get("matplotlib.figure")
    if matplotlib_figure is None:
        return None
    if isinstance(obj, matplotlib_figure.Figure):
        return obj
    inner = getattr(obj, "figure_", None)  # scikit-learn's *Display objects
    if isinstance(inner, matplotlib_figure.Figure):
        return inner
    return None


def render_png(figure, dpi: int = 100) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=dpi, bbox_inches="tight")
    return buffer.getvalue()


def figure_title(figure) -> str:
    suptitle = getattr(figure, "_suptitle", None)
    if suptitle is not None and suptitle.get_text().strip():
        return suptitle.get_text().strip()
    for axes in figure.axes:
        for loc in ("center", "left", "right"):
            text = axes.get_title(loc=loc).strip()
            if text:
                return text
    return ""


def _labels(figure) -> str:
    for axes in figure.axes:
        # "True Positive Rate (Positive label: 1)" -> "True Positive Rate"
        x, y = (re.sub(r"\s*\(.*?\)", "", label).strip()
                for label in (axes.get_xlabel(), axes.get_ylabel()))
        if x and y:
            return f"{y} vs {x}"
        if x or y:
            return x or y
    return ""


def slugify(text: str, max_length: int = 60) -> str:
    """``"ROC curve (test set)"`` -> ``"roc-curve-test-set"``."""
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    if len(slug) > max_length:
        cut = slug[: max_length + 1].rfind("-")
        slug = slug[: cut if cut > 0 else max_length]
    return slug.rstrip("-")


def unique_name(name: str, taken: set[str]) -> str:
    if name not in taken:
        return name
    index = 2
    while f"{name}-{index}" in taken:
        index += 1
    return f"{name}-{index}"


def write_figures(folder, figures) -> list[dict]:
    """Write the included figures as ``<folder>/figures/<name>.png``.

    Returns:
        ``[{"name", "path", "caption"}]`` with ``path`` relative to ``folder``
        (``"figures/roc-curve.png"``), ready for the model card.
    """
    folder = Path(folder)
    written = []
    chosen = [f for f in figures if f.include]
    if chosen:
        (folder / "figures").mkdir(parents=True, exist_ok=True)
    for figure in chosen:
        relative = f"figures/{figure.name}.png"
        (folder / relative).write_bytes(figure.png)
        written.append({"name": figure.name, "path": relative, "caption": figure.caption})
    return written
