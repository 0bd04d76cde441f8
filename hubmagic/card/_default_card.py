"""The default model card of a hubmagic repository.

What a visitor of the Hub page needs, filled in from what hubmagic knows (model,
config, metrics, figures, training script) and ``[More Information Needed]``
where only a human can write: what the model is for, its limits, the authors.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

from huggingface_hub import EvalResult

from hubmagic.card._licenses import check_license
from hubmagic.card._model_card import (
    Card,
    metadata_from_config,
    needed_trusted_types,
    section_key,
)
from hubmagic.card._snippets import (
    PICKLE_WARNING,
    PLACEHOLDER_NOTE,
    PLACEHOLDER_REPO_ID,
    get_started_code,
)
from hubmagic.errors import InvalidInputError
from hubmagic.model import _persist as persist
from hubmagic.model._metrics import METRIC_INFO, round_metric

PLACEHOLDER = "[More Information Needed]"
EVAL_DATASET_TYPE = "custom"
EVAL_DATASET_NAME = "Evaluation data"

GET_STARTED = "How to Get Started with the Model"
DESCRIPTION = "Model description"
USES = "Model description/Intended uses & limitations"
SCRIPT = "Model description/Training Procedure/Training Script"
EVALUATION = "Model description/Evaluation Results"
FIGURES = "Model description/Figures"
LOCAL_CODE = "Model description/Training Procedure/Code the model imports"
NOTEBOOK = "Model description/Training Procedure/Notebook"


def build_default_card(
    model: Any,
    config: Mapping | str,
    *,
    repo_id: str | None = None,
    metrics: Mapping[str, float] | None = None,
    license: str | None = None,
    figures: Iterable[Any] = (),
    script_info: Mapping[str, Any] | None = None,
    trusted_types: list[str] | None = None,
    model_format: str = "skops",
    notebook: str | None = None,
) -> Card:
    """The full default card of a model repository.

    Args:
        model: The fitted estimator.
        config: The ``config.json`` content (dict) or its path.
        repo_id: The Hub repository (used in the get-started code and model-index).
        metrics: ``{name: value}`` as :func:`hubmagic.model._metrics.compute_metrics`
            returns; adds the results table and the ``model-index`` metadata.
        license: A Hub license id, e.g. ``"mit"``; anything else is refused with the
            closest ids ("did you mean `mit`?").
        figures: Items with ``name``, ``path`` (relative, e.g. ``figures/roc.png``)
            and ``caption`` (dicts or objects).
        script_info: ``{"file": "train.py", "verified": True|False|None, "note":
            str, "custom_objects": [names], "data": "X_test", "labels": "y_test"}``
            describing the training script; ``data``/``labels`` are the names of the
            variables the metrics were computed on, quoted in the card.
        trusted_types: The ``trusted=`` list of the skops file; computed from the
            model when ``None``.
        model_format: ``"skops"`` or ``"pickle"``; the config's value wins.
        notebook: The repository path of the notebook that made the model
            (``"analysis.ipynb"``), linked from the card.

    Returns:
        A :class:`Card` ready to ``save(folder / "README.md")``.

    >>> card = build_default_card(model, config, repo_id="alice/iris")  # doctest: +SKIP
    >>> card.save("hub/iris/README.md")  # doctest: +SKIP
    """
    metadata = metadata_from_config(config)
    sk = _sklearn_config(config)
    model_format = sk.get("model_format") or persist.check_model_format(model_format)
    model_file = sk.get("model", {}).get("file") or persist.model_file_name(
        model_format
    )
    task = sk.get("task") or ""
    if license:
        metadata.license = check_license(license)
    if metrics:
        metadata.model_name = (
            repo_id.split("/")[-1] if repo_id else type(model).__name__
        )
        metadata.eval_results = _eval_results(metrics, task)

    card = Card(model, metadata=metadata, model_format=model_format)
    if model_format == "skops" and trusted_types is None:
        trusted_types = needed_trusted_types(model, model)
    custom = list((script_info or {}).get("custom_objects") or [])
    custom += [
        t.split(".", 1)[1]
        for t in trusted_types or []
        if t.startswith("__main__.") and t.split(".", 1)[1] not in custom
    ]

    card.add(**{DESCRIPTION: _description(model, task, sk) + "\n\n" + PLACEHOLDER})
    card.add(**{USES: PLACEHOLDER})
    local_files = list(sk.get("local_modules") or [])
    if script_info:
        card.add(**{SCRIPT: _script_section(script_info, custom)})
    if local_files:
        card.add(**{LOCAL_CODE: _local_code_section(local_files)})
    if notebook:
        card.add(**{NOTEBOOK: _notebook_section(notebook)})
    _add_evaluation(card, metrics, script_info or {})
    _add_figures(card, figures)
    card.add(
        **{
            GET_STARTED: _get_started(
                model, sk, repo_id, model_file, model_format, trusted_types, custom,
                local_files,
            )
        }
    )
    return card


def _sklearn_config(config: Mapping | str) -> dict:
    if isinstance(config, Mapping):
        return dict(config.get("sklearn", {}))
    from hubmagic.config import read_config

    return read_config(config).get("sklearn", {})


def _description(model: Any, task: str, sk: Mapping) -> str:
    import sklearn

    kind = task.replace("-", " ") if task else "prediction"
    text = (
        f"This is a `{type(model).__name__}`{_steps(model)} for **{kind}**, trained with "
        f"scikit-learn {sklearn.__version__}."
    )
    columns = sk.get("columns") or []
    if task.startswith("text"):
        text += " It takes raw text as input."
    elif columns:
        shown = ", ".join(f"`{c}`" for c in columns[:20])
        more = f" and {len(columns) - 20} more" if len(columns) > 20 else ""
        text += f" It takes {len(columns)} input columns: {shown}{more}."
    return text


def _steps(model: Any) -> str:
    steps = getattr(model, "steps", None)
    if not isinstance(steps, list) or not steps:
        return ""
    return " (" + " → ".join(type(step).__name__ for _, step in steps) + ")"


def _eval_results(metrics: Mapping[str, float], task: str) -> list[EvalResult]:
    results = []
    for name, value in metrics.items():
        metric_type, metric_name = METRIC_INFO.get(name, (name, name))
        results.append(
            EvalResult(
                task_type=task or "tabular-classification",
                task_name=task.replace("-", " ").capitalize() if task else None,
                dataset_type=EVAL_DATASET_TYPE,
                dataset_name=EVAL_DATASET_NAME,
                metric_type=metric_type,
                metric_name=metric_name,
                metric_value=float(value),
            )
        )
    return results


def _add_evaluation(card: Card, metrics: Mapping[str, float] | None, script_info: Mapping[str, Any]) -> None:
    if not metrics:
        card.add(
            **{
                EVALUATION: (
                    "No metrics yet: pass the true labels of the example data (e.g. "
                    f"`labels=y_test`, `%hub_init --labels y_test`) to compute them.\n\n{PLACEHOLDER}"
                )
            }
        )
        return
    # Rounded for reading; the model-index metadata keeps the exact values.
    pretty = {
        METRIC_INFO.get(name, (name, name))[1]: round_metric(value)
        for name, value in metrics.items()
    }
    card.add_metrics(
        section=EVALUATION,
        description=_evaluation_data(script_info),
        **pretty,
    )


def _evaluation_data(script_info: Mapping[str, Any]) -> str:
    data, labels = script_info.get("data"), script_info.get("labels")
    if data and labels:
        return f"Computed with scikit-learn on `{data}`, compared with the true labels `{labels}`."
    return "Computed with scikit-learn on the example data and labels given when the repository was built."


def _add_figures(card: Card, figures: Iterable[Any]) -> None:
    figures = list(figures or ())
    if not figures:
        return
    card.add(
        **{
            FIGURES: "Figures made in the notebook while training and evaluating the model."
        }
    )
    for figure in figures:
        name, path, caption = (
            _field(figure, key) for key in ("name", "path", "caption")
        )
        if not name or not path:
            raise InvalidInputError(
                f"Each figure needs a name and a path (relative to the repository, e.g. "
                f"'figures/roc.png'); got {figure!r}."
            )
        card.add_plot(
            description=caption or None,
            alt_text=caption or name,
            **{f"{FIGURES}/{section_key(str(name))}": str(path).replace("\\", "/")},
        )


def _field(item: Any, key: str) -> Any:
    if isinstance(item, Mapping):
        return item.get(key)
    return getattr(item, key, None)


def _script_section(script_info: Mapping[str, Any], custom: list[str]) -> str:
    file = script_info.get("file") or "train.py"
    verified = script_info.get("verified")
    note = (script_info.get("note") or "").strip()
    parts = [
        (
            f"[`{file}`]({file}) holds the notebook code this model depends on: the cells "
            "that loaded the data, built and fitted it, in the order they ran."
        )
    ]
    # Verification runs `python train.py` as whoever clones this repository would.
    where = "run as `python train.py` in a fresh clone of this repository (without its model file)"
    data_files = list(script_info.get("data_files") or [])
    if data_files:
        where += " next to the data files the notebook read"
    if verified is True:
        parts.append(f"✔ Verified: {where}, it rebuilt the same model.")
    elif verified is False:
        parts.append(f"✘ Not reproducible: {where}, it did not rebuild the same model.")
    else:
        parts.append("It has not been verified by re-running it.")
    if note:
        parts[-1] += f" {note}"
    if data_files:
        names = ", ".join(f"`{name}`" for name in data_files)
        parts.append(f"It reads {names} (not part of this repository): put them beside it.")
    if custom:
        names = ", ".join(f"`{name}`" for name in custom)
        parts.append(
            f"The model uses {names}, defined in the training notebook. Loading the "
            "model needs them importable: run their definitions (they are in "
            f"`{file}`) or put them in a module and import it before loading."
        )
    return "\n\n".join(parts)


def _local_code_section(files: list[str]) -> str:
    from hubmagic.model._local_modules import module_names

    names = ", ".join(f"`{name}`" for name in module_names(files))
    links = ", ".join(f"[`{f}`]({f})" for f in files)
    return (
        f"The model uses functions or classes of {names}, code that sat beside the "
        f"training notebook rather than an installed package. It is published here "
        f"({links}): loading the model needs it importable, so the code below downloads "
        "it with the model and puts its folder on the import path, and `train.py` "
        "imports it from beside itself. Its types are in the `trusted` list: read "
        "the code before you trust them."
    )


def _notebook_section(notebook: str) -> str:
    return (
        f"[`{notebook}`]({notebook}) is the notebook that made this model, with its "
        "outputs, execution counts and widget state removed."
    )


def _get_started(model, sk, repo_id, model_file, model_format, trusted, custom, local_files) -> str:
    task = sk.get("task") or ""
    code = get_started_code(
        file_name=model_file,
        model_format=model_format,
        repo_id=repo_id or PLACEHOLDER_REPO_ID,
        trusted=trusted,
        text_input=task.startswith("text"),
        array_input=getattr(model, "feature_names_in_", None) is None,
        example="example_input" in sk,
        local_files=local_files,
    )
    parts = [
        "Load the model from the Hub and predict on the example input of `config.json`:"
        if "example_input" in sk
        else "Load the model from the Hub:"
    ]
    if model_format == "pickle":
        parts.insert(0, PICKLE_WARNING.format(file=model_file))
    elif trusted:
        parts.append(
            "`trusted` lists the types this model needs beyond skops' defaults; check "
            "them before loading a model you did not make."
        )
    if custom:
        names = ", ".join(f"`{name}`" for name in custom)
        parts.append(f"Define {names} first (see the training script).")
    parts.append(code)
    hub_load = (
        "trusted=True" if model_format == "pickle" else f"trusted={json.dumps(trusted)}"
    )
    parts.append(
        "With hubmagic: `hubmagic.load(repo_id"
        + (f", {hub_load}" if model_format == "pickle" or trusted else "")
        + ")`."
    )
    if not repo_id:
        parts.append(PLACEHOLDER_NOTE)
    return "\n\n".join(parts)
