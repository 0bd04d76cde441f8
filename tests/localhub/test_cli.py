"""``python -m hubmagic.localhub`` serves until stopped and prints where."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from huggingface_hub import HfApi, hf_hub_download


def _start(args):
    process = subprocess.Popen([sys.executable, "-m", "hubmagic.localhub", *args],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    lines = []
    for line in process.stdout:
        lines.append(line)
        if line.startswith("serving "):
            return process, line.split()[1], lines
    process.kill()
    raise AssertionError(f"no serving line: {lines} {process.stderr.read()}")


def test_cli_serves_the_real_client(tmp_path):
    token = "hf_cliuser000000000000000000000000001"
    process, endpoint, _ = _start(["--data-dir", str(tmp_path / "d"), "--port", "0", "--user", f"x:{token}",
                                   "--org", "team:x"])
    try:
        assert endpoint.startswith("http://127.0.0.1:")
        api = HfApi(endpoint=endpoint, token=token)
        assert api.whoami()["orgs"][0]["name"] == "team"
        api.create_repo("team/cli-model")
        api.upload_file(path_or_fileobj=b"\x00\x01" * 600, path_in_repo="m.bin", repo_id="team/cli-model")
        path = hf_hub_download("team/cli-model", "m.bin", endpoint=endpoint, cache_dir=tmp_path / "c")
        assert Path(path).read_bytes() == b"\x00\x01" * 600
    finally:
        process.terminate()
        assert process.wait(timeout=15) == 0


def test_cli_creates_a_user_when_none_is_given(tmp_path):
    process, endpoint, lines = _start(["--data-dir", str(tmp_path / "d")])
    try:
        created = [line for line in lines if line.startswith("created user ")]
        assert created, lines
        token = created[0].split()[-1]
        assert HfApi(endpoint=endpoint, token=token).whoami()["name"] == "user"
    finally:
        process.terminate()
        process.wait(timeout=15)


def test_localhub_does_not_import_the_client():
    # It is started before huggingface_hub reads HF_ENDPOINT at import time.
    code = "import sys, hubmagic.localhub.__main__; assert 'huggingface_hub' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)
