"""Commits as the Hub makes them: deletions, stale parents, pull requests."""

from __future__ import annotations

import pytest
from huggingface_hub import (
    CommitOperationAdd,
    CommitOperationCopy,
    CommitOperationDelete,
)
from huggingface_hub.errors import (
    EntryNotFoundError,
    HfHubHTTPError,
    RevisionNotFoundError,
)


@pytest.fixture
def repo(api, repo_name):
    repo_id = f"alice/{repo_name}"
    api.create_repo(repo_name)
    api.create_commit(repo_id, operations=[
        CommitOperationAdd("a.txt", b"a"),
        CommitOperationAdd("fold/sub/b.txt", b"b"),
        CommitOperationAdd("fold/sub/c.bin", b"c" * 100),
        CommitOperationAdd("fold/d.txt", b"d"),
    ], commit_message="seed")
    return repo_id


def test_deleting_files_and_folders(api, repo):
    api.create_commit(repo, operations=[CommitOperationDelete("a.txt"), CommitOperationDelete("fold/sub/")],
                      commit_message="clean up")
    assert sorted(api.list_repo_files(repo)) == [".gitattributes", "fold/d.txt"]
    api.delete_file("fold/d.txt", repo)
    assert api.list_repo_files(repo) == [".gitattributes"]
    with pytest.raises(EntryNotFoundError):
        api.delete_file("nope.txt", repo)


def test_deleting_a_folder_as_a_file_is_ok(api, repo):
    api.create_commit(repo, operations=[CommitOperationDelete("fold/sub")], commit_message="implicit folder")
    assert "fold/sub/b.txt" not in api.list_repo_files(repo)
    api.delete_folder("fold", repo)
    assert sorted(api.list_repo_files(repo)) == [".gitattributes", "a.txt"]


def test_commit_history_and_copies(api, repo):
    api.create_commit(repo, operations=[CommitOperationCopy("fold/sub/c.bin", "copy.bin"),
                                        CommitOperationCopy("a.txt", "a-copy.txt")], commit_message="copies")
    commits = api.list_repo_commits(repo)
    assert [c.title for c in commits] == ["copies", "seed", "initial commit"]
    assert commits[-1].authors == ["alice"] and commits[0].authors == ["alice"]  # the creator, as on the Hub
    copy, original = api.get_paths_info(repo, ["copy.bin", "fold/sub/c.bin"])
    assert copy.lfs.sha256 == original.lfs.sha256


def test_stale_parent_commit_is_refused_with_412(api, repo):
    parent = api.model_info(repo).sha
    api.upload_file(path_or_fileobj=b"new", path_in_repo="new.txt", repo_id=repo)
    with pytest.raises(HfHubHTTPError) as error:
        api.upload_file(path_or_fileobj=b"late", path_in_repo="late.txt", repo_id=repo, parent_commit=parent)
    assert error.value.response.status_code == 412
    assert "The branch was updated since you opened this page" in str(error.value)
    head = api.model_info(repo).sha
    ok = api.upload_file(path_or_fileobj=b"on time", path_in_repo="late.txt", repo_id=repo, parent_commit=head[:7])
    assert api.model_info(repo).sha == ok.oid


def test_pull_request_then_commit_to_it_then_merge(api, repo):
    main_before = api.model_info(repo).sha
    pr = api.upload_file(path_or_fileobj=b"proposal", path_in_repo="proposal.txt", repo_id=repo,
                         create_pr=True, commit_message="Propose")
    assert pr.pr_url.endswith(f"/{repo}/discussions/1") and pr.pr_revision == "refs/pr/1"
    assert api.model_info(repo).sha == main_before  # main did not move
    api.upload_file(path_or_fileobj=b"more", path_in_repo="more.txt", repo_id=repo, revision="refs/pr/1")
    assert {"proposal.txt", "more.txt"} <= set(api.list_repo_files(repo, revision="refs/pr/1"))
    assert "proposal.txt" not in api.list_repo_files(repo)

    details = api.get_discussion_details(repo, 1)
    assert details.is_pull_request and details.title == "Propose" and details.status == "open"
    commits = [e.summary for e in details.events if e.type == "commit"]
    assert commits == ["Propose", "Upload more.txt with huggingface_hub"]
    refs = api.list_repo_refs(repo, include_pull_requests=True)
    assert [r.ref for r in refs.pull_requests] == ["refs/pr/1"]

    api.merge_pull_request(repo, 1)
    assert {"proposal.txt", "more.txt"} <= set(api.list_repo_files(repo))
    assert api.get_discussion_details(repo, 1).status == "merged"


def test_pull_request_needs_a_branch(api, repo):
    sha = api.model_info(repo).sha
    with pytest.raises(RevisionNotFoundError):
        api.upload_file(path_or_fileobj=b"x", path_in_repo="x.txt", repo_id=repo, revision=sha, create_pr=True)
    second = api.create_pull_request(repo, title="Empty PR")
    assert second.num == 1
    assert [d.num for d in api.get_repo_discussions(repo)] == [1]


def test_interrupted_lfs_upload_leaves_repo_unchanged(api, hub, repo):
    from huggingface_hub import get_session

    head = api.model_info(repo).sha
    batch = get_session().post(
        f"{hub.endpoint}/{repo}.git/info/lfs/objects/batch",
        json={"operation": "upload", "transfers": ["basic"], "objects": [{"oid": "a" * 64, "size": 10}]},
        headers={"authorization": f"Bearer {api.token}"},
    ).json()
    href = batch["objects"][0]["actions"]["upload"]["href"]
    refused = get_session().put(href, content=b"0123456789")  # content does not hash to the oid
    assert refused.status_code == 400
    forged = get_session().put(href.rsplit("/", 1)[0] + "/" + "0" * 64, content=b"0123456789")
    assert forged.status_code == 403
    # A commit naming the never-completed object is refused; the branch stays put.
    commit = get_session().post(
        f"{hub.endpoint}/api/models/{repo}/commit/main",
        content=b'{"key":"header","value":{"summary":"s"}}\n'
        b'{"key":"lfsFile","value":{"path":"w.bin","algo":"sha256","oid":"' + b"a" * 64 + b'","size":10}}\n',
        headers={"authorization": f"Bearer {api.token}", "content-type": "application/x-ndjson"},
    )
    assert commit.status_code == 400
    assert api.model_info(repo).sha == head
    assert not list((hub.data_dir / "lfs" / "tmp").iterdir())


def test_a_path_cannot_be_file_and_folder(api, repo):
    from huggingface_hub.errors import BadRequestError

    with pytest.raises(BadRequestError, match="a.txt is a file"):
        api.upload_file(path_or_fileobj=b"x", path_in_repo="a.txt/inner.txt", repo_id=repo)
    api.create_commit(repo, operations=[CommitOperationDelete("a.txt"), CommitOperationAdd("a.txt/inner.txt", b"x")],
                      commit_message="file becomes folder")
    assert "a.txt/inner.txt" in api.list_repo_files(repo)


def test_regular_lines_for_lfs_files_are_rejected(api, hub, repo):
    import base64
    import json

    from huggingface_hub import get_session

    def commit(path, content):
        body = "\n".join(json.dumps(line) for line in (
            {"key": "header", "value": {"summary": "bypass preupload"}},
            {"key": "file",
             "value": {"path": path, "content": base64.b64encode(content).decode(), "encoding": "base64"}},
        ))
        return get_session().post(f"{hub.endpoint}/api/models/{repo}/commit/main", content=body.encode(),
                                  headers={"authorization": f"Bearer {api.token}",
                                           "content-type": "application/x-ndjson"})

    assert commit("weights.bin", b"tracked by *.bin").status_code == 400
    assert commit("blob.dat", b"\x00\x01binary").status_code == 400
    assert commit("empty.pkl", b"").status_code == 200  # the client sends empty files inline
    assert api.get_paths_info(repo, ["empty.pkl"])[0].lfs is None
