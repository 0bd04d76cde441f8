"""Scan one file in one read: every view of it is derived from the same bytes.

The first chunk says what the file is. Text and gzip files larger than the stream
threshold are scanned line by line as they are read. Zip archives (skops models),
``.npy`` files and pickles over ``IN_MEMORY_LIMIT`` stream by, then are walked on disk
(``decode.file_views``): a zip member by member, each array of numbers no further than
its header, a pickle opcode by opcode. A model is never held in memory whole. Other
files are read whole (up to ``WHOLE_FILE_LIMIT``) and every view is taken from those
bytes (``decode``): the text in its encoding, the strings of a model, a JSON/YAML
document or a script's folded constants. Whatever the size, the user's own tokens are
searched in every chunk (``owntokens``), so no byte is published unsearched. A caller
may see the same chunks (``on_chunk``): the push hashes them, so the stream is its only
full read.
"""

from __future__ import annotations

import dataclasses
import functools
import itertools
import json
import logging
import re
from collections.abc import Iterable, Iterator
from pathlib import Path

from hubmagic.secrets import files
from hubmagic.secrets.decode import (
    GZIP_MAGIC,
    NPY_MAGIC,
    SNIFF_SIZE,
    ZIP_MAGIC,
    Budget,
    Strings,
    Text,
    decoder,
    file_views,
    gunzip_chunks,
    is_pickle,
    text_encoding,
    views,
)
from hubmagic.secrets.files import BINARY_EXTENSIONS
from hubmagic.secrets.finding import Finding
from hubmagic.secrets.owntokens import TokenSearch

logger = logging.getLogger(__name__)

WHOLE_FILE_LIMIT = 256 * 1024 * 1024  # other binary files are read whole up to this size
IN_MEMORY_LIMIT = 16 * 1024 * 1024  # larger zip archives (skops models), .npy files and pickles: walked on disk
DECODE_LIMIT = 256 * 1024 * 1024  # bytes one file may decompress to (gzip/zip bombs stop here)


def scan_file(path: Path, relative: str, known, stream_threshold: int, on_chunk=None) -> list[Finding]:
    """Findings of one file (``relative`` is the name they carry).

    ``on_chunk(bytes)`` sees every byte of the file, in order, from this same read: a
    push hashes the file for the Hub there instead of reading it a second time.
    """
    search = TokenSearch(known)

    def searched(chunks):
        for chunk in chunks:
            search.feed(chunk)
            if on_chunk is not None:
                on_chunk(chunk)
            yield chunk

    try:
        size = path.stat().st_size
        stream = searched(files.read_chunks(path))
        first = next(stream, b"")
        rest = itertools.chain([first], stream)
        budget = Budget(DECODE_LIMIT)
        is_text_like = first.startswith(GZIP_MAGIC) or not first.startswith((ZIP_MAGIC, NPY_MAGIC, b"\x80"))
        if size > stream_threshold and is_text_like:
            findings = _scan_stream(rest, relative, known, budget)
        elif size > IN_MEMORY_LIMIT and (first.startswith((ZIP_MAGIC, NPY_MAGIC)) or is_pickle(first)):
            for _ in stream:
                pass  # the one read of every byte: the token search, and the push's hashes
            findings = _scan_views(file_views(path, relative, budget), relative, known)
        elif size <= WHOLE_FILE_LIMIT:
            findings = _scan_views(views(b"".join(rest), relative, budget), relative, known)
        else:
            findings = []
            logger.warning("%s: over %d MiB, searched for your tokens only", relative, WHOLE_FILE_LIMIT >> 20)
        for _ in stream:
            pass  # the token search sees the whole file, whatever the views stopped at
    except OSError:
        return []  # unreadable: the upload fails on it before anything is published
    if budget.truncated:
        logger.warning("%s: decompressed data over %d MiB was not scanned: %s", relative, DECODE_LIMIT >> 20,
                       ", ".join(budget.truncated))
    findings += search.findings(relative, {f.secret for f in findings}, source=path)
    return findings + _name_findings(relative, known)


def _name_findings(relative: str, known) -> list[Finding]:
    """Credentials in the file's path: it is published too (a figure saved as ``f"{token}.png"``)."""
    from hubmagic.secrets.scanner import scan_lines

    return _with_where(scan_lines([relative], relative, known_secrets=known), "in the file's name")


def _with_where(findings: Iterable[Finding], where: str) -> list[Finding]:
    return [dataclasses.replace(f, where=where) if where else f for f in findings]


def _decoded_lines(chunks: Iterable[bytes], codec: str) -> Iterator[str]:
    decode = decoder(codec).decode
    pending = ""
    for chunk in chunks:
        pending += decode(chunk)
        *lines, pending = pending.split("\n")
        yield from lines
    yield pending + decode(b"", final=True)


def _scan_stream(chunks: Iterator[bytes], relative: str, known, budget: Budget) -> list[Finding]:
    """Line by line, for large text (in any encoding) and large gzip files."""
    from hubmagic.secrets.scanner import scan_lines

    chunks = iter(chunks)
    head = next(chunks, b"")
    where, name = "", relative
    if head.startswith(GZIP_MAGIC):
        chunks = gunzip_chunks(itertools.chain([head], chunks), budget, relative)
        head = next(chunks, b"")
        where, name = "decompressed", relative.removesuffix(".gz")
    found = text_encoding(head[:SNIFF_SIZE])
    if found is None or (not found[1] and Path(name).suffix.lower() in BINARY_EXTENSIONS):
        return []
    codec, how = found
    lines = _decoded_lines(itertools.chain([head], chunks), codec)
    where = ", ".join(w for w in (where, how) if w)
    return _with_where(scan_lines(lines, relative, known_secrets=known), where)


def _scan_views(found_views: Iterable[Text | Strings], relative: str, known) -> list[Finding]:
    from hubmagic.secrets.scanner import scan_lines

    findings: list[Finding] = []
    text = None
    for view in found_views:
        if isinstance(view, Text):
            text = view.text if not view.where else None
            found = scan_lines(view.text.split("\n"), relative, known_secrets=known)
            findings += _with_where(found, view.where)
        elif isinstance(view, Strings):
            seen = {f.secret for f in findings}
            found = scan_strings(view.pairs, relative, view.where, known, text)
            findings += [f for f in found if f.secret not in seen]
    return findings


@functools.lru_cache(maxsize=4096)
def _name(key: str) -> str:
    return re.sub(r"\W+", "_", key).strip("_") or "value"


def scan_strings(pairs, relative: str, where: str, known, text: str | None = None) -> list[Finding]:
    """Findings among ``(key, value, line)`` strings, each checked as ``key = "value"``.

    The key matters: a 40-character value is an AWS secret key when it is stored
    under ``aws_secret_access_key``. A value written as such in ``text`` (a JSON or
    YAML file whose key is on another line) is reported at its line there.
    """
    from hubmagic.secrets.scanner import scan_lines

    pairs = list(pairs)
    lines = [f"{_name(key)} = {json.dumps(value)}" for key, value, _ in pairs]
    findings = []
    for finding in scan_lines(lines, "strings.py", known_secrets=known):
        line = pairs[finding.line - 1][2]
        at = text.find(finding.secret) if text is not None else -1
        if at >= 0:
            line, place = text.count("\n", 0, at) + 1, ""
        else:
            place = where or ("assembled from string literals" if line else "stored as a string")
        findings.append(dataclasses.replace(finding, file=relative, line=line, where=place))
    return list({(f.line, f.secret): f for f in findings}.values())
