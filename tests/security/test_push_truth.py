"""A push tells the truth: one of two racing first pushes lands, a lost answer is checked,
a failed upload says nothing was published, and push_to_hub never erases a colleague's work.

Everything goes through the real ``huggingface_hub`` client over real HTTP to the local hub;
the network faults come from a small HTTP proxy (below) placed between the two.
"""

from __future__ import annotations

import hashlib
import http.client
import os
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from sklearn.datasets import load_iris
from sklearn.linear_model import LogisticRegression
from sklearn.tree import DecisionTreeClassifier

import hubmagic
from hubmagic.errors import HubMagicError, PublishError, RemoteChangedError
from hubmagic.hub._publish import publish_folder

_HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "content-length", "proxy-connection"}


class FaultyProxy:
    """A loopback HTTP proxy to the hub that can break chosen requests.

    ``rules`` maps a predicate on ``(method, path)`` to a fault:
    ``"drop_answer"`` forwards the request then closes the connection without answering,
    ``"drop_request"`` closes it without forwarding, an ``int`` answers that HTTP status
    without forwarding, ``"hold"`` forwards only once ``hold_count`` such requests arrived.
    """

    def __init__(self, upstream: str, hold_count: int = 2):
        self.upstream = urlsplit(upstream)
        self.rules: list = []
        self.seen: list[tuple[str, str, object]] = []
        self._hold = threading.Barrier(hold_count, timeout=30)
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def _body(self) -> bytes:
                if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
                    data = b""
                    while True:
                        size = int(self.rfile.readline().split(b";")[0], 16)
                        if size == 0:
                            while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                                pass
                            return data
                        data += self.rfile.read(size)
                        self.rfile.readline()
                return self.rfile.read(int(self.headers.get("Content-Length") or 0))

            def _handle(self):
                body = self._body()
                fault = next((f for match, f in proxy.rules if match(self.command, self.path)), None)
                proxy.seen.append((self.command, self.path, fault))
                if fault == "drop_request":
                    self.close_connection = True
                    return
                if isinstance(fault, int):
                    message = b'{"error": "Request has expired"}'
                    self.send_response(fault)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(message)))
                    self.end_headers()
                    self.wfile.write(message)
                    return
                if fault == "hold":
                    proxy._hold.wait()
                status, headers, answer = proxy._forward(self.command, self.path, self.headers, body)
                if fault == "drop_answer":
                    self.close_connection = True
                    return
                self.send_response(status)
                length = str(len(answer))
                for name, value in headers:
                    if name.lower() == "content-length" and self.command == "HEAD":
                        length = value  # the size of what a GET would return
                    elif name.lower() not in _HOP_BY_HOP:
                        self.send_header(name, value)
                self.send_header("Content-Length", length)
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(answer)

            do_GET = do_POST = do_PUT = do_HEAD = do_DELETE = _handle

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.endpoint = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def _forward(self, method, path, headers, body):
        conn = http.client.HTTPConnection(self.upstream.hostname, self.upstream.port, timeout=60)
        try:
            # The Host header is kept: the hub writes the proxy's address into LFS upload URLs.
            sent = {k: v for k, v in headers.items() if k.lower() not in _HOP_BY_HOP}
            sent["Content-Length"] = str(len(body))
            conn.request(method, path, body=body, headers=sent)
            response = conn.getresponse()
            return response.status, response.getheaders(), response.read()
        finally:
            conn.close()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def is_commit(method, path):
    return method == "POST" and "/commit/" in path


def is_lfs_upload(method, path):
    return method == "PUT" and path.startswith("/lfs-upload/")


@pytest.fixture
def proxy(hub, monkeypatch):
    """hubmagic talks to the hub through the proxy (it reads HF_ENDPOINT at call time)."""
    faulty = FaultyProxy(hub.endpoint)
    monkeypatch.setenv("HF_ENDPOINT", faulty.endpoint)
    yield faulty
    faulty.close()


def make_folder(root: Path, files: dict[str, bytes]) -> Path:
    for name, data in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_bytes(data)
    return root


def digest(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file() and ".hubmagic" not in p.parts}


def remote_contents(api, repo_id) -> dict[str, bytes]:
    from huggingface_hub import hf_hub_download

    out = {}
    for name in api.list_repo_files(repo_id):
        if name != ".gitattributes":
            path = hf_hub_download(repo_id, name, token=api.token, endpoint=api.endpoint, force_download=True)
            out[name] = Path(path).read_bytes()
    return out


# -- two first pushes at the same time ---------------------------------------------------


def test_two_concurrent_first_pushes_exactly_one_lands(proxy, api, alice_token, repo_name, tmp_path):
    repo_id = f"alice/{repo_name}"
    folders = {
        "ann": make_folder(tmp_path / "ann", {"README.md": b"# Ann's model\n", "ann.txt": b"ann only\n",
                                              "model.skops": b"PK\x03\x04" + os.urandom(2000)}),
        "ben": make_folder(tmp_path / "ben", {"README.md": b"# Ben's model\n", "ben.txt": b"ben only\n",
                                              "model.skops": b"PK\x03\x04" + os.urandom(2000)}),
    }
    # Both commits are held at the proxy until both arrived: each push has chosen its parent
    # before either lands, the worst interleaving of two first pushes.
    proxy.rules.append((is_commit, "hold"))
    outcomes: dict[str, object] = {}

    def push(who):
        try:
            outcomes[who] = publish_folder(folders[who], repo_id, token=alice_token, commit_message=f"by {who}")
        except Exception as exc:  # noqa: BLE001 - the test inspects what each pusher got
            outcomes[who] = exc

    threads = [threading.Thread(target=push, args=(who,)) for who in folders]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)

    landed = [w for w, o in outcomes.items() if not isinstance(o, Exception)]
    refused = [w for w, o in outcomes.items() if isinstance(o, Exception)]
    assert len(landed) == 1 and len(refused) == 1, outcomes
    error = outcomes[refused[0]]
    assert isinstance(error, RemoteChangedError), error
    assert "Nothing was published" in str(error) and "\n" not in str(error)
    winner = folders[landed[0]]
    assert remote_contents(api, repo_id) == {p: (winner / p).read_bytes() for p in digest(winner)}
    assert [c.title for c in api.list_repo_commits(repo_id)] == [f"by {landed[0]}", "initial commit"]


def test_the_hub_moves_a_branch_by_compare_and_swap(hub, api, alice_token, repo_name):
    """Raw commits with the same parent, sent at once: exactly one lands, the other gets 412."""
    import json

    import requests

    repo_id = f"alice/{repo_name}"
    api.create_repo(repo_id)
    parent = api.repo_info(repo_id).sha
    barrier = threading.Barrier(6)
    statuses = []

    def commit(i):
        lines = [{"key": "header", "value": {"summary": f"c{i}", "parentCommit": parent}},
                 {"key": "file", "value": {"path": f"f{i}.txt", "content": "aGk=", "encoding": "base64"}}]
        barrier.wait()
        r = requests.post(f"{hub.endpoint}/api/models/{repo_id}/commit/main",
                          data="".join(json.dumps(x) + "\n" for x in lines),
                          headers={"Authorization": f"Bearer {alice_token}", "Content-Type": "application/x-ndjson"},
                          timeout=60)
        statuses.append(r.status_code)

    threads = [threading.Thread(target=commit, args=(i,)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sorted(statuses) == [200] + [412] * 5
    assert len(api.list_repo_commits(repo_id)) == 2
    assert len([f for f in api.list_repo_files(repo_id) if f.startswith("f")]) == 1


# -- the answer of a commit that landed is lost ------------------------------------------


def test_a_commit_whose_answer_was_lost_is_reported_published(proxy, api, alice_token, repo_name, tmp_path):
    repo_id = f"alice/{repo_name}"
    folder = make_folder(tmp_path / "m", {"README.md": b"# model\n", "model.skops": b"PK\x03\x04" + os.urandom(3000)})
    proxy.rules.append((is_commit, "drop_answer"))

    result = publish_folder(folder, repo_id, token=alice_token, commit_message="First model")

    head = api.repo_info(repo_id).sha
    assert ("POST", f"/api/models/{repo_id}/commit/main", "drop_answer") in proxy.seen  # the answer really was lost
    assert result.commit_oid == head
    assert "Pushed to" in result.report and "answer to the commit was lost" in result.report
    assert api.list_repo_commits(repo_id)[0].title == "First model"
    proxy.rules.clear()  # the landed commit is this folder's base now: pushing again is a no-op
    assert publish_folder(folder, repo_id, token=alice_token).no_change


def test_a_commit_that_never_reached_the_hub_says_nothing_was_published(proxy, api, alice_token, repo_name,
                                                                         tmp_path):
    repo_id = f"alice/{repo_name}"
    folder = make_folder(tmp_path / "m", {"README.md": b"# model\n", "notes.txt": b"v1\n"})
    publish_folder(folder, repo_id, token=alice_token)
    head = api.repo_info(repo_id).sha
    (folder / "notes.txt").write_bytes(b"v2\n")
    proxy.rules.append((is_commit, "drop_request"))

    with pytest.raises(PublishError) as caught:
        publish_folder(folder, repo_id, token=alice_token)

    assert "Nothing was published" in str(caught.value)
    assert api.repo_info(repo_id).sha == head
    assert (folder / "notes.txt").read_bytes() == b"v2\n"


def test_a_lost_answer_that_cannot_be_checked_is_not_called_a_failure(proxy, api, alice_token, repo_name, tmp_path):
    repo_id = f"alice/{repo_name}"
    folder = make_folder(tmp_path / "m", {"README.md": b"# model\n", "notes.txt": b"v1\n"})
    publish_folder(folder, repo_id, token=alice_token)
    (folder / "notes.txt").write_bytes(b"v2\n")
    # The commit goes through but its answer is lost, and the hub is unreachable afterwards.
    start = len(proxy.seen)
    proxy.rules.append((lambda method, path: any(is_commit(m, p) for m, p, _ in proxy.seen[start:]), "drop_request"))
    proxy.rules.append((is_commit, "drop_answer"))

    with pytest.raises(PublishError) as caught:
        publish_folder(folder, repo_id, token=alice_token, commit_message="v2")

    message = str(caught.value)
    assert "unknown whether it was published" in message and "Nothing was published" not in message
    assert api.list_repo_commits(repo_id)[0].title == "v2"  # it did land: saying otherwise would be a lie


# -- an LFS upload that fails for good ---------------------------------------------------


def test_a_permanent_lfs_upload_failure_is_one_clear_paragraph(proxy, api, alice_token, repo_name, tmp_path):
    repo_id = f"alice/{repo_name}"
    folder = make_folder(tmp_path / "m", {"README.md": b"# model\n", "model.skops": b"PK\x03\x04" + os.urandom(3000)})
    publish_folder(folder, repo_id, token=alice_token)
    head, before = api.repo_info(repo_id).sha, remote_contents(api, repo_id)
    (folder / "model.skops").write_bytes(b"PK\x03\x04" + os.urandom(3000))
    local = digest(folder)
    proxy.rules[:] = [(is_lfs_upload, 403)]

    with pytest.raises(HubMagicError) as caught:
        publish_folder(folder, repo_id, token=alice_token)

    message = str(caught.value)
    assert isinstance(caught.value, PublishError) and not isinstance(caught.value, RuntimeError)
    assert "\n" not in message and "model.skops" in message and "403" in message
    assert "Nothing was published" in message and "local folder is intact" in message
    assert any(f == 403 for _, _, f in proxy.seen)
    assert digest(folder) == local
    assert api.repo_info(repo_id).sha == head and remote_contents(api, repo_id) == before


# -- push_to_hub and a colleague ---------------------------------------------------------


@pytest.fixture(scope="module")
def models():
    X, y = load_iris(return_X_y=True, as_frame=True)
    return (LogisticRegression(max_iter=300).fit(X, y), DecisionTreeClassifier(random_state=0).fit(X, y), X.iloc[:20])


def test_push_to_hub_keeps_a_colleagues_file_and_refuses_their_readme_edit(models, api, alice_token, repo_name):
    linear, tree, X = models
    repo_id = f"alice/{repo_name}"
    hubmagic.push_to_hub(linear, repo_id, data=X, token=alice_token)
    first_model = remote_contents(api, repo_id)["model.skops"]
    # A colleague adds evaluation notes on the Hub.
    api.upload_file(path_or_fileobj=b"eval: 0.97\n", path_in_repo="eval/notes.txt", repo_id=repo_id,
                    commit_message="colleague: notes")

    hubmagic.push_to_hub(tree, repo_id, data=X, token=alice_token, commit_message="tree")
    files = set(api.list_repo_files(repo_id))
    assert "eval/notes.txt" in files and "model.skops" in files
    assert api.list_repo_commits(repo_id)[0].title == "tree"
    assert remote_contents(api, repo_id)["model.skops"] != first_model

    # The colleague edits the card; the next push_to_hub must not replace it silently.
    readme = remote_contents(api, repo_id)["README.md"] + b"\n## Colleague's caveats\n\nOnly for iris.\n"
    api.upload_file(path_or_fileobj=readme, path_in_repo="README.md", repo_id=repo_id, commit_message="colleague: card")
    head = api.repo_info(repo_id).sha
    with pytest.raises(RemoteChangedError) as caught:
        hubmagic.push_to_hub(linear, repo_id, data=X, token=alice_token)
    assert "README.md" in str(caught.value) and "overwrite=True" in str(caught.value)
    assert "Nothing was published" in str(caught.value)
    assert api.repo_info(repo_id).sha == head and remote_contents(api, repo_id)["README.md"] == readme

    # On purpose: the card is replaced, the colleague's notes are still kept.
    hubmagic.push_to_hub(linear, repo_id, data=X, token=alice_token, overwrite=True, commit_message="back")
    after = remote_contents(api, repo_id)
    assert b"Colleague's caveats" not in after["README.md"] and after["eval/notes.txt"] == b"eval: 0.97\n"
    assert api.list_repo_commits(repo_id)[0].title == "back"


def test_push_to_hub_deletes_only_what_it_generated(models, api, alice_token, repo_name):
    linear, _, X = models
    repo_id = f"alice/{repo_name}"
    hubmagic.push_to_hub(linear, repo_id, data=X, token=alice_token)
    api.upload_file(path_or_fileobj=b"colleague's data\n", path_in_repo="data.csv", repo_id=repo_id)

    hubmagic.push_to_hub(linear, repo_id, data=X, token=alice_token, model_format="pickle")

    files = set(api.list_repo_files(repo_id))
    assert "model.pkl" in files and "model.skops" not in files  # its own old model file goes
    assert "data.csv" in files  # the colleague's file stays
