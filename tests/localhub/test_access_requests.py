"""Gated repos: the owners list, accept, reject and cancel access requests; downloads follow them."""

from __future__ import annotations

import datetime
import json
from pathlib import Path

import pytest
from huggingface_hub import HfApi, hf_hub_download
from huggingface_hub.errors import GatedRepoError, HfHubHTTPError, RepositoryNotFoundError

from hubmagic.localhub import LocalHub, access


@pytest.fixture
def gated(api, repo_name):
    repo_id = api.create_repo(repo_name).repo_id
    api.upload_file(path_or_fileobj=b"gated weights", path_in_repo="g.txt", repo_id=repo_id)
    api.update_repo_settings(repo_id, gated="manual")
    return repo_id


def _users(requests) -> list[str]:
    return [r.username for r in requests]


def _download(repo_id, token, tmp_path):
    return Path(hf_hub_download(repo_id, "g.txt", token=token, cache_dir=tmp_path)).read_bytes()


def test_requests_move_between_the_lists_and_downloads_follow(api, gated, bob_token, tmp_path):
    assert [list(f(gated)) for f in (api.list_pending_access_requests, api.list_accepted_access_requests,
                                     api.list_rejected_access_requests)] == [[], [], []]
    with pytest.raises(GatedRepoError):
        _download(gated, bob_token, tmp_path)

    api.grant_access(gated, "bob")
    [accepted] = api.list_accepted_access_requests(gated)
    assert (accepted.username, accepted.fullname, accepted.status, accepted.email) == ("bob", "bob", "accepted", None)
    assert isinstance(accepted.timestamp, datetime.datetime) and len(accepted.request_id) == 24
    assert _download(gated, bob_token, tmp_path / "1") == b"gated weights"

    api.cancel_access_request(gated, "bob")
    assert _users(api.list_accepted_access_requests(gated)) == []
    [pending] = api.list_pending_access_requests(gated)
    assert (pending.username, pending.status, pending.request_id) == ("bob", "pending", accepted.request_id)
    with pytest.raises(GatedRepoError):  # cancelled: no download any more
        _download(gated, bob_token, tmp_path / "2")

    api.reject_access_request(gated, "bob", rejection_reason="Not for now")
    assert _users(api.list_pending_access_requests(gated)) == []
    [rejected] = api.list_rejected_access_requests(gated)
    assert rejected.username == "bob" and rejected.status == "rejected"
    with pytest.raises(GatedRepoError):
        _download(gated, bob_token, tmp_path / "3")

    api.accept_access_request(gated, request_id=rejected.request_id)
    assert _users(api.list_accepted_access_requests(gated)) == ["bob"]
    assert _users(api.list_rejected_access_requests(gated)) == []
    assert _download(gated, bob_token, tmp_path / "4") == b"gated weights"


def test_a_request_cannot_move_to_the_list_it_is_in(api, gated):
    api.grant_access(gated, "bob")
    for again in (lambda: api.grant_access(gated, "bob"), lambda: api.accept_access_request(gated, "bob")):
        with pytest.raises(HfHubHTTPError) as error:
            again()
        assert error.value.response.status_code in (400, 404)
    api.reject_access_request(gated, "bob", rejection_reason="no")
    with pytest.raises(HfHubHTTPError, match="already rejected"):
        api.reject_access_request(gated, "bob", rejection_reason="no")
    api.cancel_access_request(gated, "bob")
    with pytest.raises(HfHubHTTPError, match="already pending"):
        api.cancel_access_request(gated, "bob")
    api.grant_access(gated, "bob")  # granting accepts a rejected or pending request
    assert _users(api.list_accepted_access_requests(gated)) == ["bob"]


def test_unknown_users_requests_and_bad_reasons_are_refused(api, gated):
    with pytest.raises(HfHubHTTPError) as error:
        api.grant_access(gated, "nobody-here")
    assert error.value.response.status_code == 404
    with pytest.raises(HfHubHTTPError) as error:
        api.accept_access_request(gated, "bob")  # bob never asked and was never granted
    assert error.value.response.status_code == 404
    with pytest.raises(HfHubHTTPError) as error:
        api.accept_access_request(gated, request_id="0" * 24)
    assert error.value.response.status_code == 404
    api.grant_access(gated, "bob")
    with pytest.raises(HfHubHTTPError) as error:
        api.reject_access_request(gated, "bob", rejection_reason="x" * 201)
    assert error.value.response.status_code == 400
    assert _users(api.list_accepted_access_requests(gated)) == ["bob"]  # nothing changed


def test_only_the_owners_see_and_handle_requests(api, bob, gated):
    api.grant_access(gated, "bob")
    for refused in (lambda: list(bob.list_accepted_access_requests(gated)),
                    lambda: list(bob.list_pending_access_requests(gated)),
                    lambda: bob.cancel_access_request(gated, "bob"),
                    lambda: bob.grant_access(gated, "alice")):
        with pytest.raises(HfHubHTTPError) as error:
            refused()
        assert error.value.response.status_code == 403
    anonymous = HfApi(endpoint=api.endpoint, token=False)
    with pytest.raises(HfHubHTTPError) as error:
        list(anonymous.list_accepted_access_requests(gated))
    assert error.value.response.status_code == 401
    assert _users(api.list_accepted_access_requests(gated)) == ["bob"]  # bob's cancel did nothing


def test_an_org_members_manage_its_repos_requests(api, hub, repo_name):
    repo_id = api.create_repo(f"acme/{repo_name}").repo_id
    api.update_repo_settings(repo_id, gated="auto")
    api.grant_access(repo_id, "bob")
    assert _users(api.list_accepted_access_requests(repo_id)) == ["bob"]


def test_a_repo_that_is_not_gated_has_no_requests(api, repo_name):
    repo_id = api.create_repo(repo_name).repo_id
    for call in (lambda: list(api.list_pending_access_requests(repo_id)), lambda: api.grant_access(repo_id, "bob")):
        with pytest.raises(HfHubHTTPError) as error:
            call()
        assert error.value.response.status_code == 400


def test_a_private_repos_requests_are_not_found_by_others(api, bob, repo_name):
    repo_id = api.create_repo(repo_name, private=True).repo_id
    api.update_repo_settings(repo_id, gated="manual")
    with pytest.raises(RepositoryNotFoundError):
        list(bob.list_accepted_access_requests(repo_id))
    assert list(api.list_accepted_access_requests(repo_id)) == []


def test_long_lists_come_in_pages(tmp_path, monkeypatch):
    monkeypatch.setattr(access, "PAGE_SIZE", 2)  # the server's page size (it runs in this process)
    users = {f"user{i}": f"hf_user{i}_token_0123456789" for i in range(5)}
    with LocalHub(tmp_path / "d", users=users) as hub:
        api = HfApi(endpoint=hub.endpoint, token=users["user0"])
        repo_id = api.create_repo("gated").repo_id
        api.update_repo_settings(repo_id, gated="auto")
        for name in list(users)[1:]:
            api.grant_access(repo_id, name)
        assert sorted(_users(api.list_accepted_access_requests(repo_id))) == ["user1", "user2", "user3", "user4"]
        paths = [path for _, path in hub.state.recent_requests if "user-access-request/accepted" in path]
        assert len(paths) == 2  # two pages, followed through the Link header


def test_grants_of_older_data_folders_still_give_access(tmp_path):
    users = {"ada": "hf_ada_token_0123456789", "bea": "hf_bea_token_0123456789"}
    with LocalHub(tmp_path / "d", users=users) as hub:
        ada = HfApi(endpoint=hub.endpoint, token=users["ada"])
        repo_id = ada.create_repo("old").repo_id
        ada.upload_file(path_or_fileobj=b"old gated", path_in_repo="g.txt", repo_id=repo_id)
        ada.update_repo_settings(repo_id, gated="manual")
    meta_file = next((tmp_path / "d" / "repos").glob("models/*/old.git/hubmagic.json"))
    meta = json.loads(meta_file.read_text())
    meta.pop("accessRequests", None)
    meta_file.write_text(json.dumps({**meta, "granted": ["bea"]}))  # as written before access requests existed

    with LocalHub(tmp_path / "d") as hub:
        ada = HfApi(endpoint=hub.endpoint, token=users["ada"])
        [request] = ada.list_accepted_access_requests(repo_id)
        assert request.username == "bea"
        path = hf_hub_download(repo_id, "g.txt", token=users["bea"], endpoint=hub.endpoint, cache_dir=tmp_path / "c")
        assert Path(path).read_bytes() == b"old gated"
        ada.reject_access_request(repo_id, "bea", rejection_reason=None)
        with pytest.raises(GatedRepoError):
            hf_hub_download(repo_id, "g.txt", token=users["bea"], endpoint=hub.endpoint, cache_dir=tmp_path / "c2")
    assert "granted" not in json.loads(meta_file.read_text())
