"""Each refusal raises the client's proper exception, as against huggingface.co."""

from __future__ import annotations

import pytest
from huggingface_hub import CommitOperationAdd, hf_hub_download
from huggingface_hub.errors import (
    BadRequestError,
    EntryNotFoundError,
    HfHubHTTPError,
    RemoteEntryNotFoundError,
    RepositoryNotFoundError,
    RevisionNotFoundError,
)


def test_missing_repo_on_commit(api, hub):
    with pytest.raises(RepositoryNotFoundError) as error:
        api.upload_file(path_or_fileobj=b"x", path_in_repo="x.txt", repo_id="alice/repo_that_do_not_exist")
    text = str(error.value)
    assert text.startswith(f"404 Client Error. (Request ID: {error.value.response.headers['X-Request-Id']})")
    url = f"{hub.endpoint}/api/models/alice/repo_that_do_not_exist/preupload/main"
    assert f"Repository Not Found for url: {url}." in text
    with pytest.raises(RepositoryNotFoundError):
        api.model_info("repo-that-does-not-exist")


def test_missing_file_and_revision(api, tmp_path, repo_name):
    repo_id = f"alice/{repo_name}"
    api.create_repo(repo_name)
    with pytest.raises(RemoteEntryNotFoundError):
        hf_hub_download(repo_id, "missing.txt", cache_dir=tmp_path)
    with pytest.raises(RevisionNotFoundError):
        hf_hub_download(repo_id, ".gitattributes", revision="nope", cache_dir=tmp_path)
    assert not api.file_exists(repo_id, "missing.txt")
    assert api.file_exists(repo_id, ".gitattributes")
    with pytest.raises(EntryNotFoundError):
        list(api.list_repo_tree(repo_id, path_in_repo="no/such/folder"))


@pytest.mark.parametrize("path", ["..\\ddd", ".git/config", "a/../../etc/passwd", "a//b"])
def test_paths_escaping_the_repo_are_refused_with_422(api, hub, repo_name, path):
    from huggingface_hub import get_session

    repo_id = f"alice/{repo_name}"
    api.create_repo(repo_name)
    if path == "..\\ddd":  # the client lets this one through: the server must refuse it
        with pytest.raises(HfHubHTTPError) as error:
            api.upload_file(path_or_fileobj=b"x", path_in_repo=path, repo_id=repo_id)
        assert error.value.response.status_code == 422
        return
    import base64
    import json

    body = "\n".join(json.dumps(line) for line in (
        {"key": "header", "value": {"summary": "evil"}},
        {"key": "file", "value": {"path": path, "content": base64.b64encode(b"x").decode(), "encoding": "base64"}},
    ))
    response = get_session().post(f"{hub.endpoint}/api/models/{repo_id}/commit/main", content=body.encode(),
                                  headers={"authorization": f"Bearer {api.token}",
                                           "content-type": "application/x-ndjson"})
    assert response.status_code == 422
    assert response.headers["X-Request-Id"]


def test_bad_requests_raise_bad_request_error(api, repo_name):
    api.create_repo(repo_name)
    with pytest.raises(BadRequestError):
        api.create_tag(f"alice/{repo_name}", tag="invalid tag")
    with pytest.raises(BadRequestError):
        api.create_branch(f"alice/{repo_name}", branch="bad..branch")


def test_text_files_over_10_mib_go_to_lfs(api, repo_name):
    repo_id = f"alice/{repo_name}"
    api.create_repo(repo_name)
    api.create_commit(repo_id, operations=[CommitOperationAdd("big.txt", b"a" * (10 * 2**20 + 1)),
                                           CommitOperationAdd("small.txt", b"a" * (9 * 2**20))],
                      commit_message="sizes")
    big, small = api.get_paths_info(repo_id, ["big.txt", "small.txt"])
    assert big.lfs is not None and big.size == 10 * 2**20 + 1
    assert small.lfs is None


def test_request_bodies_are_bounded(api, hub):
    from huggingface_hub import get_session

    response = get_session().post(f"{hub.endpoint}/api/validate-yaml", content=b"x" * (17 * 2**20),
                                  headers={"content-type": "application/json"})
    assert response.status_code == 413
    assert response.headers["X-Request-Id"]
