"""The notebook that made the model is published stripped, scanned, and linked from the card."""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pytest
from huggingface_hub import HfApi
from sklearn.datasets import load_iris
from sklearn.linear_model import LogisticRegression

import hubmagic
from hubmagic import ModelRepository
from hubmagic.errors import InvalidInputError, SecretsFoundError
from hubmagic.notebook._notebook_file import find_notebook

# A real-looking Hub token (not any test user's): the scanner must find it in a cell source.
LEAKED = "hf_" + "AbCdEfGhIjKlMnOpQrStUvWxYz12345678"


def write_notebook(path: Path, *, source_extra: str = "", output_text: str = "0.97") -> Path:
    notebook = nbformat.v4.new_notebook()
    notebook.metadata["widgets"] = {"application/vnd.jupyter.widget-state+json": {"state": {"a": 1}}}
    code = nbformat.v4.new_code_cell(
        "from sklearn.linear_model import LogisticRegression\nmodel = LogisticRegression().fit(X, y)" + source_extra,
        execution_count=7,
        outputs=[nbformat.v4.new_output("stream", name="stdout", text=output_text)],
    )
    code.metadata["execution"] = {"iopub.execute_input": "2024-01-01T00:00:00Z"}
    notebook.cells = [nbformat.v4.new_markdown_cell("# Iris"), code]
    nbformat.write(notebook, path)
    return path


@pytest.fixture
def fitted():
    X, y = load_iris(return_X_y=True, as_frame=True)
    return LogisticRegression(max_iter=500).fit(X, y), X


def assert_stripped(text: str) -> None:
    notebook = nbformat.reads(text, as_version=4)
    assert "widgets" not in notebook.metadata
    code = [c for c in notebook.cells if c.cell_type == "code"]
    assert code and all(c.outputs == [] and c.execution_count is None for c in code)
    assert all("execution" not in c.metadata for c in code)
    assert "LogisticRegression().fit(X, y)" in code[0].source  # the sources stay
    nbformat.validate(notebook)


def test_init_publishes_the_stripped_notebook_linked_from_the_card(fitted, tmp_path, api, alice_token, repo_name):
    model, X = fitted
    nb = write_notebook(tmp_path / "analysis.ipynb", output_text=f"token printed: {LEAKED}")
    repo_id = f"alice/{repo_name}"
    repo = ModelRepository.init(model, data=X, dst=tmp_path / "repo", repo_id=repo_id, notebook=nb)
    assert_stripped((repo.path / "analysis.ipynb").read_text())
    assert "widget-state" in nb.read_text()  # the user's own notebook is untouched
    assert "[`analysis.ipynb`](analysis.ipynb)" in (repo.path / "README.md").read_text()

    # The token was only in an output: stripped, so the push goes through.
    repo.push(token=alice_token)
    remote = Path(api.hf_hub_download(repo_id, "analysis.ipynb"))
    assert_stripped(remote.read_text())
    assert LEAKED not in remote.read_text()

    # A refresh without the argument keeps the notebook and its link.
    again = ModelRepository.init(model, data=X, dst=tmp_path / "repo")
    assert (again.path / "analysis.ipynb").is_file()
    assert "[`analysis.ipynb`](analysis.ipynb)" in (again.path / "README.md").read_text()


def test_a_token_in_a_cell_source_blocks_the_push(fitted, tmp_path, hub, alice_token, repo_name):
    model, X = fitted
    nb = write_notebook(tmp_path / "leaky.ipynb", source_extra=f'\nHF = "{LEAKED}"')
    repo = ModelRepository.init(model, data=X, dst=tmp_path / "repo", repo_id=f"alice/{repo_name}", notebook=nb)
    with pytest.raises(SecretsFoundError, match="leaky.ipynb"):
        repo.push(token=alice_token)
    api = HfApi(endpoint=hub.endpoint, token=alice_token)
    assert not api.repo_exists(f"alice/{repo_name}") or "leaky.ipynb" not in api.list_repo_files(f"alice/{repo_name}")


def test_push_to_hub_takes_the_notebook(fitted, tmp_path, api, alice_token, repo_name):
    model, X = fitted
    nb = write_notebook(tmp_path / "train-iris.ipynb")
    hubmagic.push_to_hub(model, f"alice/{repo_name}", data=X, token=alice_token, notebook=nb)
    files = api.list_repo_files(f"alice/{repo_name}")
    assert "train-iris.ipynb" in files
    assert_stripped(Path(api.hf_hub_download(f"alice/{repo_name}", "train-iris.ipynb")).read_text())


def test_the_kernel_finds_its_notebook_or_says_how_to_give_it(tmp_path, monkeypatch):
    folder = tmp_path / "work"
    folder.mkdir()
    nb = write_notebook(folder / "story.ipynb")
    monkeypatch.chdir(folder)
    monkeypatch.delenv("JPY_SESSION_NAME", raising=False)
    # Jupyter gives the path (absolute, or relative to the server's root) as __session__.
    assert find_notebook(user_ns={"__session__": str(nb)}) == nb
    assert find_notebook(user_ns={"__session__": "some/server/root/story.ipynb"}).resolve() == nb.resolve()
    monkeypatch.setenv("JPY_SESSION_NAME", str(nb))
    assert find_notebook(user_ns={}) == nb
    monkeypatch.delenv("JPY_SESSION_NAME")
    with pytest.raises(InvalidInputError, match="--notebook analysis.ipynb"):
        find_notebook(user_ns={"__session__": "console-1"})
    with pytest.raises(InvalidInputError, match="not found"):
        find_notebook("missing.ipynb")
    with pytest.raises(InvalidInputError, match="not a notebook"):
        find_notebook("train.py")
    (folder / "broken.ipynb").write_text("{not json")
    with pytest.raises(InvalidInputError, match="not a readable notebook"):
        ModelRepository.init(LogisticRegression().fit([[0], [1]], [0, 1]), dst=tmp_path / "r", notebook="broken.ipynb")
    assert not (tmp_path / "r").exists()
    assert json.loads(nb.read_text())["cells"][1]["outputs"]  # the original keeps its outputs
