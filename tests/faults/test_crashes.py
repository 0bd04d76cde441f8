"""A push across a torn connection, a hub killed between the LFS uploads and the commit,
and a commit whose answer is lost after it landed."""

from __future__ import annotations

import hashlib
import signal
import socket
import subprocess
import sys
import threading
import time

import pytest
from huggingface_hub import HfApi

from hubmagic.hub._publish import publish_folder

from .conftest import (
    assert_clear_failure,
    digest,
    holds_folder,
    model_files,
    remote_files,
    uploaded_oids,
    write_folder,
)
from .proxy import FaultyProxy, is_commit, is_lfs_upload

TOKEN = "hf_faults_crash_0123456789abcdef"


def _oids(files: dict[str, bytes]) -> set[str]:
    return {hashlib.sha256(files[name]).hexdigest() for name in ("model.skops", "weights.bin")}


def test_a_connection_reset_in_the_middle_of_an_lfs_upload(proxy, hub, api, alice_token, repo_name, tmp_path):
    repo_id = f"alice/{repo_name}"
    files = model_files("v1")
    folder = write_folder(tmp_path / "model", files)
    local = digest(folder)
    torn = proxy.inject(is_lfs_upload, "reset_mid_body", times=1)

    publish_folder(folder, repo_id, token=alice_token, commit_message="v1")  # the client re-sends the upload

    assert torn.fired == 1
    assert holds_folder(remote_files(api, repo_id), folder) and digest(folder) == local
    # The half-received object was not kept as if it were whole.
    leftovers = [p.name for p in (hub.data_dir / "lfs" / "tmp").iterdir() if any(p.name.startswith(o[:8])
                                                                                 for o in _oids(files))]
    assert leftovers == []
    mark = len(proxy.seen)
    assert publish_folder(folder, repo_id, token=alice_token).no_change
    assert uploaded_oids(proxy, mark) == []


class HubProcess:
    """``python -m hubmagic.localhub`` on a fixed port, which a test can kill and restart."""

    def __init__(self, data_dir):
        self.data_dir = data_dir
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.endpoint = f"http://127.0.0.1:{self.port}"
        self.process = None
        self.start()

    def start(self):
        self.process = subprocess.Popen(
            [sys.executable, "-m", "hubmagic.localhub", "--data-dir", str(self.data_dir), "--port", str(self.port),
             "--user", f"carol:{TOKEN}"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for line in self.process.stdout:
            if line.startswith("serving "):
                return
        raise AssertionError(self.process.stderr.read())

    def kill(self):
        self.process.send_signal(signal.SIGKILL)  # no clean shutdown: a crash
        self.process.wait(timeout=15)

    def stop(self):
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=15)


@pytest.fixture
def crashing_hub(tmp_path, monkeypatch):
    served = HubProcess(tmp_path / "hub-data")
    faulty = FaultyProxy(served.endpoint)
    monkeypatch.setenv("HF_ENDPOINT", faulty.endpoint)
    yield served, faulty
    faulty.close()
    served.stop()


def _first_version(served, faulty, tmp_path):
    folder = write_folder(tmp_path / "model", model_files("v1"))
    publish_folder(folder, "carol/crash-model", token=TOKEN, commit_message="v1")
    api = HfApi(endpoint=served.endpoint, token=TOKEN)
    v2 = model_files("v2")
    write_folder(folder, v2)
    return folder, api, v2


def test_the_hub_killed_and_restarted_between_lfs_upload_and_commit(crashing_hub, tmp_path):
    served, faulty = crashing_hub
    folder, api, v2 = _first_version(served, faulty, tmp_path)
    local = digest(folder)

    def crash_and_restart():
        served.kill()
        served.start()

    restart = faulty.inject(is_commit, crash_and_restart, times=1)
    mark = len(faulty.seen)
    publish_folder(folder, "carol/crash-model", token=TOKEN, commit_message="v2")

    assert restart.fired == 1 and set(uploaded_oids(faulty, mark)) == _oids(v2)
    # The uploads made before the crash count for the commit made after it.
    assert holds_folder(remote_files(api, "carol/crash-model"), folder) and digest(folder) == local
    assert [c.title for c in api.list_repo_commits("carol/crash-model")][:2] == ["v2", "v1"]


def test_the_hub_down_at_commit_time_then_back(crashing_hub, tmp_path):
    served, faulty = crashing_hub
    folder, api, v2 = _first_version(served, faulty, tmp_path)
    head, before, local = api.repo_info("carol/crash-model").sha, remote_files(api, "carol/crash-model"), digest(folder)

    def crash():  # down for the commit; back while hubmagic checks what happened to it
        served.kill()
        threading.Thread(target=lambda: (time.sleep(0.3), served.start()), daemon=True).start()

    faulty.inject(is_commit, crash, times=1)
    with pytest.raises(Exception) as caught:  # noqa: PT011 - inspected below
        publish_folder(folder, "carol/crash-model", token=TOKEN, commit_message="v2")

    message = assert_clear_failure(caught.value)
    assert "Nothing was published" in message
    assert api.repo_info("carol/crash-model").sha == head and remote_files(api, "carol/crash-model") == before
    assert digest(folder) == local
    mark = len(faulty.seen)
    publish_folder(folder, "carol/crash-model", token=TOKEN, commit_message="v2")
    assert uploaded_oids(faulty, mark) == []  # kept across the crash: nothing is sent twice
    assert holds_folder(remote_files(api, "carol/crash-model"), folder)


def test_a_commit_applied_whose_answer_is_lost(proxy, api, alice_token, repo_name, tmp_path):
    repo_id = f"alice/{repo_name}"
    folder = write_folder(tmp_path / "model", model_files("v1"))
    local = digest(folder)
    lost = proxy.inject(is_commit, "answer_status:502", times=1)  # a gateway timing out after the hub committed

    result = publish_folder(folder, repo_id, token=alice_token, commit_message="First model")

    assert lost.fired == 1
    assert result.commit_oid == api.repo_info(repo_id).sha and "answer to the commit was lost" in result.report
    assert holds_folder(remote_files(api, repo_id), folder) and digest(folder) == local
    mark = len(proxy.seen)
    assert publish_folder(folder, repo_id, token=alice_token).no_change
    assert uploaded_oids(proxy, mark) == [] and proxy.count(is_commit, since=mark) == 0
