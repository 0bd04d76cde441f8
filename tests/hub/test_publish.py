"""publish_folder against the session's local hub, through the real client over HTTP.

The folders here are hand-made (a card, a config, a binary "model") so these tests are
about transport: one commit, no empty commits, branches, pull requests, refusing a
remote that moved, and the user-facing errors. The model-building story is in
test_repository.py.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import pytest

from hubmagic.errors import (
    AuthenticationError,
    InvalidInputError,
    RemoteChangedError,
    SecretsFoundError,
)
from hubmagic.hub._publish import publish_folder
from hubmagic.repository._state import state_path

CARD = "---\nlicense: mit\nlibrary_name: sklearn\ntags:\n- sklearn\n---\n# A model\n\nIt predicts things.\n"


def make_folder(root: Path) -> Path:
    folder = root / "repo"
    folder.mkdir()
    (folder / "README.md").write_text(CARD)
    (folder / "config.json").write_text(json.dumps({"sklearn": {"model": {"file": "model.skops"}}}))
    (folder / "model.skops").write_bytes(b"PK\x03\x04" + bytes(range(256)) * 12)
    (folder / "train.py").write_text(
        "from sklearn.linear_model import LogisticRegression\nmodel = LogisticRegression()\n"
    )
    return folder


def snapshot_of(folder: Path) -> dict[str, str]:
    """Every file of the folder (state included) with its sha256: 'unchanged' means equal."""
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def commits(api, repo_id, revision=None):
    return [c.commit_id for c in api.list_repo_commits(repo_id, revision=revision)]


@pytest.fixture
def folder(tmp_path):
    return make_folder(tmp_path)


def test_first_push_creates_the_repo_in_one_commit_and_remembers_it(folder, api, alice_token, repo_name, hub):
    repo_id = f"alice/{repo_name}"

    result = publish_folder(folder, repo_id, token=alice_token, commit_message="First model")

    history = api.list_repo_commits(repo_id)
    assert [c.title for c in history] == ["First model", "initial commit"]
    assert result.commit_oid == history[0].commit_id
    assert result.commit_url == f"{hub.endpoint}/{repo_id}/commit/{result.commit_oid}"
    assert sorted(result.files) == ["README.md", "config.json", "model.skops", "train.py"]
    expected = [".gitattributes", "README.md", "config.json", "model.skops", "train.py"]
    assert sorted(api.list_repo_files(repo_id)) == expected
    state = json.loads(state_path(folder).read_text())
    assert result.commit_oid in json.dumps(state)
    assert not any(".hubmagic" in f for f in api.list_repo_files(repo_id))
    # The token is in no file of the folder (state included).
    for path in folder.rglob("*"):
        if path.is_file():
            assert alice_token.encode() not in path.read_bytes(), path


def test_name_without_namespace_goes_to_the_users_namespace(folder, api, alice_token, repo_name):
    result = publish_folder(folder, repo_name, token=alice_token)
    assert result.repo_id == f"alice/{repo_name}"
    assert api.repo_exists(f"alice/{repo_name}")


def test_push_to_an_org_the_user_belongs_to(folder, api, alice_token, repo_name):
    result = publish_folder(folder, f"acme/{repo_name}", token=alice_token)
    assert api.list_repo_commits(f"acme/{repo_name}")[0].commit_id == result.commit_oid


def test_repush_without_changes_makes_no_commit(folder, api, alice_token, repo_name):
    repo_id = f"alice/{repo_name}"
    first = publish_folder(folder, repo_id, token=alice_token)
    before = commits(api, repo_id)

    again = publish_folder(folder, repo_id, token=alice_token)

    assert again.no_change and again.files == []
    assert again.commit_oid == first.commit_oid
    assert commits(api, repo_id) == before


def test_a_file_deleted_locally_is_deleted_remotely_in_the_same_commit(folder, api, alice_token, repo_name):
    repo_id = f"alice/{repo_name}"
    publish_folder(folder, repo_id, token=alice_token)
    (folder / "train.py").unlink()
    (folder / "notes.md").write_text("new notes\n")

    result = publish_folder(folder, repo_id, token=alice_token)

    assert result.deleted == ["train.py"] and "notes.md" in result.files
    expected = [".gitattributes", "README.md", "config.json", "model.skops", "notes.md"]
    assert sorted(api.list_repo_files(repo_id)) == expected
    assert len(commits(api, repo_id)) == 3


def test_ignore_patterns_leave_files_out_and_remote_files_alone(folder, api, alice_token, repo_name):
    repo_id = f"alice/{repo_name}"
    publish_folder(folder, repo_id, token=alice_token)
    (folder / "scratch.csv").write_text("a,b\n1,2\n")
    (folder / "README.md").write_text(CARD + "\nMore text.\n")

    result = publish_folder(folder, repo_id, token=alice_token, ignore_patterns=["*.csv", "train.py"])

    assert result.files and "scratch.csv" not in api.list_repo_files(repo_id)
    assert "train.py" in api.list_repo_files(repo_id)  # ignored, so not deleted either


def test_push_to_a_branch_creates_it_from_main_and_leaves_main(folder, api, alice_token, repo_name):
    repo_id = f"alice/{repo_name}"
    publish_folder(folder, repo_id, token=alice_token)
    main_before = commits(api, repo_id)
    (folder / "config.json").write_text(json.dumps({"sklearn": {"model": {"file": "model.skops"}, "v": 2}}))

    result = publish_folder(folder, repo_id, token=alice_token, revision="experiment")

    assert result.revision == "experiment"
    assert commits(api, repo_id) == main_before
    assert commits(api, repo_id, revision="experiment")[0] == result.commit_oid
    assert commits(api, repo_id, revision="experiment")[1] == main_before[0]
    remote = api.hf_hub_download(repo_id, "config.json", revision="experiment")
    assert json.loads(Path(remote).read_text())["sklearn"]["v"] == 2


def test_pull_request_on_someone_elses_repo(folder, tmp_path, api, alice_token, bob_token, repo_name, hub):
    repo_id = f"alice/{repo_name}"
    publish_folder(folder, repo_id, token=alice_token)
    main_before = commits(api, repo_id)
    (folder / "README.md").write_text(CARD + "\nBob's improvement.\n")

    result = publish_folder(folder, repo_id, token=bob_token, create_pr=True)

    assert result.pr_num == 1 and result.pr_url == f"{hub.endpoint}/{repo_id}/discussions/1"
    assert commits(api, repo_id) == main_before
    pr_readme = Path(api.hf_hub_download(repo_id, "README.md", revision="refs/pr/1")).read_text()
    assert "Bob's improvement." in pr_readme
    assert result.files == ["README.md"]


def test_remote_changed_since_last_push_is_refused(folder, api, alice_token, repo_name):
    repo_id = f"alice/{repo_name}"
    publish_folder(folder, repo_id, token=alice_token)
    api.upload_file(path_or_fileobj=b"by a colleague\n", path_in_repo="NOTES.md", repo_id=repo_id)
    remote_before = commits(api, repo_id)
    (folder / "train.py").write_text("# edited locally\n")
    local_before = snapshot_of(folder)

    with pytest.raises(RemoteChangedError) as err:
        publish_folder(folder, repo_id, token=alice_token)

    message = str(err.value)
    assert "was updated on the Hub" in message and "--create-pr" in message and "pull" in message
    assert "Nothing was published" in message
    assert commits(api, repo_id) == remote_before
    assert snapshot_of(folder) == local_before


def test_remote_changed_while_pushing_is_refused_by_the_hub(folder, api, alice_token, repo_name):
    """An explicit stale parent commit reaches the Hub, which answers 412."""
    repo_id = f"alice/{repo_name}"
    first = publish_folder(folder, repo_id, token=alice_token)
    api.upload_file(path_or_fileobj=b"x", path_in_repo="other.txt", repo_id=repo_id)
    remote_before = commits(api, repo_id)
    (folder / "train.py").write_text("# changed\n")

    with pytest.raises(RemoteChangedError, match="updated on the Hub"):
        publish_folder(folder, repo_id, token=alice_token, parent_commit=first.commit_oid)

    assert commits(api, repo_id) == remote_before


def test_first_push_onto_a_non_empty_remote_needs_pull_pr_or_overwrite(folder, tmp_path, api, alice_token, repo_name):
    repo_id = f"alice/{repo_name}"
    api.create_repo(repo_id)
    api.upload_file(path_or_fileobj=b"someone's work\n", path_in_repo="README.md", repo_id=repo_id)
    before = commits(api, repo_id)

    with pytest.raises(RemoteChangedError, match="never pulled"):
        publish_folder(folder, repo_id, token=alice_token)
    assert commits(api, repo_id) == before

    pr = publish_folder(folder, repo_id, token=alice_token, create_pr=True)
    assert pr.pr_num is not None and commits(api, repo_id) == before

    replaced = publish_folder(folder, repo_id, token=alice_token, overwrite=True)
    assert commits(api, repo_id)[0] == replaced.commit_oid


def test_invalid_repo_id_says_the_rule(folder, alice_token):
    with pytest.raises(InvalidInputError, match="not a valid repo id") as err:
        publish_folder(folder, "alice/bad name!", token=alice_token)
    assert "'namespace/name'" in str(err.value)


def test_no_token_says_how_to_log_in(folder, monkeypatch, tmp_path):
    from huggingface_hub import constants

    monkeypatch.delenv("HF_TOKEN", raising=False)
    monkeypatch.setattr(constants, "HF_TOKEN_PATH", str(tmp_path / "no-token"))
    with pytest.raises(AuthenticationError) as err:
        publish_folder(folder, "alice/whatever")
    message = str(err.value)
    assert "%hub_login" in message and "huggingface_hub.login()" in message and "HF_TOKEN" in message


def test_token_from_hf_token_env(folder, monkeypatch, alice_token, api, repo_name):
    monkeypatch.setenv("HF_TOKEN", alice_token)
    result = publish_folder(folder, f"alice/{repo_name}")
    assert api.list_repo_commits(f"alice/{repo_name}")[0].commit_id == result.commit_oid


def test_bad_token_is_refused_by_the_hub(folder, api, repo_name):
    with pytest.raises(AuthenticationError, match="refused the token"):
        publish_folder(folder, f"alice/{repo_name}", token="hf_" + "0" * 34)
    assert not api.repo_exists(f"alice/{repo_name}")


def test_bob_cannot_push_to_alices_repo(folder, api, alice_token, bob_token, repo_name):
    repo_id = f"alice/{repo_name}"
    publish_folder(folder, repo_id, token=alice_token)
    before = commits(api, repo_id)
    (folder / "train.py").write_text("# bob\n")

    with pytest.raises(AuthenticationError) as err:
        publish_folder(folder, repo_id, token=bob_token)

    message = str(err.value)
    assert f"No write access to {repo_id}" in message and "--create-pr" in message
    assert commits(api, repo_id) == before


def test_secrets_in_train_py_block_the_push_and_nothing_reaches_the_hub(folder, api, alice_token, repo_name):
    repo_id = f"alice/{repo_name}"
    leaked = "hf_" + "AbCdEfGhIjKlMnOpQrStUvWxYz01234567"
    (folder / "train.py").write_text(f'import os\nTOKEN = "{leaked}"\nmodel = None\n')

    with pytest.raises(SecretsFoundError) as err:
        publish_folder(folder, repo_id, token=alice_token)

    assert "train.py" in str(err.value) and "redact" in str(err.value)
    assert leaked not in str(err.value)
    assert not api.repo_exists(repo_id)


def test_the_users_own_token_pasted_in_a_file_blocks_the_push(folder, api, alice_token, repo_name):
    (folder / "train.py").write_text(f"login('{alice_token}')\n")
    with pytest.raises(SecretsFoundError, match="train.py"):
        publish_folder(folder, f"alice/{repo_name}", token=alice_token)
    assert not api.repo_exists(f"alice/{repo_name}")


def test_another_token_of_this_user_in_a_binary_file_blocks_the_push(folder, api, alice_token, bob_token,
                                                                    repo_name, monkeypatch):
    """HF_TOKEN (or the saved login) is never published, even when the push uses another token."""
    monkeypatch.setenv("HF_TOKEN", bob_token)
    (folder / "blob.bin").write_bytes(b"\x00\x01" + bob_token.encode() + b"\x00")
    with pytest.raises(SecretsFoundError, match=r"blob\.bin.*yours"):
        publish_folder(folder, f"alice/{repo_name}", token=alice_token)
    assert not api.repo_exists(f"alice/{repo_name}")


def test_redact_publishes_the_redacted_script(folder, api, alice_token, repo_name):
    repo_id = f"alice/{repo_name}"
    leaked = "AKIA" + "ABCDEFGHIJKLMNOP"
    (folder / "train.py").write_text(f'AWS_KEY = "{leaked}"\nprint("training")\n')

    publish_folder(folder, repo_id, token=alice_token, redact=True)

    remote = Path(api.hf_hub_download(repo_id, "train.py")).read_text()
    assert leaked not in remote and 'print("training")' in remote


def test_invalid_card_metadata_publishes_nothing(folder, api, alice_token, repo_name):
    (folder / "README.md").write_text("---\nlicense: not-a-license\n---\n# A model\n")
    with pytest.raises(InvalidInputError, match="README.md is invalid") as err:
        publish_folder(folder, f"alice/{repo_name}", token=alice_token)
    assert "license" in str(err.value)
    assert not api.repo_exists(f"alice/{repo_name}")


def test_dry_run_lists_the_changes_and_touches_nothing(folder, api, alice_token, repo_name):
    repo_id = f"alice/{repo_name}"
    local_before = snapshot_of(folder)

    new = publish_folder(folder, repo_id, token=alice_token, dry_run=True)

    assert new.dry_run and not api.repo_exists(repo_id)
    assert "new repository" in new.report and "+ model.skops (3.1 kB)" in new.report
    assert "Model card metadata: valid" in str(new)
    assert snapshot_of(folder) == local_before

    publish_folder(folder, repo_id, token=alice_token)
    before = commits(api, repo_id)
    (folder / "train.py").unlink()
    (folder / "config.json").write_text("{}")
    state_before = state_path(folder).read_text()

    changed = publish_folder(folder, repo_id, token=alice_token, dry_run=True)

    assert changed.files == ["config.json"] and changed.deleted == ["train.py"]
    assert "~ config.json" in changed.report and "- train.py" in changed.report
    assert commits(api, repo_id) == before
    assert state_path(folder).read_text() == state_before


def test_connection_error_names_the_endpoint(folder, alice_token, monkeypatch):
    from hubmagic.errors import PublishError

    monkeypatch.setenv("HF_ENDPOINT", "http://127.0.0.1:9")  # nothing listens on the discard port
    with pytest.raises(PublishError) as err:
        publish_folder(folder, "alice/unreachable", token=alice_token)
    assert "http://127.0.0.1:9" in str(err.value) and "Nothing was published" in str(err.value)


def test_not_a_folder(tmp_path, alice_token):
    with pytest.raises(InvalidInputError, match="not a folder"):
        publish_folder(tmp_path / "missing", "alice/x", token=alice_token)
    assert not (tmp_path / "missing").exists(), "a refused push creates nothing"
    (tmp_path / "a-file").write_text("not a repository")
    with pytest.raises(InvalidInputError, match="not a folder"):
        publish_folder(tmp_path / "a-file", "alice/x", token=alice_token)
    assert (tmp_path / "a-file").read_text() == "not a repository"


def test_a_403_from_the_hub_becomes_a_no_write_access_error(folder, api, alice_token, bob_token, repo_name):
    """Even past hubmagic's own namespace check, the Hub's refusal reads as one clear paragraph."""
    from hubmagic.hub._endpoint import hf_api
    from hubmagic.hub._remote_errors import translate_errors

    repo_id = f"alice/{repo_name}"
    publish_folder(folder, repo_id, token=alice_token)
    with pytest.raises(AuthenticationError) as err, translate_errors("push to", repo_id, publishing=True):
        hf_api(bob_token).upload_file(path_or_fileobj=b"x", path_in_repo="x.txt", repo_id=repo_id)
    assert f"No write access to {repo_id}" in str(err.value) and "Nothing was published" in str(err.value)
    assert "x.txt" not in api.list_repo_files(repo_id)


def test_a_pr_after_the_remote_moved_proposes_only_this_folders_changes(folder, api, alice_token, repo_name):
    repo_id = f"alice/{repo_name}"
    publish_folder(folder, repo_id, token=alice_token)
    api.upload_file(path_or_fileobj=b"by a colleague\n", path_in_repo="NOTES.md", repo_id=repo_id)
    main_before = commits(api, repo_id)
    (folder / "README.md").write_text(CARD + "\nMy proposal.\n")

    result = publish_folder(folder, repo_id, token=alice_token, create_pr=True)

    assert result.files == ["README.md"] and result.deleted == [], "the colleague's NOTES.md is not deleted"
    pr_readme = Path(api.hf_hub_download(repo_id, "README.md", revision=f"refs/pr/{result.pr_num}")).read_text()
    assert "My proposal." in pr_readme
    assert commits(api, repo_id) == main_before


def requests_after_marker(hub, api, action):
    """The (method, path) requests the hub served while running ``action``."""
    marker = f"/api/models/alice/marker-{os.urandom(6).hex()}"
    api.repo_exists(marker.rsplit("/", 2)[-2] + "/" + marker.rsplit("/", 1)[-1])
    action()
    served = list(hub.state.recent_requests)
    start = max(i for i, (_, path) in enumerate(served) if path == marker)
    return served[start + 1 :]


def test_dry_run_and_no_change_push_send_only_read_requests(folder, api, alice_token, repo_name, hub):
    repo_id = f"alice/{repo_name}"
    dry = requests_after_marker(hub, api, lambda: publish_folder(folder, repo_id, token=alice_token, dry_run=True))
    publish_folder(folder, repo_id, token=alice_token)
    again = requests_after_marker(hub, api, lambda: publish_folder(folder, repo_id, token=alice_token))

    for served in (dry, again):
        writes = [(m, p) for m, p in served if m not in ("GET", "HEAD") and p != "/api/validate-yaml"]
        assert writes == [], writes
    assert any(p == "/api/validate-yaml" for _, p in dry), "the dry run validated the card"
    assert not any(p == "/api/validate-yaml" for _, p in again), "the Hub already holds this card"


def test_a_dry_run_is_the_plan_and_changes_nothing_remote(folder, api, alice_token, repo_name, hub):
    from hubmagic.hub._push_plan import PushPlan

    repo_id = f"alice/{repo_name}"
    first = publish_folder(folder, repo_id, token=alice_token)
    (folder / "train.py").unlink()
    (folder / "README.md").write_text(CARD + "\nTuned.\n")
    api.upload_file(path_or_fileobj=b"by a colleague\n", path_in_repo="NOTES.md", repo_id=repo_id)
    before = commits(api, repo_id)
    results = []

    served = requests_after_marker(hub, api, lambda: results.append(
        publish_folder(folder, repo_id, token=alice_token, dry_run=True)))
    [dry] = results

    plan = dry.plan
    assert isinstance(plan, PushPlan)
    assert plan.uploads == ["README.md"] and plan.deletions == ["NOTES.md", "train.py"]
    assert plan.head == before[0] and plan.parent == first.commit_oid, "built on what this folder last pushed"
    assert plan.refusal and "changed" in plan.refusal, "the colleague's commit would refuse the push"
    assert dry.files == plan.uploads and dry.deleted == plan.deletions and dry.report == plan.report()
    assert [(m, p) for m, p in served if m not in ("GET", "HEAD") and p != "/api/validate-yaml"] == []
    assert commits(api, repo_id) == before and "train.py" in api.list_repo_files(repo_id)


def test_progress_events_count_the_bytes_hashed_then_uploaded(folder, api, alice_token, repo_name):
    repo_id = f"alice/{repo_name}"
    (folder / "model.skops").write_bytes(b"PK\x03\x04" + os.urandom(300_000))  # binary: stored with LFS
    sizes = {p.relative_to(folder).as_posix(): p.stat().st_size for p in folder.rglob("*") if p.is_file()}
    events = []

    publish_folder(folder, repo_id, token=alice_token, progress=events.append)

    phases = [e["phase"] for e in events]
    order = ["hashing", "uploading", "committing", "done"]
    assert phases == sorted(phases, key=order.index) and set(phases) == set(order) and phases[-1] == "done"
    for phase in order:
        mine = [e for e in events if e["phase"] == phase]
        done = [e["bytes_done"] for e in mine]
        assert done == sorted(done) and all(0 <= e["bytes_done"] <= e["bytes_total"] for e in mine), mine
        assert {e["bytes_total"] for e in mine} == {sum(sizes.values())}, phase  # a first push sends every file
    assert events[-1]["bytes_done"] == events[-1]["bytes_total"]
    hashed = [e["path"] for e in events if e["phase"] == "hashing" and e["path"]]
    uploaded = [e["path"] for e in events if e["phase"] == "uploading" and e["path"]]
    assert sorted(hashed) == sorted(uploaded) == sorted(sizes)

    # The upload reused the plan's hashes: the Hub holds the model under its true sha256.
    [model] = [f for f in api.list_repo_tree(repo_id) if f.path == "model.skops"]
    expected = hashlib.sha256((folder / "model.skops").read_bytes()).hexdigest()
    assert model.lfs is not None and model.lfs.sha256 == expected

    events.clear()
    (folder / "README.md").write_text(CARD + "\nSecond version.\n")
    publish_folder(folder, repo_id, token=alice_token, progress=events.append)
    readme = (folder / "README.md").stat().st_size
    uploading = [e for e in events if e["phase"] == "uploading"]
    assert uploading[-1] == {"phase": "uploading", "bytes_done": readme, "bytes_total": readme, "path": "README.md"}


def test_a_first_push_sends_no_more_requests_than_the_raw_client(folder, api, alice_token, repo_name, hub):
    """Issue 19: a push costs what ``create_repo`` + ``upload_folder`` cost, in requests, with its
    checks included (the card validated once, before the repository exists; a parent commit)."""
    raw_id, ours_id = f"alice/{repo_name}-raw", f"alice/{repo_name}"
    publish_folder(folder, f"alice/{repo_name}-warm", token=alice_token)  # the account is asked once a process

    raw = requests_after_marker(hub, api, lambda: (
        api.create_repo(raw_id),
        api.upload_folder(repo_id=raw_id, folder_path=folder, ignore_patterns=[".hubmagic/*"])))
    ours = requests_after_marker(hub, api, lambda: publish_folder(folder, ours_id, token=alice_token))

    assert len(ours) <= len(raw), (ours, raw)
    assert [p for _, p in ours].count("/api/validate-yaml") == 1, ours
    assert [c.title for c in api.list_repo_commits(ours_id)] == ["Add model with hubmagic", "initial commit"]
    assert sorted(api.list_repo_files(ours_id)) == sorted(api.list_repo_files(raw_id))


def test_a_first_push_into_an_empty_repository_someone_created(folder, api, alice_token, repo_name):
    repo_id = f"alice/{repo_name}"
    api.create_repo(repo_id, private=True)

    result = publish_folder(folder, repo_id, token=alice_token, private=False)

    assert commits(api, repo_id)[0] == result.commit_oid
    assert api.repo_info(repo_id).private, "an existing repository keeps its visibility"
    again = publish_folder(folder, repo_id, token=alice_token)
    assert again.no_change


def test_a_new_repository_gets_the_visibility_asked_for(folder, api, alice_token, repo_name):
    publish_folder(folder, f"alice/{repo_name}", token=alice_token, private=True)

    assert api.repo_info(f"alice/{repo_name}").private
