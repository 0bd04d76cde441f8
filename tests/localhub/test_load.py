"""The local hub under load: two notebooks, one data folder, many commits at once.

Two notebooks that each run ``%hub_local`` on one folder must share one server (two
servers on one folder fail each other's commits with git lock errors). Inside that
server, concurrent commits are serialised: each lands or, built on a stale parent,
gets a 412; none is a 500.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import textwrap
import threading

import pytest
from huggingface_hub import HfApi
from huggingface_hub.errors import HfHubHTTPError

from hubmagic.localhub import DataDirInUse, LocalHub, serving

COMMITS_PER_NOTEBOOK = 20

# One "notebook": joins the local hub of DATA_DIR as %hub_local does, says where it is,
# waits for "go", makes 20 commits from 4 threads through the real client (half of them on
# the head they just read, so one that loses a race gets a 412), reports each status and
# waits for "exit" (it may be the process serving the other notebook).
NOTEBOOK = textwrap.dedent("""
    import json, os, sys
    from concurrent.futures import ThreadPoolExecutor
    import hubmagic
    from huggingface_hub import CommitOperationAdd, HfApi
    from huggingface_hub.errors import HfHubHTTPError

    session = hubmagic.use_local_hub(data_dir=sys.argv[1])
    print(json.dumps({"endpoint": session.endpoint, "pid": os.getpid()}), flush=True)
    repo_id = sys.stdin.readline().strip()
    api = HfApi(endpoint=session.endpoint, token=os.environ["HF_TOKEN"])
    me = os.getpid()

    def commit(i):
        files = [CommitOperationAdd(f"n{me}/f{i}.txt", f"{me} {i}\\n".encode())]
        if i % 5 == 0:  # an LFS file now and then: uploads race too
            files.append(CommitOperationAdd(f"n{me}/w{i}.bin", os.urandom(3000)))
        try:  # odd commits name the head they saw as parent, even ones build on whatever is there
            head = api.repo_info(repo_id).sha if i % 2 else None
            return {"i": i, "status": 200, "oid": api.create_commit(
                repo_id, files, commit_message=f"{me} {i}", parent_commit=head).oid}
        except HfHubHTTPError as exc:
            return {"i": i, "status": exc.response.status_code, "text": str(exc)[:300]}

    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(commit, range(int(sys.argv[2]))))
    print(json.dumps(results), flush=True)
    sys.stdin.readline()
""")


def _notebook(data_dir):
    env = {k: v for k, v in os.environ.items() if k not in ("HUBMAGIC_LOCALHUB_ENDPOINT", "HUBMAGIC_LOCALHUB_TOKEN")}
    command = [sys.executable, "-c", NOTEBOOK, str(data_dir), str(COMMITS_PER_NOTEBOOK)]
    return subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env=env)


def _line(process) -> str:
    line = process.stdout.readline()
    if not line:
        process.kill()
        raise AssertionError(f"notebook process ended: {process.stderr.read()[-3000:]}")
    return line


def test_two_notebooks_share_one_server_and_40_concurrent_commits_never_fail_with_500(tmp_path):
    data_dir = tmp_path / "shared-hub"
    notebooks = [_notebook(data_dir) for _ in range(2)]
    try:
        joined = [json.loads(_line(p)) for p in notebooks]
        # Both notebooks point at the same server, which one of them serves.
        assert joined[0]["endpoint"] == joined[1]["endpoint"]
        running = serving(data_dir)
        assert running["endpoint"] == joined[0]["endpoint"] and running["pid"] in {j["pid"] for j in joined}

        api = HfApi(endpoint=running["endpoint"], token=running["token"])
        repo_id = api.create_repo("under-load").repo_id
        for p in notebooks:  # go at once
            p.stdin.write(repo_id + "\n")
            p.stdin.flush()
        results = [r for p in notebooks for r in json.loads(_line(p))]

        statuses = sorted({r["status"] for r in results})
        print(f"load: {sum(r['status'] == 200 for r in results)} landed, "
              f"{sum(r['status'] == 412 for r in results)} got 412, of {len(results)}")
        assert set(statuses) <= {200, 412}, [r for r in results if r["status"] not in (200, 412)]
        assert all(r["status"] == 200 for r in results if r["i"] % 2 == 0)  # no parent: nothing to refuse
        landed = {r["oid"] for r in results if r["status"] == 200}
        history = [c.commit_id for c in api.list_repo_commits(repo_id)]
        assert len(results) == 2 * COMMITS_PER_NOTEBOOK
        assert landed <= set(history) and len(history) == len(landed) + 1  # + the initial commit
        assert len(landed) >= 2  # each notebook got at least one commit in
        files = api.list_repo_files(repo_id)
        assert len([f for f in files if f.endswith(".txt")]) == len(landed)
    finally:
        for p in notebooks:
            if p.poll() is None:
                p.stdin.write("exit\n")
                p.stdin.flush()
        for p in notebooks:
            try:
                p.wait(timeout=30)
            except subprocess.TimeoutExpired:
                p.kill()


def test_concurrent_creates_of_one_repo_give_one_200_and_one_409(api, repo_name):
    def create(repo_id, barrier, outcomes):
        barrier.wait()
        try:
            api.create_repo(repo_id)
            outcomes.append(200)
        except HfHubHTTPError as exc:
            outcomes.append(exc.response.status_code)

    for round_ in range(5):
        repo_id = f"alice/{repo_name}-{round_}"
        barrier = threading.Barrier(2)
        outcomes = []
        threads = [threading.Thread(target=create, args=(repo_id, barrier, outcomes)) for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
        assert sorted(outcomes) == [200, 409]
        assert [c.title for c in api.list_repo_commits(repo_id)] == ["initial commit"]


def test_a_second_server_on_a_served_folder_is_refused_in_one_paragraph(tmp_path):
    with LocalHub(tmp_path / "d") as first:
        with pytest.raises(DataDirInUse) as caught:
            LocalHub(tmp_path / "d").start()
        message = str(caught.value)
        assert first.endpoint in message and f"pid {os.getpid()}" in message and "\n" not in message
        assert serving(tmp_path / "d")["endpoint"] == first.endpoint
    assert serving(tmp_path / "d") is None  # released on stop
    with LocalHub(tmp_path / "d"):
        pass


def test_the_folder_of_a_killed_server_is_taken_over(tmp_path):
    data_dir = tmp_path / "d"
    process = subprocess.Popen([sys.executable, "-m", "hubmagic.localhub", "--data-dir", str(data_dir)],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        for line in process.stdout:
            if line.startswith("serving "):
                dead_endpoint = line.split()[1]
                break
        assert serving(data_dir)["pid"] == process.pid and serving(data_dir)["endpoint"] == dead_endpoint
    finally:
        process.send_signal(signal.SIGKILL)  # no clean-up: the lock file and localhub.json stay behind
        process.wait(timeout=15)
    assert (data_dir / "localhub.json").exists()

    with LocalHub(data_dir) as hub:
        assert serving(data_dir) == {**serving(data_dir), "pid": os.getpid(), "endpoint": hub.endpoint}
        assert HfApi(endpoint=hub.endpoint, token=hub.token).whoami()["name"] == "user"


def test_a_busy_port_is_one_clear_line(tmp_path):
    busy = socket.socket()
    busy.bind(("127.0.0.1", 0))
    busy.listen()
    port = busy.getsockname()[1]
    try:
        done = subprocess.run([sys.executable, "-m", "hubmagic.localhub", "--data-dir", str(tmp_path / "d"),
                               "--port", str(port)], capture_output=True, text=True, timeout=60)
    finally:
        busy.close()
    assert done.returncode == 2 and done.stdout == ""
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in done.stderr, done.stderr
    assert f"Port {port}" in lines[0] and "already in use" in lines[0] and "--port" in lines[0]
    # Nothing was left holding the folder.
    assert serving(tmp_path / "d") is None


def test_each_connection_sends_its_answers_at_once_with_nagle_off(hub, api):
    """An answer is written in pieces (headers, then body): with Nagle's algorithm on, the
    body waits for the client's delayed ACK, 40 ms on Linux, on every request. The server's
    connections say they are TCP so asyncio turns it off (TCP_NODELAY)."""
    import httpx2

    with httpx2.Client() as client:  # one kept-alive connection, open while we look
        assert client.get(f"{hub.endpoint}/api/whoami-v2").status_code == 401
        connections = list(hub._server.server_state.connections)
        sockets = [c.transport.get_extra_info("socket") for c in connections]

        assert sockets, "the server has the connection open"
        assert all(s.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) for s in sockets), sockets
