"""Which files of a repository folder are text to scan."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

_BINARY = """
    .skops .pkl .pickle .joblib .npy .npz .h5 .hdf5 .onnx .safetensors .pt .pth .bin
    .ckpt .msgpack .parquet .feather .arrow .avro .orc .xlsx .xls .db .sqlite .zip .gz
    .bz2 .xz .zst .tar .tgz .7z .rar .png .jpg .jpeg .gif .bmp .tif .tiff .webp .ico
    .svgz .pdf .mp3 .wav .flac .mp4 .mov .avi .ttf .otf .woff .woff2 .so .dll .dylib
    .exe .whl .egg .pyc
"""
BINARY_EXTENSIONS = frozenset(_BINARY.split())
# never uploaded: git internals, hubmagic's state, huggingface_hub's upload metadata
SKIPPED_DIRS = (".git", ".hubmagic", ".cache/huggingface")


def is_binary(path: Path) -> bool:
    """By extension, or a NUL byte in the first 8 KiB."""
    if path.suffix.lower() in BINARY_EXTENSIONS:
        return True
    with open(path, "rb") as handle:
        return b"\0" in handle.read(8192)


def _is_skipped(relative: str) -> bool:
    return any(relative == d or relative.startswith(d + "/") for d in SKIPPED_DIRS)


def iter_files(folder, files=None) -> Iterator[tuple[str, Path]]:
    """(relative POSIX path, absolute path) of the files to scan in ``folder`` (none is opened)."""
    root = Path(folder)
    if files is None:
        candidates = []
        for dirpath, dirnames, filenames in os.walk(root):
            rel_dir = Path(dirpath).relative_to(root).as_posix()
            rel_dir = "" if rel_dir == "." else rel_dir + "/"
            dirnames[:] = sorted(d for d in dirnames if not _is_skipped(rel_dir + d))
            candidates += [rel_dir + name for name in sorted(filenames)]
    else:
        candidates = []
        for name in files:
            path = Path(name)
            if path.is_absolute():
                try:
                    path = path.relative_to(root)
                except ValueError:
                    continue  # outside the repository: not ours to publish
            candidates.append(path.as_posix())
    for relative in candidates:
        path = root / relative
        if _is_skipped(relative) or not path.is_file():
            continue
        yield relative, path


CHUNK_SIZE = 1 << 20


def read_chunks(path: Path) -> Iterator[bytes]:
    """The bytes of a file, in order, in chunks: the scan's only read of a file."""
    with open(path, "rb") as handle:
        while chunk := handle.read(CHUNK_SIZE):
            yield chunk
