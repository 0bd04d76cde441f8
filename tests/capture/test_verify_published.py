"""`--verify` checks what is published: train.py runs as in a clone of the repository.

The scratch folder holds the repository's files (not its model file) and the
data files the notebook read, relative paths kept, and nothing else of the
notebook's folder: a helper module the repository does not carry makes the
verification fail, as it would for whoever clones the repository. The last test
does exactly what such a user does, in a real kernel: push to the local hub,
download into a fresh folder, put the data beside it, run ``python train.py``,
and get what the verdict said.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import skops.io
from huggingface_hub import snapshot_download
from jupyter_client.manager import start_new_kernel

from hubmagic import capture
from hubmagic.capture import build_train_script, verify_script
from hubmagic.capture.staging import data_files
from hubmagic.repository._repository import ModelRepository

HELPER = "nbhelpers"  # a module beside the notebook, imported by the training code only
HELPER_CODE = (
    "import numpy as np\n\n"
    "def add_ratio(frame):\n"
    "    frame = frame.copy()\n"
    "    frame['ratio'] = frame['a'] / (1 + np.abs(frame['b']))\n"
    "    return frame\n"
)


def write_notebook_folder(folder: Path) -> None:
    rng = np.random.default_rng(0)
    (folder / "data").mkdir(parents=True, exist_ok=True)
    a, b = rng.normal(size=150), rng.normal(size=150)
    rows = ["a,b,label"] + [f"{x:.6f},{z:.6f},{int(x - z > 0.2)}" for x, z in zip(a, b, strict=True)]
    (folder / "data" / "train.csv").write_text("\n".join(rows) + "\n")
    (folder / "data" / "unused.csv").write_text("x\n1\n")
    (folder / "notes.txt").write_text("not read by the training code\n")
    (folder / f"{HELPER}.py").write_text(HELPER_CODE)


@pytest.fixture
def notebook_folder(tmp_path, monkeypatch):
    """The test's notebook folder, importable as the kernel's working directory is."""
    write_notebook_folder(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    yield tmp_path
    sys.modules.pop(HELPER, None)


TRAINING = [
    "import pandas as pd\nfrom sklearn.linear_model import LogisticRegression",
    f"from {HELPER} import add_ratio",
    "df = pd.read_csv('data/train.csv')",
    "X = add_ratio(df[['a', 'b']])",
    "model = LogisticRegression().fit(X, df['label'])",
]


def test_a_helper_module_the_repository_lacks_fails_verification(shell, run, notebook_folder):
    session = capture.register(shell)
    for cell in TRAINING:
        run(cell)
    model, X = shell.user_ns["model"], shell.user_ns["X"]
    script = build_train_script(session.recorder.records, "model")
    repository = ModelRepository.init(model, data=X, dst=notebook_folder / "hub" / "model",
                                      train_script=script.text)
    assert not (repository.path / f"{HELPER}.py").exists()

    # The notebook's folder has the helper: a check of the script alone passes ...
    alone = verify_script(script.text, model=model, example_input=X, workdir=notebook_folder,
                          timeout=120)
    assert alone.ok, alone.reason
    # ... but a clone of the repository does not: the verdict says which module and what to do.
    published = verify_script(script.text, model=model, example_input=X,
                              repository=repository.path, workdir=notebook_folder, timeout=120)
    assert not published.ok
    assert published.missing_module == HELPER
    assert f"imports `{HELPER}`" in published.reason and f"%hub_add {HELPER}.py" in published.reason
    assert "ModuleNotFoundError" in published.stderr
    assert published.data_files == ["data/train.csv"]

    repository.add_files(notebook_folder / f"{HELPER}.py")
    fixed = verify_script(script.text, model=model, example_input=X,
                          repository=repository.path, workdir=notebook_folder, timeout=120)
    assert fixed.ok, fixed.reason


def test_the_clone_holds_the_repository_and_the_data_read_and_nothing_else(shell, run, notebook_folder):
    (notebook_folder / "hub" / "model").mkdir(parents=True)
    (notebook_folder / "hub" / "model" / "README.md").write_text("# card\n")
    (notebook_folder / "hub" / "model" / "model.skops").write_bytes(b"stale model")
    (notebook_folder / "hub" / "model" / ".hubmagic").mkdir()
    (notebook_folder / "hub" / "model" / "extra.txt").write_text("an added file\n")
    run("from sklearn.dummy import DummyClassifier\n"
        "model = DummyClassifier().fit([[0], [1]], [0, 1])")
    # The script lists what it can see from where it runs, then saves the model.
    script = (  # names data/train.csv, so that file (only) is staged beside it
        "import os, sys\n"
        "seen = sorted(os.path.join(d, f)[2:] for d, _, fs in os.walk('.') for f in fs)\n"
        "sys.stderr.write(repr(seen))\n"
        "sys.exit(3)\n"
        "open('data/train.csv')\n"
    )
    result = verify_script(script, model=shell.user_ns["model"], example_input=[[0]],
                           repository=notebook_folder / "hub" / "model", workdir=notebook_folder,
                           timeout=60)
    assert result.returncode == 3
    seen = eval(result.stderr.strip().splitlines()[-1])
    assert seen == ["README.md", "data/train.csv", "extra.txt", "train.py"]


def test_data_files_are_the_notebook_files_the_code_names(tmp_path):
    write_notebook_folder(tmp_path)
    (tmp_path / "hub" / "model" / ".hubmagic").mkdir(parents=True)
    (tmp_path / "images").mkdir()
    (tmp_path / "images" / "a.png").write_bytes(b"png")
    code = (
        "import pandas as pd\nfrom pathlib import Path\n"
        "df = pd.read_csv('./data/train.csv')\n"
        "also = pd.read_csv(f'data/{name}.csv')\n"  # the constant part names the folder
        "pictures = Path('images') / 'a.png'\n"
        f"exec(open('{HELPER}.py').read())\n"  # code travels in the repository, never as data
        "out = Path('hub') / 'model'\n"  # hubmagic's own output
        "raw = pd.read_csv('/absolute/elsewhere.csv')\n"
        "label = 'a'\n"
    )
    assert data_files(tmp_path, [code]) == ["data", "images"]
    assert data_files(tmp_path, ["pd.read_csv('data/train.csv')", "open('notes.txt')"]) == [
        "data/train.csv", "notes.txt"]


# -- what a user who clones the repository gets, in a real kernel ---------------------------
def execute(client, code: str) -> tuple[str, str]:
    """Run one cell like JupyterLab; returns (status, text printed)."""
    message = client.session.msg("execute_request", {
        "code": code, "silent": False, "store_history": True, "user_expressions": {},
        "allow_stdin": False, "stop_on_error": False})
    client.shell_channel.send(message)
    msg_id, printed = message["header"]["msg_id"], []
    while True:
        output = client.get_iopub_msg(timeout=300)
        if output["parent_header"].get("msg_id") != msg_id:
            continue
        kind, content = output["msg_type"], output["content"]
        if kind == "stream":
            printed.append(content["text"])
        elif kind == "error":
            printed.append(f"{content['ename']}: {content['evalue']}")
        elif kind == "status" and content["execution_state"] == "idle":
            break
    reply = client.get_shell_msg(timeout=60)
    return reply["content"]["status"], "".join(printed)


def clone_and_run(repo_id: str, token: str, notebook: Path, folder: Path):
    """A user's steps: download the repository, put the data files beside it, run train.py."""
    snapshot_download(repo_id, local_dir=folder, token=token)
    card = (folder / "README.md").read_text()
    assert "`data/train.csv`" in card, "the card says which data files to put beside train.py"
    (folder / "data").mkdir()
    shutil.copy2(notebook / "data" / "train.csv", folder / "data" / "train.csv")
    (folder / "model.skops").unlink()  # rebuilt by the script, not downloaded
    env = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}
    run = subprocess.run([sys.executable, "train.py"], cwd=folder, capture_output=True, text=True,
                         timeout=300, env={**env, "OMP_NUM_THREADS": "1"}, check=False)
    return card, run


def test_the_verdict_is_what_a_user_who_clones_the_repository_gets(tmp_path, alice_token, repo_name):
    notebook = tmp_path / "notebook"
    write_notebook_folder(notebook)
    repo_id = f"alice/{repo_name}"
    manager, client = start_new_kernel(cwd=str(notebook))
    try:
        steps = ["%load_ext hubmagic", "%hub_local", *TRAINING,
                 f"%hub_init model --data X --repo-id {repo_id} --verify", "%hub_push"]
        outputs = [execute(client, code) for code in steps]
        assert [status for status, _ in outputs] == ["ok"] * len(steps), outputs
        verdict = outputs[-2][1]
        assert "✘" in verdict and f"%hub_add {HELPER}.py" in verdict, verdict

        card, first = clone_and_run(repo_id, alice_token, notebook, tmp_path / "clone-1")
        assert "✘ Not reproducible" in card and f"imports `{HELPER}`" in card
        assert first.returncode != 0 and f"No module named '{HELPER}'" in first.stderr

        steps = [f"%hub_add {HELPER}.py", "%hub_script --verify", "%hub_push",
                 "X.to_pickle('X.pkl')\nimport numpy as np\nnp.save('expected.npy', model.predict_proba(X))"]
        outputs = [execute(client, code) for code in steps]
        assert [status for status, _ in outputs] == ["ok"] * len(steps), outputs
        assert "✔ train.py rebuilds the model" in outputs[1][1], outputs[1][1]
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)

    card, second = clone_and_run(repo_id, alice_token, notebook, tmp_path / "clone-2")
    assert "✔ Verified" in card
    assert second.returncode == 0, second.stderr
    # The model the clone rebuilt predicts exactly like the notebook's.
    import pandas as pd

    path = tmp_path / "clone-2" / "model.skops"
    rebuilt = skops.io.load(path, trusted=skops.io.get_untrusted_types(file=path))
    X = pd.read_pickle(notebook / "X.pkl")
    np.testing.assert_array_equal(rebuilt.predict_proba(X), np.load(notebook / "expected.npy"))
    assert json.loads((tmp_path / "clone-2" / "config.json").read_text())["sklearn"]["model"]["file"] == "model.skops"
