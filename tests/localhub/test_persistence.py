"""Everything survives a restart, and the data dir holds real git repositories."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from huggingface_hub import HfApi, hf_hub_download
from huggingface_hub.errors import HfHubHTTPError

from hubmagic.localhub import LocalHub

from .helpers import make_model_folder, sha256

TOKEN = "hf_persistencetoken00000000000000001"


def test_restart_keeps_repos_commits_refs_lfs_and_accounts(tmp_path):
    data_dir = tmp_path / "hub"
    folder = tmp_path / "model"
    files = make_model_folder(folder)

    with LocalHub(data_dir, users={"carol": TOKEN}, orgs={"lab": ["carol"]}) as hub:
        api = HfApi(endpoint=hub.endpoint, token=TOKEN)
        api.create_repo("lab/kept", private=True)
        first = api.upload_folder(folder_path=folder, repo_id="lab/kept", commit_message="first")
        api.create_tag("lab/kept", tag="v1")
        api.create_branch("lab/kept", branch="dev")
        api.upload_file(path_or_fileobj=b"dev only", path_in_repo="dev.txt", repo_id="lab/kept", revision="dev")
        pr = api.upload_file(path_or_fileobj=b"pr", path_in_repo="pr.txt", repo_id="lab/kept", create_pr=True)
        before = {
            "refs": api.list_repo_refs("lab/kept", include_pull_requests=True),
            "commits": [c.commit_id for c in api.list_repo_commits("lab/kept")],
        }

    # A second start without --user keeps the accounts stored in the data dir.
    with LocalHub(data_dir) as hub:
        assert hub.users == {"carol": TOKEN} and hub.token == TOKEN
        api = HfApi(endpoint=hub.endpoint, token=TOKEN)
        assert api.list_repo_refs("lab/kept", include_pull_requests=True) == before["refs"]
        assert [c.commit_id for c in api.list_repo_commits("lab/kept")] == before["commits"]
        assert api.model_info("lab/kept", revision="v1").sha == first.oid
        assert api.model_info("lab/kept").private is True
        assert "dev.txt" in api.list_repo_files("lab/kept", revision="dev")
        assert api.get_discussion_details("lab/kept", pr.pr_num).is_pull_request
        for name, data in files.items():
            path = hf_hub_download("lab/kept", name, revision="v1", endpoint=hub.endpoint, token=TOKEN,
                                   cache_dir=tmp_path / "cache")
            assert Path(path).read_bytes() == data
        with pytest.raises(HfHubHTTPError) as refused:
            HfApi(endpoint=hub.endpoint, token="hf_someone_else").model_info("lab/kept")
        assert refused.value.response.status_code == 401, "only the stored accounts' tokens are accepted"

    # Users given on a later start are added.
    with LocalHub(data_dir, users={"dave": "hf_dave"}) as hub:
        assert set(hub.users) == {"carol", "dave"}

    # The repo folder is a real git repository: clone it with the git CLI.
    repo_dir = data_dir / "repos" / "models" / "lab" / "kept.git"
    clone = tmp_path / "clone"
    if shutil.which("git") is None:
        from dulwich import porcelain

        porcelain.clone(str(repo_dir), str(clone))
    else:
        env = dict(os.environ, GIT_LFS_SKIP_SMUDGE="1")
        subprocess.run(["git", "clone", "-q", str(repo_dir), str(clone)], check=True, env=env)
        log = subprocess.run(["git", "-C", str(clone), "log", "--format=%H %s"], check=True, env=env,
                             capture_output=True, text=True).stdout.split("\n")
        assert [line.split(" ", 1)[0] for line in log if line] == before["commits"]
        assert log[0].endswith(" first")
    assert (clone / "README.md").read_bytes() == files["README.md"]
    pointer = (clone / "model.skops").read_text()
    assert pointer == (f"version https://git-lfs.github.com/spec/v1\noid sha256:{sha256(files['model.skops'])}\n"
                       f"size {len(files['model.skops'])}\n")
    assert "model.skops filter=lfs diff=lfs merge=lfs -text" in (clone / ".gitattributes").read_text()
