"""Record every cell the kernel runs, cheaply, in execution order.

The hook only appends a small record: no parsing, no AST, no copy of the
namespace, so running cells is not measurably slower. Everything expensive
(input transformation, parsing, slicing) happens later, on demand.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable

from hubmagic.capture.records import (
    EXCLUDE_TAG,
    INCLUDE_TAG,
    CellRecord,
    transform_source,
)


class Recorder:
    """Keeps the history of executed cells of an IPython shell.

    Args:
        shell: the ``InteractiveShell`` (``get_ipython()``).
        include_history: on ``register()``, also take the cells of this session
            that ran before (read from IPython's input history, marked
            ``from_history=True``; their success is unknown).

    >>> rec = Recorder(get_ipython()).register()      # doctest: +SKIP
    >>> rec.records[-1].execution_count                # doctest: +SKIP
    >>> rec.unregister()                               # doctest: +SKIP
    """

    def __init__(self, shell, *, include_history: bool = True):
        self.shell = shell
        self.include_history = include_history
        self._records: list[CellRecord] = []
        self._registered = False
        self._forced: dict[object, str] = {}
        self._depth = 0
        self._raw: list[tuple] = []

    # -- lifecycle -----------------------------------------------------------------
    def register(self) -> Recorder:
        """Start recording (idempotent). Returns the recorder."""
        if self._registered:
            return self
        if self.include_history:
            # First time: the session so far. Registered again (%reload_ext): the
            # cells that ran while we were not listening.
            self._materialize()
            counts = [r.execution_count for r in self._records if r.execution_count]
            for record in self._from_history(after=max(counts, default=0)):
                record.order = len(self._records)
                self._records.append(record)
        self.shell.events.register("pre_run_cell", self._pre_run_cell)
        self.shell.events.register("post_run_cell", self._post_run_cell)
        self._registered = True
        return self

    def unregister(self) -> None:
        """Stop recording; the records taken so far are kept."""
        if self._registered:
            for event, hook in (("pre_run_cell", self._pre_run_cell),
                                ("post_run_cell", self._post_run_cell)):
                with contextlib.suppress(ValueError):  # already unregistered
                    self.shell.events.unregister(event, hook)
            self._registered = False

    @property
    def registered(self) -> bool:
        return self._registered

    # -- the hook (keep it cheap) -----------------------------------------------------
    def _pre_run_cell(self, info) -> None:
        self._depth += 1

    def _post_run_cell(self, result) -> None:
        # A cell run from inside a cell (%%capture, %run -i ...) is part of its parent.
        self._depth = max(self._depth - 1, 0)
        if self._depth:
            return
        info = result.info
        if info is None or info.silent:
            return
        error = result.error_before_exec or result.error_in_exec
        if error is not None:  # rare: the extra work is only paid by failed cells
            error = (f"{type(error).__name__}: {error}",
                     None if result.error_in_exec is None else _cell_line(error))
        # A plain tuple: CellRecord objects are built when someone reads .records.
        self._raw.append((result.execution_count, info.raw_cell, info.cell_id, error,
                          getattr(info, "transformed_cell", None),  # IPython >= 8.? / 9
                          getattr(info, "cell_meta", None)))

    def _materialize(self) -> None:
        records = self._records
        for count, source, cell_id, error, transformed, meta in self._raw:
            if records and records[-1].from_history and records[-1].execution_count == count:
                records.pop()  # the cell that registered us, already read from history
            tags = meta.get("tags") if isinstance(meta, dict) else None
            records.append(
                CellRecord(
                    order=len(records),
                    execution_count=count,
                    source=source,
                    cell_id=cell_id,
                    success=error is None,
                    error=None if error is None else error[0],
                    tags=set(tags) if isinstance(tags, (list, tuple)) else set(),
                    transformed=transformed,
                    error_line=None if error is None else error[1],
                )
            )
        self._raw.clear()

    def _from_history(self, after: int = 0) -> list[CellRecord]:
        manager = self.shell.history_manager
        hist = getattr(manager, "input_hist_raw", None) or []
        current = getattr(self.shell, "execution_count", len(hist))
        # IPython >= 9 keeps the session's exceptions by execution count; before
        # that, whether an earlier cell failed is unknown (None: assumed to run).
        exceptions = getattr(manager, "exceptions", None)
        records = []
        for count in range(after + 1, min(current, len(hist))):
            source = hist[count]
            if not source.strip():
                continue
            success, error = None, None
            if isinstance(exceptions, dict):
                failure = exceptions.get(count)
                success = failure is None
                if failure is not None:
                    error = f"{failure.get('ename', 'Error')}: {failure.get('evalue', '')}"
            records.append(
                CellRecord(
                    order=len(records),
                    execution_count=count,
                    source=source,
                    success=success,
                    error=error,
                    from_history=True,
                )
            )
        return records

    # -- reading -----------------------------------------------------------------
    @property
    def records(self) -> list[CellRecord]:
        """The recorded cells, in execution order (transformed source filled in)."""
        self._materialize()
        transform = getattr(self.shell, "transform_cell", None)
        for record in self._records:
            if record.transformed is None:
                record.transformed = _shell_transform(transform, record.source)
            self._apply_forced(record)
        return list(self._records)

    def clear(self) -> None:
        """Forget every record (e.g. after a kernel restart)."""
        self._raw.clear()
        self._records.clear()

    # -- user choices -----------------------------------------------------------------
    def include(self, *cells: int | str) -> None:
        """Force cells (execution counts or cell ids) into the train script."""
        self._force(cells, INCLUDE_TAG)

    def exclude(self, *cells: int | str) -> None:
        """Keep cells (execution counts or cell ids) out of the train script."""
        self._force(cells, EXCLUDE_TAG)

    def reset_choices(self) -> None:
        """Forget every include/exclude choice."""
        self._forced.clear()
        self._materialize()
        for record in self._records:
            record.tags -= {INCLUDE_TAG, EXCLUDE_TAG}

    def tag(self, cell: int | str, *tags: str) -> None:
        """Add free tags to the cell(s) named by an execution count or a cell id."""
        self._materialize()
        for record in self._records:
            if record.matches(cell):
                record.tags.update(tags)

    def _force(self, cells: Iterable[int | str], tag: str) -> None:
        self._materialize()
        for cell in cells:
            self._forced[cell] = tag
        for record in self._records:
            self._apply_forced(record)

    def _apply_forced(self, record: CellRecord) -> None:
        for cell, tag in self._forced.items():
            if record.matches(cell):
                record.tags -= {INCLUDE_TAG, EXCLUDE_TAG}
                record.tags.add(tag)


def _cell_line(error: BaseException) -> int | None:
    """Line of the cell where ``error`` was raised (the frame IPython exec'd)."""
    import IPython.core.interactiveshell as shell_module

    shell_file = shell_module.__file__
    tb = error.__traceback__
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == shell_file and tb.tb_next is not None:
            cell = tb.tb_next
            if cell.tb_frame.f_code.co_name == "<module>":
                return cell.tb_lineno
        tb = tb.tb_next
    return None


def _shell_transform(transform, source: str) -> str:
    if transform is None:
        return transform_source(source)
    try:
        return transform(source)
    except Exception:  # noqa: BLE001 - the untransformed cell then fails to parse: reported
        return source
