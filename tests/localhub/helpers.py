"""Small builders shared by the local Hub tests."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

README = """---
license: mit
library_name: sklearn
tags:
- tabular-classification
---

# A tiny model

Trained on iris.
"""


def make_model_folder(root: Path) -> dict[str, bytes]:
    """A folder like the ones hubmagic publishes: card, config, binary model, figure, script."""
    files = {
        "README.md": README.encode(),
        "config.json": b'{"sklearn": {"task": "tabular-classification"}}\n',
        "train.py": b"from sklearn.linear_model import LogisticRegression\n",
        "model.skops": b"PK\x03\x04" + os.urandom(5000),  # binary sample: LFS by content
        "weights.bin": os.urandom(3000),  # LFS by the default .gitattributes
        "figures/confusion.png": b"\x89PNG\r\n\x1a\n" + os.urandom(1000),
        "figures/notes/readme.txt": b"plain text in a nested folder\n",
    }
    for name, data in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    return files


def git_blob_id(data: bytes) -> str:
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
