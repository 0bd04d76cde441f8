"""What a push costs: reads of the local files, requests to the Hub, bytes of the model file.

Through the real client to the session's local hub. Reads are counted at the one
function a push reads a file's bytes with (``secrets.files.read_chunks``, the scan that
also hashes) and at the fallback hasher (``_sync.file_ids``); requests in the hub's log.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import time
import zipfile
from pathlib import Path

import pytest
from sklearn.datasets import load_iris
from sklearn.linear_model import LogisticRegression

from hubmagic.hub import _sync
from hubmagic.repository import ModelRepository
from hubmagic.secrets import files as secret_files


@pytest.fixture
def reads(monkeypatch):
    """Paths whose bytes were read, in order, by the scan/hash pass or the fallback hasher."""
    seen: list[str] = []
    read_chunks, file_ids = secret_files.read_chunks, _sync.file_ids

    def counted_read_chunks(path):
        seen.append(Path(path).name)
        return read_chunks(path)

    def counted_file_ids(folder, rel):
        seen.append(Path(rel).name)
        return file_ids(folder, rel)

    monkeypatch.setattr(secret_files, "read_chunks", counted_read_chunks)
    monkeypatch.setattr(_sync, "file_ids", counted_file_ids)
    return seen


@pytest.fixture
def model():
    X, y = load_iris(return_X_y=True)
    return LogisticRegression(max_iter=300).fit(X, y)


def settle():
    """Let the clock move past the files just written: a file read within the file system's
    clock step of its last write is read again by the next push (it could change unseen)."""
    time.sleep(0.1)


def served_by(hub, action):
    """Run ``action``; the (method, path) requests the hub served meanwhile."""
    start = len(hub.state.recent_requests)
    result = action()
    return result, list(hub.state.recent_requests)[start:]


def test_an_unchanged_repush_reads_no_file_makes_no_commit_and_sends_one_request(
        tmp_path, model, api, alice_token, repo_name, hub, reads):
    repo_id = f"alice/{repo_name}"
    repo = ModelRepository.init(model, dst=tmp_path / "repo", repo_id=repo_id, license="mit")
    settle()
    first = repo.push(token=alice_token)
    assert "model.skops" in reads  # the first push read it (once: scan and hashes together)
    assert reads.count("model.skops") == 1, reads
    commits = [c.commit_id for c in api.list_repo_commits(repo_id)]

    reads.clear()
    again, served = served_by(hub, lambda: repo.push(token=alice_token))

    assert again.no_change and again.commit_oid == first.commit_oid
    assert reads == [] and again.plan.local.bytes_read == 0
    assert [c.commit_id for c in api.list_repo_commits(repo_id)] == commits
    # the remote branch's head with its files' ids: nothing else (no whoami, no card validation)
    assert [method for method, _ in served] == ["GET"], served
    assert not any("/commit/" in path or "preupload" in path for _, path in served)


def test_a_changed_file_is_read_once_and_sent_alone(tmp_path, model, api, alice_token, repo_name, hub, reads):
    repo_id = f"alice/{repo_name}"
    repo = ModelRepository.init(model, dst=tmp_path / "repo", repo_id=repo_id, license="mit")
    settle()
    repo.push(token=alice_token)
    (repo.path / "notes.txt").write_text("trained on iris\n")
    reads.clear()

    result, served = served_by(hub, lambda: repo.push(token=alice_token))

    assert result.files == ["notes.txt"] and reads == ["notes.txt"]
    posts = [path.rsplit("/", 2)[-2] for method, path in served if method == "POST"]
    assert posts == ["preupload", "commit"], served  # one upload-mode question, one commit
    assert len(served) == 3, served  # plus the head with its files' ids


def test_a_file_rewritten_in_the_clock_tick_of_its_read_is_read_again(tmp_path, model, alice_token, repo_name, reads):
    """The racy case of every stat cache: same size, same mtime, same inode, new bytes.

    It can only happen to a file written within the file system's clock step of the push
    that read it (here forced by stamping the file with the time of that read).
    """
    repo = ModelRepository.init(model, dst=tmp_path / "repo", repo_id=f"alice/{repo_name}")
    script = repo.path / "notes.txt"
    script.write_text("trained on iris, tuned by hand\n")
    stamp = time.time_ns() + 5 * 10**9  # "now", as seen by a coarse clock, during the push below
    os.utime(script, ns=(stamp, stamp))
    settle()
    repo.push(token=alice_token)
    before = script.stat()
    script.write_text(script.read_text()[::-1])  # same size, other bytes
    os.utime(script, ns=(stamp, stamp))
    assert (script.stat().st_size, script.stat().st_mtime_ns, script.stat().st_ino) == (
        before.st_size, before.st_mtime_ns, before.st_ino)
    reads.clear()

    result = repo.push(token=alice_token)

    assert reads == ["notes.txt"] and result.files == ["notes.txt"]


@pytest.fixture
def ip(tmp_path, monkeypatch, alice_token):
    from IPython.core.interactiveshell import InteractiveShell
    from traitlets.config import Config

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HF_TOKEN", alice_token)
    config = Config()
    config.HistoryManager.hist_file = ":memory:"
    shell = InteractiveShell.instance(config=config)
    shell.run_cell("%load_ext hubmagic", store_history=True).raise_error()
    yield shell
    shell.run_cell("%unload_ext hubmagic")
    InteractiveShell.clear_instance()


def run(ip, source):
    ip.run_cell(source, store_history=True).raise_error()


def test_hub_init_twice_on_the_same_model_keeps_the_file_and_a_changed_model_changes_it(ip, tmp_path):
    run(ip, "from sklearn.datasets import load_iris\nfrom sklearn.ensemble import RandomForestClassifier\n"
            "X, y = load_iris(return_X_y=True)\n"
            "model = RandomForestClassifier(n_estimators=5, random_state=0).fit(X, y)")
    run(ip, "%hub_init model --data X")
    path = tmp_path / "hub" / "model" / "model.skops"
    first = path.read_bytes()

    run(ip, "%hub_init model --data X")
    assert path.read_bytes() == first

    run(ip, "model = RandomForestClassifier(n_estimators=6, random_state=0).fit(X, y)")
    run(ip, "%hub_init model --data X")
    changed = path.read_bytes()
    assert changed != first
    from hubmagic.model import load

    assert len(load(path).estimators_) == 6


def test_a_hand_replaced_model_file_is_rewritten_even_for_the_same_model(tmp_path, model):
    repo = ModelRepository.init(model, dst=tmp_path / "repo")
    (repo.path / "model.skops").write_bytes(b"not a model")

    ModelRepository.init(model, dst=tmp_path / "repo")

    assert zipfile.is_zipfile(repo.path / "model.skops")


def test_skops_files_are_compressed_and_load_back(tmp_path):
    from sklearn.ensemble import RandomForestClassifier

    X, y = load_iris(return_X_y=True)
    forest = RandomForestClassifier(n_estimators=30, random_state=0).fit(X, y)
    repo = ModelRepository.init(forest, dst=tmp_path / "repo", data=X)
    path = repo.path / "model.skops"

    with zipfile.ZipFile(path) as archive:
        members = archive.infolist()
    assert members and {m.compress_type for m in members} == {zipfile.ZIP_DEFLATED}
    assert sum(m.compress_size for m in members) < 0.5 * sum(m.file_size for m in members)
    assert (repo.load_model().predict(X) == forest.predict(X)).all()


_BIG_MODEL = textwrap.dedent("""
    import json, os, sys, threading, time
    import numpy as np, psutil
    from sklearn.dummy import DummyClassifier
    from hubmagic.repository import ModelRepository

    size_mb, folder, repo_id, token = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
    model = DummyClassifier().fit([[0.0], [1.0]], [0, 1])
    rng = np.random.default_rng(0)
    # random (incompressible) padding in 25 MB arrays, as a big forest holds many arrays
    model.padding_ = [rng.random(25 * 10**6 // 8) for _ in range(size_mb // 25)]
    process = psutil.Process()
    base = peak = process.memory_info().rss
    running = True

    def sample():
        global peak
        while running:
            peak = max(peak, process.memory_info().rss)
            time.sleep(0.01)

    sampler = threading.Thread(target=sample)
    sampler.start()
    phases = set()
    repo = ModelRepository.init(model, dst=folder, repo_id=repo_id)
    def within_a_file(event):  # progress between a file's start and its end
        if event["path"] is None and 0 < event["bytes_done"] < event["bytes_total"]:
            phases.add(event["phase"])

    result = repo.push(token=token, progress=within_a_file)
    running = False
    sampler.join()
    file_mb = os.path.getsize(os.path.join(folder, "model.skops")) / 1e6
    print(json.dumps({"growth_mb": (peak - base) / 1e6, "file_mb": file_mb, "files": result.files,
                      "phases": sorted(phases)}))
""")


def test_a_300_mb_model_goes_through_init_and_push_with_rss_growing_less_than_200_mb(
        tmp_path, api, alice_token, repo_name, hub):
    repo_id = f"alice/{repo_name}"
    env = {**os.environ, "HF_ENDPOINT": hub.endpoint, "OMP_NUM_THREADS": "1"}
    done = subprocess.run([sys.executable, "-c", _BIG_MODEL, "300", str(tmp_path / "repo"), repo_id, alice_token],
                          capture_output=True, text=True, env=env, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    measured = json.loads(done.stdout.strip().splitlines()[-1])

    assert measured["file_mb"] > 250 and "model.skops" in measured["files"], measured  # random floats: ~5% deflated
    assert measured["growth_mb"] < 200, measured
    assert {"hashing", "uploading"} <= set(measured["phases"])  # progress inside the big file
    [entry] = [f for f in api.list_repo_tree(repo_id) if f.path == "model.skops"]
    assert entry.lfs is not None and entry.size == (tmp_path / "repo" / "model.skops").stat().st_size


def test_status_after_a_push_reads_no_unchanged_file(tmp_path, model, alice_token, repo_name, reads):
    repo = ModelRepository.init(model, dst=tmp_path / "repo", repo_id=f"alice/{repo_name}")
    settle()
    repo.push(token=alice_token)
    (repo.path / "notes.txt").write_text("new\n")
    reads.clear()

    status = repo.status(token=alice_token)

    assert [p for p, _ in status.diff.added] == ["notes.txt"] and not status.diff.modified
    assert reads == ["notes.txt"]
