"""Input columns and the three example rows of ``config.json``, as plain JSON."""

from __future__ import annotations

import math
import sys
from typing import Any

from hubmagic.config._checks import (
    EXAMPLE_ROWS,
    is_dataframe,
    is_text_data,
    table_shape,
)
from hubmagic.errors import InvalidInputError

# -- columns and example input --------------------------------------------------------


def column_names(data: Any, model: Any = None) -> list[str]:
    """Input column names: a DataFrame's columns, else ``x0`` .. ``xN-1`` (as skops 0.8).

    With ``data=None`` they come from the model's ``feature_names_in_`` or
    ``n_features_in_``.
    """
    if data is None:
        names = getattr(model, "feature_names_in_", None)
        if names is not None:
            return [str(c) for c in names]
        n = getattr(model, "n_features_in_", None)
        return [f"x{i}" for i in range(n)] if n is not None else []
    if is_dataframe(data):
        return [str(c) for c in data.columns]
    return [f"x{i}" for i in range(table_shape(data)[1])]


def example_input(data: Any, task: str | None = None) -> dict[str, list]:
    """The first three rows of ``data`` as the JSON the Hub widget expects.

    Tabular data gives ``{column: [v1, v2, v3]}`` (numpy scalars become Python
    numbers, NaN/NA becomes ``null``, categorical and text columns strings); text
    data gives ``{"data": [t1, t2, t3]}``.

    >>> example_input([[1.0, float("nan")], [2.0, 3.0]])
    {'x0': [1.0, 2.0], 'x1': [None, 3.0]}
    >>> example_input(["good", "bad"])
    {'data': ['good', 'bad']}
    """
    text = task.startswith("text") if task else is_text_data(data)
    if text:
        if not is_text_data(data):
            raise InvalidInputError(
                f"A text model needs data that is a list of strings, got a "
                f"{type(data).__name__}. Pass e.g. X_test (the raw texts)."
            )
        return {"data": [str(t) for t in _head_list(data)]}
    if is_dataframe(data):
        head = data.iloc[:EXAMPLE_ROWS]
        return {
            str(col): _json_column(head[col].tolist(), _is_text_column(head[col]))
            for col in head.columns
        }
    import numpy as np

    table_shape(data)  # validates 2-D
    head = data[:EXAMPLE_ROWS]
    if hasattr(head, "toarray"):  # scipy sparse
        head = head.toarray()
    rows = np.asarray(head, dtype=object)
    return {
        f"x{i}": _json_column(rows[:, i].tolist(), False) for i in range(rows.shape[1])
    }


def _head_list(data: Any) -> list:
    pd = sys.modules.get("pandas")
    if pd is not None and isinstance(data, pd.Series):
        return data.iloc[:EXAMPLE_ROWS].tolist()
    return list(data[:EXAMPLE_ROWS])


def _is_text_column(column: Any) -> bool:
    import pandas as pd

    dtype = column.dtype
    return (
        isinstance(dtype, pd.CategoricalDtype)
        or pd.api.types.is_object_dtype(dtype)
        or pd.api.types.is_string_dtype(dtype)
    )


def _json_column(values: list, as_text: bool) -> list:
    return [_json_value(v, as_text) for v in values]


def _json_value(value: Any, as_text: bool = False) -> Any:
    """One cell as a JSON value: Python scalars, ``None`` for missing, strings for text."""
    import numpy as np

    if value is None:
        return None
    pd = sys.modules.get("pandas")
    if pd is not None:
        try:
            missing = pd.isna(value)
        except (TypeError, ValueError):
            missing = False
        if isinstance(missing, (bool, np.bool_)) and missing:
            return None
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float):
        return None if math.isnan(value) or math.isinf(value) else value
    if as_text:
        return str(value)
    if isinstance(value, (bool, int, str)):
        return value
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)
