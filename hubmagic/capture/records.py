"""What the recorder keeps about one executed cell.

A ``CellRecord`` is plain data so that histories can be built by hand (tests,
a notebook file read back) and sliced without IPython.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

INCLUDE_TAG = "hub:include"
EXCLUDE_TAG = "hub:exclude"


@dataclass
class CellRecord:
    """One execution of one cell, in the order the kernel ran it.

    Args:
        order: position in the recorded history (0, 1, 2 ...), the real
            execution order, whatever the cells' positions in the notebook.
        execution_count: the ``In[n]`` number, ``None`` for cells run without
            history (``store_history=False``).
        source: the cell as typed (``info.raw_cell``).
        cell_id: the notebook cell id when the front end sends one.
        success: ``True``/``False``; ``None`` when unknown (cells read back
            from the history of IPython < 9, which does not keep exceptions:
            they are assumed to have succeeded unless they do not parse).
        error: ``"ValueError: ..."`` for a failed cell.
        tags: free tags; ``"hub:include"`` / ``"hub:exclude"`` force the cell
            into or out of the train script. A comment line ``# hub: include`` or
            ``# hub: exclude`` in the cell's source does the same (see ``forced_tags``),
            for front ends that do not send cell metadata to the kernel.
        from_history: the cell ran before ``%load_ext hubmagic`` and was read
            back from IPython's input history.
        transformed: the cell after IPython's input transformations (magics
            become ``get_ipython().run_line_magic(...)`` calls); computed on
            demand when not given.
        error_line: for a failed cell, the line (of the transformed cell) where
            the error was raised: the statements before it did run.

    >>> CellRecord(0, 1, "import numpy as np").transformed_source
    'import numpy as np\\n'
    """

    order: int
    execution_count: int | None
    source: str
    cell_id: str | None = None
    success: bool | None = True
    error: str | None = None
    tags: set[str] = field(default_factory=set)
    from_history: bool = False
    transformed: str | None = None
    error_line: int | None = None

    @property
    def transformed_source(self) -> str:
        if self.transformed is None:
            self.transformed = transform_source(self.source)
        return self.transformed

    @property
    def forced_tags(self) -> set[str]:
        """``tags`` plus the ``# hub: include`` / ``# hub: exclude`` markers of the source.

        >>> sorted(CellRecord(0, 1, "# hub: exclude\\nplot(x)").forced_tags)
        ['hub:exclude']
        """
        markers = marker_tags(self.source)
        return self.tags | markers if markers else self.tags

    @property
    def label(self) -> str:
        """``In[12]`` (or ``cell #3`` when the cell has no execution count)."""
        if self.execution_count is not None:
            return f"In[{self.execution_count}]"
        return f"cell #{self.order}"

    def matches(self, ref) -> bool:
        """Is this the cell named by ``ref`` (an execution count or a cell id)?"""
        if isinstance(ref, bool):
            return False
        if isinstance(ref, int):
            return self.execution_count == ref
        return ref is not None and (self.cell_id == ref or ref == self.label)


_MARKER = re.compile(r"^[ \t]*#[ \t]*hub:[ \t]*(include|exclude)[ \t]*$", re.MULTILINE | re.IGNORECASE)


@lru_cache(maxsize=20000)
def marker_tags(source: str) -> frozenset[str]:
    """The ``hub:include`` / ``hub:exclude`` tags set by comment lines of ``source``."""
    if "hub:" not in source.lower():
        return frozenset()
    return frozenset(f"hub:{m.lower()}" for m in _MARKER.findall(source))


# Lines IPython would rewrite: magics, shell escapes, help, prompts, indented cells.
_NEEDS_TRANSFORM = re.compile(r"^\s*[%!]|[?]\s*$|=\s*[%!]|^\s*(>>>|In \[)|\A[ \t]", re.MULTILINE)


@lru_cache(maxsize=20000)
def transform_source(source: str) -> str:
    """IPython's default input transformations, without a running shell."""
    if not _NEEDS_TRANSFORM.search(source):
        return source if source.endswith("\n") or not source else source + "\n"
    try:
        return _transformer().transform_cell(source)
    except Exception:  # noqa: BLE001 - a cell IPython could not transform never ran
        return source


_TRANSFORMER = None


def _transformer():
    global _TRANSFORMER
    if _TRANSFORMER is None:
        from IPython.core.inputtransformer2 import TransformerManager

        _TRANSFORMER = TransformerManager()
    return _TRANSFORMER
