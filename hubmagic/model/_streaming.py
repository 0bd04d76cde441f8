"""Model files written as they are made, and the fingerprint that tells an unchanged model.

A model of several GB already fills the kernel's memory once; saving it must not need
that much again. ``write_skops`` streams a compressed skops archive into a file, and
``fingerprint`` hashes the estimator's pickle stream as it is produced.
"""

from __future__ import annotations

import hashlib
import io
import json
import pickle
import time
import zipfile
import zlib
from typing import Any

# Deflate at level 1: a forest's archive is 5x smaller than stored, for ~5% more dump
# time; level 6 gains ~15% more size for ~30% more time.
COMPRESSLEVEL = 1


def write_skops(model: Any, fh) -> None:
    """The skops archive of ``model``, compressed, written to ``fh`` as it is made.

    ``skops.io.dump`` builds the whole archive in a ``BytesIO`` first (a 2 GB model would
    need 2 GB more); skops' own ``SaveContext`` and ``get_state`` write into any
    ``ZipFile``, here one on the file itself. Without them (another skops), ``dump``.
    """
    import skops.io as sio

    try:
        with _StreamingZip(fh, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=COMPRESSLEVEL,
                           allowZip64=True) as archive:
            state = _skops_state(model, archive)
            archive.writestr("schema.json", json.dumps(state, indent=2))
    except ImportError:
        fh.seek(0)
        fh.truncate()
        sio.dump(model, fh, compression=zipfile.ZIP_DEFLATED, compresslevel=COMPRESSLEVEL)


def _skops_state(model: Any, archive) -> dict:
    """skops' schema of ``model``; its arrays and bytes go to ``archive`` (what ``skops.io`` does)."""
    import skops
    import skops.io  # noqa: F401 - registers skops' savers
    from skops.io._utils import SaveContext, get_state

    context = SaveContext(zip_file=archive)
    state = get_state(model, context)
    context.clear_memo()
    state["protocol"] = context.protocol
    state["_skops_version"] = skops.__version__
    return state


def untrusted_types_in_file(path) -> list[str]:
    """``skops.io.get_untrusted_types(file=path)``, without reading the arrays into memory.

    skops judges trust from the schema alone (class, function and dtype names), but
    building its tree reads every array member, decompressed, into memory: for a big
    model, the model's size again. The audit here runs on the schema with empty members.
    """
    with zipfile.ZipFile(path) as archive:
        return _untrusted(archive.read("schema.json"), archive.namelist())


def untrusted_types_of_model(model: Any) -> list[str]:
    """The types a skops file of ``model`` would need trusted, without writing the archive."""
    import skops.io as sio

    names = _MemberNames()
    try:
        state = _skops_state(model, names)
    except ImportError:
        return sorted(sio.get_untrusted_types(data=sio.dumps(model)))
    return _untrusted(json.dumps(state).encode("utf-8"), names.namelist())


class _MemberNames:
    """Where skops writes an archive's members (``namelist``/``writestr``): only names are kept."""

    def __init__(self):
        self._names: list[str] = []

    def namelist(self) -> list[str]:
        return list(self._names)

    def writestr(self, name, data, *args, **kwargs) -> None:
        self._names.append(name.filename if isinstance(name, zipfile.ZipInfo) else name)


def _untrusted(schema: bytes, names: list[str]) -> list[str]:
    import skops.io as sio

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("schema.json", schema)
        for name in names:
            if name != "schema.json":
                archive.writestr(name, b"")
    return sorted(sio.get_untrusted_types(data=buffer.getvalue()))


class _StreamingZip(zipfile.ZipFile):
    """A ``ZipFile`` whose ``writestr`` compresses a big member piece by piece.

    ``zipfile`` compresses a member in one call, holding its whole compressed copy in
    memory (as large as the array itself for incompressible data). A member whose first
    MiB does not deflate (random-looking floats) is stored: deflating it costs time for
    nothing.
    """

    _PIECE = 16 << 20
    _SAMPLE = 1 << 20

    def writestr(self, zinfo_or_arcname, data, compress_type=None, compresslevel=None):
        if isinstance(zinfo_or_arcname, zipfile.ZipInfo):
            return super().writestr(zinfo_or_arcname, data, compress_type, compresslevel)
        view = memoryview(data.encode("utf-8") if isinstance(data, str) else data).cast("B")
        if compress_type is None and len(view) >= self._SAMPLE and _incompressible(view[:self._SAMPLE]):
            compress_type = zipfile.ZIP_STORED
        if len(view) <= self._PIECE:
            return super().writestr(zinfo_or_arcname, view, compress_type, compresslevel)
        info = zipfile.ZipInfo(zinfo_or_arcname, date_time=time.localtime(time.time())[:6])
        info.compress_type = self.compression if compress_type is None else compress_type
        level = self.compresslevel if compresslevel is None else compresslevel
        setattr(info, "compress_level" if hasattr(info, "compress_level") else "_compresslevel", level)
        info.external_attr = 0o600 << 16  # what writestr gives a member named by a string
        info.file_size = len(view)  # known in advance: zipfile chooses ZIP64 itself
        with self.open(info, "w") as member:
            for start in range(0, len(view), self._PIECE):
                member.write(view[start:start + self._PIECE])


def _incompressible(sample: memoryview) -> bool:
    return len(zlib.compress(sample, 1)) > 0.9 * len(sample)


def fingerprint(model: Any, model_format: str) -> str | None:
    """A hash of the estimator's content, to tell whether a saved model file is still its own.

    skops names an archive's members after memory addresses, so two dumps of one model
    differ byte for byte; the pickle stream of the estimator does not, for the same content
    (it is hashed as it is produced, arrays without a copy). The format and the skops and
    pickle versions are part of it. ``None`` when the estimator cannot be pickled.
    """
    import skops

    digest = hashlib.sha256(f"{model_format}|{skops.__version__}|{pickle.HIGHEST_PROTOCOL}|".encode())

    class Sink:
        def write(self, data) -> None:
            digest.update(data)

    try:
        pickle.Pickler(Sink(), protocol=pickle.HIGHEST_PROTOCOL).dump(model)
    except Exception:  # noqa: BLE001 - anything unpicklable just has no fingerprint
        return None
    return digest.hexdigest()
