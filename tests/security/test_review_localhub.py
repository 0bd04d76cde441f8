"""Review of the local hub's input checks (issue 13), as attacks over raw HTTP.

Each test sends what the real client never would (a name ending in a line break,
JSON nested 100,000 deep, a lone surrogate in a commit message, an oid with a line
break), asserts a clear 4xx instead of a 500 or a look-alike repository, and that the
victim's repository is unchanged.
"""

from __future__ import annotations

import json

import pytest
import requests
from huggingface_hub import HfApi


def _auth(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def alice_repo(hub, alice_token, repo_name):
    api = HfApi(endpoint=hub.endpoint, token=alice_token)
    repo_id = f"alice/{repo_name}"
    api.create_repo(repo_id, private=True)
    api.upload_file(path_or_fileobj=b"alice's notes\n", path_in_repo="notes.txt", repo_id=repo_id)
    return api, repo_id, api.repo_info(repo_id).sha


def test_a_repo_name_ending_in_a_line_break_is_refused_not_a_look_alike(hub, alice_repo, alice_token, bob_token):
    api, repo_id, head = alice_repo
    name = repo_id.split("/")[1]
    for token, body in ((alice_token, {"name": name + "\n"}), (bob_token, {"name": name + "\n"}),
                        (bob_token, {"name": "x", "organization": "bob\n"})):
        answer = requests.post(f"{hub.endpoint}/api/repos/create", json=body, headers=_auth(token), timeout=30)
        assert answer.status_code == 400, answer.text
        assert "Invalid repository id" in answer.json()["error"]
    # Through the URL too: "alice/name%0A" is no repository, not alice's under another name.
    answer = requests.get(f"{hub.endpoint}/api/models/{repo_id}%0A", headers=_auth(alice_token), timeout=30)
    assert answer.status_code in (400, 404)
    assert [r.id for r in api.list_models(author="alice") if r.id.startswith(repo_id)] == [repo_id]
    assert api.repo_info(repo_id).sha == head


DEEP = b'{"a":' + b"[" * 100_000 + b"]" * 100_000 + b"}"


@pytest.mark.parametrize(("method", "route"), [
    ("POST", "/api/repos/create"),
    ("PUT", "/api/models/{repo}/settings"),
    ("POST", "/api/models/{repo}/preupload/main"),
    ("POST", "/api/models/{repo}/paths-info/main"),
    ("POST", "/{repo}.git/info/lfs/objects/batch"),
    ("POST", "/api/models/{repo}/discussions"),
    ("POST", "/api/models/{repo}/commit/main"),
    ("POST", "/api/validate-yaml"),
])
def test_json_nested_too_deeply_is_a_400(hub, alice_repo, alice_token, method, route):
    api, repo_id, head = alice_repo
    answer = requests.request(method, hub.endpoint + route.format(repo=repo_id), data=DEEP, timeout=60,
                              headers={**_auth(alice_token), "Content-Type": "application/json"})
    assert answer.status_code == 400, answer.text
    assert "Invalid" in answer.json()["error"]
    assert api.repo_info(repo_id).sha == head


def test_a_commit_message_with_a_lone_surrogate_is_a_400(hub, alice_repo, alice_token):
    api, repo_id, head = alice_repo
    header = json.dumps({"key": "header", "value": {"summary": "\ud800 update"}})
    line = json.dumps({"key": "file", "value": {"path": "x.txt", "content": "eA==", "encoding": "base64"}})
    answer = requests.post(f"{hub.endpoint}/api/models/{repo_id}/commit/main", data=f"{header}\n{line}\n",
                           headers={**_auth(alice_token), "Content-Type": "application/x-ndjson"}, timeout=30)
    assert answer.status_code == 400, answer.text
    assert "lone surrogate" in answer.json()["error"]
    answer = requests.post(f"{hub.endpoint}/api/models/{repo_id}/super-squash/main", data='{"message": "\\ud800"}',
                           headers={**_auth(alice_token), "Content-Type": "application/json"}, timeout=30)
    assert answer.status_code == 400, answer.text
    assert api.repo_info(repo_id).sha == head
    assert api.list_repo_files(repo_id) == [".gitattributes", "notes.txt"]


def test_an_lfs_oid_ending_in_a_line_break_is_refused(hub, alice_repo, alice_token):
    _, repo_id, _ = alice_repo
    body = {"operation": "upload", "objects": [{"oid": "a" * 64 + "\n", "size": 1}]}
    answer = requests.post(f"{hub.endpoint}/{repo_id}.git/info/lfs/objects/batch", json=body,
                           headers=_auth(alice_token), timeout=30)
    assert answer.status_code == 200
    [item] = answer.json()["objects"]
    assert item["error"]["code"] == 422 and "actions" not in item
