"""The local hub answers as huggingface.co does, checked through the real client."""

from __future__ import annotations

import subprocess
import sys

import pytest
import requests
from huggingface_hub import HfApi, ModelCard, metadata_update
from huggingface_hub.errors import GatedRepoError, HfHubHTTPError, RepositoryNotFoundError, RevisionNotFoundError

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


def test_a_user_whose_name_starts_and_ends_with_underscores_owns_repositories(tmp_path):
    """The Hub's CI user is ``__DUMMY_HUB_USER__``: the client accepts the name, so must the hub."""
    token = "hf_dummy_user_0123456789abcdef"
    with LocalHub(tmp_path / "d", users={"__DUMMY_HUB_USER__": token, "bob": "hf_bob_token_0123456789"}) as hub:
        api = HfApi(endpoint=hub.endpoint, token=token)
        repo_id = api.create_repo("_probe_").repo_id
        assert repo_id == "__DUMMY_HUB_USER__/_probe_"
        api.upload_file(path_or_fileobj=b"x", path_in_repo="x.txt", repo_id=repo_id)
        assert api.list_repo_files(repo_id) == [".gitattributes", "x.txt"]
        api.delete_repo(repo_id)
        with pytest.raises(RepositoryNotFoundError):  # gone: the Hub's 404, not a 400 about the name
            api.delete_repo(repo_id)
        for bad in ("-lead/model", "alice/trail.", "alice/a--b", "alice/.hidden"):
            answer = requests.post(f"{hub.endpoint}/api/repos/create", json={"name": bad.split("/")[1],
                                   "organization": bad.split("/")[0]}, headers={"authorization": f"Bearer {token}"})
            assert answer.status_code == 400 and "Invalid repository id" in answer.text, (bad, answer.text)


def test_a_backslash_inside_a_name_is_stored_and_one_that_climbs_out_is_refused(api, repo_name, tmp_path):
    """As on the Hub: ``..\\\\x`` is refused (422); ``folder/..\\\\..\\\\file`` is a git file name, kept
    as is, and the client refuses to write it outside the folder it downloads into."""
    repo_id = api.create_repo(f"alice/{repo_name}").repo_id
    odd = "folder/..\\..\\..\\file.txt"
    api.upload_file(path_or_fileobj=b"odd", path_in_repo=odd, repo_id=repo_id)
    assert odd in api.list_repo_files(repo_id)
    with pytest.raises(HfHubHTTPError) as refused:  # the client lets this one through
        api.upload_file(path_or_fileobj=b"x", path_in_repo="..\\ddd", repo_id=repo_id)
    assert refused.value.response.status_code == 422
    for bad in ("..\\ddd", "\\abs.txt", ".\\here.txt", "..\\", "a/../b.txt"):  # as any client may send them
        answer = requests.post(f"{api.endpoint}/api/models/{repo_id}/preupload/main",
                               json={"files": [{"path": bad, "sample": "", "size": 1}]},
                               headers={"authorization": f"Bearer {api.token}"})
        assert answer.status_code == 422, (bad, answer.text)
    local = tmp_path / "dl"
    with pytest.raises(ValueError):  # the client keeps the download inside its folder
        api.hf_hub_download(repo_id, odd, local_dir=local)
    assert not (tmp_path / "file.txt").exists()


def test_the_initial_commit_is_credited_to_the_repositorys_creator(api, repo_name):
    repo_id = api.create_repo(f"alice/{repo_name}").repo_id
    api.upload_file(path_or_fileobj=b"x", path_in_repo="x.txt", repo_id=repo_id)
    commits = api.list_repo_commits(repo_id)
    assert [c.title for c in commits][-1] == "initial commit"
    assert all(c.authors == ["alice"] for c in commits), [c.authors for c in commits]


def test_auth_check_on_a_gated_repository_says_gated_to_someone_not_granted(api, hub, bob_token, repo_name):
    repo_id = api.create_repo(f"alice/{repo_name}").repo_id
    bob = HfApi(endpoint=hub.endpoint, token=bob_token)
    bob.auth_check(repo_id)  # public, not gated: fine
    api.update_repo_settings(repo_id, gated="auto")
    with pytest.raises(GatedRepoError):
        bob.auth_check(repo_id)
    api.auth_check(repo_id)  # the owner always may
    api.grant_access(repo_id, "bob")
    bob.auth_check(repo_id)


def test_the_answer_carries_the_clients_request_id(hub):
    """The client sends a trace id with every request and quotes the answer's id in its errors:
    the Hub answers with the client's id, so both sides' logs name the same request."""
    from huggingface_hub.utils import get_session

    answer = get_session().get(f"{hub.endpoint}/api/models/alice/none-such")
    sent = answer.request.headers["X-Amzn-Trace-Id"]
    assert answer.status_code in (401, 404) and answer.headers["x-request-id"] == sent
    assert requests.get(f"{hub.endpoint}/api/models", headers={"x-request-id": "mine-1"}).headers[
        "x-request-id"] == "mine-1"
    fresh = requests.get(f"{hub.endpoint}/api/models", headers={"x-request-id": "bad id\twith space"})
    assert fresh.headers["x-request-id"] != "bad id\twith space" and len(fresh.headers["x-request-id"]) == 32


def test_an_organizations_full_name_from_the_command_line(tmp_path):
    token = "hf_cli_ada_0123456789abcdef"
    process, endpoint = _serve(["--data-dir", str(tmp_path / "d"), "--user", f"ada:{token}",
                                "--org", "valid_org_hub:ada:Dummy Hub Org", "--org", "plain:ada"])
    try:
        orgs = {o["name"]: o["fullname"] for o in HfApi(endpoint=endpoint, token=token).whoami()["orgs"]}
        assert orgs == {"valid_org_hub": "Dummy Hub Org", "plain": "plain"}
    finally:
        process.terminate()
        assert process.wait(timeout=15) == 0
