"""A large model is scanned without being held in memory: a zip archive (a skops model)
or a ``.npy`` over ``IN_MEMORY_LIMIT`` streams by once (the own-token search and the
push's hashes), then is walked on disk member by member, each array of numbers no further
than its header. The strings around the arrays are still scanned, at any size."""

from __future__ import annotations

import hashlib
import io
import json
import tracemalloc
import zipfile

import numpy as np
import pytest

from hubmagic.secrets import filescan
from hubmagic.secrets.scanner import scan_folder

_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789"


def _github_token() -> str:  # made here, so no token-like literal sits in the repository
    digest = hashlib.sha256(b"large-models").digest() * 2
    return "gh" + "p_" + "".join(_ALPHABET[b % len(_ALPHABET)] for b in digest[:36])


GITHUB = _github_token()
ARRAY_MB = 40


def _npy(array) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, array, allow_pickle=True)
    return buffer.getvalue()


def _model(path, *, schema_secret=None, object_secret=None) -> None:
    """A skops-shaped archive: a large array of numbers, its schema, maybe an object array."""
    schema = {"__class__": "LogisticRegression", "content": {"note": schema_secret or "nothing to see"}}
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as archive:
        archive.writestr("schema.json", json.dumps(schema))
        archive.writestr("140001.npy", _npy(np.random.default_rng(0).random(ARRAY_MB * 2**20 // 8)))
        if object_secret:
            archive.writestr("140002.npy", _npy(np.array(["label", object_secret], dtype=object)))


def _scan_peak(folder) -> tuple[set, int]:
    tracemalloc.start()
    try:
        found = {(f.file, f.kind, f.where) for f in scan_folder(folder)}
        return found, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_a_large_model_is_scanned_in_little_memory_and_its_schema_still_is(tmp_path):
    _model(tmp_path / "model.skops", schema_secret=GITHUB)

    found, peak = _scan_peak(tmp_path)

    assert found == {("model.skops", "GitHub token", "in the model (schema.json)")}, found
    assert peak < 8 * 2**20, f"peak {peak / 2**20:.1f} MiB for a {ARRAY_MB} MiB array"


def test_an_object_array_in_a_large_model_is_read_and_walked(tmp_path):
    _model(tmp_path / "model.skops", object_secret=GITHUB)

    found, _ = _scan_peak(tmp_path)

    assert ("model.skops", "GitHub token", "in the model (140002.npy)") in found, found


def test_a_large_npy_of_numbers_is_not_held_and_one_of_text_is_scanned(tmp_path):
    numbers, text = tmp_path / "numbers", tmp_path / "text"
    numbers.mkdir()
    text.mkdir()
    (numbers / "weights.npy").write_bytes(_npy(np.zeros(ARRAY_MB * 2**20 // 8)))
    (text / "labels.npy").write_bytes(_npy(np.array(["x" * 30] * 150_000 + [GITHUB])))
    assert (text / "labels.npy").stat().st_size > filescan.IN_MEMORY_LIMIT

    nothing, peak = _scan_peak(numbers)
    found, _ = _scan_peak(text)

    assert nothing == set() and peak < 8 * 2**20, f"peak {peak / 2**20:.1f} MiB"
    assert {(f, kind) for f, kind, _ in found} == {("labels.npy", "GitHub token")}, found


@pytest.mark.parametrize("limit", [filescan.WHOLE_FILE_LIMIT, 1 << 20])
def test_over_the_whole_file_limit_the_schema_is_scanned_too(tmp_path, monkeypatch, limit):
    """Before, a model over 256 MiB was searched for the user's own tokens only."""
    monkeypatch.setattr(filescan, "WHOLE_FILE_LIMIT", limit)
    _model(tmp_path / "model.skops", schema_secret=GITHUB)

    found, _ = _scan_peak(tmp_path)

    assert ("model.skops", "GitHub token", "in the model (schema.json)") in found


def test_a_large_pickle_is_walked_from_disk_and_its_strings_scanned(tmp_path, monkeypatch):
    """A pickle over the in-memory limit (skops <= 0.8 repositories push ``model.pkl``) is walked
    opcode by opcode from the file, an array's bytes no further than what says they are not
    text. Over the whole-file limit its strings are scanned too (before: the user's own
    tokens only)."""
    import pickle

    class Model:
        pass

    model = Model()
    model.weights = np.random.default_rng(1).random(ARRAY_MB * 2**20 // 8)
    model.notes = f"trained with {GITHUB}"
    monkeypatch.setitem(globals(), "Model", Model)  # picklable by reference
    Model.__qualname__ = Model.__name__
    (tmp_path / "model.pkl").write_bytes(pickle.dumps(model, protocol=5))
    size = (tmp_path / "model.pkl").stat().st_size

    found, peak = _scan_peak(tmp_path)

    assert ("model.pkl", "GitHub token", "in the pickle") in found, found
    assert peak < 8 * 2**20, f"peak {peak / 2**20:.1f} MiB for a {size / 2**20:.0f} MiB pickle"

    monkeypatch.setattr(filescan, "WHOLE_FILE_LIMIT", size // 2)
    found, _ = _scan_peak(tmp_path)
    assert ("model.pkl", "GitHub token", "in the pickle") in found, found


def test_a_large_text_array_in_a_pickle_is_read_whole(tmp_path):
    """An array of strings is stored as UTF-32 text: over the large-argument size it is
    still read and scanned to its end (only arrays of numbers are skipped)."""
    import pickle

    labels = np.array([f"label-{i:07d}" for i in range(300_000)] + [GITHUB])
    (tmp_path / "labels.pkl").write_bytes(pickle.dumps({"labels": labels}, protocol=5))
    assert labels.nbytes > 8 * 2**20

    found, _ = _scan_peak(tmp_path)

    assert ("labels.pkl", "GitHub token") in {(f, kind) for f, kind, _ in found}, found


def test_a_credential_in_a_small_pickled_array_of_strings_is_found(tmp_path):
    """An array's strings are separate values: before, they were one text joined by line
    breaks, and the escaped break glued the token to the label before it (not found)."""
    import pickle

    labels = np.array(["spam", "ham", GITHUB])
    (tmp_path / "classes.pkl").write_bytes(pickle.dumps(labels, protocol=4))

    found, _ = _scan_peak(tmp_path)

    assert {(f, kind) for f, kind, _ in found} == {("classes.pkl", "GitHub token")}, found
