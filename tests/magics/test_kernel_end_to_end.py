"""The quickstart notebook, executed in a real kernel by the headless runner (the README's main job)."""

from __future__ import annotations

from pathlib import Path

import nbformat
from huggingface_hub import HfApi

from hubmagic.localhub import LocalHub
from hubmagic.runner import run_notebook

NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"


def test_quickstart_publishes_to_a_local_hub(tmp_path, monkeypatch):
    # A profile of its own: notebooks/conftest.py gives nbval's kernels one that moves `hub/`.
    monkeypatch.setenv("IPYTHONDIR", str(tmp_path / "ipython"))
    workdir = tmp_path / "work"
    workdir.mkdir()
    data_dir = tmp_path / "hub-data"
    executed = tmp_path / "executed.ipynb"
    report = run_notebook(NOTEBOOKS / "quickstart.ipynb", data_dir=data_dir, workdir=workdir,
                          output=executed)
    assert "model.skops" in report and "config.json" in report and "README.md" in report

    # The kernel is gone; the hub's data folder holds the repository. Serve it again and
    # check with the real client what was published.
    with LocalHub(data_dir=data_dir) as hub:
        api = HfApi(endpoint=hub.endpoint, token=hub.token)
        (repo,) = list(api.list_models(author=api.whoami()["name"]))
        assert api.list_repo_commits(repo.id)[0].title == "Breast cancer classifier from the quickstart"
        files = set(api.list_repo_files(repo.id))
        assert {"model.skops", "config.json", "README.md", "train.py"} <= files
        assert any(f.startswith("figures/") and f.endswith(".png") for f in files)
        script = api.hf_hub_download(repo.id, "train.py")
        text = Path(script).read_text()
        assert "HalvingGridSearchCV" in text and "enable_halving_search_cv" in text
        assert "describe()" not in text

    nb = nbformat.read(executed, as_version=4)
    outputs = "".join(
        out.get("text", "") for cell in nb.cells if cell.cell_type == "code" for out in cell.outputs
    )
    assert "predicts exactly like the one in memory" in outputs
    assert (workdir / "hub" / "quickstart-model" / "model.skops").is_file()
