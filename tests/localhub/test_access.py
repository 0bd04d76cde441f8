"""Who sees and writes what: private repos, orgs, tokens."""

from __future__ import annotations

from pathlib import Path

import pytest
from huggingface_hub import HfApi, hf_hub_download
from huggingface_hub.errors import HfHubHTTPError, RepositoryNotFoundError


def test_whoami_lists_orgs(api, bob):
    me = api.whoami()
    assert me["name"] == "alice" and [o["name"] for o in me["orgs"]] == ["acme"]
    assert bob.whoami()["orgs"] == []


def test_bad_token_gets_401(hub):
    stranger = HfApi(endpoint=hub.endpoint, token="hf_not_a_real_token_at_all")
    with pytest.raises(HfHubHTTPError) as error:
        stranger.whoami()
    assert error.value.response.status_code == 401
    with pytest.raises(HfHubHTTPError) as error:
        stranger.create_repo("nope")
    assert error.value.response.status_code == 401


def test_private_repo_is_invisible_to_others(api, bob, hub, tmp_path, repo_name):
    repo_id = f"alice/{repo_name}"
    api.create_repo(repo_name, private=True)
    api.upload_file(path_or_fileobj=b"secret sauce", path_in_repo="s.txt", repo_id=repo_id)
    assert api.model_info(repo_id).private is True
    with pytest.raises(RepositoryNotFoundError):
        bob.model_info(repo_id)
    with pytest.raises(RepositoryNotFoundError):
        hf_hub_download(repo_id, "s.txt", token=False, cache_dir=tmp_path)
    with pytest.raises(RepositoryNotFoundError):
        bob.list_repo_files(repo_id)
    assert not bob.repo_exists(repo_id)
    assert repo_id not in [m.id for m in bob.list_models(author="alice")]
    assert repo_id in [m.id for m in api.list_models(author="alice")]

    api.update_repo_settings(repo_id, private=False, gated="auto")
    info = bob.model_info(repo_id)
    assert info.private is False and info.gated == "auto"


def test_writing_needs_ownership_but_pull_requests_only_reading(api, bob, repo_name):
    repo_id = f"alice/{repo_name}"
    api.create_repo(repo_name)
    with pytest.raises(HfHubHTTPError) as error:
        bob.upload_file(path_or_fileobj=b"x", path_in_repo="x.txt", repo_id=repo_id)
    assert error.value.response.status_code == 403
    with pytest.raises(HfHubHTTPError) as error:
        bob.delete_repo(repo_id)
    assert error.value.response.status_code == 403
    pr = bob.upload_file(path_or_fileobj=b"\x00" * 3000, path_in_repo="suggestion.bin", repo_id=repo_id,
                         create_pr=True)
    assert pr.pr_num == 1
    assert "suggestion.bin" in api.list_repo_files(repo_id, revision=pr.pr_revision)
    # the PR author may keep pushing to it
    bob.upload_file(path_or_fileobj=b"more", path_in_repo="more.txt", repo_id=repo_id, revision=pr.pr_revision)


def test_org_members_write_to_org_repos(api, bob, repo_name):
    repo_id = f"acme/{repo_name}"
    url = api.create_repo(repo_id, private=True)
    assert url.repo_id == repo_id
    api.upload_file(path_or_fileobj=b"org", path_in_repo="o.txt", repo_id=repo_id)
    with pytest.raises(RepositoryNotFoundError):
        bob.model_info(repo_id)
    with pytest.raises(HfHubHTTPError) as error:
        bob.create_repo(f"acme/{repo_name}-bob")
    assert error.value.response.status_code == 403


def test_repo_types_move_and_delete(api, repo_name):
    dataset = api.create_repo(repo_name, repo_type="dataset")
    assert dataset.repo_type == "dataset"
    api.upload_file(path_or_fileobj=b"a,b\n1,2\n", path_in_repo="data.csv", repo_id=f"alice/{repo_name}",
                    repo_type="dataset")
    assert "data.csv" in api.list_repo_files(f"alice/{repo_name}", repo_type="dataset")
    space = api.create_repo(repo_name, repo_type="space", space_sdk="static")
    assert space.repo_type == "space"
    assert "README.md" in api.list_repo_files(f"alice/{repo_name}", repo_type="space")
    with pytest.raises(HfHubHTTPError) as error:
        api.create_repo(repo_name, repo_type="dataset")
    assert error.value.response.status_code == 409
    api.create_repo(repo_name, repo_type="dataset", exist_ok=True)

    api.create_repo(f"{repo_name}-other", repo_type="dataset")
    with pytest.raises(HfHubHTTPError, match="already exists"):
        api.move_repo(f"alice/{repo_name}", f"alice/{repo_name}-other", repo_type="dataset")
    api.move_repo(f"alice/{repo_name}", f"acme/{repo_name}", repo_type="dataset")
    assert "data.csv" in api.list_repo_files(f"acme/{repo_name}", repo_type="dataset")
    api.delete_repo(f"acme/{repo_name}", repo_type="dataset")
    assert not api.repo_exists(f"acme/{repo_name}", repo_type="dataset")
    with pytest.raises(RepositoryNotFoundError):
        api.delete_repo(f"acme/{repo_name}", repo_type="dataset")
    api.delete_repo(f"acme/{repo_name}", repo_type="dataset", missing_ok=True)


def test_renamed_repo_redirects_reads(api, bob, tmp_path, repo_name):
    api.create_repo(repo_name)
    api.upload_file(path_or_fileobj=b"moved", path_in_repo="m.txt", repo_id=f"alice/{repo_name}")
    api.move_repo(f"alice/{repo_name}", f"alice/{repo_name}-renamed")
    assert api.model_info(f"alice/{repo_name}").id == f"alice/{repo_name}-renamed"
    path = hf_hub_download(f"alice/{repo_name}", "m.txt", cache_dir=tmp_path)
    assert Path(path).read_bytes() == b"moved"


def test_gated_repo_downloads_need_a_grant(api, bob, hub, bob_token, tmp_path, repo_name):
    from huggingface_hub.errors import GatedRepoError

    repo_id = f"alice/{repo_name}"
    api.create_repo(repo_name)
    api.upload_file(path_or_fileobj=b"gated", path_in_repo="g.txt", repo_id=repo_id)
    api.update_repo_settings(repo_id, gated="manual")
    assert bob.model_info(repo_id).gated == "manual"  # visible, not downloadable
    with pytest.raises(GatedRepoError, match="is restricted and you are not in the authorized list"):
        hf_hub_download(repo_id, "g.txt", token=bob_token, cache_dir=tmp_path)
    api.grant_access(repo_id, "bob")
    assert Path(hf_hub_download(repo_id, "g.txt", token=bob_token, cache_dir=tmp_path)).read_bytes() == b"gated"
