"""Review of the trust policy (issue 13): the module files a repository ships.

A repository may list module files in ``config.json`` (``sklearn.local_modules``) for a
model that names functions of a module from beside its notebook. Loading makes them
importable; these attacks check that this never lets bob's code run in alice's process:
neither by naming a module like a library the load imports (``skops/__init__.py``,
``zipfile.py``) nor by changing only the module beside a pickle alice pushed herself.
Payloads only write a marker under the test's tmp dir; each check runs in a fresh
process, where nothing of the repository is imported yet.
"""

from __future__ import annotations

import importlib
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
import skops.io as sio
from huggingface_hub import CommitOperationAdd, HfApi
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer

import hubmagic

X = np.array([[0.0, 1.0], [1.0, 0.0], [2.0, 1.0], [3.0, 0.0]])
y = np.array([0, 0, 1, 1])


def _payload(marker: Path) -> str:
    return f"open({str(marker)!r}, 'a').write('ran\\n')\n"


def _run(code: str, cwd: Path, hf_home: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env["HF_HOME"] = hf_home
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=240, check=False)


def test_repository_modules_named_like_libraries_never_replace_them(tmp_path, bob_token, repo_name):
    marker = tmp_path / "pwned.txt"
    repo_id = f"bob/{repo_name}"
    folder = tmp_path / "repo"
    folder.mkdir()
    sio.dump(LogisticRegression().fit(X, y), folder / "model.skops")
    shadows = ["skops/__init__.py", "zipfile.py", "joblib.py", "pickletools.py", "sklearn/__init__.py"]
    for rel in shadows:
        (folder / rel).parent.mkdir(parents=True, exist_ok=True)
        (folder / rel).write_text(_payload(marker))
    (folder / "textutils.py").write_text("VALUE = 1\n")
    config = {"sklearn": {"model": {"file": "model.skops"}, "task": "tabular-classification",
                          "local_modules": ["textutils.py", *shadows]}}
    (folder / "config.json").write_text(json.dumps(config))
    api = HfApi(token=bob_token)
    api.create_repo(repo_id)
    api.upload_folder(repo_id=repo_id, folder_path=folder)

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    # A fresh kernel: skops, joblib and pickletools are not imported yet when the load starts.
    ran = _run(f"""
        import sys
        import hubmagic
        assert "skops" not in sys.modules
        print(type(hubmagic.load({repo_id!r})).__name__)
        print(type(hubmagic.load({repo_id!r}, trusted=True)).__name__)
        import skops, zipfile
        print(skops.__file__, zipfile.__file__)
        """, elsewhere, str(tmp_path / "hf-home"))
    assert ran.returncode == 0, ran.stderr
    lines = ran.stdout.strip().splitlines()
    assert lines[:2] == ["LogisticRegression", "LogisticRegression"]
    assert str(tmp_path) not in lines[2]  # the real libraries, not the repository's files
    assert not marker.exists(), "a module file of bob's repository ran in alice's process"


TEXTUTILS = "import numpy as np\n\n\ndef clean(X):\n    return np.log1p(np.asarray(X, dtype=float))\n"


@pytest.fixture
def project(tmp_path, monkeypatch):
    """alice's notebook folder with her own textutils.py, importable."""
    folder = tmp_path / "project"
    folder.mkdir()
    (folder / "textutils.py").write_text(TEXTUTILS)
    monkeypatch.chdir(folder)
    monkeypatch.syspath_prepend(str(folder))
    yield folder
    sys.modules.pop("textutils", None)


def test_a_pull_request_changing_only_the_module_beside_a_pushed_pickle_is_refused(
    project, tmp_path, alice_token, bob_token, repo_name
):
    textutils = importlib.import_module("textutils")
    model = make_pipeline(FunctionTransformer(textutils.clean), LogisticRegression()).fit(X, y)
    repo_id = f"alice/{repo_name}"
    hubmagic.push_to_hub(model, repo_id, data=X[:2], token=alice_token, model_format="pickle")
    assert "textutils.py" in HfApi(token=alice_token).list_repo_files(repo_id)
    marker = tmp_path / "pwned.txt"
    # bob keeps alice's pickle byte for byte and proposes another textutils.py.
    pr = HfApi(token=bob_token).create_commit(
        repo_id, [CommitOperationAdd("textutils.py", (TEXTUTILS + _payload(marker)).encode())],
        commit_message="Faster clean()", create_pr=True,
    )

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    # alice's machine (her HF_HOME holds the ledger of what she pushed), in a fresh kernel.
    ran = _run(f"""
        import hubmagic
        print(type(hubmagic.load({repo_id!r})).__name__)
        try:
            hubmagic.load({repo_id!r}, revision={pr.pr_revision!r})
        except hubmagic.errors.UntrustedTypesError as exc:
            print("REFUSED", exc)
        """, elsewhere, os.environ["HF_HOME"])
    assert ran.returncode == 0, ran.stderr
    lines = ran.stdout.strip().splitlines()
    assert lines[0] == "Pipeline"  # her own push loads back with its module, without trusted=True
    assert lines[1].startswith("REFUSED") and "trusted=True" in lines[1] and "Nothing was loaded" in lines[1]
    assert not marker.exists(), "bob's textutils.py ran in alice's process"
