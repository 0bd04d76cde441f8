"""A module beside the notebook travels with the model: published, imported by train.py,
and loadable from a fresh download in another folder and another process."""

from __future__ import annotations

import importlib
import json
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
from huggingface_hub import HfApi
from sklearn.datasets import load_iris
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer

from hubmagic import ModelRepository
from hubmagic.errors import InvalidInputError
from hubmagic.model import _local_modules as local_modules

# Importing it appends a line to $TEXTUTILS_MARK: the tests can see whether (and when)
# another process ran its code.
TEXTUTILS = '''
import os

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin

if os.environ.get("TEXTUTILS_MARK"):
    with open(os.environ["TEXTUTILS_MARK"], "a") as mark:
        mark.write("imported\\n")


def clean(X):
    return np.log1p(np.asarray(X, dtype=float))


class Shift(TransformerMixin, BaseEstimator):
    def __init__(self, by=1.0):
        self.by = by

    def fit(self, X, y=None):
        return self

    def transform(self, X):
        return np.asarray(X, dtype=float) + self.by
'''

TRAIN_PY = '''
from sklearn.datasets import load_iris
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer

from textutils import Shift, clean

X, y = load_iris(return_X_y=True, as_frame=True)
model = make_pipeline(FunctionTransformer(clean), Shift(2.0), LogisticRegression(max_iter=1000))
model.fit(X, y)

import skops.io

skops.io.dump(model, "model.skops")
'''

TYPES = ["textutils.Shift", "textutils.clean"]


@pytest.fixture
def notebook_dir(tmp_path, monkeypatch):
    """A notebook's folder holding textutils.py, as the working directory, importable."""
    folder = tmp_path / "project"
    folder.mkdir()
    (folder / "textutils.py").write_text(TEXTUTILS)
    monkeypatch.chdir(folder)
    monkeypatch.syspath_prepend(str(folder))
    yield folder
    sys.modules.pop("textutils", None)
    sys.modules.pop("mytext", None)
    sys.modules.pop("mytext.core", None)
    sys.modules.pop("helpers", None)


def fit_with_textutils():
    textutils = importlib.import_module("textutils")
    X, y = load_iris(return_X_y=True, as_frame=True)
    model = make_pipeline(
        FunctionTransformer(textutils.clean), textutils.Shift(2.0), LogisticRegression(max_iter=1000)
    ).fit(X, y)
    return model, X, y


def fresh_env(tmp_path, **extra) -> dict:
    env = dict(os.environ)
    env["HF_HOME"] = str(tmp_path / "other-hf-home")  # nothing cached: a fresh download
    env.pop("PYTHONPATH", None)
    env.update(extra)
    return env


def run_python(code: str, cwd: Path, env: dict) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)], cwd=cwd, env=env,
        capture_output=True, text=True, timeout=240, check=False,
    )


def test_module_beside_the_notebook_is_published_and_loads_elsewhere(notebook_dir, tmp_path, hub, alice_token,
                                                                     repo_name):
    model, X, y = fit_with_textutils()
    repo_id = f"alice/{repo_name}"
    repo = ModelRepository.init(
        model, data=X.head(20), labels=y.head(20), dst=notebook_dir / "hub" / "model",
        repo_id=repo_id, train_script=TRAIN_PY,
    )
    assert (repo.path / "textutils.py").read_text() == TEXTUTILS
    assert repo.config["sklearn"]["local_modules"] == ["textutils.py"]
    assert repo.config["sklearn"]["trusted_types"] == TYPES
    card = (repo.path / "README.md").read_text()
    assert "[`textutils.py`](textutils.py)" in card and "`textutils`" in card
    repo.push(token=alice_token)
    assert "textutils.py" in HfApi(endpoint=hub.endpoint, token=alice_token).list_repo_files(repo_id)

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    mark = tmp_path / "imported.txt"
    env = fresh_env(tmp_path, TEXTUTILS_MARK=str(mark))
    # Untrusted: refused, and the repository's module never ran.
    refused = run_python(
        f"""
        import importlib.util, sys
        import hubmagic
        assert importlib.util.find_spec("textutils") is None  # not importable from here
        try:
            hubmagic.load({repo_id!r})
        except hubmagic.errors.UntrustedTypesError as exc:
            print(exc)
        print("textutils" in sys.modules)
        """,
        elsewhere, env,
    )
    assert refused.returncode == 0, refused.stderr
    assert "textutils.Shift" in refused.stdout and "textutils.clean" in refused.stdout
    assert refused.stdout.strip().endswith("False")
    assert not mark.exists()

    loaded = run_python(
        f"""
        import json, sys
        import hubmagic
        from sklearn.datasets import load_iris
        path_before = list(sys.path)
        model = hubmagic.load({repo_id!r}, trusted={TYPES!r})
        X, _ = load_iris(return_X_y=True, as_frame=True)
        print(json.dumps({{
            "predictions": model.predict(X).tolist(),
            "path_restored": sys.path == path_before,
            "module_dropped": "textutils" not in sys.modules,
            "step": type(model.steps[1][1]).__module__,
        }}))
        """,
        elsewhere, env,
    )
    assert loaded.returncode == 0, loaded.stderr
    result = json.loads(loaded.stdout.strip().splitlines()[-1])
    assert result["predictions"] == model.predict(X).tolist()
    assert result["path_restored"] and result["module_dropped"]
    assert result["step"] == "textutils"
    assert mark.read_text() == "imported\n"


def test_card_snippet_and_train_py_work_from_a_download(notebook_dir, tmp_path, api, alice_token, repo_name):
    model, X, _ = fit_with_textutils()
    repo_id = f"alice/{repo_name}"
    repo = ModelRepository.init(model, data=X.head(5), dst=notebook_dir / "hub" / "model", repo_id=repo_id,
                                train_script=TRAIN_PY)
    repo.push(token=alice_token)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = fresh_env(tmp_path)

    card = (repo.path / "README.md").read_text()
    snippet = re.search(r"```python\n(.*?)```", card[card.index("How to Get Started"):], re.DOTALL).group(1)
    assert "sys.path.append(folder)" in snippet and json.dumps(TYPES[0]) in snippet
    ran = run_python(snippet, elsewhere, env)
    assert ran.returncode == 0, ran.stderr
    assert ran.stdout.strip() == str(model.predict(X.head(3)))

    download = Path(api.snapshot_download(repo_id, local_dir=tmp_path / "download"))
    # `python train.py` from another folder: it imports textutils from beside itself.
    script = subprocess.run([sys.executable, str(download / "train.py")], cwd=elsewhere, env=env,
                            capture_output=True, text=True, timeout=240, check=False)
    assert script.returncode == 0, script.stderr
    assert (elsewhere / "model.skops").is_file()


def test_only_modules_under_the_notebook_folder_and_not_installed_are_found(notebook_dir, tmp_path, monkeypatch):
    model, *_ = fit_with_textutils()
    found = local_modules.find_local_modules(model, roots=[notebook_dir])
    assert [(m.name, m.files) for m in found] == [("textutils", ("textutils.py",))]
    # Another folder is not "beside the notebook".
    assert local_modules.find_local_modules(model, roots=[tmp_path / "elsewhere"]) == []
    # numpy, scikit-learn, the standard library: installed, never copied.
    X, y = load_iris(return_X_y=True)
    plain = make_pipeline(FunctionTransformer(np.log1p), LogisticRegression(max_iter=500)).fit(X, y)
    assert local_modules.find_local_modules(plain, roots=[Path("/")]) == []


def test_a_package_and_the_local_modules_it_imports_travel_too(notebook_dir, tmp_path):
    (notebook_dir / "helpers.py").write_text("import numpy as np\n\n\ndef scale(X):\n    return np.asarray(X) / 10.0\n")
    package = notebook_dir / "mytext"
    package.mkdir()
    (package / "__init__.py").write_text("from mytext.core import prepare\n")
    (package / "core.py").write_text("from helpers import scale\n\n\ndef prepare(X):\n    return scale(X)\n")
    mytext = importlib.import_module("mytext")
    X, y = load_iris(return_X_y=True)
    model = make_pipeline(FunctionTransformer(mytext.prepare), LogisticRegression(max_iter=500)).fit(X, y)
    repo = ModelRepository.init(model, data=X[:5], dst=tmp_path / "repo")
    assert repo.config["sklearn"]["local_modules"] == ["helpers.py", "mytext/__init__.py", "mytext/core.py"]
    for rel in repo.config["sklearn"]["local_modules"]:
        assert (repo.path / rel).read_text() == (notebook_dir / rel).read_text()


def test_a_module_named_like_a_generated_file_is_refused_clearly(notebook_dir, tmp_path):
    (notebook_dir / "train.py").write_text("import numpy as np\n\n\ndef double(X):\n    return np.asarray(X) * 2\n")
    train = importlib.import_module("train")
    try:
        X, y = load_iris(return_X_y=True)
        model = make_pipeline(FunctionTransformer(train.double), LogisticRegression(max_iter=500)).fit(X, y)
        with pytest.raises(InvalidInputError, match="local module 'train'.*Rename the module"):
            ModelRepository.init(model, data=X[:5], dst=tmp_path / "repo")
        assert not (tmp_path / "repo").exists()  # nothing half-made
    finally:
        sys.modules.pop("train", None)


def test_importable_from_restores_the_path_and_forgets_the_modules(tmp_path):
    folder = tmp_path / "repo"
    folder.mkdir()
    (folder / "only_here_mod.py").write_text("VALUE = 42\n")
    before = list(sys.path)
    with local_modules.importable_from(folder):
        assert importlib.import_module("only_here_mod").VALUE == 42
    assert sys.path == before
    assert "only_here_mod" not in sys.modules
    with pytest.raises(ModuleNotFoundError):
        importlib.import_module("only_here_mod")
