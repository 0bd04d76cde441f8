"""Branches and tags, created from any revision, with the Hub's errors."""

from __future__ import annotations

from pathlib import Path

import pytest
from huggingface_hub.errors import HfHubHTTPError, RevisionNotFoundError


@pytest.fixture
def repo(api, repo_name):
    repo_id = f"alice/{repo_name}"
    api.create_repo(repo_name)
    api.upload_file(path_or_fileobj=b"v1", path_in_repo="v.txt", repo_id=repo_id, commit_message="v1")
    return repo_id


def test_branches_from_any_revision(api, repo):
    v1 = api.model_info(repo).sha
    api.upload_file(path_or_fileobj=b"v2", path_in_repo="v.txt", repo_id=repo, commit_message="v2")
    api.create_branch(repo, branch="from-short-sha", revision=v1[:7])
    api.create_branch(repo, branch="from-main")
    assert api.model_info(repo, revision="from-short-sha").sha == v1
    with pytest.raises(HfHubHTTPError) as error:
        api.create_branch(repo, branch="from-main")
    assert error.value.response.status_code == 409
    assert "Reference refs/heads/from-main already exists" in str(error.value)
    api.create_branch(repo, branch="from-main", exist_ok=True)

    work = api.upload_file(path_or_fileobj=b"dev", path_in_repo="dev.txt", repo_id=repo, revision="from-main")
    assert "dev.txt" in api.list_repo_files(repo, revision="from-main")
    assert "dev.txt" not in api.list_repo_files(repo)
    refs = api.list_repo_refs(repo)
    assert refs.branches[0].name == "main"
    assert {b.name: b.target_commit for b in refs.branches}["from-main"] == work.oid

    api.delete_branch(repo, branch="from-main")
    with pytest.raises(RevisionNotFoundError):
        api.model_info(repo, revision="from-main")
    with pytest.raises(HfHubHTTPError, match="Cannot delete refs/heads/main"):
        api.delete_branch(repo, branch="main")
    with pytest.raises(HfHubHTTPError, match="Invalid rev id"):
        api.delete_branch(repo, branch="never-existed")


def test_tags(api, repo):
    v1 = api.model_info(repo).sha
    api.create_tag(repo, tag="v1.0", tag_message="first")
    api.upload_file(path_or_fileobj=b"v2", path_in_repo="v.txt", repo_id=repo)
    assert api.model_info(repo, revision="v1.0").sha == v1
    with pytest.raises(HfHubHTTPError) as error:
        api.create_tag(repo, tag="v1.0")
    assert error.value.response.status_code == 409
    with pytest.raises(HfHubHTTPError):
        api.create_tag(repo, tag="invalid tag")
    with pytest.raises(RevisionNotFoundError):
        api.create_tag(repo, tag="v9", revision="does-not-exist")
    api.create_branch(repo, branch="v1.0")  # a branch may share a tag's name
    assert [t.name for t in api.list_repo_refs(repo).tags] == ["v1.0"]
    api.delete_tag(repo, tag="v1.0")
    with pytest.raises(RevisionNotFoundError):
        api.delete_tag(repo, tag="v1.0")


def test_revisions_resolve_like_the_hub(api, repo):
    from huggingface_hub import hf_hub_download

    sha = api.model_info(repo).sha
    api.upload_file(path_or_fileobj=b"v2", path_in_repo="v.txt", repo_id=repo)
    for revision in (sha, sha[:7], "v1" if False else sha[:10]):
        path = hf_hub_download(repo, "v.txt", revision=revision)
        assert Path(path).read_bytes() == b"v1"
    with pytest.raises(RevisionNotFoundError):
        api.list_repo_files(repo, revision="nope")
    with pytest.raises(RevisionNotFoundError):
        api.list_repo_commits(repo, revision="nope")


def test_super_squash_keeps_the_files(api, repo):
    api.upload_file(path_or_fileobj=b"v2", path_in_repo="w.txt", repo_id=repo)
    files = sorted(api.list_repo_files(repo))
    api.super_squash_history(repo, commit_message="squashed")
    assert [c.title for c in api.list_repo_commits(repo)] == ["squashed"]
    assert sorted(api.list_repo_files(repo)) == files
