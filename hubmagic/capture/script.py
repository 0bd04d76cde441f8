"""Turn a sliced history into ``train.py``: the code that rebuilds the model."""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field
from typing import NamedTuple

from hubmagic.capture.effects import MUTATING_METHODS
from hubmagic.capture.records import CellRecord
from hubmagic.capture.slicer import (
    SliceResult,
    Unit,
    check_target,
    failure,
    history_units,
    slice_history,
    target_names,
)

MODEL_FORMATS = ("skops", "pickle")


@dataclass
class TrainScript:
    """A generated train script and how it was obtained.

    Attributes:
        text: the content of ``train.py``.
        target: the expression saved as the model (``"model"``).
        kept: the cells the script contains, in execution order.
        dropped: ``(record, reason)`` for every recorded cell left out.
        notes: what was changed on the way (magics turned into comments ...).
        custom_objects: functions and classes defined in the notebook that the
            model needs; they must be importable to load the model file.
        randomness: how the model's random numbers depend on a global seed
            (``np.random.seed``), one sentence each; the cause to report when the
            script's model differs (e.g. a cell that draws from the seeded
            generator was excluded).
    """

    text: str
    target: str
    kept: list[CellRecord] = field(default_factory=list)
    dropped: list[tuple[CellRecord, str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    custom_objects: list[str] = field(default_factory=list)
    randomness: list[str] = field(default_factory=list)

    @property
    def kept_counts(self) -> list[int | None]:
        """Execution counts of the kept cells (``[1, 3, 7]``)."""
        return [r.execution_count for r in self.kept]

    def summary(self) -> str:
        """A few lines for the user: which cells are in, which are out and why."""
        kept = ", ".join(r.label for r in self.kept) or "none"
        lines = [f"train.py rebuilds {self.target} from {len(self.kept)} cell(s): {kept}."]
        magics = []
        for record, reason in self.dropped:
            if reason.startswith("hubmagic magic"):
                magics.append(record.label)
            else:
                short = reason if len(reason) <= 120 else reason[:117] + "..."
                lines.append(f"  left out {record.label}: {short}")
        if magics:
            lines.append(f"  left out hubmagic's own magics: {', '.join(magics)}")
        if self.custom_objects:
            lines.append("  defined in the notebook: " + ", ".join(self.custom_objects))
        lines.extend(f"  note: {note}" for note in self.notes)
        return "\n".join(lines)

    def write(self, path) -> None:
        from pathlib import Path

        Path(path).write_text(self.text, encoding="utf-8")


def build_train_script(
    records: list[CellRecord],
    target: str,
    *,
    model_file: str = "model.skops",
    model_format: str = "skops",
    include=(),
    exclude=(),
    all_cells: bool = False,
    notebook: str | None = None,
) -> TrainScript:
    """Write the minimal script that rebuilds ``target`` from the recorded cells.

    Args:
        records: the executed cells (``Recorder.records``), in any order; their
            ``order`` field is the execution order.
        target: the expression holding the estimator: ``"model"``,
            ``"search.best_estimator_"``, ``"models['rf']"``.
        model_file: file name the script saves the model to.
        model_format: ``"skops"`` or ``"pickle"``, as in the repository.
        include: cells (execution counts or cell ids) kept whatever the slicer says.
        exclude: cells never kept.
        all_cells: every successful cell in execution order, no slicing.
        notebook: the notebook's file name, for the header.

    Returns:
        A ``TrainScript``; ``.text`` is the content of ``train.py``.

    >>> from hubmagic.capture import CellRecord, build_train_script
    >>> cells = ["from sklearn.linear_model import LinearRegression",
    ...          "X, y = [[0], [1], [2]], [0, 1, 2]", "X", "model = LinearRegression()",
    ...          "model.fit(X, y)"]
    >>> records = [CellRecord(i, i + 1, src) for i, src in enumerate(cells)]
    >>> build_train_script(records, "model").kept_counts
    [1, 2, 4, 5]
    """
    from hubmagic.errors import InvalidInputError

    if model_format not in MODEL_FORMATS:
        raise InvalidInputError(
            f"Unknown model_format {model_format!r}: use 'skops' or 'pickle'."
        )
    if all_cells:
        units, reasons = history_units(records, exclude)
        bound = set()
        for unit in units:
            bound |= unit.statement.binds | {name for name, _ in unit.statement.imports}
        check_target(target, target_names(target), bound)
        kept = {u.position for u in units if u.statement.kind not in ("dropped",)}
        result = SliceResult(units, kept, reasons, _defined_objects(units), [])
    else:
        result = slice_history(records, target, include=include, exclude=exclude)
    return _render(result, records, target, model_file, model_format, all_cells, notebook)


def _defined_objects(units: list[Unit]) -> list[str]:
    names = []
    for unit in units:
        if unit.statement.defines_function or unit.statement.defines_class:
            names.extend(sorted(unit.statement.binds))
    return list(dict.fromkeys(names))


def _render(result, records, target, model_file, model_format, all_cells, notebook):
    comments: list[str] = []
    prelude: list[str] = []
    body: list[tuple[CellRecord, list[str]]] = []
    notes: list[str] = []
    by_order: dict[int, list[Unit]] = {}
    for unit in result.units:
        by_order.setdefault(unit.record.order, []).append(unit)

    kept_records, dropped = [], []
    for record in sorted(records, key=lambda r: r.order):
        if record.order in result.reasons:
            dropped.append((record, result.reasons[record.order]))
            continue
        units = by_order.get(record.order, [])
        cell = _kept_parts(record, units, result.kept, all_cells)
        comments += cell.comments
        prelude += cell.prelude
        if cell.code:
            body.append((record, cell.code))
        if cell.prelude or cell.code:
            kept_records.append(record)
            notes.extend(cell.notes)
            if record.success is False:
                notes.append(f"{record.label} {failure(record)}: kept up to line "
                             f"{record.error_line - 1}")
        elif record.success is False:
            dropped.append((record, failure(record)))
        else:
            dropped.append((record, _why_dropped(units)))

    header = _header(notebook, kept_records, all_cells)
    return TrainScript(
        text=_script_text(header, comments, prelude, body, _save_code(target, model_file, model_format)),
        target=target,
        kept=kept_records,
        dropped=dropped,
        notes=list(dict.fromkeys(notes + result.notes)),
        custom_objects=result.custom_objects,
        randomness=list(result.randomness),
    )


class _CellParts(NamedTuple):
    comments: list[str]  # package installs, shown at the top
    prelude: list[str]  # imports and setup, gathered after them
    code: list[str]  # the rest, under the cell's label
    notes: list[str]


def _kept_parts(record: CellRecord, units: list[Unit], kept: set[int], all_cells: bool) -> _CellParts:
    """What one cell gives the script: its kept statements, sorted into the script's parts."""
    parts = _CellParts([], [], [], [])
    for unit in units:
        st = unit.statement
        if st.note:
            parts.notes.append(f"{record.label}: {st.note}")
        if unit.position not in kept:
            continue
        if st.kind == "comment":
            parts.comments.append(st.text)
        elif st.kind in ("import", "setup") and not all_cells:
            parts.prelude.append(st.text)
        else:
            parts.code.append(st.text)
    return parts


def _script_text(header: str, comments: list[str], prelude: list[str], body, save_code: str) -> str:
    lines = [header]
    if comments:
        lines.append("# Installed in the notebook:\n" + "\n".join(dict.fromkeys(comments)))
    if prelude:
        unique = list(dict.fromkeys(t.strip() for t in prelude))
        future = [t for t in unique if t.startswith("from __future__")]
        lines.append("\n".join(future + [t for t in unique if t not in future]))
    for record, code in body:
        label = record.label
        if record.success is False:
            label += f" failed at line {record.error_line}: only the statements before it ran"
        lines.append(f"# {label}\n" + "\n".join(code))
    lines.append(save_code)
    return "\n\n".join(lines) + "\n"


def _why_dropped(units: list[Unit]) -> str:
    if not units:
        return "empty cell"
    if all(u.statement.kind == "comment" for u in units):
        return "installs packages: kept as a comment at the top of the script"
    notes = [u.statement.note for u in units if u.statement.note]
    if notes and all(u.statement.kind in ("dropped", "comment") for u in units):
        return "; ".join(notes)
    if not any(u.statement.binds or u.statement.imports or u.statement.mutates
               or any(_changes(call) for call in u.statement.calls) for u in units):
        return "display or exploration only"
    return "does not feed the model"


def _changes(call) -> bool:
    """``df.dropna(inplace=True)``, ``model.fit(X)``: a call that surely changes its object."""
    return call.inplace or (bool(call.chain) and call.chain[-1] in MUTATING_METHODS)


def _header(notebook, kept, all_cells) -> str:
    today = _dt.date.today().isoformat()
    origin = f"the notebook {notebook}" if notebook else "a notebook session"
    what = (
        "every cell that ran successfully, in execution order"
        if all_cells
        else "the cells the model depends on, in the order they were executed"
    )
    cells = ", ".join(r.label for r in kept) or "none"
    return (
        f'"""Train script generated by hubmagic on {today} from {origin}.\n\n'
        f"It contains {what}:\n{cells}.\n"
        'Run it next to the data files the notebook used: "python train.py".\n"""'
    )


def _save_code(target: str, model_file: str, model_format: str) -> str:
    if model_format == "skops":
        return (
            "# Save the model as the Hub repository stores it.\n"
            "import skops.io\n\n"
            f"skops.io.dump({target}, {model_file!r})"
        )
    return (
        "# Save the model as the Hub repository stores it.\n"
        "import pickle\n\n"
        f"with open({model_file!r}, \"wb\") as _hub_file:\n"
        f"    pickle.dump({target}, _hub_file)"
    )
