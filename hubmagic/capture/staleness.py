"""Do the captured figures still show the model? And which figures were never captured?

A figure shows what its cell read: ``plt.plot(model.loss_curve_)`` shows
``model``; ``df.hist()`` shows ``df``. If a later cell rebinds or changes one of
those (``model.set_params(max_iter=40).fit(X, y)``), the figure is of an older
state and would be published next to a model it does not describe. Figures
drawn before ``%load_ext hubmagic`` were not captured at all: the user is told
which cells to re-run.
"""

from __future__ import annotations

from hubmagic.capture.effects import Context
from hubmagic.capture.records import CellRecord
from hubmagic.capture.slicer import history_effects, history_units

# Libraries whose objects are the figure itself (fig, ax), not what it shows.
_PLOTTING = ("matplotlib", "seaborn", "plotly")
# Libraries whose every function draws (matplotlib also has settings: matplotlib.use).
_DRAWING_LIBRARIES = ("seaborn", "plotly", "pandas.plotting")
# Calls that draw or display a figure.
_PLOT_CALLS = frozenset(
    [
        "plot", "hist", "boxplot", "scatter", "imshow", "bar", "barh", "pie", "heatmap", "histplot", "pairplot", "show",
        "from_estimator", "from_predictions", "matshow",
    ]
)


def stale_reasons(records: list[CellRecord], counts) -> dict[int, str]:
    """``{execution count: why}`` for the figure cells whose content changed afterwards."""
    units, _ = history_units(records)
    context = Context(u.statement for u in units)
    effects = history_effects(units, context)
    last_change: dict[str, CellRecord] = {}
    binders: dict[str, list] = {}
    for unit, effect in zip(units, effects, strict=True):
        for name in unit.statement.binds | effect.changed:
            last_change[name] = unit.record
        for name in unit.statement.binds:
            binders.setdefault(name, []).append(unit.statement)
    tools = context.imported | set(context.functions) | context.classes
    reasons = {}
    for count in counts:
        cell = next((r for r in reversed(records) if r.execution_count == count), None)
        if cell is None or count is None:
            continue
        shown = [
            name for name in _free_names(u.statement for u in units if u.record is cell)
            if name not in tools and not _is_plot_handle(binders.get(name, ()), context)
        ]
        later = [(last_change[n], n) for n in shown if n in last_change
                 and last_change[n].order > cell.order]
        if later:
            record, name = max(later, key=lambda pair: pair[0].order)
            reasons[count] = (
                f"drawn in {cell.label}, but {record.label} changed `{name}` afterwards: "
                "it shows an older state than the one published"
            )
    return reasons


def _free_names(statements) -> list[str]:
    """Names a cell reads before binding them itself."""
    bound: set[str] = set()
    free: list[str] = []
    for st in statements:
        free.extend(sorted(st.uses - bound))
        bound |= st.binds
    return list(dict.fromkeys(free))


def _is_plot_handle(statements, context: Context) -> bool:
    """``fig, ax = plt.subplots()``: every binding of the name comes from a plotting library."""
    return bool(statements) and all(
        any((context.path(c) or "").startswith(_PLOTTING) for c in st.calls) for st in statements
    )


def figures_before_loading(records: list[CellRecord]) -> list[CellRecord]:
    """Cells read back from history (run before ``%load_ext hubmagic``) that drew figures
    and were not run again since."""
    rerun = {r.source for r in records if not r.from_history}
    units, _ = history_units(records)
    context = Context(u.statement for u in units)
    found: dict[int, CellRecord] = {}
    for unit in units:
        record = unit.record
        if not record.from_history or record.source in rerun or record.order in found:
            continue
        for call in unit.statement.calls:
            last = call.chain[-1] if call.chain else call.root
            if last in _PLOT_CALLS or (context.path(call) or "").startswith(_DRAWING_LIBRARIES):
                found[record.order] = record
                break
    return list(found.values())


def figures_report(figures, records: list[CellRecord]) -> str | None:
    """What ``%hub_figures`` says beside the list: figures not captured, figures left out as stale."""
    stale = figures.refresh()
    missed = figures_before_loading(records)
    lines = []
    if missed:
        labels = ", ".join(r.label for r in missed)
        one = len(missed) == 1
        lines.append(
            f"{labels} displayed {'a figure' if one else 'figures'} before %load_ext hubmagic, "
            f"so {'it was' if one else 'they were'} not captured: re-run "
            f"{'that cell' if one else 'those cells'} to capture {'it' if one else 'them'}."
        )
    elif not figures.figures:
        return "No figures captured yet: display a matplotlib figure in a cell after %load_ext hubmagic."
    for figure in stale:
        state = "still published (you included it)" if figure.include else "not published"
        lines.append(f"{figure.name}: {state}: {figure.stale}. "
                     f"`%hub_figures --include {figure.name}` publishes it anyway.")
    return "\n".join(lines) or None
