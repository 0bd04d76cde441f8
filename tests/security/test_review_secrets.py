"""Review of the secret scan (issue 13): the user's own token where a push carries it
but the first scan did not look (a figure's compressed PNG metadata, hex, a file name).

Each case publishes through the real client to the local hub and asserts that the push
is refused and that the remote never receives the file.
"""

from __future__ import annotations

import struct
import zlib

import pytest
from huggingface_hub import HfApi
from sklearn.linear_model import LogisticRegression

from hubmagic import ModelRepository
from hubmagic.secrets import scan_folder


def _png(chunk_type: bytes, data: bytes) -> bytes:
    def chunk(kind, body):
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    header = chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0))
    return (b"\x89PNG\r\n\x1a\n" + header + chunk(chunk_type, data) + chunk(b"IDAT", zlib.compress(b"\0\0"))
            + chunk(b"IEND", b""))


CASES = {
    "zTXt": lambda t: ("figures/plot.png", _png(b"zTXt", b"Comment\0\0" + zlib.compress(t.encode())), "PNG"),
    "iTXt": lambda t: ("figures/plot.png", _png(b"iTXt", b"Comment\0\1\0\0\0" + zlib.compress(t.encode())), "PNG"),
    "hex": lambda t: ("notes.txt", t.encode().hex().encode(), "hex"),
    "name": lambda t: (f"figures/{t}.png", _png(b"tEXt", b"Software\0matplotlib"), "name"),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_own_token_in_figure_metadata_hex_or_file_name_blocks_the_push(case, tmp_path, alice_token, repo_name):
    path, content, where = CASES[case](alice_token)
    assert alice_token.encode() not in content  # not findable as plain bytes
    X, y = [[0.0], [1.0], [2.0], [3.0]], [0, 0, 1, 1]
    repo_id = f"alice/{repo_name}"
    repo = ModelRepository.init(LogisticRegression().fit(X, y), dst=tmp_path / "repo", repo_id=repo_id)
    (repo.path / path).parent.mkdir(parents=True, exist_ok=True)
    (repo.path / path).write_bytes(content)

    [finding] = [f for f in scan_folder(repo.path, known_secrets=[alice_token]) if f.file == path]
    assert finding.secret == alice_token and where in finding.where
    with pytest.raises(Exception, match="(?i)token") as refused:
        repo.push(token=alice_token)
    assert alice_token not in str(refused.value)
    api = HfApi(token=alice_token)
    assert not api.repo_exists(repo_id) or path not in api.list_repo_files(repo_id)
