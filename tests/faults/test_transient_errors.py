"""A push that meets a transient error (500/503, or 429 with Retry-After) on each step of
the client's protocol: preupload, LFS batch, LFS upload, commit.

The client retries the first three on its own, so the push succeeds; a commit is never
retried by the client (it may have landed), so hubmagic checks the branch and fails in one
paragraph. Either way the remote holds the previous commit or the complete new one, the
folder is untouched, and pushing again sends no LFS object the hub already has.
"""

from __future__ import annotations

import hashlib

import pytest

from hubmagic.hub._publish import publish_folder

from .conftest import (
    assert_clear_failure,
    digest,
    holds_folder,
    model_files,
    remote_files,
    stored,
    uploaded_oids,
    write_folder,
)
from .proxy import is_commit, is_lfs_batch, is_lfs_upload, is_preupload

RATE_LIMITED = {"Retry-After": "0"}  # the client still waits 1 s: keeps the suite fast
STEPS = {"preupload": is_preupload, "lfs-batch": is_lfs_batch, "lfs-upload": is_lfs_upload, "commit": is_commit}
CASES = [("preupload", 503, {}), ("lfs-batch", 500, {}), ("lfs-upload", 503, {}), ("commit", 500, {}),
         ("commit", 503, {})] + [(step, 429, RATE_LIMITED) for step in STEPS]


@pytest.mark.parametrize(("step", "status", "headers"), CASES, ids=[f"{s}-{c}" for s, c, _ in CASES])
def test_a_transient_error_then_a_rerun(proxy, hub, api, alice_token, repo_name, tmp_path, step, status, headers):
    repo_id = f"alice/{repo_name}"
    folder = write_folder(tmp_path / "model", model_files("v1"))
    publish_folder(folder, repo_id, token=alice_token, commit_message="v1")
    head, before = api.repo_info(repo_id).sha, remote_files(api, repo_id)
    v2 = model_files("v2")
    write_folder(folder, v2)
    local = digest(folder)
    new_oids = {hashlib.sha256(v2[name]).hexdigest() for name in ("model.skops", "weights.bin")}

    fault = proxy.inject(STEPS[step], status, times=1, headers=headers)
    try:
        publish_folder(folder, repo_id, token=alice_token, commit_message="v2")
        failure = None
    except Exception as exc:  # noqa: BLE001 - inspected below
        failure = exc

    assert fault.fired == 1  # the fault really happened
    if step == "commit":
        message = assert_clear_failure(failure)
        assert f"HTTP {status}" in message and "Nothing was published" in message
        assert api.repo_info(repo_id).sha == head and remote_files(api, repo_id) == before
    else:
        assert failure is None, failure  # retried by the client
        assert holds_folder(remote_files(api, repo_id), folder)
    assert digest(folder) == local

    already = {oid for oid in new_oids if stored(hub, oid)}
    assert already == new_oids  # every step before the commit went through in the end
    mark = len(proxy.seen)
    rerun = publish_folder(folder, repo_id, token=alice_token, commit_message="v2")
    assert holds_folder(remote_files(api, repo_id), folder)
    assert not set(uploaded_oids(proxy, mark)) & already
    assert rerun.no_change == (failure is None)
    assert [c.title for c in api.list_repo_commits(repo_id)][:2] == ["v2", "v1"]
