"""What a file's bytes say as text: encodings, compression, containers.

A credential reaches the Hub in more shapes than a UTF-8 line: a CSV saved as
UTF-16, a gzip file, a string array inside ``model.skops`` (UTF-32 in a ``.npy``
member of a zip), a pickle. ``views`` turns the bytes of one file, already read,
into the texts and the strings they hold, without running anything: pickles are
walked opcode by opcode (``pickletools.genops``), never unpickled. Decompression is
bounded (a ``Budget`` of decoded bytes per file), so a gzip or zip bomb costs at
most that much memory and time.
"""

from __future__ import annotations

import codecs
import io
import json
import os
import pickletools
import re
import struct
import zipfile
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from hubmagic.secrets.files import BINARY_EXTENSIONS

GZIP_MAGIC = b"\x1f\x8b"
ZIP_MAGIC = b"PK\x03\x04"
NPY_MAGIC = b"\x93NUMPY"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
SNIFF_SIZE = 8192
MAX_DEPTH = 3  # a gzip in a zip in a gzip is as deep as we look
MIN_STRING = 8  # shorter strings cannot be a credential of any kind we detect

# checked in this order: a UTF-32-LE BOM starts with the UTF-16-LE one
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_ALLOWED_CONTROLS = set(b"\t\n\r\f\v\x1b")


@dataclass
class Budget:
    """How many more decoded bytes one file may expand to (gzip, zip members)."""

    left: int
    truncated: list[str] = field(default_factory=list)

    def take(self, wanted: int, what: str) -> int:
        granted = max(min(wanted, self.left), 0)
        self.left -= granted
        if granted < wanted:
            self.truncated.append(what)
        return granted


@dataclass
class Text:
    """A text view of a file (its lines keep the file's line numbers when ``plain``)."""

    text: str
    where: str


@dataclass
class Strings:
    """Strings found in structured data: ``(key, value, line)``: the name a value is
    stored under, and its line in the file (0 when it has none)."""

    pairs: Iterable[tuple[str, str, int]]
    where: str


def _nul_share(sample: bytes, step: int, at: int) -> float:
    picked = sample[at::step]
    return picked.count(0) / len(picked) if picked else 0.0


def text_encoding(head: bytes) -> tuple[str, str] | None:
    """(codec, how it was recognised) for text whose first bytes are ``head``; None: binary.

    A BOM names the encoding. Without one, UTF-32/UTF-16 are recognised by where
    their NUL bytes are (ASCII text in UTF-16-LE has a NUL at every odd offset), and
    UTF-8 with a few stray NUL bytes (a padded export, a log) is still text when the
    rest decodes and has no other control bytes.
    """
    for bom, codec in _BOMS:
        if head.startswith(bom):
            return codec, f"decoded as {codec.upper().replace('-SIG', '')} (BOM)"
    sample = head[:SNIFF_SIZE]
    if b"\0" not in sample:
        return "utf-8", ""
    sample = sample[: len(sample) // 4 * 4]
    if len(sample) >= 8 and sample.count(0) < len(sample):
        shares = [_nul_share(sample, 4, i) for i in range(4)]
        if min(shares[1:]) > 0.99 and shares[0] < 0.99:
            return "utf-32-le", "decoded as UTF-32-LE"
        if min(shares[:3]) > 0.99 and shares[3] < 0.99:
            return "utf-32-be", "decoded as UTF-32-BE"
        odd, even = _nul_share(sample, 2, 1), _nul_share(sample, 2, 0)
        if odd > 0.9 and even < 0.5:
            return "utf-16-le", "decoded as UTF-16-LE"
        if even > 0.9 and odd < 0.5:
            return "utf-16-be", "decoded as UTF-16-BE"
    rest = head[:SNIFF_SIZE].replace(b"\0", b"")
    try:
        codecs.getincrementaldecoder("utf-8")().decode(rest, final=False)
    except UnicodeDecodeError:
        return None
    if any(byte < 0x20 and byte not in _ALLOWED_CONTROLS for byte in rest) or b"\x7f" in rest:
        return None
    return "utf-8", "read as text despite NUL bytes"


def decoder(codec: str):
    """An incremental decoder that never fails (bytes that do not decode are kept or replaced)."""
    errors = "surrogateescape" if codec == "utf-8" else "replace"
    return codecs.getincrementaldecoder(codec)(errors)


def gunzip_chunks(chunks: Iterable[bytes], budget: Budget, what: str) -> Iterator[bytes]:
    """Decompress gzip data (several members too) as it streams, up to the budget."""
    inflater = zlib.decompressobj(wbits=31)
    for chunk in chunks:
        pending = chunk
        while pending:
            if budget.left <= 0:
                budget.truncated.append(what)
                return
            try:
                out = inflater.decompress(pending, budget.left)
            except zlib.error:
                return  # corrupt or not gzip after all: what was decoded has been seen
            budget.left -= len(out)
            if out:
                yield out
            if inflater.eof:
                pending = inflater.unused_data
                inflater = zlib.decompressobj(wbits=31)
            else:
                pending = inflater.unconsumed_tail


def _join(where: str, step: str) -> str:
    return f"{where}, {step}" if where and step else where or step


def _suffix(name: str) -> str:
    base = name.rsplit("/", 1)[-1].lower()
    return "." + base.rsplit(".", 1)[-1] if "." in base else ""


def views(data: bytes, name: str, budget: Budget, where: str = "", depth: int = 0) -> Iterator[Text | Strings]:
    """The texts and strings of one file's (or one member's) bytes."""
    if depth > MAX_DEPTH:
        return
    if data.startswith(GZIP_MAGIC):
        inner = b"".join(gunzip_chunks([data], budget, name))
        inner_name = name[:-3] if name.lower().endswith(".gz") else name + ".out"
        yield from views(inner, inner_name, budget, _join(where, "decompressed"), depth + 1)
    elif data.startswith(ZIP_MAGIC):
        yield from _zip_views(data, name, budget, where, depth)
    elif data.startswith(NPY_MAGIC):
        yield Strings(npy_strings(data), where or "in a NumPy array")
    elif data.startswith(PNG_MAGIC):
        yield Text("\n".join(png_texts(data, budget, name)), _join(where, "in the PNG's text metadata"))
    elif is_pickle(data):
        yield Strings(pickle_strings(data), _join(where, "in the pickle"))
    else:
        found = text_encoding(data[:SNIFF_SIZE])
        if found is None or (not found[1] and _suffix(name) in BINARY_EXTENSIONS):
            return
        codec, how = found
        text = data.decode(codec, "surrogateescape" if codec == "utf-8" else "replace")
        yield Text(text, _join(where, how))
        structured = structured_strings(text, name)
        if structured is not None:
            yield Strings(structured, where)


def _zip_views(data, name, budget, where, depth):
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError, OSError):
        return
    yield from _archive_views(archive, name, budget, where, depth)


def file_views(path, name: str, budget: Budget) -> Iterator[Text | Strings]:
    """The views of a large zip archive, ``.npy`` or pickle file read from disk, a piece at a time.

    A member (or file) of plain numbers — a ``.npy`` whose header names no text and no
    objects — is read no further than its header: it holds no string, and a model's
    arrays are most of its bytes. So a model of any size is scanned in the memory of
    its largest other member.
    """
    try:
        with open(path, "rb") as handle:
            head = handle.read(NPY_HEAD_SIZE)
            if head.startswith(ZIP_MAGIC):
                with zipfile.ZipFile(handle) as archive:
                    yield from _archive_views(archive, name, budget, "", 0)
            elif head.startswith(NPY_MAGIC) and not _numbers_only(head):
                size = budget.take(os.fstat(handle.fileno()).st_size, name)
                data = head[:size] + handle.read(max(size - len(head), 0))
                yield from views(data, name, budget)
            elif is_pickle(head):  # walked from the file: one opcode's argument in memory at a time
                handle.seek(0)
                yield Strings(pickle_strings(handle), "in the pickle")
    except (zipfile.BadZipFile, ValueError, OSError):
        return


def is_pickle(head: bytes) -> bool:
    """Whether ``head`` starts a pickle of protocol 2 to 5 (what models are saved with)."""
    return len(head) > 2 and head[0] == 0x80 and 2 <= head[1] <= 5


NPY_HEAD_SIZE = 65536 + 16  # the largest version 1 header, and its preamble


# The header NumPy itself writes (format 1.0) for a simple dtype, read without ``ast``
_PLAIN_NPY = re.compile(rb"\{'descr': '([<>|=][a-zA-Z]\d*)', 'fortran_order': (?:True|False), "
                        rb"'shape': \(((?:\d+, )*\d+,?)?\), \} *\n")


def _npy_header(data: bytes):
    """``(shape, dtype, header length)`` of the ``.npy`` whose bytes ``data`` start, or None."""
    import numpy as np

    if data[6:8] == b"\x01\x00" and len(data) >= 10:
        end = 10 + int.from_bytes(data[8:10], "little")
        plain = _PLAIN_NPY.fullmatch(data, 10, end) if len(data) >= end else None
        if plain is not None:
            try:
                dtype = np.dtype(plain[1].decode())
            except TypeError:
                return None
            return tuple(int(n) for n in (plain[2] or b"").split(b",") if n.strip()), dtype, end
    stream = io.BytesIO(data)
    try:
        version = np.lib.format.read_magic(stream)
        reader = np.lib.format.read_array_header_1_0 if version == (1, 0) else np.lib.format.read_array_header_2_0
        shape, _, dtype = reader(stream)
    except (ValueError, TypeError, SyntaxError, EOFError):
        return None
    return shape, dtype, stream.tell()


def _numbers_only(head: bytes) -> bool:
    """Whether ``head`` starts a ``.npy`` of plain numbers (no text dtype, no objects); a header
    that cannot be read is not (the member is then read whole)."""
    header = _npy_header(head) if head.startswith(NPY_MAGIC) else None
    return header is not None and not header[1].hasobject and header[1].kind not in "US"


def _archive_views(archive: zipfile.ZipFile, name, budget, where, depth):
    try:
        members = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError):
        return
    kind = "the model" if name.lower().endswith(".skops") else "member"
    for info in members:
        if info.is_dir():
            continue
        try:
            with archive.open(info) as member:
                head = member.read(NPY_HEAD_SIZE)
                if _numbers_only(head):
                    continue  # numbers: nothing past the header can be text
                size = budget.take(info.file_size, f"{name}:{info.filename}")
                # bounded whatever the header claims
                content = head[:size] + (member.read(size - len(head)) if size > len(head) else b"")
        except (zipfile.BadZipFile, NotImplementedError, RuntimeError, OSError, zlib.error):
            continue  # encrypted or corrupt: nothing readable to publish either
        step = f"in {kind} ({info.filename})" if kind == "the model" else f"member {info.filename}"
        yield from views(content, info.filename, budget, _join(where, step), depth + 1)


def png_texts(data: bytes, budget: Budget, name: str) -> Iterator[str]:
    """The texts of a PNG's tEXt, zTXt and iTXt chunks (a figure's metadata), decompressed within budget."""
    at = len(PNG_MAGIC)
    while at + 8 <= len(data):
        length, kind = int.from_bytes(data[at : at + 4], "big"), data[at + 4 : at + 8]
        body = data[at + 8 : at + 8 + length]
        at += 12 + length
        keyword, _, rest = body.partition(b"\0")
        compressed = kind == b"zTXt" or (kind == b"iTXt" and rest[:1] == b"\1")
        if kind == b"iTXt":  # compression flag and method, language tag, translated keyword, then the text
            rest = rest[2:].split(b"\0", 2)[-1]
        elif kind == b"zTXt":
            rest = rest[1:]
        elif kind != b"tEXt":
            continue
        if compressed:
            try:
                rest = zlib.decompressobj().decompress(rest, budget.take(DECOMPRESSED_PNG_TEXT, f"{name}:{kind}"))
            except zlib.error:
                continue
        yield keyword.decode("latin-1") + ": " + rest.decode("utf-8", "replace")


DECOMPRESSED_PNG_TEXT = 16 * 1024 * 1024


def npy_strings(data: bytes) -> Iterator[tuple[str, str]]:
    """The strings of a ``.npy`` array: text dtypes read in place, object arrays walked as a pickle."""
    import numpy as np

    header = _npy_header(data)
    if header is None:
        return
    shape, dtype, start = header
    if dtype.hasobject:
        yield from pickle_strings(data[start:])
        return
    if dtype.kind not in "US":
        return
    count = int(np.prod(shape)) if shape else 1
    count = min(count, (len(data) - start) // max(dtype.itemsize, 1))
    values = np.frombuffer(data, dtype=dtype, count=count, offset=start)
    for value in values:
        text = value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)
        if len(text) >= MIN_STRING:
            yield "", text, 0


def _pickle_value(arg):
    """The text a pickle opcode's argument holds, if any."""
    if isinstance(arg, str):
        return arg
    if isinstance(arg, (bytes, bytearray)) and len(arg) >= MIN_STRING:
        found = text_encoding(bytes(arg[:SNIFF_SIZE]))  # an array's raw buffer: UTF-32 text
        if found:
            return bytes(arg).decode(found[0], "replace").replace("\0", "\n")
    return None


LARGE_ARGUMENT = 8 * 1024 * 1024  # a bytes argument over this (an array's buffer) is sniffed, never held
_BYTES_ARGUMENTS = {pickletools.bytes1: "<B", pickletools.bytes4: "<I", pickletools.bytes8: "<Q",
                    pickletools.bytearray8: "<Q"}


def _opcodes(stream) -> Iterator[tuple[pickletools.OpcodeInfo, object]]:
    """``(opcode, argument)`` of a pickle, as ``pickletools.genops`` reads them, except that a
    bytes argument over ``LARGE_ARGUMENT`` that does not start as text is its first
    ``SNIFF_SIZE`` bytes (the rest is skipped): a model's arrays of numbers are read no
    further than what says they are not text."""
    while True:
        code = stream.read(1)
        opcode = pickletools.code2op.get(code.decode("latin-1")) if code else None
        if opcode is None:
            raise ValueError(f"no pickle opcode {code!r}")
        if opcode.arg in _BYTES_ARGUMENTS:
            form = _BYTES_ARGUMENTS[opcode.arg]
            header = stream.read(struct.calcsize(form))
            if len(header) != struct.calcsize(form):
                raise ValueError("truncated pickle")
            (size,) = struct.unpack(form, header)
            argument = stream.read(min(size, SNIFF_SIZE) if size > LARGE_ARGUMENT else size)
            if size > LARGE_ARGUMENT and text_encoding(argument) is not None:
                argument += stream.read(size - len(argument))  # text (an array of strings): read whole
            elif size > LARGE_ARGUMENT:
                stream.seek(size - len(argument), os.SEEK_CUR)  # numbers: never held
        else:
            argument = opcode.arg.reader(stream) if opcode.arg is not None else None
        yield opcode, argument
        if opcode.name == "STOP":
            return


def pickle_strings(data) -> Iterator[tuple[str, str, int]]:
    """Strings of a pickle (its bytes, or a binary file positioned at its start) from its
    opcodes (nothing is loaded or called).

    Every string is reported, and a string stored in a dict (an object's
    ``__dict__``) under a string key is reported with that key too: the pickle
    machine's stack is followed with each opcode's documented stack effect.
    """
    mark = pickletools.markobject
    stack: list = []
    try:
        for opcode, arg in _opcodes(io.BytesIO(data) if isinstance(data, bytes) else data):
            value = _pickle_value(arg)
            # an array's buffer holds one string per element (NUL-padded): each is its own value, so
            # a credential in one is not glued to the text of the one before it
            for piece in (value.split("\n") if isinstance(arg, (bytes, bytearray)) and value else [value]):
                if piece is not None and len(piece) >= MIN_STRING:
                    yield "", piece, 0
            before, after = opcode.stack_before, opcode.stack_after
            if before == after:
                continue  # MEMOIZE, PUT ...: the stack is unchanged
            popped: list = []
            if mark in before:
                while stack and stack[-1] is not mark:
                    popped.insert(0, stack.pop())
                if stack:
                    stack.pop()
                below = before.index(mark)
            else:
                below = len(before)
            popped = [stack.pop() if stack else None for _ in range(below)][::-1] + popped
            if opcode.name in ("SETITEM", "SETITEMS"):
                items = popped[1:]
                # strict=False: a malformed SETITEMS with an odd item count still yields its pairs
                for key, item in zip(items[::2], items[1::2], strict=False):
                    if isinstance(key, str) and isinstance(item, str) and len(item) >= MIN_STRING:
                        yield key, item, 0
            stack += [mark if kind is mark else value for kind in after]
    except Exception:  # noqa: BLE001 - a truncated or non-standard pickle: keep what was walked
        return


# skops' schema.json wraps every value in a node: its metadata is not user data, and
# the name a value is stored under is the nearest key that is not part of the node
_NODE_METADATA = {"__class__", "__module__", "__loader__", "__id__", "is_json", "key_types", "type", "shape", "file"}
_NODE_CONTENT = {"content", "args", "attrs", "__reduce__"}


def json_strings(obj, key: str = "") -> Iterator[tuple[str, str, int]]:
    """(nearest key, string, 0) of every string and key in parsed JSON/YAML data."""
    if isinstance(obj, dict):
        for k, v in obj.items():
            k = str(k)
            if k in _NODE_METADATA:
                continue
            if len(k) >= MIN_STRING and k not in _NODE_CONTENT:
                yield key, k, 0
            yield from json_strings(v, key if k in _NODE_CONTENT else k)
    elif isinstance(obj, (list, tuple)):
        for item in obj:
            yield from json_strings(item, key)
    elif isinstance(obj, str):
        if obj[:1] in ('"', "[", "{"):  # skops stores JSON-encoded values as strings
            try:
                yield from json_strings(json.loads(obj), key)
                return
            except ValueError:
                pass
        yield key, obj, 0


_PLAIN_NOT_TEXT = re.compile(r"[-+]?[\d.][\d._:eE+-]*|[-+]?\.(?:inf|Inf|INF|nan|NaN|NAN)|~|null|Null|NULL|"
                             r"(?:yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF)")


def yaml_strings(text: str) -> Iterator[tuple[str, str, int]]:
    """``json_strings`` of a YAML document, from the parser's events (libyaml's when PyYAML
    has it): nothing is constructed, so an alias is never expanded and a plain number,
    date or boolean is not taken for text. Raises ``yaml.YAMLError`` on a malformed document."""
    import yaml

    events = yaml.parse(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    for event in events:
        if isinstance(event, yaml.NodeEvent):
            yield from _yaml_node(events, event, "")


def _yaml_node(events, first, key: str) -> Iterator[tuple[str, str, int]]:
    """The strings of the node that ``first`` starts, under ``key`` (as ``json_strings``)."""
    import yaml

    if isinstance(first, yaml.ScalarEvent):
        if first.implicit[0] and _PLAIN_NOT_TEXT.fullmatch(first.value):
            return  # a number, a date, a boolean or null
        yield from json_strings(first.value, key)
    elif isinstance(first, yaml.SequenceStartEvent):
        for event in events:
            if isinstance(event, yaml.SequenceEndEvent):
                return
            yield from _yaml_node(events, event, key)
    elif isinstance(first, yaml.MappingStartEvent):
        yield from _yaml_mapping(events, key)


def _yaml_mapping(events, key: str) -> Iterator[tuple[str, str, int]]:
    """The strings of a mapping's entries, up to its end (``json_strings`` of a dict)."""
    import yaml

    for event in events:
        if isinstance(event, yaml.MappingEndEvent):
            return
        name = event.value if isinstance(event, yaml.ScalarEvent) else ""
        if not isinstance(event, yaml.ScalarEvent):  # a collection as a key: its strings count too
            yield from _yaml_node(events, event, key)
        strings = _yaml_node(events, next(events), key if name in _NODE_CONTENT else name)
        if name in _NODE_METADATA:
            for _ in strings:
                pass  # walked past, not reported (as json_strings skips it)
            continue
        if len(name) >= MIN_STRING and name not in _NODE_CONTENT:
            yield key, name, 0
        yield from strings


def structured_strings(text: str, name: str) -> Iterator[tuple[str, str, int]] | None:
    """Strings of a JSON/YAML file, a card's YAML header, or a Python script's folded
    constants: values whose name is on another line than the value itself."""
    suffix = _suffix(name)
    if suffix in (".json", ".ipynb"):
        try:
            return json_strings(json.loads(text))
        except (ValueError, RecursionError):
            return None
    if suffix in (".yaml", ".yml", ".md"):
        if suffix == ".md":
            if not text.startswith("---"):
                return None
            end = text.find("\n---", 3)
            text = text[3:end] if end > 0 else ""
        import yaml

        try:  # walked whole here: a document that does not parse has no structured view
            return iter(list(yaml_strings(text)))
        except (yaml.YAMLError, RecursionError):
            return None
    if suffix in (".py", ".pyw"):
        from hubmagic.secrets.pyfold import folded_strings

        return folded_strings(text)
    return None
