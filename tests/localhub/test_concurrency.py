"""Several clients at once: no commit is lost, downloads run in parallel."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from huggingface_hub import CommitOperationAdd, snapshot_download


def test_concurrent_commits_are_serialised_not_lost(api, repo_name):
    repo_id = f"alice/{repo_name}"
    api.create_repo(repo_name)

    def push(i):
        return api.upload_file(path_or_fileobj=b"%d" % i * 1000, path_in_repo=f"part-{i}.txt", repo_id=repo_id,
                               commit_message=f"part {i}").oid

    with ThreadPoolExecutor(8) as pool:
        oids = list(pool.map(push, range(8)))
    history = [c.commit_id for c in api.list_repo_commits(repo_id)]
    assert set(oids) <= set(history) and len(history) == 9
    parts = sorted(f for f in api.list_repo_files(repo_id) if f.startswith("part-"))
    assert parts == [f"part-{i}.txt" for i in range(8)]


def test_snapshot_download_with_many_files(api, tmp_path, repo_name):
    repo_id = f"alice/{repo_name}"
    api.create_repo(repo_name)
    contents = {f"shard-{i:02d}.bin": bytes([i]) * (3000 + i) for i in range(24)}
    api.create_commit(repo_id, operations=[CommitOperationAdd(p, d) for p, d in contents.items()],
                      commit_message="shards")
    local = Path(snapshot_download(repo_id, cache_dir=tmp_path, max_workers=8))
    for name, data in contents.items():
        assert (local / name).read_bytes() == data
