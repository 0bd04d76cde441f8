"""Attacks on repository names: every repo id is 'namespace/name' by the Hub's rules, in
the caller's own namespace, and its folder never leaves the data dir."""

from __future__ import annotations

import secrets
from pathlib import Path

import pytest
import requests
from huggingface_hub import HfApi, hf_hub_download

from hubmagic.localhub import LocalHub


@pytest.fixture
def alice_private(api, repo_name, tmp_path):
    """Alice's private repo with one file of hers: what the attacks try to replace."""
    repo_id = f"alice/{repo_name}"
    api.create_repo(repo_id, private=True)
    api.upload_file(path_or_fileobj=b"alice's weights\n", path_in_repo="secret.txt", repo_id=repo_id)
    return repo_id


def _assert_intact(api, repo_id, tmp_path):
    path = hf_hub_download(repo_id, "secret.txt", token=api.token, cache_dir=tmp_path / secrets.token_hex(4))
    assert Path(path).read_bytes() == b"alice's weights\n"
    assert api.model_info(repo_id).private is True


def _post(hub, token, route, body):
    return requests.post(f"{hub.endpoint}/api/repos/{route}", json=body, headers={"Authorization": f"Bearer {token}"})


@pytest.mark.parametrize("name", ["../{victim}", "..%2F{victim}", "./../{victim}", "x/../../{victim}"])
def test_bob_cannot_replace_alices_private_repo_through_a_relative_name(hub, api, bob_token, alice_private,
                                                                       tmp_path, name):
    victim = alice_private  # "alice/t-..."
    answer = _post(hub, bob_token, "create", {"name": name.format(victim=victim), "type": "model"})
    assert answer.status_code == 400
    assert "namespace/name" in answer.json()["error"]
    _assert_intact(api, victim, tmp_path)


def test_moving_a_repo_over_alices_through_dot_dot_is_refused(hub, api, bob_token, alice_private, tmp_path):
    bob = HfApi(endpoint=hub.endpoint, token=bob_token)
    own = f"bob/{secrets.token_hex(4)}"
    bob.create_repo(own)
    for target in (f"bob/../{alice_private}", f"../{alice_private}", alice_private):
        answer = _post(hub, bob_token, "move", {"fromRepo": own, "toRepo": target, "type": "model"})
        assert answer.status_code in (400, 403), target
    # A relative *source* does not reach alice's repo either (it is simply not found).
    move = {"fromRepo": f"bob/../{alice_private}", "toRepo": f"bob/{secrets.token_hex(4)}"}
    answer = _post(hub, bob_token, "move", move)
    assert answer.status_code in (400, 404)
    _assert_intact(api, alice_private, tmp_path)
    assert bob.repo_exists(own)


@pytest.mark.parametrize("name", ["../../../../escaped", "/tmp/escaped", "..", ".", "a--b", "-lead", "trail.",
                                  "x.git", "a" * 97, "sp ace", "semi;colon", "dotted..name", "two/parts"])
def test_names_outside_the_hubs_rules_are_refused(hub, alice_token, name):
    answer = _post(hub, alice_token, "create", {"name": name})
    assert answer.status_code == 400, name
    assert "letters, digits" in answer.json()["error"]
    outside = hub.data_dir.parent
    assert not (outside / "escaped.git").exists() and not list(outside.glob("*.git"))


def test_namespace_must_be_the_caller_or_one_of_their_orgs(hub, api, bob_token, alice_private, tmp_path):
    for organization in ("alice", "acme", "ALICE"):
        answer = _post(hub, bob_token, "create", {"name": alice_private.split("/")[1], "organization": organization})
        assert answer.status_code == 403, organization
    answer = _post(hub, bob_token, "create", {"name": "x", "organization": {"$ne": None}})
    assert answer.status_code == 400
    answer = _post(hub, bob_token, "delete", {"name": alice_private.split("/")[1], "organization": "alice"})
    assert answer.status_code == 404  # private: bob cannot even tell it exists
    _assert_intact(api, alice_private, tmp_path)


def test_a_symlinked_namespace_folder_cannot_lead_outside_the_data_dir(tmp_path):
    """Defence in depth: even a folder planted in the data dir cannot redirect a repo."""
    outside = tmp_path / "outside"
    outside.mkdir()
    with LocalHub(data_dir=tmp_path / "data", users={"carol": "hf_carol_token_0123456789"}) as hub:
        (hub.data_dir / "repos" / "models" / "carol").symlink_to(outside, target_is_directory=True)
        answer = _post(hub, "hf_carol_token_0123456789", "create", {"name": "model"})
        assert answer.status_code == 400
        assert list(outside.iterdir()) == []
        # A clean namespace still works: the check refuses only what escapes.
        (hub.data_dir / "repos" / "models" / "carol").unlink()
        assert _post(hub, "hf_carol_token_0123456789", "create", {"name": "model"}).status_code == 200
        assert (hub.data_dir / "repos" / "models" / "carol" / "model.git").is_dir()
