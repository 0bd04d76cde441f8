"""Malformed requests get a 4xx with a readable reason, never a 500 or a dropped
connection, and change nothing."""

from __future__ import annotations

import base64
import json

import pytest
import requests
from huggingface_hub.errors import RepositoryNotFoundError


@pytest.fixture
def repo(api, repo_name):
    """Alice's repo with one file: what every malformed request must leave alone."""
    repo_id = f"alice/{repo_name}"
    api.create_repo(repo_id)
    api.upload_file(path_or_fileobj=b"v1\n", path_in_repo="notes.txt", repo_id=repo_id)
    return repo_id


def _auth(token):
    return {"Authorization": f"Bearer {token}"}


def _state(api, repo_id):
    refs = api.list_repo_refs(repo_id)
    branches = refs.branches
    return sorted(api.list_repo_files(repo_id)), [b.name for b in branches], [b.target_commit for b in branches]


def _commit(hub, token, repo_id, lines, revision="main"):
    body = "\n".join(line if isinstance(line, str) else json.dumps(line) for line in lines)
    return requests.post(f"{hub.endpoint}/api/models/{repo_id}/commit/{revision}", data=body.encode(),
                         headers={**_auth(token), "Content-Type": "application/x-ndjson"})


HEADER = {"key": "header", "value": {"summary": "attack"}}


@pytest.mark.parametrize("lines", [
    [HEADER, {"key": "file", "value": {"path": "a.txt", "content": 123, "encoding": "base64"}}],
    [HEADER, {"key": "file", "value": {"path": 5, "content": "eA=="}}],
    [HEADER, {"key": 7, "value": {"path": "a.txt"}}],
    [HEADER, {"key": "file", "value": ["a.txt"]}],
    [HEADER, {"key": "deletedFile", "value": {"path": {"nested": True}}}],
    [{"key": "header", "value": {"summary": ["not", "text"]}}],
    [{"key": "header", "value": {"summary": "x", "parentCommit": {"sha": 1}}}],
    [{"key": "header", "value": {"summary": "x", "description": 42}}],
    [{"key": "file", "value": {"path": "a.txt", "content": "eA=="}}, HEADER],  # header not first
    [HEADER, "[1, 2]"], [HEADER, "{not json"],
    [HEADER, {"key": "file", "value": {"path": "a.txt", "content": "\u00e9t\u00e9"}}],  # not base64
])
def test_wrong_typed_ndjson_fields_are_4xx_and_change_nothing(hub, api, alice_token, repo, lines):
    before = _state(api, repo)
    answer = _commit(hub, alice_token, repo, lines)
    assert 400 <= answer.status_code < 500, answer.text
    assert answer.json()["error"]
    assert _state(api, repo) == before


def test_lone_surrogates_in_paths_are_refused(hub, api, alice_token, repo):
    before = _state(api, repo)
    # json.dumps writes the lone surrogate as the escape "\ud800", which JSON parsers accept.
    for path in ("bad\ud800.txt", "\udcff/x.txt"):
        answer = _commit(hub, alice_token, repo, [HEADER, {"key": "file", "value": {"path": path, "content": "eA=="}}])
        assert answer.status_code == 422 and "Invalid path" in answer.json()["error"]
        answer = requests.post(f"{hub.endpoint}/api/models/{repo}/preupload/main", headers=_auth(alice_token),
                               json={"files": [{"path": path, "sample": "", "size": 1}]})
        assert answer.status_code == 422
        answer = requests.post(f"{hub.endpoint}/api/models/{repo}/paths-info/main", headers=_auth(alice_token),
                               json={"paths": [path]})
        assert answer.status_code == 200 and answer.json() == []
    assert _state(api, repo) == before


@pytest.mark.parametrize("path", ["a" * 256 + ".txt", "folder/" + "\u00e9" * 128, "\u00e9" * 128 + "/x.txt"])
def test_path_components_over_255_bytes_are_refused(hub, api, alice_token, repo, path):
    before = _state(api, repo)
    answer = _commit(hub, alice_token, repo, [HEADER, {"key": "file", "value": {"path": path, "content": "eA=="}}])
    assert answer.status_code == 422 and "255 bytes" in answer.json()["error"]
    assert _state(api, repo) == before
    # 255 bytes is still fine.
    api.upload_file(path_or_fileobj=b"ok\n", path_in_repo="b" * 255, repo_id=repo)


def test_3000_char_branch_names_and_revisions_are_400(hub, api, alice_token, repo):
    before = _state(api, repo)
    long = "b" * 3000
    answer = requests.post(f"{hub.endpoint}/api/models/{repo}/branch/{long}", headers=_auth(alice_token), json={})
    assert answer.status_code == 400 and "at most 255 bytes" in answer.json()["error"]
    for url in (f"/api/models/{repo}/revision/{long}", f"/api/models/{repo}/tree/{long}",
                f"/{repo}/resolve/{long}/notes.txt", f"/api/models/{repo}/commits/{long}"):
        answer = requests.get(hub.endpoint + url, headers=_auth(alice_token))
        assert answer.status_code == 400, url
    answer = requests.post(f"{hub.endpoint}/api/models/{repo}/tag/main", headers=_auth(alice_token), json={"tag": long})
    assert answer.status_code == 400
    assert _commit(hub, alice_token, repo, [HEADER], revision=long).status_code == 400
    assert _state(api, repo) == before


@pytest.mark.parametrize("revision", ["ma%00in", "ma%0Din", "main%0D%0ASet-Cookie:%20session=stolen", "%0A"])
def test_control_characters_in_a_revision_are_400_and_never_reach_a_header(hub, api, alice_token, repo, revision):
    for url in (f"/api/models/{repo}/revision/{revision}", f"/{repo}/resolve/{revision}/notes.txt",
                f"/api/models/{repo}/tree/{revision}"):
        answer = requests.get(hub.endpoint + url, headers=_auth(alice_token))
        assert answer.status_code == 400, url
        assert "Set-Cookie" not in answer.headers
        message = answer.headers["X-Error-Message"]
        assert not any(c in message for c in "\r\n\x00") and "Invalid rev id" in message
    answer = requests.post(f"{hub.endpoint}/api/models/{repo}/branch/{revision}", headers=_auth(alice_token), json={})
    assert answer.status_code == 400
    assert _state(api, repo)[1] == ["main"]


def test_string_false_is_not_a_private_repo(hub, api, alice_token, repo_name, repo):
    answer = requests.post(f"{hub.endpoint}/api/repos/create", headers=_auth(alice_token),
                           json={"name": repo_name + "-x", "private": "false"})
    assert answer.status_code == 400 and "true or false" in answer.json()["error"]
    with pytest.raises(RepositoryNotFoundError):
        api.model_info(f"alice/{repo_name}-x")
    answer = requests.put(f"{hub.endpoint}/api/models/{repo}/settings", headers=_auth(alice_token),
                          json={"private": "true"})
    assert answer.status_code == 400
    assert api.model_info(repo).private is False
    answer = requests.post(f"{hub.endpoint}/api/repos/create", headers=_auth(alice_token),
                           json={"name": repo_name + "-y", "type": {"model": 1}})
    assert answer.status_code == 400


def test_branch_named_head_is_refused(hub, api, alice_token, repo):
    answer = requests.post(f"{hub.endpoint}/api/models/{repo}/branch/HEAD", headers=_auth(alice_token), json={})
    assert answer.status_code == 400 and "HEAD" in answer.json()["error"]
    assert _state(api, repo)[1] == ["main"]
    api.create_branch(repo, branch="HEAD-fix")  # only the exact name is reserved
    assert "HEAD-fix" in _state(api, repo)[1]


def _laughs_card(levels: int = 12) -> str:
    """A card header of a few lines whose aliases stand for 9**levels values."""
    rows = "".join(f"l{i + 1}: &l{i + 1} [" + ", ".join([f"*l{i}"] * 9) + "]\n" for i in range(levels))
    return "---\nlicense: mit\nl0: &l0 laugh\n" + rows + "---\n# Model\n"


@pytest.mark.timeout(60)
def test_a_card_whose_aliases_expand_to_billions_never_stalls_the_hub(hub, api, alice_token, repo):
    """``repo_info`` returns a card's metadata as JSON, which writes out every alias: a "billion
    laughs" header of a few lines would stall the server and exhaust its memory. validate-yaml
    (what the client asks before a commit) refuses it with the reason; a commit sent without
    asking lands as on the Hub, and the repository's info then answers at once, without
    ``cardData``."""
    from huggingface_hub import CommitOperationAdd

    card = _laughs_card()
    answer = requests.post(f"{hub.endpoint}/api/validate-yaml", json={"content": card, "repoType": "model"},
                           headers=_auth(alice_token))
    assert answer.status_code == 400 and "aliases" in answer.text, answer.text
    with pytest.raises(ValueError, match="aliases"):
        api.create_commit(repo, [CommitOperationAdd("README.md", card.encode())], commit_message="laughs")

    content = base64.b64encode(card.encode()).decode()
    answer = _commit(hub, alice_token, repo, [HEADER, {"key": "file", "value": {"path": "README.md",
                                                                               "content": content,
                                                                               "encoding": "base64"}}])
    assert answer.status_code == 200, answer.text
    info = api.model_info(repo)
    assert info.card_data is None and "README.md" in [s.rfilename for s in info.siblings]
