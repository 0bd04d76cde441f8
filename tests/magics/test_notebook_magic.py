"""`%hub_push --notebook` in a real IPython shell, and a module beside the notebook in train.py."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from huggingface_hub import HfApi
from IPython.core.error import UsageError

CELLS = [
    "from sklearn.datasets import load_iris\nfrom sklearn.linear_model import LogisticRegression",
    "X, y = load_iris(return_X_y=True, as_frame=True)",
    "model = LogisticRegression(max_iter=500).fit(X, y)",
]
LEAKED = "hf_" + "QwErTyUiOpAsDfGhJkLzXcVbNm98765432"


def save_notebook(path: Path, cells: list[str]) -> Path:
    """The notebook file as Jupyter saves it after running the cells (with outputs)."""
    notebook = nbformat.v4.new_notebook()
    notebook.metadata["widgets"] = {"application/vnd.jupyter.widget-state+json": {"state": {}}}
    notebook.cells = [
        nbformat.v4.new_code_cell(src, execution_count=i, outputs=[nbformat.v4.new_output("stream", text=f"out {i}")])
        for i, src in enumerate(cells, 1)
    ]
    nbformat.write(notebook, path)
    return path


def run(ip, cells):
    for cell in cells:
        ip.run_cell(cell, store_history=True)


def test_hub_push_notebook_publishes_the_kernels_notebook_stripped(ip, hub, as_alice, repo_name, tmp_path):
    run(ip, CELLS)
    nb = save_notebook(tmp_path / "iris.ipynb", CELLS)
    repo_id = f"alice/{repo_name}"
    ip.run_cell(f"%hub_init model --data X --repo-id {repo_id}", store_history=True)
    ip.user_ns["__session__"] = str(nb)  # what ipykernel sets from Jupyter's JPY_SESSION_NAME
    ip.run_cell("%hub_push --notebook", store_history=True)

    api = HfApi(endpoint=hub.endpoint, token=as_alice)
    published = nbformat.reads(Path(api.hf_hub_download(repo_id, "iris.ipynb")).read_text(), as_version=4)
    assert [c.source for c in published.cells] == CELLS
    assert all(c.outputs == [] and c.execution_count is None for c in published.cells)
    assert "widgets" not in published.metadata
    card = Path(api.hf_hub_download(repo_id, "README.md")).read_text()
    assert "[`iris.ipynb`](iris.ipynb)" in card


def test_hub_push_notebook_path_and_a_token_in_a_cell_blocks_it(ip, hub, as_alice, repo_name, tmp_path, monkeypatch):
    monkeypatch.delenv("JPY_SESSION_NAME", raising=False)
    run(ip, CELLS)
    repo_id = f"alice/{repo_name}"
    ip.run_cell(f"%hub_init model --data X --repo-id {repo_id}", store_history=True)
    with pytest.raises(UsageError, match="--notebook analysis.ipynb"):
        ip.run_cell("%hub_push --notebook", store_history=True)  # nobody told the kernel

    leaky = save_notebook(tmp_path / "leaky.ipynb", [*CELLS, f'token = "{LEAKED}"'])
    with pytest.raises(UsageError, match="leaky.ipynb"):
        ip.run_cell(f"%hub_push --notebook {leaky.name}", store_history=True)
    api = HfApi(endpoint=hub.endpoint, token=as_alice)
    assert not api.repo_exists(repo_id) or "leaky.ipynb" not in api.list_repo_files(repo_id)


def test_a_module_beside_the_notebook_is_imported_by_train_py(ip, tmp_path, monkeypatch):
    (tmp_path / "features.py").write_text(
        "import numpy as np\n\n\ndef squash(X):\n    return np.tanh(np.asarray(X, dtype=float))\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))  # the kernel's folder is importable, as in Jupyter
    monkeypatch.delitem(sys.modules, "features", raising=False)  # another test's features.py
    try:
        run(ip, [
            (
                "from sklearn.datasets import load_iris\nfrom sklearn.linear_model import LogisticRegression\n"
                "from sklearn.pipeline import make_pipeline\nfrom sklearn.preprocessing import FunctionTransformer"
            ),
            "from features import squash",
            "X, y = load_iris(return_X_y=True, as_frame=True)",
            "model = make_pipeline(FunctionTransformer(squash), LogisticRegression(max_iter=500)).fit(X, y)",
        ])
        ip.run_cell("%hub_init model --data X", store_history=True)
    finally:
        sys.modules.pop("features", None)
    folder = tmp_path / "hub" / "model"
    assert (folder / "features.py").read_text() == (tmp_path / "features.py").read_text()
    assert "from features import squash" in (folder / "train.py").read_text()
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    ran = subprocess.run(
        [sys.executable, str(folder / "train.py")],
        cwd=elsewhere, capture_output=True, text=True, timeout=240, check=False,
    )
    assert ran.returncode == 0, ran.stderr
    assert (elsewhere / "model.skops").is_file()
