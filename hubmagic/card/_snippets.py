"""The "How to get started" code of a model card.

The code must really work for a reader who copies it: it downloads the files
from the Hub, passes skops exactly the types the model needs (no blanket trust),
and predicts on the example input stored in ``config.json``.
"""

from __future__ import annotations

import json

PLACEHOLDER_REPO_ID = "USER/MODEL"
# Follows the get-started code of a card written before its repo id was known.
PLACEHOLDER_NOTE = f"Replace `{PLACEHOLDER_REPO_ID}` with this repository's id."

PICKLE_WARNING = (
    "> **Warning:** this model is stored with pickle (`{file}`). Loading a pickle "
    "file runs code stored in it: only load it if you trust the author of this "
    "repository."
)


def get_started_code(
    *,
    file_name: str,
    model_format: str,
    repo_id: str | None = None,
    trusted: list[str] | None = None,
    text_input: bool = False,
    array_input: bool = False,
    example: bool = True,
    local_files: list[str] | None = None,
) -> str:
    """A fenced Python block that loads the model and predicts on the example input.

    Args:
        file_name: The model file in the repository, e.g. ``"model.skops"``.
        model_format: ``"skops"`` or ``"pickle"``.
        repo_id: The Hub repository; ``None`` writes code for local files.
        trusted: The exact ``trusted=`` list for ``skops.io.load``.
        text_input: The model takes a list of texts (text tasks).
        array_input: The model was fitted on an array (no column names), so the
            example table is converted with ``.to_numpy()``.
        example: ``config.json`` has an ``example_input`` to predict on.
        local_files: Modules of the repository the model imports (``["textutils.py"]``):
            the code downloads them with the model and puts their folder on the import
            path before loading.
    """
    stdlib = (
        (["import json"] if example else [])
        + (["import pickle"] if model_format == "pickle" else [])
        + (["import sys"] if local_files else [])
    )
    third_party = ["import pandas as pd"] if example and not text_input else []
    if model_format == "skops":
        third_party.append("import skops.io as sio")
    setup = []
    if local_files:
        # The model names functions and classes of these modules: they must be
        # importable, so they come down with the model and their folder joins sys.path.
        wanted = [file_name, *(["config.json"] if example else []), *local_files]
        if repo_id is not None:
            third_party.append("from huggingface_hub import snapshot_download")
            setup.append(f"folder = snapshot_download(repo_id, allow_patterns={json.dumps(wanted)})")
        else:
            setup.append('folder = "."')
        setup.append(
            f"sys.path.append(folder)  # code the model uses: {', '.join(local_files)} (after installed packages)"
        )
        model_path = f'f"{{folder}}/{file_name}"'
        config_path = 'f"{folder}/config.json"'
    elif repo_id is not None:
        third_party.append("from huggingface_hub import hf_hub_download")
        model_path = f'hf_hub_download(repo_id, "{file_name}")'
        config_path = 'hf_hub_download(repo_id, "config.json")'
    else:
        model_path = json.dumps(file_name)
        config_path = '"config.json"'
    lines = stdlib + ([""] if stdlib else []) + third_party + [""]
    if repo_id is not None:
        lines.append(f"repo_id = {json.dumps(repo_id)}")
    lines += setup
    if model_format == "skops" and trusted:
        lines += [
            f"model = sio.load({model_path}, trusted=[",
            *[f"    {json.dumps(name)}," for name in trusted],
            "])",
        ]
    elif model_format == "skops":
        lines.append(f"model = sio.load({model_path})")
    else:
        lines += [
            f'with open({model_path}, "rb") as f:',
            "    model = pickle.load(f)  # runs code from the file: trusted sources only",
        ]
    if not example:
        kind = "a list of texts" if text_input else "a table with the training columns"
        lines += ["", f"# model.predict(X) with X {kind}"]
    else:
        lines += ["", f"with open({config_path}) as f:", "    config = json.load(f)"]
        if text_input:
            lines.append(
                'print(model.predict(config["sklearn"]["example_input"]["data"]))'
            )
        else:
            lines += [
                'X = pd.DataFrame(config["sklearn"]["example_input"])[config["sklearn"]["columns"]]',
                "print(model.predict(X.to_numpy()))"
                if array_input
                else "print(model.predict(X))",
            ]
    return "```python\n" + "\n".join(lines) + "\n```"
