"""Finding the user's objects in the notebook's namespace, with errors that say what to do."""

from __future__ import annotations

from hubmagic.errors import InvalidInputError


def is_estimator(obj) -> bool:
    """A scikit-learn-style estimator instance (not a class)."""
    return (
        not isinstance(obj, type)
        and callable(getattr(obj, "fit", None))
        and (callable(getattr(obj, "predict", None)) or callable(getattr(obj, "transform", None)))
    )


def is_fitted(obj) -> bool:
    try:
        from sklearn.utils.validation import check_is_fitted

        check_is_fitted(obj)
    except Exception:
        return False
    return True


def fitted_estimators(user_ns: dict) -> list[str]:
    """Names of the fitted estimators a user defined (``_``-names and IPython's own skipped)."""
    names = []
    for name, obj in user_ns.items():
        if name.startswith("_") or name in {"In", "Out", "exit", "quit", "get_ipython"}:
            continue
        if is_estimator(obj) and is_fitted(obj):
            names.append(name)
    return names


def pick_model_name(user_ns: dict, name: str | None) -> str:
    """The variable holding the model: the one given, or the only fitted estimator."""
    if name:
        return name
    candidates = fitted_estimators(user_ns)
    if len(candidates) == 1:
        return candidates[0]
    if not candidates:
        raise InvalidInputError(
            "No fitted scikit-learn estimator found in this notebook's variables. Fit a model "
            "first (e.g. `model = LogisticRegression().fit(X, y)`), then run `%hub_init model`."
        )
    listed = ", ".join(candidates)
    raise InvalidInputError(
        f"Several fitted estimators are candidates: {listed}. Say which one to publish, "
        f"e.g. `%hub_init {candidates[0]}`."
    )


def evaluate(shell, expression: str, what: str):
    """Value of a variable name or expression in the user's namespace."""
    if expression in shell.user_ns:
        return shell.user_ns[expression]
    try:
        return shell.ev(expression)
    except NameError:
        raise InvalidInputError(
            f"Variable {expression!r} (the {what}) is not defined in this notebook. Run the cell "
            f"that creates it first, or check the spelling."
        ) from None
    except Exception as exc:
        hint = ""
        if isinstance(exc, SyntaxError) and " " in expression.strip():
            hint = (" An option takes the rest of the words up to the next option: give the model "
                    "first, e.g. `%hub_init model --data X_test`.")
        raise InvalidInputError(
            f"Could not evaluate {expression!r} (the {what}): {type(exc).__name__}: {exc}.{hint}"
        ) from None
