"""``GET /api/settings/repositories`` and ``/api/organizations/{org}/settings/repositories``:
what ``HfApi.list_user_repos`` and ``hf repos ls`` show."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from huggingface_hub import HfApi
from huggingface_hub.errors import HfHubHTTPError


def _mine(api: HfApi, prefix: str, namespace: str | None = None) -> dict:
    return {r.id: r for r in api.list_user_repos(namespace) if r.id.split("/")[-1].startswith(prefix)}


def test_the_callers_repos_of_every_type_private_ones_included(api, bob, repo_name):
    model = api.create_repo(f"{repo_name}-m", private=True).repo_id
    dataset = api.create_repo(f"{repo_name}-d", repo_type="dataset").repo_id
    space = api.create_repo(f"{repo_name}-s", repo_type="space", space_sdk="static").repo_id
    api.upload_file(path_or_fileobj=b"\x00" + os.urandom(5000), path_in_repo="w.bin", repo_id=model)
    bobs = bob.create_repo(f"{repo_name}-bob", private=True).repo_id

    mine = _mine(api, repo_name)
    assert set(mine) == {model, dataset, space}
    assert (mine[model].type, mine[dataset].type, mine[space].type) == ("model", "dataset", "space")
    assert (mine[model].visibility, mine[dataset].visibility) == ("private", "public")
    # The LFS file counts: the model is larger than the untouched dataset by at least its size.
    assert mine[model].storage >= mine[dataset].storage + 5001
    assert mine[dataset].storage > 0
    # Most recently updated first.
    everything = list(api.list_user_repos())
    assert [r.updated_at for r in everything] == sorted((r.updated_at for r in everything), reverse=True)
    assert abs(sum(r.storage_percent for r in everything) - 100) < 1
    # Each user sees their own only, private ones of others never.
    assert set(_mine(bob, repo_name)) == {bobs}
    assert bobs not in {r.id for r in api.list_user_repos()}


def test_an_organizations_repos_for_its_members_only(api, bob, repo_name):
    org_repo = api.create_repo(f"acme/{repo_name}-org", private=True).repo_id
    api.create_repo(f"{repo_name}-own")

    assert set(_mine(api, repo_name, "acme")) == {org_repo}
    assert org_repo not in _mine(api, repo_name)  # the user's own list is the user's namespace
    with pytest.raises(HfHubHTTPError) as error:
        list(bob.list_user_repos("acme"))
    assert error.value.response.status_code == 403
    with pytest.raises(HfHubHTTPError) as error:
        list(api.list_user_repos("no-such-org"))
    assert error.value.response.status_code == 404
    with pytest.raises(HfHubHTTPError) as error:  # a user is not an organization
        list(api.list_user_repos("bob"))
    assert error.value.response.status_code == 404


def test_anonymous_callers_are_refused(hub):
    anonymous = HfApi(endpoint=hub.endpoint, token=False)
    with pytest.raises(HfHubHTTPError) as error:
        list(anonymous.list_user_repos())
    assert error.value.response.status_code == 401


def test_hf_repos_ls(hub, api, alice_token, repo_name, tmp_path):
    model = api.create_repo(f"{repo_name}-m").repo_id
    api.create_repo(f"{repo_name}-m", repo_type="dataset")
    env = {**os.environ, "HF_ENDPOINT": hub.endpoint, "HF_TOKEN": alice_token, "HF_HOME": str(tmp_path / "home"),
           "NO_COLOR": "1"}
    result = subprocess.run([sys.executable, "-m", "huggingface_hub.cli.hf", "repos", "ls", "--type", "model",
                             "--search", repo_name, "--limit", "0", "--format", "json"],
                            capture_output=True, text=True, env=env, timeout=120)
    assert result.returncode == 0, result.stderr
    listed = json.loads(result.stdout)
    assert [(item["id"], item["type"], item["visibility"]) for item in listed] == [(model, "model", "public")]


def test_pages_are_followed_through_the_link_header(api, hub, alice_token, repo_name, monkeypatch):
    from huggingface_hub import get_session

    from hubmagic.localhub import api_repos

    for i in range(3):
        api.create_repo(f"{repo_name}-{i}")
    monkeypatch.setattr(api_repos, "SETTINGS_PAGE_SIZE", 2)  # the server's page size, not the client
    first = get_session().get(f"{hub.endpoint}/api/settings/repositories",
                              headers={"authorization": f"Bearer {alice_token}"})
    assert first.status_code == 200 and len(first.json()) == 2
    assert 'rel="next"' in first.headers["Link"]
    listed = [(r.type, r.id) for r in api.list_user_repos()]  # a model and a dataset may share an id
    assert len(listed) == len(set(listed)) >= 3
    assert {("model", f"alice/{repo_name}-{i}") for i in range(3)} <= set(listed)
