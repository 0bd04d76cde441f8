"""The own-token search over a file's chunks: a token is found wherever it falls
(inside a chunk, across a boundary, in a tiny chunk), and its line is counted from the
file only once it is found."""

from __future__ import annotations

import base64
import secrets

import pytest

from hubmagic.secrets.owntokens import TokenSearch


def _token() -> str:
    return "hf_" + secrets.token_hex(17)


def _search(data: bytes, token: str, chunk: int, path) -> list:
    path.write_bytes(data)
    search = TokenSearch([token])
    for start in range(0, len(data), chunk):
        search.feed(data[start : start + chunk])
    return [(f.line, f.where) for f in search.findings("f.bin", source=path)]


@pytest.mark.parametrize("at", [0, 1, 4093, 4096 - 20, 4096 - 1, 4096, 8190, 12000])
def test_a_token_is_found_at_any_offset_with_its_line(tmp_path, at):
    token = _token()
    before = (b"x" * 99 + b"\n") * (at // 100) + b"y" * (at % 100)
    data = before + token.encode() + b"\n" * 5 + b"z" * 5000

    found = _search(data, token, 4096, tmp_path / "f.bin")

    assert found == [(before.count(b"\n") + 1, "")]


@pytest.mark.parametrize("chunk", [1, 7, 64, 1 << 20])
@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be"])
def test_wide_encodings_in_either_byte_order_even_in_tiny_chunks(tmp_path, chunk, encoding):
    token = _token()
    data = b"a\nb\n" * 50 + token.encode(encoding) + b"tail"
    label = f"as {encoding[:6].upper()} bytes"

    assert _search(data, token, chunk, tmp_path / "f.bin") == [(101, label)]


def test_encoded_forms_and_their_first_appearance(tmp_path):
    token = _token()
    encoded = base64.b64encode(b"prefix:" + token.encode())
    data = b"\n" * 3 + encoded + b"\n" * 10 + token.encode()

    assert _search(data, token, 16, tmp_path / "f.bin") == [(4, "base64-encoded")]


def test_nothing_found_in_clean_bytes(tmp_path):
    token = _token()
    data = secrets.token_bytes(50_000).replace(token[:3].encode(), b"")

    assert _search(data, token, 4096, tmp_path / "f.bin") == []
