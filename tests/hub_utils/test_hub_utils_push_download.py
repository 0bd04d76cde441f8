"""push / download against the local hub: one commit, hub extras, refusals that change nothing."""

from __future__ import annotations

import json
import os
import re
import secrets
from pathlib import Path

import pytest
from huggingface_hub.utils import RepositoryNotFoundError

from hubmagic import hub_utils
from hubmagic.errors import (
    AuthenticationError,
    HubMagicError,
    RemoteChangedError,
    RemoteNotFoundError,
    SecretsFoundError,
)


def _commits(api, repo_id, revision="main"):
    return [c.commit_id for c in api.list_repo_commits(repo_id, revision=revision)]


def test_push_sends_the_folder_in_one_commit(api, alice_token, repo_name, init_repo, iris_model, tmp_path):
    repo = init_repo(iris_model)
    (repo / "train.py").write_text("print('train')\n")
    (repo / "README.md").write_text("# Iris\n")
    repo_id = f"alice/{repo_name}"
    api.create_repo(repo_id)
    before = _commits(api, repo_id)

    result = hub_utils.push(repo_id=repo_id, source=repo, token=alice_token, commit_message="Add iris model")

    assert result is None  # as in skops
    after = _commits(api, repo_id)
    assert len(after) == len(before) + 1
    assert api.list_repo_commits(repo_id)[0].title == "Add iris model"
    assert set(api.list_repo_files(repo_id)) == {".gitattributes", "README.md", "config.json", "model.pkl", "train.py"}
    # hubmagic's bookkeeping stays local
    assert (repo / ".hubmagic").is_dir()


def test_push_with_pr_branch_and_patterns(api, alice_token, bob_token, repo_name, init_repo, iris_model):
    repo = init_repo(iris_model)
    (repo / "notes.txt").write_text("draft\n")
    repo_id = f"alice/{repo_name}"

    hub_utils.push(repo_id=repo_id, source=repo, token=alice_token, create_remote=True, ignore_patterns=["*.txt"])
    assert "notes.txt" not in api.list_repo_files(repo_id)
    main_head = _commits(api, repo_id)[0]

    hub_utils.push(
        repo_id=repo_id, source=repo, token=alice_token, revision="dev", allow_patterns=["*.txt", "*.json", "*.pkl"]
    )
    assert "notes.txt" in api.list_repo_files(repo_id, revision="dev")
    assert _commits(api, repo_id)[0] == main_head

    # bob cannot write to alice's repo, but can propose the change
    hub_utils.update_env(path=repo, requirements=["scikit-learn", "pandas"])
    bob_copy = repo.parent / "bob-copy"
    hub_utils.download(repo_id=repo_id, dst=bob_copy)
    hub_utils.update_env(path=bob_copy, requirements=["scikit-learn>=1.5"])
    hub_utils.push(repo_id=repo_id, source=bob_copy, token=bob_token, create_pr=True, commit_message="Pin sklearn")
    prs = list(api.get_repo_discussions(repo_id, discussion_type="pull_request"))
    assert [pr.title for pr in prs] == ["Pin sklearn"]
    assert _commits(api, repo_id)[0] == main_head


def test_push_private_sets_visibility_of_new_and_existing_repos(api, alice_token, repo_name, init_repo, iris_model):
    repo = init_repo(iris_model)
    repo_id = f"alice/{repo_name}"

    hub_utils.push(repo_id=repo_id, source=repo, token=alice_token, create_remote=True, private=True)
    assert api.model_info(repo_id).private is True

    hub_utils.update_env(path=repo, requirements=["scikit-learn", "numpy"])
    hub_utils.push(repo_id=repo_id, source=repo, token=alice_token, private=False)
    assert api.model_info(repo_id).private is False


def test_refused_pushes_leave_the_hub_unchanged(api, alice_token, repo_name, init_repo, iris_model, tmp_path):
    repo = init_repo(iris_model)
    repo_id = f"alice/{repo_name}"
    leaked = "hf_" + secrets.token_hex(17)
    (repo / "train.py").write_text(f'TOKEN = "{leaked}"\n')

    # a secret in a file: nothing is created, not even with create_remote and private
    with pytest.raises(SecretsFoundError, match="credentials were found") as info:
        hub_utils.push(repo_id=repo_id, source=repo, token=alice_token, create_remote=True, private=True)
    assert "train.py" in str(info.value)
    assert not api.repo_exists(repo_id)

    # create_remote=False (skops' default) and no such repository
    (repo / "train.py").write_text("TOKEN = os.environ['HF_TOKEN']\n")
    with pytest.raises(RemoteNotFoundError, match=f"{repo_id} was not found"):
        hub_utils.push(repo_id=repo_id, source=repo, token=alice_token)
    assert not api.repo_exists(repo_id)

    # someone else's namespace
    with pytest.raises(AuthenticationError, match="No write access to bob/"):
        hub_utils.push(repo_id=f"bob/{repo_name}", source=repo, token=alice_token, create_remote=True)
    assert not api.repo_exists(f"bob/{repo_name}")

    # a public repo stays public when a push asking for private is refused
    hub_utils.push(repo_id=repo_id, source=repo, token=alice_token, create_remote=True, private=False)
    head = _commits(api, repo_id)[0]
    (repo / "train.py").write_text(f'TOKEN = "{leaked}"\n')
    with pytest.raises(SecretsFoundError):
        hub_utils.push(repo_id=repo_id, source=repo, token=alice_token, private=True)
    assert api.model_info(repo_id).private is False
    assert _commits(api, repo_id)[0] == head


def test_push_refuses_a_remote_that_moved(api, alice_token, repo_name, init_repo, iris_model):
    repo = init_repo(iris_model)
    repo_id = f"alice/{repo_name}"
    hub_utils.push(repo_id=repo_id, source=repo, token=alice_token, create_remote=True)
    api.upload_file(path_or_fileobj=b"# written on the Hub\n", path_in_repo="README.md", repo_id=repo_id)
    head = _commits(api, repo_id)[0]

    hub_utils.update_env(path=repo, requirements=["scikit-learn", "numpy"])
    with pytest.raises(RemoteChangedError, match="was updated on the Hub"):
        hub_utils.push(repo_id=repo_id, source=repo, token=alice_token)
    assert _commits(api, repo_id)[0] == head

    # replacing it on purpose
    hub_utils.push(repo_id=repo_id, source=repo, token=alice_token, overwrite=True)
    config = json.loads(Path(api.hf_hub_download(repo_id, "config.json")).read_text())
    assert config["sklearn"]["environment"] == ["scikit-learn", "numpy"]


def test_download_copies_files_and_revision(api, alice_token, repo_name, init_repo, iris_model, tmp_path):
    repo = init_repo(iris_model)
    repo_id = f"alice/{repo_name}"
    hub_utils.push(repo_id=repo_id, source=repo, token=alice_token, create_remote=True)
    first = _commits(api, repo_id)[0]
    hub_utils.update_env(path=repo, requirements=["scikit-learn", "numpy"])
    hub_utils.push(repo_id=repo_id, source=repo, token=alice_token)

    hub_utils.download(repo_id=repo_id, dst=tmp_path / "latest")
    hub_utils.download(repo_id=repo_id, dst=tmp_path / "first", revision=first)

    assert sorted(os.listdir(tmp_path / "latest")) == [".gitattributes", "config.json", "model.pkl"]
    assert hub_utils.get_requirements(tmp_path / "latest") == ["scikit-learn", "numpy"]
    assert hub_utils.get_requirements(tmp_path / "first") == ["scikit-learn"]
    assert (tmp_path / "latest" / "model.pkl").read_bytes() == (repo / "model.pkl").read_bytes()


def test_download_keep_cache(api, alice_token, repo_name, init_repo, iris_model, tmp_path):
    from huggingface_hub import constants

    repo = init_repo(iris_model)
    repo_id = f"alice/{repo_name}"
    hub_utils.push(repo_id=repo_id, source=repo, token=alice_token, create_remote=True)
    cached = os.path.join(constants.HF_HUB_CACHE, f"models--alice--{repo_name}")

    hub_utils.download(repo_id=repo_id, dst=tmp_path / "no-cache", keep_cache=False)
    assert not os.path.exists(cached)
    assert (tmp_path / "no-cache" / "model.pkl").exists()

    hub_utils.download(repo_id=repo_id, dst=tmp_path / "cached")
    assert os.path.isdir(cached)


def test_download_bad_input(api, alice_token, repo_name, tmp_path):
    dst = tmp_path / "full"
    dst.mkdir()
    (dst / "mine.txt").write_text("keep")
    with pytest.raises(OSError, match="None-empty dst path already exists!"):
        hub_utils.download(repo_id="alice/anything", dst=dst)
    assert os.listdir(dst) == ["mine.txt"]

    missing = tmp_path / "missing"
    with pytest.raises(RepositoryNotFoundError, match="make sure you are authenticated") as info:
        hub_utils.download(repo_id=f"alice/{repo_name}", dst=missing, token=alice_token)
    assert isinstance(info.value, RemoteNotFoundError)
    assert f"alice/{repo_name} was not found" in str(info.value)
    assert not missing.exists()

    with pytest.raises(ValueError, match=re.escape("unsupported option(s) max_workers")) as info:
        hub_utils.download(repo_id=f"alice/{repo_name}", dst=missing, max_workers=2)
    assert isinstance(info.value, HubMagicError)


def test_push_validates_the_folder_first(api, alice_token, repo_name, tmp_path):
    (tmp_path / "config.json").write_text(json.dumps({"sklearn": {"model": {"file": "model.skops"}}}))
    with pytest.raises(TypeError, match="Model file model.skops does not exist") as info:
        hub_utils.push(repo_id=f"alice/{repo_name}", source=tmp_path, token=alice_token, create_remote=True)
    assert isinstance(info.value, HubMagicError)
    assert not api.repo_exists(f"alice/{repo_name}")
    assert os.listdir(tmp_path) == ["config.json"]


def test_a_downloaded_copy_pushes_back_as_a_pr_or_with_overwrite(
    api, alice_token, repo_name, init_repo, iris_model, tmp_path
):
    repo = init_repo(iris_model)
    repo_id = f"alice/{repo_name}"
    hub_utils.push(repo_id=repo_id, source=repo, token=alice_token, create_remote=True)
    copy = tmp_path / "copy"
    hub_utils.download(repo_id=repo_id, dst=copy, token=alice_token)
    hub_utils.update_env(path=copy, requirements=["scikit-learn", "pandas"])
    head = _commits(api, repo_id)[0]

    # hubmagic differs from skops here: the copy never pushed, so it may not overwrite blindly
    with pytest.raises(RemoteChangedError, match="this folder has never pulled"):
        hub_utils.push(repo_id=repo_id, source=copy, token=alice_token)
    assert _commits(api, repo_id)[0] == head

    hub_utils.push(repo_id=repo_id, source=copy, token=alice_token, create_pr=True, commit_message="Add pandas")
    assert [pr.title for pr in api.get_repo_discussions(repo_id)] == ["Add pandas"]
    hub_utils.push(repo_id=repo_id, source=copy, token=alice_token, overwrite=True)
    assert hub_utils.get_config(Path(api.snapshot_download(repo_id)))["sklearn"]["environment"] == [
        "scikit-learn",
        "pandas",
    ]
