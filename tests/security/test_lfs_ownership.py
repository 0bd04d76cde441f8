"""LFS objects belong to repositories: knowing an oid gives nothing.

Each test is an attack (or the normal flow that must keep working) through the real
``huggingface_hub`` client and raw HTTP on its own session, against a real local hub.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import time
from pathlib import Path

import pytest
from huggingface_hub import HfApi, get_session, hf_hub_download
from huggingface_hub.errors import GatedRepoError

from hubmagic.localhub import LocalHub

LFS_HEADERS = {"Accept": "application/vnd.git-lfs+json", "Content-Type": "application/vnd.git-lfs+json"}


def _auth(token):
    return {"authorization": f"Bearer {token}"} if token else {}


def _batch(endpoint, repo_id, operation, oid, size, token=None):
    """One LFS batch request; returns the HTTP response."""
    body = {"operation": operation, "transfers": ["basic"], "hash_algo": "sha256",
            "objects": [{"oid": oid, "size": size}]}
    return get_session().post(f"{endpoint}/{repo_id}.git/info/lfs/objects/batch", json=body,
                              headers={**LFS_HEADERS, **_auth(token)})


def _download_href(endpoint, repo_id, oid, size, token=None):
    """The download href the batch API offers for ``oid``, or ``None`` when it refuses."""
    response = _batch(endpoint, repo_id, "download", oid, size, token)
    response.raise_for_status()
    answer = response.json()["objects"][0]
    return answer.get("actions", {}).get("download", {}).get("href")


def _upload_raw(endpoint, repo_id, data, token):
    """Upload ``data`` as an LFS object for ``repo_id`` without committing it; returns its oid."""
    oid = hashlib.sha256(data).hexdigest()
    response = _batch(endpoint, repo_id, "upload", oid, len(data), token)
    response.raise_for_status()
    actions = response.json()["objects"][0].get("actions")
    if actions:
        get_session().put(actions["upload"]["href"], content=data).raise_for_status()
    return oid


def _commit_raw(endpoint, repo_id, token, operation):
    """POST an NDJSON commit with one operation line; returns the HTTP response."""
    lines = [{"key": "header", "value": {"summary": "sneaky", "description": ""}}, operation]
    body = "".join(json.dumps(line) + "\n" for line in lines).encode()
    return get_session().post(f"{endpoint}/api/models/{repo_id}/commit/main", content=body,
                              headers={"Content-Type": "application/x-ndjson", **_auth(token)})


def _lfs_file(data: bytes) -> tuple[bytes, str]:
    """Binary content (stored with LFS by the hub) and its sha256."""
    return data, hashlib.sha256(data).hexdigest()


@pytest.fixture
def bob_api(hub, bob_token):
    return HfApi(endpoint=hub.endpoint, token=bob_token)


@pytest.fixture
def alice_private_object(api, repo_name):
    """A private repo of alice's holding one LFS file; returns ``(repo_id, oid, size)``."""
    data, oid = _lfs_file(b"\x00secret weights" + os.urandom(2000))
    repo_id = api.create_repo(f"{repo_name}-private", private=True).repo_id
    api.upload_file(path_or_fileobj=data, path_in_repo="weights.bin", repo_id=repo_id)
    return repo_id, oid, len(data)


def test_bob_cannot_download_alices_object_through_his_repo_or_anonymously(hub, api, bob_api, bob_token, repo_name,
                                                                            alice_private_object):
    private_id, oid, size = alice_private_object
    assert _download_href(hub.endpoint, private_id, oid, size, api.token)  # alice herself may
    bob_repo = bob_api.create_repo(f"{repo_name}-bob").repo_id
    alice_public = api.create_repo(f"{repo_name}-public").repo_id

    response = _batch(hub.endpoint, bob_repo, "download", oid, size, bob_token)
    assert response.status_code == 200
    assert response.json()["objects"][0]["error"]["code"] == 404
    assert "actions" not in response.json()["objects"][0]
    assert _download_href(hub.endpoint, bob_repo, oid, size) is None  # anonymous, through bob's public repo
    assert _download_href(hub.endpoint, alice_public, oid, size) is None  # a repo of the owner not holding it
    assert _batch(hub.endpoint, private_id, "download", oid, size).status_code in (401, 404)  # anonymous, direct
    assert _batch(hub.endpoint, private_id, "download", oid, size, bob_token).status_code == 404
    # The store does not tell whether it holds the object: bob is asked for the bytes.
    upload = _batch(hub.endpoint, bob_repo, "upload", oid, size, bob_token).json()["objects"][0]
    assert "upload" in upload["actions"]
    # Nor does verify confirm an object uploaded for someone else.
    verify = get_session().post(f"{hub.endpoint}/{bob_repo}.git/info/lfs/objects/verify",
                                json={"oid": oid, "size": size}, headers=_auth(bob_token))
    assert verify.status_code == 404


def test_bob_cannot_commit_a_pointer_to_alices_object(hub, bob_api, bob_token, repo_name, alice_private_object):
    _, oid, size = alice_private_object
    bob_repo = bob_api.create_repo(f"{repo_name}-bob").repo_id
    head = bob_api.repo_info(bob_repo).sha
    attacks = [
        {"key": "lfsFile", "value": {"path": "stolen.bin", "algo": "sha256", "oid": oid, "size": size}},
        {"key": "lfsFile", "value": {"path": "stolen.bin", "algo": "sha256", "oid": oid}},  # a "copy": no size
        # A hand-written pointer committed as a regular file.
        {"key": "file", "value": {"path": "stolen.bin", "encoding": "base64", "content": base64.b64encode(
            f"version https://git-lfs.github.com/spec/v1\noid sha256:{oid}\nsize {size}\n".encode()).decode()}},
    ]
    for attack in attacks:
        response = _commit_raw(hub.endpoint, bob_repo, bob_token, attack)
        assert response.status_code == 400, attack
        assert "was not uploaded to this repository" in response.json()["error"]
        assert "Traceback" not in response.text
    assert bob_api.repo_info(bob_repo).sha == head
    assert "stolen.bin" not in bob_api.list_repo_files(bob_repo)


def test_the_same_bytes_uploaded_by_bob_are_his_to_commit(hub, api, bob_api, bob_token, repo_name, tmp_path):
    """Deduplication is no leak: bob who has the bytes too uploads them, then may commit them."""
    common, oid = _lfs_file(b"\x00a public dataset both of them downloaded" * 20)
    private_id = api.create_repo(f"{repo_name}-private", private=True).repo_id
    api.upload_file(path_or_fileobj=common, path_in_repo="data.bin", repo_id=private_id)
    bob_repo = bob_api.create_repo(f"{repo_name}-bob").repo_id

    assert _upload_raw(hub.endpoint, bob_repo, common, bob_token) == oid
    response = _commit_raw(hub.endpoint, bob_repo, bob_token, {"key": "lfsFile", "value": {
        "path": "data.bin", "algo": "sha256", "oid": oid}})
    assert response.status_code == 200, response.text
    path = hf_hub_download(bob_repo, "data.bin", cache_dir=tmp_path, token=bob_token)
    assert Path(path).read_bytes() == common
    assert _download_href(hub.endpoint, private_id, oid, len(common), api.token)  # alice's copy is untouched


def test_deleted_repo_objects_are_unreachable_unless_another_repo_references_them(hub, api, bob_api, bob_token,
                                                                                  repo_name, tmp_path):
    only_alice, oid = _lfs_file(b"\x00only in alice's repo" + os.urandom(1000))
    shared, shared_oid = _lfs_file(b"\x00both have it" + os.urandom(1000))
    alice_repo = api.create_repo(f"{repo_name}-alice").repo_id
    api.upload_file(path_or_fileobj=only_alice, path_in_repo="a.bin", repo_id=alice_repo)
    api.upload_file(path_or_fileobj=shared, path_in_repo="s.bin", repo_id=alice_repo)
    bob_repo = bob_api.create_repo(f"{repo_name}-bob").repo_id
    bob_api.upload_file(path_or_fileobj=shared, path_in_repo="s.bin", repo_id=bob_repo)
    href = _download_href(hub.endpoint, alice_repo, oid, len(only_alice))
    assert get_session().get(href).content == only_alice

    api.delete_repo(alice_repo)

    assert get_session().get(href).status_code == 404  # a link handed out before the deletion
    alice_again = api.create_repo(f"{repo_name}-alice").repo_id  # same name, fresh repo
    for repo_id, token in [(alice_again, api.token), (bob_repo, bob_token), (bob_repo, None)]:
        assert _download_href(hub.endpoint, repo_id, oid, len(only_alice), token) is None
    response = _commit_raw(hub.endpoint, alice_again, api.token, {"key": "lfsFile", "value": {
        "path": "a.bin", "algo": "sha256", "oid": oid}})
    assert response.status_code == 400
    # Bob's repo references the shared object: it stays his.
    path = hf_hub_download(bob_repo, "s.bin", cache_dir=tmp_path, token=bob_token)
    assert Path(path).read_bytes() == shared
    assert _download_href(hub.endpoint, bob_repo, shared_oid, len(shared))


def test_gated_repo_gates_lfs_downloads(hub, api, bob_token, repo_name):
    data, oid = _lfs_file(b"\x00gated weights" + os.urandom(500))
    repo_id = api.create_repo(repo_name).repo_id
    api.upload_file(path_or_fileobj=data, path_in_repo="w.bin", repo_id=repo_id)
    api.update_repo_settings(repo_id, gated="manual")

    refused = _batch(hub.endpoint, repo_id, "download", oid, len(data), bob_token)
    assert refused.status_code == 403
    assert "ask for access" in refused.json()["error"]
    assert _batch(hub.endpoint, repo_id, "download", oid, len(data)).status_code == 401
    with pytest.raises(GatedRepoError):
        hf_hub_download(repo_id, "w.bin", token=bob_token, endpoint=hub.endpoint)

    api.grant_access(repo_id, "bob")
    href = _download_href(hub.endpoint, repo_id, oid, len(data), bob_token)
    assert get_session().get(href).content == data


def test_expired_or_altered_hrefs_are_refused(tmp_path):
    token = "hf_" + "e" * 34
    with LocalHub(tmp_path / "hub", users={"erin": token}) as hub:
        api = HfApi(endpoint=hub.endpoint, token=token)
        repo_id = api.create_repo("short-links").repo_id
        data, oid = _lfs_file(b"\x00expiring" + os.urandom(300))
        api.upload_file(path_or_fileobj=data, path_in_repo="w.bin", repo_id=repo_id)
        hub.state.lfs.href_seconds = 2  # links from now on live 2-3 s (the set-up time does not count)
        download = _download_href(hub.endpoint, repo_id, oid, len(data), token)
        other, other_oid = _lfs_file(b"\x00not yet uploaded" + os.urandom(300))
        upload = _batch(hub.endpoint, repo_id, "upload", other_oid, len(other), token).json()
        upload = upload["objects"][0]["actions"]["upload"]["href"]
        assert get_session().get(download).content == data

        *head, expires, signature = download.split("/")
        pushed_back = "/".join([*head, str(int(expires) + 3600), signature])
        response = get_session().get(pushed_back)
        assert response.status_code == 403 and "Invalid LFS download link" in response.json()["error"]
        bob_repo = "/".join(download.split("/")[:-6]).replace(repo_id, "erin/elsewhere")
        assert get_session().get(bob_repo + "/" + "/".join(download.split("/")[-4:])).status_code in (403, 404)

        time.sleep(3.1)
        response = get_session().get(download)
        assert response.status_code == 403
        assert "expired" in response.json()["error"] and "again" in response.json()["error"]
        response = get_session().put(upload, content=other)
        assert response.status_code == 403 and "expired" in response.json()["error"]
        # A fresh batch gives a working link again.
        hub.state.lfs.href_seconds = 3600
        assert get_session().get(_download_href(hub.endpoint, repo_id, oid, len(data), token)).content == data


def test_uploads_never_committed_are_collected_after_the_grace_period(tmp_path):
    token = "hf_" + "g" * 34
    # A grace period long enough for the set-up below on a loaded 2-core machine.
    with LocalHub(tmp_path / "hub", users={"gus": token}, lfs_grace_seconds=6) as hub:
        api = HfApi(endpoint=hub.endpoint, token=token)
        repo_id = api.create_repo("grace").repo_id
        doomed_repo = api.create_repo("doomed").repo_id
        orphan = _upload_raw(hub.endpoint, repo_id, b"\x00never committed" + os.urandom(200), token)
        kept, kept_oid = _lfs_file(b"\x00committed" + os.urandom(200))
        api.upload_file(path_or_fileobj=kept, path_in_repo="kept.bin", repo_id=repo_id)
        shared, shared_oid = _lfs_file(b"\x00in two repos" + os.urandom(200))
        alone, alone_oid = _lfs_file(b"\x00only in the deleted repo" + os.urandom(200))
        for target in (repo_id, doomed_repo):
            api.upload_file(path_or_fileobj=shared, path_in_repo="shared.bin", repo_id=target)
        api.upload_file(path_or_fileobj=alone, path_in_repo="alone.bin", repo_id=doomed_repo)
        api.delete_repo(doomed_repo)
        store = hub.data_dir / "lfs" / "objects"

        def stored(oid):
            return (store / oid[:2] / oid[2:4] / oid).is_file()

        assert stored(orphan) and stored(alone_oid)

        time.sleep(6.5)
        _upload_raw(hub.endpoint, repo_id, b"\x00a later upload" + os.urandom(200), token)  # collection runs

        assert not stored(orphan) and not stored(alone_oid)
        assert stored(kept_oid) and stored(shared_oid)
        response = _commit_raw(hub.endpoint, repo_id, token, {"key": "lfsFile", "value": {
            "path": "orphan.bin", "algo": "sha256", "oid": orphan}})
        assert response.status_code == 400
        for name, data in [("kept.bin", kept), ("shared.bin", shared)]:
            path = hf_hub_download(repo_id, name, cache_dir=tmp_path / "cache", endpoint=hub.endpoint, token=token)
            assert Path(path).read_bytes() == data

    # Collection also runs at start. A data dir from before per-repo indexes existed is
    # indexed from its git history first: nothing it references is collected.
    (index,) = (tmp_path / "hub" / "repos").glob("**/grace.git/hubmagic-lfs-oids")
    index.unlink()
    orphan = _lfs_file(b"\x00left by a server that stopped")[1]
    (store / orphan[:2] / orphan[2:4]).mkdir(parents=True, exist_ok=True)
    (store / orphan[:2] / orphan[2:4] / orphan).write_bytes(b"\x00left by a server that stopped")
    os.utime(store / orphan[:2] / orphan[2:4] / orphan, (time.time() - 10, time.time() - 10))
    with LocalHub(tmp_path / "hub", lfs_grace_seconds=1) as hub:
        assert stored(kept_oid) and stored(shared_oid) and not stored(orphan)
        assert index.is_file()
        path = hf_hub_download(repo_id, "kept.bin", cache_dir=tmp_path / "cache2", endpoint=hub.endpoint, token=token)
        assert Path(path).read_bytes() == kept


def test_normal_flow_uploads_downloads_and_skips_objects_already_in_the_repo(hub, api, repo_name, tmp_path):
    files = {"README.md": b"# a model\n", "config.json": b"{}\n", "model.skops": b"PK\x03\x04" + os.urandom(5000),
             "weights.bin": os.urandom(3000), "figures/confusion.png": b"\x89PNG\r\n\x1a\n" + os.urandom(1000)}
    for name, data in files.items():
        (tmp_path / "model" / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / "model" / name).write_bytes(data)
    repo_id = api.create_repo(repo_name).repo_id
    api.upload_folder(folder_path=tmp_path / "model", repo_id=repo_id)
    lfs_paths = {f.path for f in api.list_repo_tree(repo_id, recursive=True) if getattr(f, "lfs", None)}
    assert {"model.skops", "weights.bin", "figures/confusion.png"} <= lfs_paths
    for name, data in files.items():
        assert Path(hf_hub_download(repo_id, name, cache_dir=tmp_path / "cache")).read_bytes() == data

    def puts_while(action):
        before = len(hub.state.recent_requests)
        action()
        return [p for m, p in list(hub.state.recent_requests)[before:] if m == "PUT" and p.startswith("/lfs-upload/")]

    # The same bytes at another path of the same repo: already there, not sent again.
    assert puts_while(lambda: api.upload_file(path_or_fileobj=files["weights.bin"], path_in_repo="copy/weights.bin",
                                              repo_id=repo_id)) == []
    assert Path(hf_hub_download(repo_id, "copy/weights.bin", cache_dir=tmp_path / "c2")).read_bytes() \
        == files["weights.bin"]
    # Another repo must send the bytes once: owning an object means having had its content.
    other = api.create_repo(f"{repo_name}-other").repo_id
    assert len(puts_while(lambda: api.upload_file(path_or_fileobj=files["weights.bin"], path_in_repo="w.bin",
                                                  repo_id=other))) == 1


def test_pull_request_with_lfs_file_to_a_foreign_repo(hub, api, bob_api, repo_name, tmp_path):
    repo_id = api.create_repo(repo_name).repo_id
    data = b"\x00bob's improvement" + os.urandom(300)
    info = bob_api.upload_file(path_or_fileobj=data, path_in_repo="better.bin", repo_id=repo_id, create_pr=True)
    path = hf_hub_download(repo_id, "better.bin", revision=info.pr_revision, cache_dir=tmp_path)
    assert Path(path).read_bytes() == data


def test_batch_with_a_bad_object_answers_per_object(hub, bob_token, bob_api, repo_name):
    bob_repo = bob_api.create_repo(repo_name).repo_id
    response = _batch(hub.endpoint, bob_repo, "download", "not-an-oid", 3, bob_token)
    assert response.status_code == 200
    assert response.json()["objects"][0]["error"]["code"] == 422
    refused = _batch(hub.endpoint, bob_repo, "steal", "0" * 64, 3, bob_token)
    assert refused.status_code == 400 and "Invalid LFS batch request" in refused.json()["error"]
