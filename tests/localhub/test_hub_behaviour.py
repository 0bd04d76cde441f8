"""The local hub answers as huggingface.co does, checked through the real client."""

from __future__ import annotations

import subprocess
import sys

import pytest
from huggingface_hub import HfApi, ModelCard, metadata_update
from huggingface_hub.errors import RevisionNotFoundError

from hubmagic.localhub import LocalHub


def test_card_metadata_with_a_single_dataset_and_metric_is_valid(api, repo_name):
    repo_id = f"alice/{repo_name}"
    api.create_repo(repo_id)
    # metadata_update validates the card with /api/validate-yaml before it commits it.
    metadata_update(repo_id, {"datasets": "iris", "metrics": "accuracy", "license": "mit"}, token=api.token)
    card = ModelCard.load(repo_id, token=api.token)
    assert card.data.datasets == "iris" and card.data.metrics == "accuracy"

    text = "---\nmetrics: 3\n---\n# card\n"
    with pytest.raises(ValueError, match='"metrics" must be one of'):
        ModelCard(text).validate()


def test_whoami_returns_the_full_name_given(tmp_path):
    with LocalHub(tmp_path / "d", users={"ada": {"token": "hf_ada_token_0123456789", "fullname": "Ada Lovelace"},
                                        "bea": "hf_bea_token_0123456789"}) as hub:
        assert HfApi(endpoint=hub.endpoint, token="hf_ada_token_0123456789").whoami()["fullname"] == "Ada Lovelace"
        assert HfApi(endpoint=hub.endpoint, token="hf_bea_token_0123456789").whoami()["fullname"] == "bea"
        assert hub.token == "hf_ada_token_0123456789"
    with LocalHub(tmp_path / "d") as hub:  # kept across restarts, like the tokens
        assert HfApi(endpoint=hub.endpoint, token="hf_ada_token_0123456789").whoami()["fullname"] == "Ada Lovelace"


def _serve(args):
    process = subprocess.Popen([sys.executable, "-m", "hubmagic.localhub", *args],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    for line in process.stdout:
        if line.startswith("serving "):
            return process, line.split()[1]
    process.kill()
    raise AssertionError(process.stderr.read())


def test_cli_full_names_and_a_private_org(tmp_path):
    token = "hf_cli_ada_0123456789abcdef"
    process, endpoint = _serve(["--data-dir", str(tmp_path / "d"), "--user", f"ada:{token}:Ada King Lovelace",
                                "--user", "bob:hf_cli_bob_0123456789abcdef",
                                "--org", "team:ada", "--private-org", "team", "--org", "open:ada"])
    try:
        api = HfApi(endpoint=endpoint, token=token)
        assert api.whoami()["fullname"] == "Ada King Lovelace"
        api.create_repo("team/secret-model")
        api.create_repo("team/shown-model", private=False)
        api.create_repo("open/plain-model")
        api.create_repo("ada/own-model")
        assert api.repo_info("team/secret-model").private is True
        assert api.repo_info("team/shown-model").private is False
        assert api.repo_info("open/plain-model").private is False
        assert api.repo_info("ada/own-model").private is False
        outsider = HfApi(endpoint=endpoint, token="hf_cli_bob_0123456789abcdef")
        assert {m.id for m in outsider.list_models(author="team")} == {"team/shown-model"}
    finally:
        process.terminate()
        assert process.wait(timeout=15) == 0


def test_private_org_in_python_and_the_old_list_form(tmp_path):
    orgs = {"lab": {"members": ["ada"], "private": True}, "club": ["ada"]}
    with LocalHub(tmp_path / "d", users={"ada": "hf_ada_token_0123456789"}, orgs=orgs) as hub:
        api = HfApi(endpoint=hub.endpoint, token=hub.token)
        assert {o["name"] for o in api.whoami()["orgs"]} == {"lab", "club"}
        assert api.create_repo("lab/m").repo_id == "lab/m" and api.repo_info("lab/m").private is True
        api.create_repo("club/m")
        assert api.repo_info("club/m").private is False


def test_a_tag_on_a_missing_revision_is_revision_not_found_before_the_name_is_judged(api, repo_name):
    repo_id = f"alice/{repo_name}"
    api.create_repo(repo_id)
    # An invalid tag name on a missing revision: the Hub reports the revision first.
    with pytest.raises(RevisionNotFoundError):
        api.create_tag(repo_id, tag="bad..name", revision="no-such-branch")
    with pytest.raises(RevisionNotFoundError):
        api.create_tag(repo_id, tag="v1", revision="0" * 40)
    api.create_tag(repo_id, tag="v1", revision="main")
    assert [t.name for t in api.list_repo_refs(repo_id).tags] == ["v1"]
