"""Issue 13 item 5, as the attack: a credential reaches a push in a shape a line-by-line
UTF-8 scan misses. Each test publishes through hubmagic's own path (``push_to_hub`` or
``ModelRepository.push``) with the real ``huggingface_hub`` client to the local hub, and
checks the push is refused naming the file and the kind, and that the remote holds
nothing of it.

Every credential is assembled at run time, so this file holds no literal secret.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from huggingface_hub import HfApi
from sklearn.compose import ColumnTransformer
from sklearn.feature_extraction.text import CountVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline

import hubmagic
from hubmagic.errors import SecretsFoundError
from hubmagic.repository._repository import ModelRepository
from hubmagic.secrets import files as secret_files
from hubmagic.secrets import scan_folder
from hubmagic.secrets.owntokens import OWN_TOKEN_BYTES_KIND
from hubmagic.secrets.scanner import KNOWN_TOKEN_KIND

_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789"


def _mix(prefix: str, length: int, seed: str) -> str:
    digest = hashlib.sha512(seed.encode()).digest() * 4
    return prefix + "".join(_ALPHABET[b % len(_ALPHABET)] for b in digest[:length])


HF_OTHER = _mix("hf" + "_", 34, "someone-else")  # a Hub token, not the pusher's
GITHUB = _mix("gh" + "p_", 36, "github")
AWS_ID = "AK" + "IA" + _mix("", 16, "aws-id").upper().replace("I", "J").replace("O", "P")
AWS_SECRET = _mix("", 30, "aws-secret") + "/" + _mix("", 9, "aws-secret-2")


@pytest.fixture
def remote(hub, alice_token, repo_name):
    """(repo id, client) of a repository that does not exist yet."""
    return f"alice/{repo_name}", HfApi(endpoint=hub.endpoint, token=alice_token)


def small_model():
    X = np.array([[0.0, 1.0], [1.0, 0.0], [0.5, 0.4], [0.9, 0.2], [0.1, 0.8], [0.3, 0.3]])
    return X, LogisticRegression()


def repository(tmp_path) -> ModelRepository:
    X, model = small_model()
    return ModelRepository.init(model.fit(X, [0, 1, 0, 1, 0, 1]), dst=tmp_path / "repo")


def refused(push, repo_id, api, secret) -> set[tuple[str, str]]:
    """Run the push; it must be refused, show no secret, and leave the remote absent."""
    with pytest.raises(SecretsFoundError) as error:
        push()
    assert secret not in str(error.value) and secret[4:-3] not in str(error.value)
    assert "Nothing was uploaded" in str(error.value)
    assert not api.repo_exists(repo_id)
    return {(finding.file, finding.kind) for finding in error.value.findings}


# -- inside the model ---------------------------------------------------------------

@pytest.mark.parametrize("model_format, model_file", [("skops", "model.skops"), ("pickle", "model.pkl")])
def test_own_token_in_a_fitted_string_array_of_the_model(model_format, model_file, remote, alice_token):
    """The training labels held the token (a mislabelled column): it is in ``classes_``."""
    repo_id, api = remote
    X, model = small_model()
    model.fit(X, ["spam", "ham", alice_token, "spam", "ham", "spam"])

    found = refused(
        lambda: hubmagic.push_to_hub(model, repo_id, token=alice_token, model_format=model_format),
        repo_id, api, alice_token,
    )
    assert (model_file, KNOWN_TOKEN_KIND) in found


@pytest.mark.parametrize("model_format, model_file", [("skops", "model.skops"), ("pickle", "model.pkl")])
def test_third_party_token_in_a_fitted_attribute(model_format, model_file, remote, alice_token):
    """A text model trained on logs that contain a GitHub token: it is in ``vocabulary_``."""
    repo_id, api = remote
    logs = [f"push failed for token {GITHUB} retrying", "build ok", "deploy ok", "build failed retrying"]
    model = make_pipeline(CountVectorizer(lowercase=False), LogisticRegression()).fit(logs, [1, 0, 0, 1])

    found = refused(
        lambda: hubmagic.push_to_hub(model, repo_id, token=alice_token, model_format=model_format),
        repo_id, api, GITHUB,
    )
    assert (model_file, "GitHub token") in found  # the card's model diagram may show it too


@pytest.mark.parametrize("model_format, model_file", [("skops", "model.skops"), ("pickle", "model.pkl")])
def test_aws_secret_kept_in_a_fitted_attribute_is_found_by_its_name(model_format, model_file, remote, alice_token):
    """A 40-character AWS secret has no prefix: only the name it is stored under tells."""
    repo_id, api = remote
    X, model = small_model()
    model.fit(X, [0, 1, 0, 1, 0, 1])
    model.aws_secret_access_key_ = AWS_SECRET  # e.g. set by a custom estimator's fit

    found = refused(
        lambda: hubmagic.push_to_hub(model, repo_id, token=alice_token, model_format=model_format),
        repo_id, api, AWS_SECRET,
    )
    assert (model_file, "AWS secret access key") in found


@pytest.mark.parametrize("model_format", ["skops", "pickle"])
def test_a_clean_text_model_with_credential_words_in_its_vocabulary_publishes(model_format, remote, alice_token):
    """Words such as "password" or "secret_key" in a fitted vocabulary are not secrets."""
    repo_id, api = remote
    docs = ["reset your password here", "the secret_key_base setting", "api_token expired", "login works"] * 3
    model = make_pipeline(CountVectorizer(), LogisticRegression()).fit(docs, [0, 1] * 6)

    hubmagic.push_to_hub(model, repo_id, data=docs, token=alice_token, model_format=model_format)
    assert api.repo_exists(repo_id)


def test_aws_secret_in_an_example_input_column_and_the_card(remote, alice_token):
    """An audit table with a credentials column the model never uses: the first rows go
    to config.json's ``example_input`` and to the card's widget, the key one line above
    its values."""
    repo_id, api = remote
    rng = np.random.default_rng(0)
    X = pd.DataFrame({
        "latency_ms": rng.normal(100, 10, 40),
        "retries": rng.integers(0, 4, 40).astype(float),
        "aws_secret_access_key": [AWS_SECRET] * 40,
    })
    y = (X["latency_ms"] > 100).astype(int)
    model = make_pipeline(
        ColumnTransformer([("num", "passthrough", ["latency_ms", "retries"])]), LogisticRegression()
    ).fit(X, y)

    found = refused(
        lambda: hubmagic.push_to_hub(model, repo_id, data=X, labels=y, token=alice_token),
        repo_id, api, AWS_SECRET,
    )
    assert {("config.json", "AWS secret access key"), ("README.md", "AWS secret access key")} <= found


# -- files added to the repository --------------------------------------------------

def _push_with(tmp_path, alice_token, repo_id, api, name: str, data: bytes, secret: str):
    repo = repository(tmp_path)
    (repo.path / name).write_bytes(data)
    return refused(lambda: repo.push(repo_id, token=alice_token), repo_id, api, secret)


def _csv(token: str) -> str:
    rows = "\n".join(f"{i},{i * 0.5:.1f},user{i}" for i in range(50))
    return f"id,score,owner\n{rows}\n51,0.1,{token}\n"


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be", "utf-32", "utf-32-le"])
def test_own_token_in_a_utf16_or_utf32_csv(encoding, tmp_path, remote, alice_token):
    """Excel's "Unicode text" export: UTF-16 with a BOM, or without one."""
    repo_id, api = remote
    found = _push_with(tmp_path, alice_token, repo_id, api, "data.csv", _csv(alice_token).encode(encoding), alice_token)
    assert found == {("data.csv", KNOWN_TOKEN_KIND)}


def test_third_party_token_in_a_utf16_csv(tmp_path, remote, alice_token):
    repo_id, api = remote
    found = _push_with(tmp_path, alice_token, repo_id, api, "data.csv", _csv(HF_OTHER).encode("utf-16-le"), HF_OTHER)
    assert found == {("data.csv", "Hugging Face token")}


@pytest.mark.parametrize("secret_of", [lambda own: own, lambda own: GITHUB], ids=["own", "github"])
def test_token_in_a_gzip_file(secret_of, tmp_path, remote, alice_token):
    repo_id, api = remote
    secret = secret_of(alice_token)
    found = _push_with(tmp_path, alice_token, repo_id, api, "data.csv.gz", gzip.compress(_csv(secret).encode()), secret)
    kind = KNOWN_TOKEN_KIND if secret == alice_token else "GitHub token"
    assert found == {("data.csv.gz", kind)}


def test_text_file_with_a_nul_byte_in_its_first_8_kib(tmp_path, remote, alice_token):
    """A log padded with NUL bytes (a crashed writer) is still text."""
    repo_id, api = remote
    log = b"\0" * 16 + f"2024-05-01 12:00:01 INFO uploading with {AWS_ID}\n2024-05-01 done\n".encode()
    found = _push_with(tmp_path, alice_token, repo_id, api, "train.log", log, AWS_ID)
    assert found == {("train.log", "AWS access key")}


@pytest.mark.parametrize("dtype", [None, object], ids=["unicode", "object"])
def test_string_array_saved_with_numpy(dtype, tmp_path, remote, alice_token):
    repo_id, api = remote
    repo = repository(tmp_path)
    np.save(repo.path / "labels.npy", np.array(["spam", "ham", GITHUB], dtype=dtype), allow_pickle=True)
    found = refused(lambda: repo.push(repo_id, token=alice_token), repo_id, api, GITHUB)
    assert found == {("labels.npy", "GitHub token")}


def test_own_token_base64_encoded_in_a_file(tmp_path, remote, alice_token):
    """A basic-auth header captured in a notebook output."""
    repo_id, api = remote
    header = "Authorization: Basic " + base64.b64encode(f"alice:{alice_token}".encode()).decode()
    found = _push_with(tmp_path, alice_token, repo_id, api, "request.txt", header.encode(), alice_token)
    assert found == {("request.txt", OWN_TOKEN_BYTES_KIND)}


# -- tokens assembled in the training script ----------------------------------------

def _split(token: str) -> tuple[str, str, str]:
    return token[:3], token[3:20], token[20:]


SCRIPTS = {
    "concatenation": lambda a, b, c: f'token = "{a}" + "{b}" + "{c}"\n',
    "f-string": lambda a, b, c: f'token = f"{a}{{\'{b}\'}}{{\'{c}\'!s:>5}}"\n',
    "join": lambda a, b, c: f'token = "".join(["{a}", "{b}", "{c}"])\n',
    "percent": lambda a, b, c: f'token = "%s%s%s" % ("{a}", "{b}", "{c}")\n',
    "module constant": lambda a, b, c: f'PREFIX = "{a}"\nlogin(token=PREFIX + "{b}" "{c}")\n',
}


@pytest.mark.parametrize("form", SCRIPTS)
def test_token_built_from_literals_in_train_py(form, tmp_path, remote, alice_token):
    repo_id, api = remote
    script = "from huggingface_hub import login\n" + SCRIPTS[form](*_split(HF_OTHER))
    assert HF_OTHER not in script
    found = _push_with(tmp_path, alice_token, repo_id, api, "train.py", script.encode(), HF_OTHER)
    assert found == {("train.py", "Hugging Face token")}


def test_own_token_built_from_literals_in_train_py(tmp_path, remote, alice_token):
    repo_id, api = remote
    script = SCRIPTS["concatenation"](*_split(alice_token))
    found = _push_with(tmp_path, alice_token, repo_id, api, "train.py", script.encode(), alice_token)
    assert found == {("train.py", KNOWN_TOKEN_KIND)}


def test_redact_cannot_fix_these_so_the_push_stays_refused_and_the_files_intact(tmp_path, remote, alice_token):
    """``redact=True`` edits text lines only: a UTF-16 file or a token assembled from
    pieces is left byte for byte as it was, and the message says to rebuild it."""
    repo_id, api = remote
    repo = repository(tmp_path)
    csv = _csv(alice_token).encode("utf-16")
    script = SCRIPTS["join"](*_split(HF_OTHER)).encode()
    (repo.path / "data.csv").write_bytes(csv)
    (repo.path / "train.py").write_bytes(script)

    with pytest.raises(SecretsFoundError) as error:
        repo.push(repo_id, token=alice_token, redact=True)
    assert "cannot be redacted" in str(error.value) and "rebuild" in str(error.value)
    assert {f.file for f in error.value.findings} == {"data.csv", "train.py"}
    assert (repo.path / "data.csv").read_bytes() == csv and (repo.path / "train.py").read_bytes() == script
    assert not api.repo_exists(repo_id)


# -- an unchanged remote, bombs, one read per file ----------------------------------

def test_a_refused_push_leaves_an_existing_remote_unchanged(tmp_path, remote, alice_token):
    repo_id, api = remote
    repo = repository(tmp_path)
    repo.push(repo_id, token=alice_token)
    before = [c.commit_id for c in api.list_repo_commits(repo_id)]
    (repo.path / "data.csv").write_bytes(_csv(alice_token).encode("utf-16"))

    with pytest.raises(SecretsFoundError, match="data.csv"):
        repo.push(repo_id, token=alice_token)
    assert [c.commit_id for c in api.list_repo_commits(repo_id)] == before
    assert "data.csv" not in api.list_repo_files(repo_id)


def test_a_gzip_bomb_is_decompressed_only_up_to_the_limit(tmp_path, remote, alice_token, monkeypatch):
    """1 GiB of zeros in 1 MiB: the scan stops at the decode limit, and what it read
    before still blocks the push."""
    from hubmagic.secrets import filescan

    monkeypatch.setattr(filescan, "DECODE_LIMIT", 16 * 1024 * 1024)
    repo_id, api = remote
    inflater = __import__("zlib").compressobj(9, wbits=31)
    zeros = bytes(1 << 20)
    bomb = inflater.compress(f"key={GITHUB}\n".encode())
    bomb += b"".join(inflater.compress(zeros) for _ in range(1024)) + inflater.flush()
    assert len(bomb) < 2 << 20

    start = time.perf_counter()
    found = _push_with(tmp_path, alice_token, repo_id, api, "dump.gz", bomb, GITHUB)
    assert found == {("dump.gz", "GitHub token")}
    assert time.perf_counter() - start < 30


def test_the_scan_reads_each_file_once(tmp_path, remote, alice_token, monkeypatch):
    """Every view (text, encodings, model strings, JSON keys, the own-token search)
    comes from one read of each file, during a real push."""
    repo_id, api = remote
    repo = repository(tmp_path)
    (repo.path / "data.csv").write_bytes(_csv("nothing").encode("utf-16"))
    (repo.path / "data.csv.gz").write_bytes(gzip.compress(_csv("nothing").encode()))
    np.save(repo.path / "labels.npy", np.array(["spam", "ham"]))
    reads: dict[str, int] = {}
    original = secret_files.read_chunks

    def counting(path):
        key = Path(path).relative_to(repo.path).as_posix()
        reads[key] = reads.get(key, 0) + 1
        return original(path)

    monkeypatch.setattr(secret_files, "read_chunks", counting)
    repo.push(repo_id, token=alice_token)

    published = set(api.list_repo_files(repo_id)) - {".gitattributes"}
    assert published <= set(reads) and {"model.skops", "data.csv", "labels.npy", "README.md"} <= published
    assert set(reads.values()) == {1}, reads


def test_a_large_file_is_read_once_and_searched_whole(tmp_path, alice_token, monkeypatch):
    """Over the stream threshold, a text file is scanned line by line as it is read,
    and the own-token search covers its last byte."""
    from hubmagic.secrets import scanner

    monkeypatch.setattr(scanner, "STREAM_THRESHOLD", 64 * 1024)
    folder = tmp_path / "big"
    folder.mkdir()
    rows = "".join(f"{i},{i * 0.25},{'abc'[i % 3]}\n" for i in range(200_000))
    (folder / "big.csv").write_bytes((rows + f"0,0,{GITHUB}\n").encode("utf-16-le"))
    (folder / "blob.bin").write_bytes(b"\x00\x01" * 3_000_000 + alice_token.encode("utf-32-be"))
    opened: list[str] = []
    original = secret_files.read_chunks
    monkeypatch.setattr(secret_files, "read_chunks", lambda p: opened.append(Path(p).name) or original(p))

    found = {(f.file, f.line, f.kind) for f in scan_folder(folder, known_secrets=[alice_token])}

    assert found == {("big.csv", 200_001, "GitHub token"), ("blob.bin", 1, OWN_TOKEN_BYTES_KIND)}
    assert sorted(opened) == ["big.csv", "blob.bin"]


@pytest.mark.parametrize("layout", ["parenthesised", "one line"])
def test_a_token_split_into_adjacent_literals_is_found(tmp_path, layout):
    from hubmagic.secrets import scan_folder

    token = "hf_" + "".join(chr(65 + (i * 7) % 26) for i in range(34))
    head, tail = token[:9], token[9:]
    code = f'TOKEN = ("{head}"\n         "{tail}")\n' if layout == "parenthesised" else f'TOKEN = "{head}" "{tail}"\n'
    (tmp_path / "train.py").write_text("# é non-ASCII before the literal\n" + code, encoding="utf-8")
    findings = scan_folder(tmp_path)
    assert [(f.file, f.line, f.secret) for f in findings] == [("train.py", 2, token)], findings
