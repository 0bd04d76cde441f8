"""Building a notebook's model repository from the kernel's variables and recorded cells.

What ``%hub_init`` (and every refresh after a cell or figure choice) runs: evaluate the
variables the options name, slice the recorded cells into ``train.py``, build the folder
with ``ModelRepository.init``, and when asked, verify ``train.py`` as a clone of the
repository would run it (widening the slice if it does not reproduce) and rebuild with
the script that does.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from hubmagic.errors import InvalidInputError
from hubmagic.notebook import _namespace as namespace

# Options of %hub_init that name variables of the notebook (evaluated at each build).
VARIABLE_OPTIONS = ("data", "labels")


@dataclass
class Built:
    """What one build produced: the repository, its train script and the verification."""

    repository: object  # ModelRepository
    script: object  # hubmagic.capture.TrainScript
    reproduction: object | None = None  # hubmagic.capture.widen.Reproduction, when verified


def merge_options(remembered: dict, given: dict) -> tuple[dict, list[str]]:
    """The options of this build: the given ones over those of the last build of the model.

    Returns ``(options, reused)``, ``reused`` naming the remembered options not given again.
    Verifying is asked for each time, never remembered.
    """
    options = {key: value for key, value in remembered.items() if key != "verify"}
    reused = sorted(key for key in options if key not in given)
    options.update(given)
    options["verify"] = bool(given.get("verify"))
    return options, reused


def train_script(capture, name: str, model_format: str, *, all_cells: bool = False):
    """``train.py`` for the model ``name``, sliced from the recorded cells."""
    from hubmagic.capture import build_train_script
    from hubmagic.model._persist import model_file_name

    return build_train_script(
        capture.recorder.records,
        name,
        model_file=model_file_name(model_format),
        model_format=model_format,
        all_cells=all_cells,
    )


def build(shell, capture, name: str, options: dict, *, license: str | None, verify_timeout: int,
          verify: bool = False) -> Built:
    """Evaluate the variables named in ``options`` and build the repository of ``name``.

    ``options`` holds ``model_format``, ``dst`` and ``name`` (the repository's), and what
    the user gave ``%hub_init``; ``verify`` also checks train.py (needs ``data``).
    """
    model = namespace.evaluate(shell, name, "model")
    data = namespace.evaluate(shell, options["data"], "data") if options.get("data") else None
    labels = namespace.evaluate(shell, options["labels"], "labels") if options.get("labels") else None
    if verify and data is None:
        raise InvalidInputError(
            "Verifying train.py compares predictions on example input: give it with "
            f"`%hub_init {name} --data X_test --verify`."
        )
    model_format = options["model_format"]
    all_cells = bool(options.get("all_cells"))
    script = train_script(capture, name, model_format, all_cells=all_cells)
    script_info = {
        "file": "train.py",
        "verified": None,
        "note": "",
        "custom_objects": list(getattr(script, "custom_objects", []) or []),
        # the card names the data the metrics were computed on (hubmagic.card)
        "data": options.get("data"),
        "labels": options.get("labels"),
    }

    def init(script, script_info):
        from hubmagic.repository._repository import ModelRepository

        return ModelRepository.init(
            model,
            data=data,
            labels=labels,
            dst=options["dst"],
            name=options["name"],
            repo_id=options.get("repo_id"),
            task=options.get("task"),
            model_format=model_format,
            requirements=options.get("requirements"),
            license=options.get("license") or license or None,
            train_script=script.text,
            script_info=script_info,
            figures=capture.figures.included,
            notebook=options.get("notebook"),
        )

    repository = init(script, script_info)
    if not verify:
        return Built(repository, script)
    # Verified where a clone of the built repository runs it, then rebuilt with the script
    # that reproduces (possibly widened) and the verdict in its card.
    from hubmagic.capture.widen import reproduce
    from hubmagic.model._persist import model_file_name

    outcome = reproduce(
        capture.recorder.records,
        name,
        model=model,
        example_input=data,
        repository=repository.path,
        workdir=os.getcwd(),
        timeout=verify_timeout,
        model_file=model_file_name(model_format),
        model_format=model_format,
        all_cells=all_cells,
    )
    names = {key: script_info[key] for key in ("data", "labels")}
    return Built(init(outcome.script, {**outcome.script_info(), **names}), outcome.script, outcome)
