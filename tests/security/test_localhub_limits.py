"""No request can stall or bloat the local hub: hostile ignore/attribute patterns are
matched in linear time, and bodies are refused before they are buffered."""

from __future__ import annotations

import base64
import json
import subprocess
import sys
import threading
import time

import psutil
import pytest
import requests
from huggingface_hub import HfApi

# Backtracking regex engines take exponential time on this against a long run of "a".
EVIL_PATTERN = "*a" * 30 + "*b"
EVIL_PATH = "a" * 250


def _preupload(hub, token, repo_id, body):
    return requests.post(f"{hub.endpoint}/api/models/{repo_id}/preupload/main", json=body,
                         headers={"Authorization": f"Bearer {token}"}, timeout=60)


def _timed(fn):
    start = time.monotonic()
    result = fn()
    return result, time.monotonic() - start


def test_hostile_gitignore_answers_promptly_and_blocks_nobody(hub, api, alice_token, repo_name):
    repo_id = f"alice/{repo_name}"
    api.create_repo(repo_id)
    body = {"files": [{"path": EVIL_PATH, "sample": "", "size": 1}], "gitIgnore": f"{EVIL_PATTERN}\n" * 50}
    answers = {}
    attack = threading.Thread(target=lambda: answers.update(attack=_timed(lambda: _preupload(hub, alice_token,
                                                                                          repo_id, body))))
    attack.start()
    (me, other_seconds) = _timed(api.whoami)  # another user's request meanwhile
    attack.join(30)
    assert not attack.is_alive()
    answer, seconds = answers["attack"]
    assert answer.status_code == 200 and seconds < 2 and other_seconds < 2
    assert answer.json()["files"][0]["shouldIgnore"] is False
    assert me["name"] == "alice"
    # The matcher still follows git's rules.
    body = {"files": [{"path": "nested/x.txt", "sample": "", "size": 1}, {"path": "keep.txt", "sample": "", "size": 1}],
            "gitIgnore": "nested/*\n*.txt\n!keep.txt\n"}
    assert [f["shouldIgnore"] for f in _preupload(hub, alice_token, repo_id, body).json()["files"]] == [True, False]


def test_oversized_gitignore_is_refused_with_a_clear_error(hub, api, alice_token, repo_name):
    repo_id = f"alice/{repo_name}"
    api.create_repo(repo_id)
    for gitignore in ("x" * 70_000, "*.log\n" * 3000, "a" * 2000):
        payload = {"files": [{"path": "a.txt", "size": 1}], "gitIgnore": gitignore}
        answer = _preupload(hub, alice_token, repo_id, payload)
        assert answer.status_code == 400
        assert "shorten it" in answer.json()["error"]
    answer = _preupload(hub, alice_token, repo_id, {"files": [{"path": "a.txt", "size": 1}], "gitIgnore": "[z-a]\n"})
    assert answer.status_code == 400 and "fix the rule" in answer.json()["error"]
    assert [f.rfilename for f in api.list_repo_tree(repo_id)] == [".gitattributes"]


def test_hostile_gitattributes_rule_does_not_stall_lfs_decisions(hub, api, alice_token, repo_name):
    repo_id = f"alice/{repo_name}"
    api.create_repo(repo_id)
    rules = f"*.bin filter=lfs diff=lfs merge=lfs -text\n{EVIL_PATTERN} filter=lfs diff=lfs merge=lfs -text\n"
    api.upload_file(path_or_fileobj=rules.encode(), path_in_repo=".gitattributes", repo_id=repo_id)
    sample = base64.b64encode(b"text").decode()
    files = [{"path": EVIL_PATH, "sample": sample, "size": 4}, {"path": "w.bin", "sample": sample, "size": 4},
             {"path": "a" * 31 + "b", "sample": sample, "size": 4}]
    answer, seconds = _timed(lambda: _preupload(hub, alice_token, repo_id, {"files": files}))
    assert answer.status_code == 200 and seconds < 2
    assert [f["uploadMode"] for f in answer.json()["files"]] == ["regular", "lfs", "lfs"]


@pytest.fixture
def server(tmp_path):
    """A local hub in its own process, so that its memory can be measured alone."""
    token = "hf_alice_memory_test_token_0123456789"
    process = subprocess.Popen([sys.executable, "-m", "hubmagic.localhub", "--data-dir", str(tmp_path / "data"),
                                "--user", f"alice:{token}"], stdout=subprocess.PIPE, text=True)
    try:
        for line in process.stdout:
            if line.startswith("serving "):
                endpoint = line.split()[1]
                break
        api = HfApi(endpoint=endpoint, token=token)
        api.create_repo("alice/public")
        api.upload_file(path_or_fileobj=b"alice's notes\n", path_in_repo="notes.txt", repo_id="alice/public")
        yield endpoint, token, psutil.Process(process.pid), api
    finally:
        process.terminate()
        process.wait(10)


def _post_large(url, mib, headers=None):
    def body():
        yield json.dumps({"key": "header", "value": {"summary": "big"}}).encode() + b"\n"
        chunk = b"A" * 2**20  # one endless NDJSON line
        for _ in range(mib):
            yield chunk
    try:
        return requests.post(url, data=body(), headers=headers or {}, timeout=120).status_code
    except requests.ConnectionError:  # the server may also just close on a refused upload
        return "closed"


def test_large_bodies_do_not_bloat_the_server(server):
    endpoint, token, process, api = server
    baseline = process.memory_info().rss
    peak = [baseline]
    done = threading.Event()

    def sample():
        while not done.wait(0.02):
            peak[0] = max(peak[0], process.memory_info().rss)

    sampler = threading.Thread(target=sample)
    sampler.start()
    commit_url = f"{endpoint}/api/models/alice/public/commit/main"
    results = {}
    attackers = [threading.Thread(target=lambda i=i: results.update({i: _post_large(commit_url, 200)}))
                 for i in range(2)]
    yaml_url = f"{endpoint}/api/validate-yaml"
    attackers.append(threading.Thread(target=lambda: results.update(yaml=_post_large(yaml_url, 200))))
    for thread in attackers:
        thread.start()
    for thread in attackers:
        thread.join(120)
    # Alice herself may send a large commit: it waits on disk and its one huge line is refused.
    results["alice"] = _post_large(commit_url, 100, {"Authorization": f"Bearer {token}"})
    done.set()
    sampler.join()
    growth_mib = (peak[0] - baseline) / 2**20
    assert results[0] == results[1] == 401 and results["yaml"] == 413 and results["alice"] == 400
    assert growth_mib < 80, f"server memory grew by {growth_mib:.0f} MiB"
    # Nothing was lost and the server still answers.
    assert api.hf_hub_download("alice/public", "notes.txt") and api.list_repo_files("alice/public") == [
        ".gitattributes", "notes.txt"]
    print(f"server RSS growth while receiving 600 MiB: {growth_mib:.1f} MiB")
