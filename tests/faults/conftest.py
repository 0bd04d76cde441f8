"""Fixtures of the fault tests: the proxy in front of the hub, and what every fault test
checks after a push that met a fault (one clear paragraph, the remote whole, the folder
untouched, no LFS object sent twice)."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest

from hubmagic.errors import HubMagicError

from .proxy import FaultyProxy, is_lfs_upload


@pytest.fixture
def proxy(hub, monkeypatch):
    """hubmagic talks to the session hub through the proxy (it reads HF_ENDPOINT at call time)."""
    faulty = FaultyProxy(hub.endpoint)
    monkeypatch.setenv("HF_ENDPOINT", faulty.endpoint)
    yield faulty
    faulty.close()


def write_folder(root: Path, files: dict[str, bytes]) -> Path:
    for name, data in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_bytes(data)
    return root


def model_files(version: str) -> dict[str, bytes]:
    """A small model folder: card, config, and two LFS files whose content depends on ``version``."""
    return {
        "README.md": f"---\nlicense: mit\nlibrary_name: sklearn\n---\n# model {version}\n".encode(),
        "config.json": b'{"sklearn": {"task": "tabular-classification"}}\n',
        "model.skops": b"PK\x03\x04" + os.urandom(4000),
        "weights.bin": os.urandom(3000),
    }


def digest(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file() and ".hubmagic" not in p.parts}


def remote_files(api, repo_id: str) -> dict[str, str]:
    """``{path: id}`` at the branch head (LFS: sha256, else git blob id), .gitattributes aside."""
    return {e.path: (e.lfs.sha256 if e.lfs is not None else e.blob_id)
            for e in api.list_repo_tree(repo_id, recursive=True)
            if hasattr(e, "blob_id") and e.path != ".gitattributes"}


def holds_folder(remote: dict[str, str], folder: Path) -> bool:
    """Whether the remote files are exactly the folder's (the complete push, nothing else)."""
    local = {}
    for path, data in ((p.relative_to(folder).as_posix(), p.read_bytes()) for p in folder.rglob("*")
                       if p.is_file() and ".hubmagic" not in p.parts):
        local[path] = {hashlib.sha256(data).hexdigest(), hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()}
    return remote.keys() == local.keys() and all(remote[p] in local[p] for p in remote)


def uploaded_oids(proxy, since: int = 0) -> list[str]:
    """The sha256 of every LFS PUT that reached the proxy (``/lfs-upload/TYPE/NS/NAME/OID/...``)."""
    return [path.split("/")[-4] for method, path, _ in proxy.seen[since:] if is_lfs_upload(method, path)]


def stored(hub, oid: str) -> bool:
    return (hub.data_dir / "lfs" / "objects" / oid[:2] / oid[2:4] / oid).exists()


def assert_clear_failure(error: BaseException) -> str:
    """A hubmagic error of one paragraph, never a bare client exception."""
    message = str(error)
    assert isinstance(error, HubMagicError), f"{type(error).__name__}: {message}"
    assert message and "\n" not in message and "Traceback" not in message, message
    return message
