"""The story every hubmagic test relies on: create, upload a model folder, read it back."""

from __future__ import annotations

from pathlib import Path

from huggingface_hub import hf_hub_download, snapshot_download

from .helpers import git_blob_id, make_model_folder, sha256

LFS_FILES = {"model.skops", "weights.bin", "figures/confusion.png"}


def test_upload_folder_then_download_everything_back(api, hub, tmp_path, repo_name):
    repo_id = f"alice/{repo_name}"
    url = api.create_repo(repo_name)
    assert url == f"{hub.endpoint}/{repo_id}"
    assert url.repo_id == repo_id

    folder = tmp_path / "model"
    files = make_model_folder(folder)
    info = api.upload_folder(folder_path=folder, repo_id=repo_id, commit_message="Add model")
    assert info.commit_url == f"{hub.endpoint}/{repo_id}/commit/{info.oid}"
    assert api.model_info(repo_id).sha == info.oid

    assert sorted(api.list_repo_files(repo_id)) == sorted([".gitattributes", *files])
    tree = {entry.path: entry for entry in api.list_repo_tree(repo_id, recursive=True)}
    assert {"figures", "figures/notes"} <= set(tree)
    for name, data in files.items():
        entry = tree[name]
        assert entry.size == len(data)
        if name in LFS_FILES:
            assert entry.lfs is not None and entry.lfs.sha256 == sha256(data)
        else:
            assert entry.lfs is None and entry.blob_id == git_blob_id(data)
    top = [entry.path for entry in api.list_repo_tree(repo_id)]
    assert "figures/notes" not in top and "figures" in top

    # Binary files no rule covered were added to .gitattributes, as the Hub does.
    attributes = Path(hf_hub_download(repo_id, ".gitattributes")).read_text()
    assert "model.skops filter=lfs" in attributes
    assert "figures/confusion.png filter=lfs" in attributes
    assert "weights.bin" not in attributes  # already covered by *.bin

    local = snapshot_download(repo_id, cache_dir=tmp_path / "cache")
    for name, data in files.items():
        assert (Path(local) / name).read_bytes() == data


def test_second_download_is_served_from_cache(api, hub, tmp_path, repo_name):
    repo_id = f"alice/{repo_name}"
    api.create_repo(repo_name)
    data = b"\x00binary" * 500
    api.upload_file(path_or_fileobj=data, path_in_repo="blob.dat", repo_id=repo_id)

    first = hf_hub_download(repo_id, "blob.dat", cache_dir=tmp_path)
    assert Path(first).read_bytes() == data
    before = len(hub.state.recent_requests)
    second = hf_hub_download(repo_id, "blob.dat", cache_dir=tmp_path)
    served = list(hub.state.recent_requests)[before:]
    assert second == first
    assert [m for m, p in served if p.endswith("/blob.dat")] == ["HEAD"]  # ETag matched: no GET


def test_metadata_headers_match_tree_oids(api, hub, repo_name):
    from huggingface_hub import get_session

    httpx = get_session()

    repo_id = f"alice/{repo_name}"
    api.create_repo(repo_name)
    api.upload_file(path_or_fileobj=b"hello", path_in_repo="a.txt", repo_id=repo_id)
    api.upload_file(path_or_fileobj=b"x" * 2000, path_in_repo="w.bin", repo_id=repo_id)
    sha = api.model_info(repo_id).sha
    regular, lfs = api.get_paths_info(repo_id, ["a.txt", "w.bin"])

    head = httpx.head(f"{hub.endpoint}/{repo_id}/resolve/main/a.txt")
    assert head.headers["X-Repo-Commit"] == sha
    assert head.headers["ETag"].strip('"') == regular.blob_id
    head = httpx.head(f"{hub.endpoint}/{repo_id}/resolve/main/w.bin")
    assert head.headers["X-Linked-Etag"].strip('"') == lfs.lfs.sha256
    assert head.headers["X-Linked-Size"] == "2000"

    ranged = httpx.get(f"{hub.endpoint}/{repo_id}/resolve/main/w.bin", headers={"Range": "bytes=10-19"})
    assert ranged.status_code == 206
    assert ranged.headers["Content-Range"] == "bytes 10-19/2000"
    assert ranged.content == b"x" * 10
    out_of_range = httpx.get(f"{hub.endpoint}/{repo_id}/resolve/main/a.txt", headers={"Range": "bytes=99-"})
    assert out_of_range.status_code == 416


def test_unchanged_files_are_not_uploaded_again(api, hub, tmp_path, repo_name):
    repo_id = f"alice/{repo_name}"
    api.create_repo(repo_name)
    folder = tmp_path / "model"
    make_model_folder(folder)
    first = api.upload_folder(folder_path=folder, repo_id=repo_id)
    (folder / "train.py").write_text("print('changed')\n")
    before = len(hub.state.recent_requests)
    second = api.upload_folder(folder_path=folder, repo_id=repo_id)
    served = list(hub.state.recent_requests)[before:]
    assert second.oid != first.oid
    assert not any(p.startswith("/lfs-upload/") for _, p in served)  # LFS files skipped: same oid
    changed = api.list_repo_commits(repo_id)[0]
    assert changed.commit_id == second.oid
    assert Path(hf_hub_download(repo_id, "train.py", cache_dir=tmp_path / "c")).read_text() == "print('changed')\n"


def test_repo_ids_are_case_insensitive(api, repo_name):
    api.create_repo(repo_name.upper())
    repo_id = f"alice/{repo_name.upper()}"
    info = api.upload_file(path_or_fileobj=b"x", path_in_repo="x.txt", repo_id=repo_id.lower())
    assert api.model_info(repo_id).sha == info.oid
    assert api.model_info(repo_id.lower()).id == repo_id


def test_gitignore_rules_skip_files(api, tmp_path, repo_name):
    repo_id = f"alice/{repo_name}"
    api.create_repo(repo_name)
    folder = tmp_path / "with-ignore"
    (folder / "nested").mkdir(parents=True)
    (folder / ".gitignore").write_text("nested/*\n*.log\n")
    (folder / "nested" / "skip.txt").write_text("skip me")
    (folder / "debug.log").write_text("noise")
    (folder / "keep.txt").write_text("keep me")
    api.upload_folder(folder_path=folder, repo_id=repo_id)
    assert sorted(api.list_repo_files(repo_id)) == [".gitattributes", ".gitignore", "keep.txt"]


def test_large_listing_is_paginated(api, hub, repo_name):
    from huggingface_hub import CommitOperationAdd

    repo_id = f"alice/{repo_name}"
    api.create_repo(repo_name)
    api.create_commit(repo_id, operations=[CommitOperationAdd(f"f/{i:04d}.txt", b"%d" % i) for i in range(1100)],
                      commit_message="many files")
    before = len(hub.state.recent_requests)
    files = api.list_repo_files(repo_id)
    pages = [p for _, p in list(hub.state.recent_requests)[before:] if "/tree/" in p]
    assert len(files) == 1101 and len(pages) == 2
    expanded = list(api.list_repo_tree(repo_id, path_in_repo="f", expand=True))[:3]
    assert expanded[0].last_commit["title"] == "many files"


def test_unusual_file_names_round_trip(api, tmp_path, repo_name):
    repo_id = f"alice/{repo_name}"
    api.create_repo(repo_name)
    names = ["données/été.txt", "with space/a b.txt", "odd/100%,x:y?.txt", "#hash.md"]
    for name in names:
        api.upload_file(path_or_fileobj=name.encode(), path_in_repo=name, repo_id=repo_id)
    assert set(names) <= set(api.list_repo_files(repo_id))
    for name in names:
        assert Path(hf_hub_download(repo_id, name, cache_dir=tmp_path)).read_bytes() == name.encode()
