"""Find the statements of a recorded history that the target estimator depends on.

A backward walk over def-use chains in *execution* order: starting from the
names the target expression reads, each needed name is resolved to the
statements before the point of use that bound it (the last rebinding) or changed
it in place since (``model.fit``, ``df["x"] = ...``, ``np.random.seed``, a call
of a notebook function that may touch it). Those statements are kept and the
names they read are needed in turn. Unknown effects count as mutations: a
script that keeps too much still reproduces the model, one that keeps too
little does not.
"""

from __future__ import annotations

import ast
import builtins
from bisect import bisect_left
from dataclasses import dataclass

from hubmagic.capture.analysis import Statement, analyze_source
from hubmagic.capture.names import CallInfo
from hubmagic.capture.records import EXCLUDE_TAG, INCLUDE_TAG, CellRecord

KILL, IMPORT, MUTATE = "kill", "import", "mutate"

# Methods that change their object even when their result is used.
MUTATING_METHODS = frozenset(
    ["fit", "partial_fit", "fit_transform", "fit_predict", "fit_resample", "set_params", "set_output", "append", "extend", "insert", "update", "pop", "popitem", "remove", "clear", "sort", "reverse", "add", "discard", "setdefault", "seed", "shuffle", "normal", "uniform", "integers", "random", "choice", "permutation", "standard_normal", "rand", "randn", "randint", "binomial", "poisson", "exponential", "beta", "gamma", "multivariate_normal", "bytes", "random_sample"]
)
# Methods that only look at their object (a bare ``df.head()`` is display).
PURE_METHODS = frozenset(
    ["head", "tail", "describe", "info", "plot", "hist", "show", "predict", "predict_proba", "predict_log_proba", "decision_function", "score", "score_samples", "transform", "inverse_transform", "get_params", "get_feature_names_out", "copy", "sum", "mean", "median", "std", "var", "min", "max", "count", "value_counts", "unique", "nunique", "corr", "cov", "isna", "isnull", "notna", "notnull", "savefig", "to_csv", "to_parquet", "to_json", "to_string", "to_numpy", "tolist", "keys", "values", "items", "memory_usage", "sample", "get_figure", "set_title", "set_xlabel", "set_ylabel", "legend", "imshow", "scatter", "bar", "barh", "boxplot", "pairplot", "heatmap", "display", "drop", "dropna", "fillna", "rename", "assign", "sort_values", "sort_index", "reset_index", "set_index", "astype", "replace", "merge", "join", "groupby", "agg", "aggregate", "apply", "map", "query", "filter", "select_dtypes", "pivot", "pivot_table", "melt", "round", "abs", "clip", "where", "mask"]
)
# Library functions that change an argument in place.
MUTATING_FUNCTIONS = frozenset(
    ["shuffle", "fill_diagonal", "copyto", "put", "place", "putmask", "setattr", "delattr"]
)
# Module-level calls that change the module's (global) state.
MODULE_STATE_CALLS = frozenset(
    ["seed", "manual_seed", "set_seed", "set_config", "use", "set_option", "setLevel"]
)
# Libraries whose functions return new objects instead of changing their arguments.
KNOWN_LIBRARIES = frozenset(
    ["numpy", "pandas", "sklearn", "scipy", "matplotlib", "seaborn", "skops", "math", "statistics", "json", "os", "sys", "pathlib", "re", "collections", "itertools", "functools", "operator", "typing", "datetime", "time", "random", "string", "copy", "pickle", "joblib", "warnings", "plotly", "IPython", "tqdm", "xgboost", "lightgbm", "catboost", "imblearn", "statsmodels", "polars", "pyarrow", "hubmagic", "huggingface_hub", "types", "dataclasses", "enum", "logging", "io", "csv", "glob", "shutil", "urllib", "requests"]
)
_BUILTINS = frozenset(dir(builtins)) | {"display"}
_SIDE_EFFECT_MODULE_PARTS = ("experimental", "enable_")


@dataclass
class Unit:
    """One statement of one recorded cell, at its place in execution order."""

    position: int
    record: CellRecord
    statement: Statement


@dataclass
class SliceResult:
    units: list[Unit]
    kept: set[int]  # positions of kept units
    reasons: dict[int, str]  # record.order -> why the whole cell is left out
    custom_objects: list[str]
    notes: list[str]


def eligible(record: CellRecord, exclude=()) -> str | None:
    """Why a recorded cell cannot be part of a script (``None`` if it can)."""
    if record.success is False and not record.error_line:
        return failure(record)
    if EXCLUDE_TAG in record.forced_tags or any(record.matches(ref) for ref in exclude):
        return "excluded by the user"
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


class _Context:
    """Facts about the whole history needed to decide what a call may change."""

    def __init__(self, units: list[Unit]):
        self.imported: set[str] = set()
        self.library: set[str] = set()  # names imported from a known library
        self.assigned: set[str] = set()
        # notebook function -> (globals it reads, globals it assigns, changed inside, calls inside)
        self.functions: dict[str, list] = {}
        self.classes: set[str] = set()
        self.read_anywhere: set[str] = set()
        for unit in units:
            st = unit.statement
            for name, module in st.imports:
                self.imported.add(name)
                if module.lstrip(".").split(".")[0] in KNOWN_LIBRARIES and not module.startswith("."):
                    self.library.add(name)
            self.assigned |= st.binds
            self.read_anywhere |= st.uses | st.late_uses
            if st.defines_function:
                for name in st.binds:
                    entry = self.functions.setdefault(name, [set(), set(), set(), []])
                    entry[0] |= st.late_uses
                    entry[1] |= st.global_writes
                    entry[2] |= st.body_mutates
                    entry[3] += st.body_calls
            if st.defines_class:
                self.classes |= st.binds

    def changed_by_call(self, call: CallInfo, depth: int = 0) -> set[str]:
        root, chain = call.root, call.chain
        if root is None:
            return set()
        last = chain[-1] if chain else root
        if not chain:
            if root in self.functions:
                return self._changed_by_function(root, call, depth)
            if root in self.classes:
                return set()
            known = root in self.library or (root in _BUILTINS and root not in self.assigned)
            if known:
                return set(call.arg_names[:1]) if last in MUTATING_FUNCTIONS else set()
            return set(call.arg_names)  # unknown callable: may change what it gets
        if root in self.imported and root not in self.assigned:
            changed = set()
            if "random" in chain or last in MODULE_STATE_CALLS:
                changed.add(root)
            if root not in self.library:
                changed.update(call.arg_names)  # a function of an unknown module
            elif last in MUTATING_FUNCTIONS:
                changed.update(call.arg_names[:1])
            return changed
        mutating = (
            call.inplace
            or last in MUTATING_METHODS
            or (not call.result_used and last not in PURE_METHODS)
        )
        return {root} if mutating else set()

    def _changed_by_function(self, name: str, call: CallInfo, depth: int) -> set[str]:
        """What a notebook function may change: what its body changes, its arguments."""
        reads, writes, changed_inside, calls_inside = self.functions[name]
        changed = set(changed_inside)
        if depth < 3:
            for inner in calls_inside:
                changed |= self.changed_by_call(inner, depth + 1)
        else:
            changed |= reads  # deep call chains: assume the worst
        touched = (changed & reads) | writes | set(call.arg_names)
        return {n for n in touched if n not in self.imported and n not in self.functions}


def slice_history(
    records: list[CellRecord], target: str, *, include=(), exclude=()
) -> SliceResult:
    """The statements needed to rebuild ``target`` (see the module docstring)."""
    units, reasons = history_units(records, exclude)
    context = _Context(units)
    events: dict[str, list[tuple[int, str]]] = {}
    alias: dict[str, str] = {}
    for unit in units:
        st = unit.statement
        if st.kind in ("dropped", "comment"):
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
        for name in st.binds:
            events.setdefault(name, []).append((unit.position, KILL))
        for name, _ in st.imports:
            events.setdefault(name, []).append((unit.position, IMPORT))
        for name in changed - st.binds:
            events.setdefault(name, []).append((unit.position, MUTATE))
    positions = {name: [p for p, _ in evs] for name, evs in events.items()}

    wanted = target_names(target)
    check_target(target, wanted, events)
    end = len(units)
    kept: set[int] = set()
    todo: list[tuple[str, int]] = [(name, end) for name in wanted]
    seen: set[tuple[str, int]] = set()

    def keep(unit: Unit) -> None:
        if unit.position in kept:
            return
        kept.add(unit.position)
        todo.extend((name, unit.position) for name in unit.statement.uses)

    for unit in units:
        if unit.statement.kind == "comment":
            kept.add(unit.position)  # package installs: shown at the top of the script
        forced = INCLUDE_TAG in unit.record.forced_tags or any(unit.record.matches(r) for r in include)
        if unit.statement.kind == "seed":
            # Estimators with random_state=None draw from the seeded global generator:
            # keep every draw from it before the end, or the model changes.
            todo.extend((name, end) for name in unit.statement.uses)
        if unit.statement.kind in ("setup", "seed") or (
            forced and unit.statement.kind in ("code", "seed")
        ):
            keep(unit)
            if forced:
                todo.extend((name, end) for name in unit.statement.late_uses)

    while todo:
        name, position = todo.pop()
        if (name, position) in seen or name not in events:
            continue
        seen.add((name, position))
        evs = events[name]
        index = bisect_left(positions[name], position) - 1
        while index >= 0:
            unit_position, kind = evs[index]
            unit = units[unit_position]
            keep(unit)
            if unit.statement.late_uses:
                # Functions and methods read their globals when they are called.
                for late in unit.statement.late_uses:
                    todo.append((late, position))
                    todo.append((late, end))
            if kind == KILL:
                break
            index -= 1

    _keep_side_effect_imports(units, kept, context)
    custom = []
    for position in sorted(kept):
        st = units[position].statement
        if st.defines_function or st.defines_class:
            custom.extend(sorted(st.binds))
    return SliceResult(units, kept, reasons, list(dict.fromkeys(custom)), [])


def check_target(target: str, wanted, bound) -> None:
    """Refuse a target that no recorded cell creates."""
    from hubmagic.errors import InvalidInputError

    if not any(name in bound for name in wanted):
        raise InvalidInputError(
            f"No recorded cell assigns {target!r}. Run the cell that creates it after "
            "'%load_ext hubmagic' (or check the name), then try again."
        )


def _keep_side_effect_imports(units: list[Unit], kept: set[int], context: _Context) -> None:
    """Imports are cheap and may register things: keep those whose names nobody reads."""
    for unit in units:
        st = unit.statement
        if st.kind != "import" or unit.position in kept:
            continue
        for name, module in st.imports:
            side_effect = any(part in module for part in _SIDE_EFFECT_MODULE_PARTS)
            if side_effect or name not in context.read_anywhere:
                kept.add(unit.position)
                break
