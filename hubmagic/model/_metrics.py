"""Evaluation metrics for the model card and the Hub's ``model-index``.

Classifiers get accuracy and macro-averaged F1; regressors get R², mean absolute
error and root mean squared error, computed on the data and labels the user
passed (e.g. ``X_test``, ``y_test``).

>>> from sklearn.datasets import load_iris
>>> from sklearn.linear_model import LogisticRegression
>>> X, y = load_iris(return_X_y=True)
>>> model = LogisticRegression(max_iter=500).fit(X, y)
>>> sorted(compute_metrics(model, X, y, "tabular-classification"))
['accuracy', 'f1_macro']
"""

from __future__ import annotations

import math
from typing import Any

from hubmagic.errors import InvalidInputError

# Metric name -> (Hub metric type for model-index, human-readable name).
METRIC_INFO = {
    "accuracy": ("accuracy", "Accuracy"),
    "f1_macro": ("f1", "F1 (macro)"),
    "r2": ("r_squared", "R²"),
    "mae": ("mae", "Mean absolute error"),
    "rmse": ("rmse", "Root mean squared error"),
}


def compute_metrics(model: Any, data: Any, labels: Any, task: str) -> dict[str, float]:
    """Score ``model`` on ``data`` against the true ``labels``.

    Args:
        model: The fitted estimator.
        data: Input rows (or texts), e.g. ``X_test``.
        labels: The true targets of ``data``, e.g. ``y_test``.
        task: The Hub task; ``*-classification`` or ``*-regression``.

    Returns:
        ``{"accuracy": .., "f1_macro": ..}`` for classification,
        ``{"r2": .., "mae": .., "rmse": ..}`` for regression; each value exactly
        as scikit-learn computed it (the Hub's ``model-index`` carries it at full
        precision; :func:`round_metric` rounds it for the card's table).

    Raises:
        InvalidInputError: missing labels, lengths differ, or unknown task.
    """
    from sklearn import metrics as skm

    if labels is None:
        raise InvalidInputError(
            "Metrics need the true labels of the data: pass labels (e.g. "
            "`--labels y_test`) along with the data."
        )
    n_data, n_labels = _length(data, "data"), _length(labels, "labels")
    if n_data != n_labels:
        raise InvalidInputError(
            f"data has {n_data} rows but labels has {n_labels}; pass the labels that "
            "belong to the data (e.g. X_test with y_test)."
        )
    task = task if isinstance(task, str) else ""
    if task.endswith("-classification"):
        predicted = model.predict(data)
        scores = {
            "accuracy": skm.accuracy_score(labels, predicted),
            "f1_macro": skm.f1_score(labels, predicted, average="macro"),
        }
    elif task.endswith("-regression"):
        predicted = model.predict(data)
        scores = {
            "r2": skm.r2_score(labels, predicted),
            "mae": skm.mean_absolute_error(labels, predicted),
            "rmse": math.sqrt(skm.mean_squared_error(labels, predicted)),
        }
    else:
        from hubmagic.config import SUPPORTED_TASKS

        raise InvalidInputError(
            f"Cannot compute metrics for task {task!r}. Valid tasks are: "
            f"{', '.join(SUPPORTED_TASKS)}."
        )
    return {name: float(value) for name, value in scores.items()}


def round_metric(value: float) -> float:
    """Round for reading (the card's table): 4 decimals, or 4 significant digits for small values."""
    value = float(value)
    if value == 0 or not math.isfinite(value):
        return value
    if abs(value) >= 0.01:
        return round(value, 4)
    return float(f"{value:.4g}")


def _length(values: Any, what: str) -> int:
    shape = getattr(values, "shape", None)
    if shape is not None and len(shape) > 0:
        return int(shape[0])
    try:
        return len(values)
    except TypeError as exc:
        raise InvalidInputError(
            f"{what} must be a sequence (array, list, Series or DataFrame), got "
            f"{type(values).__name__!r}."
        ) from exc
