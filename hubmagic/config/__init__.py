"""``config.json`` in the skops Hub format, and the checks that come before it.

The Hub reads ``config.json`` to know how to run a scikit-learn model: the task,
the model file and its format, the input columns in order, three example rows for
the widget, and the packages (``environment``) to install. This module builds
that dict from a fitted estimator and the data the user passes (e.g. ``X_test``),
exactly in the layout skops 0.8's ``hub_utils.init`` wrote::

    {"sklearn": {"columns": [...], "environment": ["scikit-learn=1.9.1", ...],
                 "example_input": {"col": [v1, v2, v3], ...},
                 "model": {"file": "model.skops"}, "model_format": "skops",
                 "task": "tabular-classification"}}

>>> from sklearn.datasets import load_iris
>>> from sklearn.linear_model import LogisticRegression
>>> X, y = load_iris(return_X_y=True, as_frame=True)
>>> model = LogisticRegression(max_iter=500).fit(X, y)
>>> build_config(model, X)["sklearn"]["task"]
'tabular-classification'
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from hubmagic.config._checks import (
    EXAMPLE_ROWS,
    SUPPORTED_TASKS,
    check_data,
    check_model,
    check_task,
    infer_task,
    is_text_data,
)
from hubmagic.config._environment import (
    environment,
    model_distributions,
    normalise_name,
    requirement_name,
)
from hubmagic.config._example import column_names, example_input
from hubmagic.errors import InvalidInputError
from hubmagic.model._local_modules import CONFIG_KEY as LOCAL_MODULES_KEY
from hubmagic.model._persist import check_model_format, model_file_name

__all__ = [
    "EXAMPLE_ROWS",
    "SUPPORTED_TASKS",
    "build_config",
    "check_data",
    "check_model",
    "check_task",
    "column_names",
    "environment",
    "example_input",
    "infer_task",
    "is_text_data",
    "model_distributions",
    "read_config",
    "write_config",
]


# -- config ---------------------------------------------------------------------------


def build_config(
    model: Any,
    data: Any = None,
    *,
    task: str | None = None,
    requirements: Iterable[str] | None = None,
    model_file: str | None = None,
    model_format: str = "skops",
    use_intelex: bool = False,
    trusted_types: Iterable[str] | None = None,
    local_modules: Iterable[str] | None = None,
    train_script: str | None = None,
) -> dict:
    """Build the ``config.json`` content (``{"sklearn": {...}}``) of a model repository.

    Args:
        model: The fitted estimator.
        data: Example input, e.g. ``X_test`` (DataFrame, 2-D array, or list of
            texts). Gives the columns and the widget's three example rows.
        task: One of :data:`SUPPORTED_TASKS`; inferred when ``None``.
        requirements: Extra packages for ``environment`` (kept as given).
        model_file: Name of the model file (default from ``model_format``).
        model_format: ``"skops"`` or ``"pickle"``.
        use_intelex: Ask the Hub to run the model with scikit-learn-intelex.
        trusted_types: The types a skops file needs trusted to load (what
            ``skops.io.get_untrusted_types`` lists), written as ``trusted_types``:
            the repository declares them, ``hub_utils.get_model_output`` trusts them.
        local_modules: Repository paths of the modules from beside the notebook the
            model needs (``["textutils.py"]``), written as ``local_modules``: loading
            puts them on the import path (see :mod:`hubmagic.model._local_modules`).
        train_script: The text of ``train.py``; the packages it needs to run (pandas)
            join ``environment``.

    Returns:
        The dict to write as ``config.json`` (see :func:`write_config`).
    """
    check_model(model)
    check_model_format(model_format)
    check_data(model, data)
    task = check_task(task) if task is not None else infer_task(model, data)
    requirements = list(requirements or [])
    if use_intelex and not any(
        normalise_name(requirement_name(r)) == "scikit-learn-intelex"
        for r in requirements
    ):
        requirements.append("scikit-learn-intelex")
    sklearn: dict[str, Any] = {}
    if task.startswith("tabular"):
        sklearn["columns"] = column_names(data, model)
    sklearn["environment"] = environment(
        model, requirements, data=data, train_script=train_script
    )
    if data is not None:
        sklearn["example_input"] = example_input(data, task)
    sklearn["model"] = {"file": model_file or model_file_name(model_format)}
    sklearn["model_format"] = model_format
    sklearn["task"] = task
    if use_intelex:
        sklearn["use_intelex"] = True
    if trusted_types is not None:
        sklearn["trusted_types"] = sorted(trusted_types)
    if local_modules:
        sklearn[LOCAL_MODULES_KEY] = sorted(local_modules)
    return {"sklearn": sklearn}


def write_config(config: dict, path: str | Path) -> Path:
    """Write ``config`` as ``config.json`` (``path`` is the file or its folder)."""
    path = Path(path)
    if path.is_dir():
        path = path / "config.json"
    path.write_text(
        json.dumps(config, indent=4, allow_nan=False) + "\n", encoding="utf-8"
    )
    return path


def read_config(path: str | Path) -> dict:
    """Read ``config.json`` (``path`` is the file or its folder)."""
    path = Path(path)
    if path.is_dir():
        path = path / "config.json"
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise InvalidInputError(f"No config.json at {str(path)!r}.") from exc
    except json.JSONDecodeError as exc:
        raise InvalidInputError(f"{path} is not valid JSON: {exc}.") from exc
