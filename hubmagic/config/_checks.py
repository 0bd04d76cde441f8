"""Checks before building ``config.json``: a fitted estimator, usable data, a valid task."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from hubmagic.errors import InvalidInputError, NotFittedModelError

SUPPORTED_TASKS = (
    "tabular-classification",
    "tabular-regression",
    "text-classification",
    "text-regression",
)
EXAMPLE_ROWS = 3
_TEXT_SAMPLE = 100

# -- checks ---------------------------------------------------------------------------


def check_model(model: Any) -> None:
    """Check that ``model`` is a fitted estimator.

    Raises:
        InvalidInputError: it is not an estimator (no ``fit``/``predict``).
        NotFittedModelError: it has not been fitted.

    >>> from sklearn.linear_model import LinearRegression
    >>> check_model(LinearRegression())
    Traceback (most recent call last):
    ...
    hubmagic.errors.NotFittedModelError: This LinearRegression has not been fitted yet...
    """
    name = type(model).__name__
    if isinstance(model, (str, Path)):
        raise InvalidInputError(
            f"Expected a fitted estimator object, got the path {str(model)!r}. Pass the "
            "estimator itself (e.g. `%hub_init model`), or load the file first with "
            "hubmagic.model._persist.load."
        )
    if not (
        callable(getattr(model, "fit", None))
        and callable(getattr(model, "predict", None))
    ):
        raise InvalidInputError(
            f"Expected a fitted scikit-learn estimator (an object with fit() and "
            f"predict()), got an object of type {name!r}. Pass the variable holding your trained model, "
            "e.g. the Pipeline or classifier you called .fit on."
        )
    from sklearn.exceptions import NotFittedError
    from sklearn.utils.validation import check_is_fitted

    try:
        check_is_fitted(model)
    except NotFittedError as exc:
        raise NotFittedModelError(
            f"This {name} has not been fitted yet: call .fit(X, y) on it with your "
            "training data before publishing it."
        ) from exc
    except TypeError:
        # Not a scikit-learn estimator (duck-typed fit/predict): nothing more to check.
        pass


def check_task(task: str) -> str:
    """Return ``task`` if the Hub supports it for scikit-learn models."""
    if task not in SUPPORTED_TASKS:
        raise InvalidInputError(
            f"Unknown task {task!r}. Valid tasks are: {', '.join(SUPPORTED_TASKS)}."
        )
    return task


def check_data(model: Any, data: Any) -> None:
    """Check that ``data`` has the shape the fitted ``model`` expects.

    For tabular data the number of columns must equal the model's
    ``n_features_in_``, and a DataFrame must have the column names the model was
    fitted with (``feature_names_in_``). Text data must be a sequence of strings.

    Raises:
        InvalidInputError: with both numbers (or the missing/unexpected columns).
    """
    if data is None:
        return
    expected = getattr(model, "n_features_in_", None)
    if is_text_data(data):
        if expected is not None:
            raise InvalidInputError(
                f"data is a list of texts but the {type(model).__name__} expects a table "
                f"with {expected} columns. Pass the table it was fitted on (e.g. X_test)."
            )
        return
    if _starts_with_text_vectorizer(model):
        raise InvalidInputError(
            f"This {type(model).__name__} starts with a text vectorizer, so data must be a "
            f"list of strings (the raw texts, e.g. X_test), got a {type(data).__name__}."
        )
    if isinstance(data, str):
        raise InvalidInputError(
            "data is a single string; pass a list of texts (e.g. X_test[:10]) for a "
            "text model, or a table (DataFrame / 2-D array) for a tabular model."
        )
    n_rows, n_cols = table_shape(data)
    if n_rows == 0:
        raise InvalidInputError("data has no rows; pass a few examples, e.g. X_test.")
    if expected is not None and n_cols != expected:
        raise InvalidInputError(
            f"data has {n_cols} columns but the {type(model).__name__} was fitted on "
            f"{expected}. Pass data with the same columns as the training data "
            "(e.g. X_test, not the full table with the target column)."
        )
    names = getattr(model, "feature_names_in_", None)
    if names is not None and is_dataframe(data):
        missing = [str(c) for c in names if c not in set(data.columns)]
        extra = [str(c) for c in data.columns if c not in set(names)]
        if missing or extra:
            raise InvalidInputError(
                f"data's columns differ from those the {type(model).__name__} was "
                f"fitted with: missing {missing or 'none'}, unexpected {extra or 'none'}. "
                "Pass data with the training columns."
            )


def table_shape(data: Any) -> tuple[int, int]:
    """``(rows, columns)`` of tabular data, without copying it."""
    shape = getattr(data, "shape", None)  # DataFrame, ndarray, sparse matrix
    if shape is None:
        if not isinstance(data, (list, tuple)):
            raise InvalidInputError(
                f"data must be a pandas DataFrame, a 2-D array or a list of rows for a "
                f"tabular model, or a list of strings for a text model; got a "
                f"{type(data).__name__}."
            )
        rows = list(data[:EXAMPLE_ROWS])
        if not rows:
            return 0, 0
        if all(
            hasattr(row, "__len__") and not isinstance(row, (str, bytes))
            for row in rows
        ):
            widths = {len(row) for row in rows}
            if len(widths) != 1:
                raise InvalidInputError(
                    f"The rows of data have different lengths ({sorted(widths)}); pass a "
                    "table whose rows all have one value per column."
                )
            shape = (len(data), widths.pop())
        else:
            shape = (len(data),)
    if len(shape) != 2:
        raise InvalidInputError(
            f"data must be a table (pandas DataFrame or 2-D array) for a tabular model, "
            f"or a list of strings for a text model; got a {len(shape)}-D "
            f"{type(data).__name__}. For one row use X[:1] or x.reshape(1, -1)."
        )
    return int(shape[0]), int(shape[1])


def is_dataframe(data: Any) -> bool:
    pd = sys.modules.get("pandas")
    return pd is not None and isinstance(data, pd.DataFrame)


def is_text_data(data: Any) -> bool:
    """``True`` for a list/tuple/Series/1-D array of strings (text-task input)."""
    if data is None or isinstance(data, (str, bytes, dict)) or is_dataframe(data):
        return False
    pd = sys.modules.get("pandas")
    if pd is not None and isinstance(data, pd.Series):
        items = data.iloc[:_TEXT_SAMPLE].tolist()
    elif isinstance(data, (list, tuple)):
        items = list(data[:_TEXT_SAMPLE])
    else:
        import numpy as np

        if not isinstance(data, np.ndarray) or data.ndim != 1:
            return False
        items = data[:_TEXT_SAMPLE].tolist()
    return bool(items) and all(isinstance(x, str) for x in items)


# -- task -----------------------------------------------------------------------------


def infer_task(model: Any, data: Any = None) -> str:
    """Guess the Hub task of ``model`` from the estimator and its input.

    Text when ``data`` is a sequence of strings or the pipeline starts with a text
    vectorizer (``CountVectorizer``, ``TfidfVectorizer``, ``HashingVectorizer``);
    classification or regression from the estimator type.

    Returns:
        One of :data:`SUPPORTED_TASKS`.

    Raises:
        InvalidInputError: neither a classifier nor a regressor; pass ``task=``.

    >>> from sklearn.linear_model import LinearRegression
    >>> infer_task(LinearRegression().fit([[0], [1]], [0, 1]), [[0.5]])
    'tabular-regression'
    """
    from sklearn.base import is_classifier, is_regressor

    kind = (
        "text"
        if (is_text_data(data) or _starts_with_text_vectorizer(model))
        else "tabular"
    )
    if is_classifier(model):
        return f"{kind}-classification"
    if is_regressor(model):
        return f"{kind}-regression"
    if hasattr(model, "classes_"):
        return f"{kind}-classification"
    raise InvalidInputError(
        f"Cannot tell whether this {type(model).__name__} is a classifier or a "
        f"regressor. Pass the task explicitly (task=... / --task), one of: "
        f"{', '.join(SUPPORTED_TASKS)}."
    )


def _starts_with_text_vectorizer(model: Any) -> bool:
    from sklearn.feature_extraction.text import CountVectorizer, HashingVectorizer

    first = _first_step(model)
    return isinstance(first, (CountVectorizer, HashingVectorizer))


def _first_step(model: Any) -> Any:
    # Unwrap searches (GridSearchCV ...) and pipelines down to the step that sees the raw input.
    for _ in range(10):
        inner = getattr(model, "best_estimator_", None)
        if inner is None:
            inner = getattr(model, "estimator", None)
        steps = getattr(model, "steps", None)
        if isinstance(steps, list) and steps:
            model = steps[0][1]
        elif inner is not None and hasattr(inner, "fit"):
            model = inner
        else:
            break
    return model
