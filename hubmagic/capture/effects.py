"""What a statement of the history changes: names it mutates, global generators it seeds or draws.

The tables say which calls only read (``df.describe()``, ``model.predict(X)``)
and which change their object (``model.fit``, ``df.fillna(0, inplace=True)``);
a function defined in the notebook changes an argument only if its body does.
Unknown effects count as mutations: a script that keeps too much still
reproduces the model, one that keeps too little does not.
"""

from __future__ import annotations

import builtins

from hubmagic.capture.analysis import Statement
from hubmagic.capture.names import CallInfo
from hubmagic.capture.randomness import (
    FIT_METHODS,
    NUMPY,
    describe,
    global_call,
    random_state_kind,
)

# Methods that change their object even when their result is used.
MUTATING_METHODS = frozenset(
    [
        "fit", "partial_fit", "fit_transform", "fit_predict", "fit_resample", "set_params", "set_output", "append",
        "extend", "insert", "update", "pop", "popitem", "remove", "clear", "sort", "reverse", "add", "discard",
        "setdefault", "seed", "shuffle", "normal", "uniform", "integers", "random", "choice", "permutation",
        "standard_normal", "rand", "randn", "randint", "binomial", "poisson", "exponential", "beta", "gamma",
        "multivariate_normal", "bytes", "random_sample",
    ]
)
# Methods that only look at their object and return something new (a bare
# ``df.head()`` is display); ``inplace=True`` still makes them mutations.
PURE_METHODS = frozenset(
    [
        "head", "tail", "describe", "info", "plot", "hist", "show", "predict", "predict_proba", "predict_log_proba",
        "decision_function", "score", "score_samples", "staged_predict", "staged_predict_proba", "transform",
        "inverse_transform", "get_params", "get_feature_names_out", "get_metadata_routing", "copy", "sum", "mean",
        "median", "std", "var", "sem", "min", "max", "prod", "cumsum", "cumprod", "quantile", "mode", "skew",
        "kurt", "idxmin", "idxmax", "argmin", "argmax", "nlargest", "nsmallest", "all", "any", "count",
        "value_counts", "unique", "nunique", "duplicated", "drop_duplicates", "corr", "corrwith", "cov", "isna",
        "isnull", "notna", "notnull", "isin", "between", "equals", "savefig", "to_csv", "to_parquet", "to_json",
        "to_string", "to_dict", "to_list", "to_numpy", "tolist", "reshape", "ravel", "flatten", "keys", "values",
        "items", "memory_usage", "sample", "get_figure", "set_title", "set_xlabel", "set_ylabel", "legend",
        "imshow", "scatter", "bar", "barh", "boxplot", "pairplot", "heatmap", "display", "drop", "dropna", "fillna",
        "rename", "assign", "sort_values", "sort_index", "reset_index", "set_index", "astype", "replace", "merge",
        "join", "groupby", "agg", "aggregate", "apply", "map", "query", "filter", "select_dtypes", "pivot",
        "pivot_table", "melt", "round", "abs", "clip", "where", "mask",
    ]
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
    [
        "numpy", "pandas", "sklearn", "scipy", "matplotlib", "seaborn", "skops", "math", "statistics", "json", "os",
        "sys", "pathlib", "re", "collections", "itertools", "functools", "operator", "typing", "datetime", "time",
        "random", "string", "copy", "pickle", "joblib", "warnings", "plotly", "IPython", "tqdm", "xgboost",
        "lightgbm", "catboost", "imblearn", "statsmodels", "polars", "pyarrow", "hubmagic", "huggingface_hub",
        "types", "dataclasses", "enum", "logging", "io", "csv", "glob", "shutil", "urllib", "requests",
    ]
)
# scikit-learn helpers that fit (clones of) the estimator they are given.
_FITTING_FUNCTIONS = frozenset(
    [
        "cross_val_score", "cross_validate", "cross_val_predict", "learning_curve", "validation_curve",
        "permutation_test_score",
    ]
)
_BUILTINS = frozenset(dir(builtins)) | {"display"}


class Context:
    """Facts about the whole history needed to decide what a call may change."""

    def __init__(self, statements):
        self.imported: set[str] = set()
        self.library: set[str] = set()  # names imported from a known library
        self.modules: dict[str, str] = {}  # imported name -> what it is (``np`` -> ``numpy``)
        self.assigned: set[str] = set()
        self.functions: dict[str, list[Statement]] = {}  # every definition of each function
        self.classes: set[str] = set()
        self.read_anywhere: set[str] = set()
        for st in statements:
            for name, module in st.imports:
                self.imported.add(name)
                # ``import a.b`` binds ``a``: the name is the top package.
                top = module.split(".")[0]
                self.modules[name] = top if name == top else module
                if top in KNOWN_LIBRARIES and not module.startswith("."):
                    self.library.add(name)
            self.assigned |= st.binds
            self.read_anywhere |= st.uses | st.late_uses
            if st.defines_function:
                for name in st.binds:
                    self.functions.setdefault(name, []).append(st)
            if st.defines_class:
                self.classes |= st.binds

    def path(self, call: CallInfo) -> str | None:
        """``numpy.random.rand`` for ``np.random.rand(...)``; ``None`` unless imported."""
        root = call.root
        if root is None or root not in self.modules or root in self.assigned:
            return None
        chain = [part for part in call.chain if part != "<item>"]
        return ".".join([self.modules[root], *chain])

    # -- names ------------------------------------------------------------------------
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
            # The global generators are modelled on their own (see randomness.py).
            if last in MODULE_STATE_CALLS and global_call(self.path(call))[0] is None:
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
        """What a call of a notebook function changes: the globals and the arguments its body changes."""
        touched: set[str] = set()
        for st in self.functions[name]:
            changed = set(st.body_mutates)
            if depth < 3:
                for inner in st.body_calls:
                    changed |= self.changed_by_call(inner, depth + 1)
            else:
                changed |= st.late_uses | set(st.signature[0]) | st.signature[1]  # assume the worst
            for _ in range(3):  # ``f = frame; f["x"] = 1`` changes ``frame``
                changed |= {old for new, old in st.body_aliases if new in changed}
            touched |= (changed & st.late_uses) | st.global_writes
            touched |= _arguments_changed(st, call, changed, depth >= 3)
        return {n for n in touched if n not in self.imported and n not in self.functions}

    # -- global generators -----------------------------------------------------------------
    def randomness(self, st: Statement, estimators: set[str]):
        """``(seeds, draws, builds)`` of one statement.

        ``seeds``: generators it seeds; ``draws``: generator -> the call that draws
        from it; ``builds``: it creates an estimator whose fit will draw
        (``random_state`` left to ``None``). ``estimators`` are the names that
        hold such estimators at this point of the history.
        """
        seeds: set[str] = set()
        draws: dict[str, str] = {}
        builds = fits = False
        for call in st.calls:
            path = self.path(call)
            action, generator = global_call(path)
            if action == "seed":
                seeds.add(generator)
                continue
            if action == "draw":
                draws.setdefault(generator, describe(call))
                continue
            unseeded = call.random_state != "given"
            kind = random_state_kind(path) if path and unseeded else None
            builds = builds or kind == "class"
            draw = _unseeded_draw(st, call, path, kind, unseeded, estimators)
            if draw:
                draws.setdefault(NUMPY, draw)
            if any(part in FIT_METHODS for part in call.chain):
                fits = True
                if call.root in estimators:
                    draws.setdefault(NUMPY, f"{describe(call)} of an estimator without random_state")
            if not call.chain and call.root in self.functions:
                for generator, text in self._function_draws(call, estimators).items():
                    draws.setdefault(generator, text)
        if builds and fits:
            draws.setdefault(NUMPY, "fitting an estimator without random_state")
        return seeds, draws, builds

    def _function_draws(self, call: CallInfo, estimators: set[str]) -> dict[str, str]:
        draws: dict[str, str] = {}
        for st in self.functions[call.root]:
            for inner in st.body_calls:
                action, generator = global_call(self.path(inner))
                if action == "draw":
                    draws.setdefault(generator, f"{describe(call)} calls {describe(inner)}")
                elif any(p in FIT_METHODS for p in inner.chain) and set(call.arg_names) & estimators:
                    draws.setdefault(NUMPY, f"{describe(call)} fits an estimator without random_state")
        return draws


def _unseeded_draw(st: Statement, call: CallInfo, path: str | None, kind: str | None, unseeded: bool,
                   estimators: set[str]) -> str | None:
    """How ``call`` draws from numpy's global generator for want of a ``random_state``, if it does.

    ``kind`` is ``random_state_kind(path)`` for an unseeded call to a known path.
    """
    if kind == "function":
        return f"{describe(call)} without random_state"
    if (kind != "class" and path and path.startswith("sklearn.") and path.split(".")[-1] in _FITTING_FUNCTIONS
            and (set(call.arg_names) | st.uses) & estimators):
        return f"{describe(call)} of an estimator without random_state"
    if path is None and call.chain and call.chain[-1] == "sample" and unseeded:
        return f"{describe(call)} without random_state"  # pandas
    return None


def _arguments_changed(st: Statement, call: CallInfo, changed: set[str], unknown: bool) -> set[str]:
    """The names passed to ``call`` whose parameter the function body changes."""
    positional, keyword_only, variadic = st.signature
    if unknown or variadic or call.unpacks:
        local_change = changed - st.late_uses
        return set(call.arg_names) if local_change or unknown else set()
    # strict=False: a call with more arguments than parameters fails at run time; its extra names change nothing
    out = {name for name, param in zip(call.positional, positional, strict=False) if name and param in changed}
    parameters = set(positional) | keyword_only
    out |= {name for key, name in call.keywords if name and key in parameters and key in changed}
    return out
