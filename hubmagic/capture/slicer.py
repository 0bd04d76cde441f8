"""Find the statements of a recorded history that the target estimator depends on.

A backward walk over def-use chains in *execution* order: starting from the
names the target expression reads, each needed name is resolved to the
statements before the point of use that bound it (the last rebinding) or changed
it in place since (``model.fit``, ``df["x"] = ...``, a call of a notebook
function whose body changes its argument; see effects.py). Those statements are
kept and the names they read are needed in turn.

NumPy's and Python's global random generators are variables too: seeding binds
them, every draw (``np.random.rand``, ``df.sample()``, an estimator fitted with
``random_state=None``) reads and changes them, so a model that draws keeps the
seed and every draw since, in order. Without a seed there is nothing to replay.
"""

from __future__ import annotations

import ast
from bisect import bisect_left
from dataclasses import dataclass, field

from hubmagic.capture.analysis import Statement, analyze_source
from hubmagic.capture.effects import KNOWN_LIBRARIES, Context
from hubmagic.capture.randomness import GENERATORS, seeded_note
from hubmagic.capture.records import EXCLUDE_TAG, INCLUDE_TAG, CellRecord

KILL, IMPORT, MUTATE = "kill", "import", "mutate"
EXCLUDED = "excluded by the user"
# Imports kept even when nothing reads their names: they change how other code behaves.
_SIDE_EFFECT_MODULE_PARTS = ("experimental", "enable_", "__future__")


@dataclass
class Unit:
    """One statement of one recorded cell, at its place in execution order."""

    position: int
    record: CellRecord
    statement: Statement


@dataclass
class SliceResult:
    """The slice: kept unit positions, why whole cells are out, what the verdict should know.

    ``randomness`` explains, one sentence each, how the model's random numbers
    depend on a global seed (and which left-out cell draws from it), for the
    verdict of a script that does not reproduce the model.
    """

    units: list[Unit]
    kept: set[int]  # positions of kept units
    reasons: dict[int, str]  # record.order -> why the whole cell is left out
    custom_objects: list[str]
    notes: list[str]
    randomness: list[str] = field(default_factory=list)


@dataclass
class Effects:
    """What one statement does to the state the model may depend on."""

    changed: set[str]  # names changed in place (not rebound)
    seeds: set[str]  # global generators it seeds
    draws: dict[str, str]  # global generator -> the call that draws from it


# Most statements change nothing: one shared value keeps a long history light on memory
# (and on the garbage collector, which otherwise walks every analysed cell again and again).
_NO_EFFECT = Effects(frozenset(), frozenset(), {})


def eligible(record: CellRecord, exclude=()) -> str | None:
    """Why a recorded cell cannot be part of a script (``None`` if it can)."""
    if record.success is False and not record.error_line:
        return failure(record)
    if EXCLUDE_TAG in record.forced_tags or any(record.matches(ref) for ref in exclude):
        return EXCLUDED
    analysis = analyze_source(record.transformed_source)
    if analysis.syntax_error:
        return f"does not parse: {analysis.syntax_error}"
    return None


def failure(record: CellRecord) -> str:
    return f"failed ({record.error})" if record.error else "failed"


def history_units(records: list[CellRecord], exclude=()) -> tuple[list[Unit], dict[int, str]]:
    """Every statement of every usable record, in execution order."""
    units: list[Unit] = []
    reasons: dict[int, str] = {}
    for record in sorted(records, key=lambda r: r.order):
        reason = eligible(record, exclude)
        if reason:
            reasons[record.order] = reason
            continue
        statements = analyze_source(record.transformed_source).statements
        if record.success is False:
            # The statements before the one that raised did run (and may have fitted).
            statements = [s for s in statements if s.lines[1] < record.error_line]
            if not statements:
                reasons[record.order] = failure(record)
        for statement in statements:
            units.append(Unit(len(units), record, statement))
    return units, reasons


def target_names(target: str) -> frozenset:
    """Names the target expression reads: ``{"search"}`` for ``search.best_estimator_``."""
    from hubmagic.errors import InvalidInputError

    try:
        tree = ast.parse(target.strip(), mode="eval")
    except SyntaxError:
        raise InvalidInputError(
            f"The target {target!r} is not a Python expression. Give the variable that "
            "holds the estimator, e.g. 'model' or 'search.best_estimator_'."
        ) from None
    return frozenset(
        n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)
    )


def history_effects(units: list[Unit], context: Context) -> list[Effects]:
    """The effects of every unit, in order (aliases and estimators followed along)."""
    effects = []
    alias: dict[str, str] = {}
    estimators: set[str] = set()  # names holding an estimator whose fit draws
    for unit in units:
        st = unit.statement
        if st.kind in ("dropped", "comment"):
            effects.append(_NO_EFFECT)
            continue
        changed = set(st.mutates) | set(st.global_writes)
        for call in st.calls:
            changed |= context.changed_by_call(call)
        for name in list(changed):  # changing ``est`` changes the pipeline it came from
            for _ in range(5):
                name = alias.get(name)
                if name is None or name in changed:
                    break
                changed.add(name)
        for name in st.binds:
            alias.pop(name, None)
        alias.update((new, old) for new, old in st.aliases if new != old)
        seeds, draws, builds = context.randomness(st, estimators)
        wraps = st.uses & estimators and any(
            (context.path(c) or "").startswith(("sklearn.", "imblearn.")) for c in st.calls
        )  # GridSearchCV(model), make_pipeline(scaler, model)
        estimators -= st.binds
        if builds or wraps:
            estimators |= st.binds
        estimators |= {new for new, old in st.aliases if old in estimators}
        changed -= st.binds
        effects.append(Effects(changed, seeds, draws) if changed or seeds or draws else _NO_EFFECT)
    return effects


def slice_history(
    records: list[CellRecord], target: str, *, include=(), exclude=()
) -> SliceResult:
    """The statements needed to rebuild ``target`` (see the module docstring)."""
    units, reasons = history_units(records, exclude)
    context = Context(u.statement for u in units)
    # Excluded cells ran in the notebook: their draws moved the generators (see _randomness).
    ghosts = _excluded_units(records, reasons)
    timeline = sorted(units + ghosts, key=lambda u: (u.record.order, u.position))
    effects = dict(zip((id(u) for u in timeline), history_effects(timeline, context), strict=True))
    events = _events(units, effects)

    wanted = target_names(target)
    check_target(target, wanted, events)
    walk = _BackwardWalk(units, effects, events)
    walk.need(wanted)
    walk.keep_forced(include)
    walk.run()

    _keep_side_effect_imports(units, walk.kept, context)
    custom = []
    for position in sorted(walk.kept):
        st = units[position].statement
        if st.defines_function or st.defines_class:
            custom.extend(sorted(st.binds))
    randomness = _randomness(units, ghosts, effects, walk.seeds, walk.drawn_at, reasons)
    warnings = [text for text, left_out in randomness if left_out]
    return SliceResult(units, walk.kept, reasons, list(dict.fromkeys(custom)), warnings,
                       [text for text, _ in randomness])


def _events(units: list[Unit], effects: dict[int, Effects]) -> dict[str, list[tuple[int, str]]]:
    """name -> ``(position, KILL | IMPORT | MUTATE)`` of each statement that binds or changes it, in order."""
    events: dict[str, list[tuple[int, str]]] = {}
    for unit in units:
        st, effect = unit.statement, effects[id(unit)]
        for name in st.binds:
            events.setdefault(name, []).append((unit.position, KILL))
        for name, _ in st.imports:
            events.setdefault(name, []).append((unit.position, IMPORT))
        for name in effect.changed | set(effect.draws):
            events.setdefault(name, []).append((unit.position, MUTATE))
        for name in effect.seeds:
            events.setdefault(name, []).append((unit.position, KILL))
    return events


class _BackwardWalk:
    """The walk from the needed names back to the statements that made them: ``kept`` positions."""

    def __init__(self, units: list[Unit], effects: dict[int, Effects], events: dict[str, list[tuple[int, str]]]):
        self.units, self.effects, self.events = units, effects, events
        self.positions = {name: [p for p, _ in evs] for name, evs in events.items()}
        self.seeds = {g: [p for p, kind in events.get(g, []) if kind == KILL] for g in GENERATORS}
        self.end = len(units)
        self.kept: set[int] = set()
        self.todo: list[tuple[str, int]] = []  # (name, the position that needs its value)
        self.seen: set[tuple[str, int]] = set()
        self.drawn_at: dict[str, int] = {}  # generator -> last position that needs its seeded state

    def need(self, names, position: int | None = None) -> None:
        self.todo.extend((name, self.end if position is None else position) for name in names)

    def keep(self, unit: Unit) -> None:
        if unit.position in self.kept:
            return
        self.kept.add(unit.position)
        self.need(unit.statement.uses, unit.position)
        # A draw reads the generator's state: the draws before it are needed too.
        self.need(self.effects[id(unit)].draws, unit.position)

    def keep_forced(self, include) -> None:
        """Package installs, setup and seeds, and the cells the user included."""
        for unit in self.units:
            if unit.statement.kind == "comment":
                self.kept.add(unit.position)  # package installs: shown at the top of the script
            forced = INCLUDE_TAG in unit.record.forced_tags or any(unit.record.matches(r) for r in include)
            if unit.statement.kind in ("setup", "seed") or (
                forced and unit.statement.kind in ("code", "seed")
            ):
                self.keep(unit)
                if forced:
                    self.need(unit.statement.late_uses)

    def run(self) -> None:
        while self.todo:
            name, position = self.todo.pop()
            if (name, position) in self.seen or name not in self.events:
                continue
            self.seen.add((name, position))
            index = bisect_left(self.positions[name], position) - 1
            if name in GENERATORS:
                self._follow_generator(name, position, index)
            else:
                self._follow_name(name, position, index)

    def _follow_generator(self, name: str, position: int, index: int) -> None:
        # Unseeded: the notebook's numbers cannot be replayed, nothing to keep. Seeded:
        # the previous draw (or the seed) is needed; it asks for the one before it.
        if index >= 0 and bisect_left(self.seeds[name], position):
            self.keep(self.units[self.events[name][index][0]])
            self.drawn_at[name] = max(self.drawn_at.get(name, -1), position)

    def _follow_name(self, name: str, position: int, index: int) -> None:
        """Keep the statements before ``position`` that changed ``name``, back to the one that bound it."""
        evs = self.events[name]
        while index >= 0:
            unit_position, kind = evs[index]
            unit = self.units[unit_position]
            self.keep(unit)
            # Functions and methods read their globals when they are called.
            for late in unit.statement.late_uses:
                self.todo.append((late, position))
                self.todo.append((late, self.end))
            if kind == KILL:
                break
            index -= 1


def _excluded_units(records: list[CellRecord], reasons: dict[int, str]) -> list[Unit]:
    """Units (position -1) for the statements of cells the user excluded."""
    ghosts = []
    for record in records:
        if reasons.get(record.order) != EXCLUDED:
            continue
        analysis = analyze_source(record.transformed_source)
        if not analysis.syntax_error and record.success is not False:
            ghosts.extend(Unit(-1, record, st) for st in analysis.statements)
    return ghosts


def _randomness(units, ghosts, effects, seeds, drawn_at, reasons) -> list[tuple[str, bool]]:
    """(sentence, a drawing cell is left out) per seeded generator the model draws from."""
    notes = []
    for generator, last in sorted(drawn_at.items()):
        seed = units[seeds[generator][bisect_left(seeds[generator], last) - 1]]
        until = units[last].record.order if last < len(units) else float("inf")
        draws = [u.record.label for u in units[seed.position + 1 : last + 1]
                 if generator in effects[id(u)].draws]
        left_out = [
            (u.record.label, effects[id(u)].draws[generator], reasons[u.record.order])
            for u in ghosts
            if seed.record.order < u.record.order < until and generator in effects[id(u)].draws
        ]
        left_out = list(dict.fromkeys(left_out))
        notes.append((seeded_note(seed.record.label, seed.statement.text, generator, draws,
                                  left_out), bool(left_out)))
    return notes


def check_target(target: str, wanted, bound) -> None:
    """Refuse a target that no recorded cell creates."""
    from hubmagic.errors import InvalidInputError

    if not any(name in bound for name in wanted):
        raise InvalidInputError(
            f"No recorded cell assigns {target!r}. Run the cell that creates it after "
            "'%load_ext hubmagic' (or check the name), then try again."
        )


def _keep_side_effect_imports(units: list[Unit], kept: set[int], context: Context) -> None:
    """Keep the imports that may do something when imported, although nothing kept reads them.

    An unused import of a library we know (numpy, pandas, scikit-learn ...) is
    dropped, unless importing it is what makes something work
    (``sklearn.experimental.enable_halving_search_cv``); an unknown module that
    the notebook imports without ever reading its name may register something: kept.
    """
    for unit in units:
        st = unit.statement
        if st.kind != "import" or unit.position in kept:
            continue
        for name, module in st.imports:
            side_effect = any(part in module for part in _SIDE_EFFECT_MODULE_PARTS)
            known = module.split(".")[0] in KNOWN_LIBRARIES
            if side_effect or (not known and name not in context.read_anywhere):
                kept.add(unit.position)
                break
