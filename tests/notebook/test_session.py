"""The NotebookSession on a plain IPython shell (no magics): every action changes its traits
in a fixed order an observer can follow, and pushes go through the real client to the
local hub."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from traitlets import All

from hubmagic.errors import RemoteChangedError
from hubmagic.notebook import NotebookSession

TRAIN = [
    "from sklearn.datasets import load_iris\nfrom sklearn.linear_model import LogisticRegression\n"
    "from sklearn.model_selection import train_test_split",
    "X, y = load_iris(return_X_y=True, as_frame=True)\n"
    "X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)",
    "X_train = X_train.astype('float64')  # already floats: the model does not change without it",
    "model = LogisticRegression(max_iter=500).fit(X_train, y_train)",
]


def folder_bytes(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture
def trained(shell, run, monkeypatch, alice_token):
    monkeypatch.setenv("HF_TOKEN", alice_token)
    session = NotebookSession.for_shell(shell)
    for cell in TRAIN:
        run(cell)
    return session


def record(session) -> list[tuple[str, object]]:
    seen: list[tuple[str, object]] = []
    session.observe(lambda change: seen.append((change["name"], change["new"])), names=All)
    return seen


def test_the_session_works_on_a_shell_without_the_magics(shell, trained):
    assert "hub_init" not in shell.magics_manager.magics["line"]
    assert NotebookSession.for_shell(shell) is trained
    assert [r.source for r in trained.capture.recorder.records][-1] == TRAIN[-1]


def test_init_exclude_verify_push_in_order(shell, trained, repo_name, api):
    session, repo_id = trained, f"alice/{repo_name}"
    astype_cell = 3  # In[3]: the astype cell

    seen = record(session)
    session.init("model", data="X_test", labels="y_test", repo_id=repo_id, license="mit")
    assert [name for name, _ in seen] == [
        "model_name", "repository", "repo_id", "files", "warnings", "script", "card_version"]
    values = dict(seen)
    assert values["model_name"] == "model" and values["repo_id"] == repo_id
    assert values["repository"].path == Path("hub") / "model"  # no notebook name known: the model's
    files = {row["path"]: row for row in values["files"]}
    assert {"model.skops", "config.json", "README.md", "train.py"} <= set(files)
    assert all(row["change"] == "added" for row in files.values())
    assert files["model.skops"]["lfs"] and not files["README.md"]["lfs"]
    assert files["model.skops"]["size"] == (session.repository.path / "model.skops").stat().st_size
    assert astype_cell in values["script"]["kept_cells"]
    assert "astype" in values["script"]["text"]
    assert values["card_version"] == 1

    seen.clear()
    session.exclude_cells(astype_cell)
    names = [name for name, _ in seen]
    assert names[0] == "repository" and "model_name" not in names
    script = dict(seen)["script"]
    assert astype_cell not in script["kept_cells"] and "astype" not in script["text"]
    assert names.index("script") > names.index("repository")
    assert "astype" not in (session.repository.path / "train.py").read_text()

    seen.clear()
    verdict = session.verify()
    names = [name for name, _ in seen]
    assert names.index("verdict") > names.index("repository")
    assert dict(seen)["verdict"] == verdict
    assert verdict["verified"] is True and "predict" in verdict["reason"]
    assert "verified" in (session.repository.path / "README.md").read_text().lower()

    seen.clear()
    result = session.push(commit_message="First model")
    states = [value for name, value in seen if name == "push_state"]
    phases = [state["phase"] for state in states]
    assert phases[-1] == "done" and "uploading" in phases and "hashing" in phases
    assert phases.index("hashing") < phases.index("uploading")
    assert all(state["result"] is None for state in states[:-1])
    uploading = [s for s in states if s["phase"] == "uploading"]
    assert [s["bytes_done"] for s in uploading] == sorted(s["bytes_done"] for s in uploading)
    assert uploading[-1]["bytes_done"] == uploading[-1]["bytes_total"] > 0
    final = states[-1]["result"]
    head = api.list_repo_commits(repo_id)[0]
    assert final["commit"] == head.commit_id == result.commit_oid and head.title == "First model"
    assert final["repo_id"] == repo_id and final["commit_url"].endswith(head.commit_id)
    names = [name for name, _ in seen]
    assert names.index("files") > max(i for i, name in enumerate(names) if name == "push_state")
    assert {row["change"] for row in session.files} == {"unchanged"}


def test_a_refused_push_is_an_error_state_and_the_folder_is_intact(shell, trained, repo_name, api):
    session, repo_id = trained, f"alice/{repo_name}"
    session.init("model", data="X_test", repo_id=repo_id)
    session.push()
    # Someone else changes the remote; this notebook edits its card and pushes.
    api.upload_file(path_or_fileobj=b"theirs\n", path_in_repo="NOTES.md", repo_id=repo_id)
    readme = session.repository.path / "README.md"
    readme.write_text(readme.read_text(encoding="utf-8") + "\nMy note.\n", encoding="utf-8")
    version = session.card_version
    session.card_changed()
    assert session.card_version == version + 1
    before = folder_bytes(session.repository.path)
    commits = len(api.list_repo_commits(repo_id))

    seen = record(session)
    with pytest.raises(RemoteChangedError, match="Nothing was published"):
        session.push()
    states = [value for name, value in seen if name == "push_state"]
    assert states[-1]["phase"] == "error" and "Nothing was published" in states[-1]["error"]
    assert states[-1]["result"] is None
    assert folder_bytes(session.repository.path) == before
    assert len(api.list_repo_commits(repo_id)) == commits
    assert "My note." not in Path(api.hf_hub_download(repo_id, "README.md")).read_text()
