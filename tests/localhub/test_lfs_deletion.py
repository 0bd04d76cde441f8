"""Permanently deleting LFS files (``HfApi.permanently_delete_lfs_files``): the history is
rewritten on every ref, the object leaves the store unless another repository holds it,
and only the repo's owners may do it."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from huggingface_hub import CommitOperationAdd, HfApi, get_session, hf_hub_download
from huggingface_hub.errors import EntryNotFoundError, HfHubHTTPError, RepositoryNotFoundError

from .helpers import sha256


def _stored(hub, oid: str) -> bool:
    return (Path(hub.data_dir) / "lfs" / "objects" / oid[:2] / oid[2:4] / oid).is_file()


def _lfs(api: HfApi, repo_id: str) -> dict[str, str]:
    """``{filename: ref}`` of the repo's LFS files."""
    return {f.filename: f.ref for f in api.list_lfs_files(repo_id)}


@pytest.fixture
def repo(api, repo_name):
    """alice's repo: two LFS files and a text file on main, then a branch with one more LFS file."""
    repo_id = api.create_repo(repo_name).repo_id
    contents = {"a.bin": b"\x00first lfs " + repo_name.encode(), "sub/b.bin": b"\x00second lfs " + repo_name.encode(),
                "keep.txt": b"plain text\n", "branch.bin": b"\x00branch lfs " + repo_name.encode()}
    for name in ("a.bin", "sub/b.bin", "keep.txt"):
        api.upload_file(path_or_fileobj=contents[name], path_in_repo=name, repo_id=repo_id,
                        commit_message=f"add {name}")
    api.create_branch(repo_id, branch="dev")
    api.upload_file(path_or_fileobj=contents["branch.bin"], path_in_repo="branch.bin", repo_id=repo_id,
                    revision="dev", commit_message="add branch.bin")
    return repo_id, contents


def test_deleting_rewrites_every_ref_and_removes_the_object(api, hub, repo, tmp_path):
    repo_id, contents = repo
    listed = {f.filename: f for f in api.list_lfs_files(repo_id)}
    assert set(listed) == {"a.bin", "sub/b.bin", "branch.bin"}
    assert listed["a.bin"].ref == "refs/heads/main" and listed["branch.bin"].ref == "refs/heads/dev"
    old_main = api.model_info(repo_id).sha
    titles = [c.title for c in api.list_repo_commits(repo_id)]
    oid_a, oid_b = sha256(contents["a.bin"]), sha256(contents["sub/b.bin"])
    assert _stored(hub, oid_a) and _stored(hub, oid_b)

    api.permanently_delete_lfs_files(repo_id, [listed["a.bin"], listed["sub/b.bin"]])

    assert _lfs(api, repo_id) == {"branch.bin": "refs/heads/dev"}
    assert not _stored(hub, oid_a) and not _stored(hub, oid_b)
    # Gone from main and from the branch made after them, in every commit; "sub" emptied goes too.
    assert set(api.list_repo_files(repo_id)) == {".gitattributes", "keep.txt"}
    assert set(api.list_repo_files(repo_id, revision="dev")) == {".gitattributes", "keep.txt", "branch.bin"}
    for commit in api.list_repo_commits(repo_id, revision="dev"):
        assert not {"a.bin", "sub/b.bin"} & set(api.list_repo_files(repo_id, revision=commit.commit_id))
    # History kept (titles, count), with new ids.
    assert [c.title for c in api.list_repo_commits(repo_id)] == titles
    assert api.model_info(repo_id).sha != old_main
    with pytest.raises(EntryNotFoundError):
        hf_hub_download(repo_id, "a.bin", cache_dir=tmp_path / "c1")
    # An old commit is still reachable by id, but its LFS file is gone.
    with pytest.raises(EntryNotFoundError):
        hf_hub_download(repo_id, "a.bin", revision=old_main, cache_dir=tmp_path / "c2")
    for name, revision in [("keep.txt", "main"), ("branch.bin", "dev")]:
        path = hf_hub_download(repo_id, name, revision=revision, cache_dir=tmp_path / "c3")
        assert Path(path).read_bytes() == contents[name]
    # A commit made on top of the old head is refused, not grafted onto the rewritten branch.
    with pytest.raises(HfHubHTTPError) as error:
        api.create_commit(repo_id, [CommitOperationAdd("late.txt", b"late\n")], commit_message="late",
                          parent_commit=old_main)
    assert error.value.response.status_code == 412
    # The same bytes can be uploaded again: then the file is back, in full.
    api.upload_file(path_or_fileobj=contents["a.bin"], path_in_repo="again.bin", repo_id=repo_id)
    assert Path(hf_hub_download(repo_id, "again.bin", cache_dir=tmp_path / "c4")).read_bytes() == contents["a.bin"]
    assert _stored(hub, oid_a)


def test_without_rewriting_history_the_pointers_stay_but_the_content_is_gone(api, hub, repo, tmp_path):
    repo_id, contents = repo
    target = [f for f in api.list_lfs_files(repo_id) if f.filename == "a.bin"]
    head = api.model_info(repo_id).sha

    api.permanently_delete_lfs_files(repo_id, target, rewrite_history=False)

    assert api.model_info(repo_id).sha == head  # no commit, no rewrite
    assert "a.bin" in api.list_repo_files(repo_id) and "a.bin" in api.list_repo_files(repo_id, revision="dev")
    assert set(_lfs(api, repo_id)) == {"sub/b.bin", "branch.bin"}
    assert not _stored(hub, sha256(contents["a.bin"]))
    with pytest.raises(EntryNotFoundError):
        hf_hub_download(repo_id, "a.bin", cache_dir=tmp_path / "c1")
    path = hf_hub_download(repo_id, "sub/b.bin", cache_dir=tmp_path / "c2")
    assert Path(path).read_bytes() == contents["sub/b.bin"]


def test_an_object_shared_with_another_repository_survives_there(api, bob, hub, repo_name, tmp_path):
    data = b"\x00the same weights in two repos " + repo_name.encode()
    oid = sha256(data)
    mine = api.create_repo(f"{repo_name}-alice").repo_id
    theirs = bob.create_repo(f"{repo_name}-bob", private=True).repo_id
    api.upload_file(path_or_fileobj=data, path_in_repo="w.bin", repo_id=mine)
    bob.upload_file(path_or_fileobj=data, path_in_repo="copy.bin", repo_id=theirs)

    api.permanently_delete_lfs_files(mine, api.list_lfs_files(mine))

    assert _stored(hub, oid)  # bob's repo still holds it
    assert list(api.list_lfs_files(mine)) == []
    with pytest.raises(EntryNotFoundError):
        hf_hub_download(mine, "w.bin", cache_dir=tmp_path / "c1")
    assert _lfs(bob, theirs) == {"copy.bin": "refs/heads/main"}
    path = hf_hub_download(theirs, "copy.bin", token=bob.token, cache_dir=tmp_path / "c2")
    assert Path(path).read_bytes() == data

    # Once bob deletes it too, nobody holds it: it leaves the store.
    bob.permanently_delete_lfs_files(theirs, bob.list_lfs_files(theirs))
    assert not _stored(hub, oid)


def test_an_object_uploaded_for_another_repository_but_not_committed_survives(api, bob, hub, repo_name, tmp_path):
    data = b"\x00uploaded, commit pending " + repo_name.encode()
    mine = api.create_repo(f"{repo_name}-alice").repo_id
    theirs = bob.create_repo(f"{repo_name}-bob").repo_id
    api.upload_file(path_or_fileobj=data, path_in_repo="w.bin", repo_id=mine)
    # bob's bytes are uploaded (preupload + LFS PUT) but his commit comes later.
    addition = CommitOperationAdd("w.bin", data)
    bob.preupload_lfs_files(theirs, [addition])

    api.permanently_delete_lfs_files(mine, api.list_lfs_files(mine))

    assert _stored(hub, sha256(data))
    bob.create_commit(theirs, [addition], commit_message="now")
    assert Path(hf_hub_download(theirs, "w.bin", cache_dir=tmp_path / "c")).read_bytes() == data


def test_only_owners_may_delete_and_access_is_checked_before_the_body(api, bob, hub, repo, repo_name, tmp_path):
    repo_id, contents = repo
    files = list(api.list_lfs_files(repo_id))
    with pytest.raises(HfHubHTTPError) as error:
        bob.permanently_delete_lfs_files(repo_id, files)
    assert error.value.response.status_code == 403
    with pytest.raises(HfHubHTTPError) as error:
        HfApi(endpoint=hub.endpoint, token=False).permanently_delete_lfs_files(repo_id, files)
    assert error.value.response.status_code == 401
    # A private repo is not even there for bob.
    private = api.create_repo(f"{repo_name}-private", private=True).repo_id
    with pytest.raises(RepositoryNotFoundError):
        bob.permanently_delete_lfs_files(private, files)
    # Refused before the body is judged: bob's malformed body gets 403, not 400.
    url = f"{hub.endpoint}/api/models/{repo_id}/lfs-files/batch"
    refused = get_session().post(url, content=b"{not json", headers={"authorization": f"Bearer {bob.token}"})
    assert refused.status_code == 403
    # ...while the owner's malformed bodies get 400.
    for body in [b"{not json", b'{"deletions": {"sha": ["../../etc"]}}',
                 b'{"deletions": {"sha": [], "rewriteHistory": "yes"}}', b'{"sha": []}']:
        bad = get_session().post(url, content=body, headers={"authorization": f"Bearer {api.token}"})
        assert bad.status_code == 400, body
    # Nothing was deleted.
    assert set(_lfs(api, repo_id)) == {"a.bin", "sub/b.bin", "branch.bin"}
    assert all(_stored(hub, sha256(contents[name])) for name in ("a.bin", "sub/b.bin", "branch.bin"))
    assert Path(hf_hub_download(repo_id, "a.bin", cache_dir=tmp_path / "c")).read_bytes() == contents["a.bin"]


def test_an_oid_of_another_repository_is_not_deleted_through_mine(api, bob, hub, repo_name, tmp_path):
    data = b"\x00bob's own object " + repo_name.encode()
    theirs = bob.create_repo(f"{repo_name}-bob").repo_id
    bob.upload_file(path_or_fileobj=data, path_in_repo="b.bin", repo_id=theirs)
    mine = api.create_repo(f"{repo_name}-alice").repo_id

    api.permanently_delete_lfs_files(mine, bob.list_lfs_files(theirs))  # not alice's to delete: ignored

    assert _stored(hub, sha256(data))
    assert Path(hf_hub_download(theirs, "b.bin", cache_dir=tmp_path / "c")).read_bytes() == data


def test_commits_racing_a_rewrite_land_on_the_new_history_or_get_412(api, hub, alice_token, repo):
    repo_id, contents = repo
    doomed = [f for f in api.list_lfs_files(repo_id) if f.filename == "a.bin"]
    start = api.model_info(repo_id).sha
    outcomes: list[tuple[str, int | str]] = []

    def push(i: int) -> None:
        client = HfApi(endpoint=hub.endpoint, token=alice_token)
        # Half name the head they started from: they must either land before the rewrite or get 412.
        parent = start if i % 2 else None
        try:
            client.create_commit(repo_id, [CommitOperationAdd(f"race/{i}.txt", f"{i}\n".encode())],
                                 commit_message=f"race {i}", parent_commit=parent)
            outcomes.append((f"race/{i}.txt", "ok"))
        except HfHubHTTPError as error:
            outcomes.append((f"race/{i}.txt", error.response.status_code))

    threads = [threading.Thread(target=push, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    api.permanently_delete_lfs_files(repo_id, doomed)
    for thread in threads:
        thread.join()

    assert len(outcomes) == 8
    assert {status for _, status in outcomes} <= {"ok", 412}
    assert all(status == "ok" for path, status in outcomes if int(path[5:-4]) % 2 == 0)
    final = set(api.list_repo_files(repo_id))
    assert {path for path, status in outcomes if status == "ok"} <= final
    assert "a.bin" not in final and "sub/b.bin" in final
    for commit in api.list_repo_commits(repo_id):
        assert "a.bin" not in api.list_repo_files(repo_id, revision=commit.commit_id)
    assert [f.filename for f in api.list_lfs_files(repo_id) if f.filename == "a.bin"] == []
