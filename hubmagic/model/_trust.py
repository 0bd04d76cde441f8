"""The one trust policy for loading a model file, whatever the path that loads it.

``hubmagic.load``, ``%hub_load``, ``hub_utils.get_model_output``, a file downloaded with
``hub_utils.download`` and ``ModelRepository.load_model`` all end in
``persist.load``, which asks :func:`skops_trusted` or :func:`check_pickle` here:

* A **skops** file loads with skops' default types plus the *classes* of scikit-learn,
  NumPy and SciPy (:func:`is_library_class`). Anything else (a function such as
  ``numpy.round``, ``functools.partial``, a class of another package or of a notebook)
  must be named by the user in ``trusted=``. What a repository's ``config.json``
  declares in ``trusted_types`` is a claim by whoever wrote the repository, so it
  never counts on its own.
* A **pickle** runs code when loaded. It is loaded only with ``trusted=True`` or when
  its bytes are exactly those of a file this machine pushed: each push records the
  sha256 of the model files it uploaded in a small ledger
  (``$HF_HOME/hubmagic/published.json``). The repository's namespace proves nothing:
  anyone can open a pull request on a public repository.

Every refusal is worded by :func:`refusal`.
"""

from __future__ import annotations

import datetime
import hashlib
import importlib
import json
import os
import secrets
from collections.abc import Iterable, Sequence
from pathlib import Path

from hubmagic.errors import InvalidInputError, UntrustedTypesError
from hubmagic.model import _local_modules

# What a user can put in ``trusted`` (or ``%hub_load --trust``) to trust everything.
TRUST_ALL = "all"
# ``UntrustedTypesError.untrusted`` of a refused pickle (it has no list of types).
PICKLE = "pickle"
_LIBRARIES = ("sklearn", "numpy", "scipy")
# Parts of those libraries whose classes read or write files, start processes or
# import test helpers when called with the arguments a file supplies (skops calls a
# class with stored arguments when its ``__reduce__`` is a plain constructor call).
_EXCLUDED_MODULE_PARTS = frozenset(
    {"io", "datasets", "tests", "testing", "_testing", "_datasource", "npyio", "_npyio_impl",
     "format", "ctypeslib", "f2py", "distutils", "_lib", "externals"}
)
_EXCLUDED_CLASSES = ("numpy.memmap",)  # opens (and with mode="w+" creates) a file
_PICKLE_SUFFIXES = (".pkl", ".pickle", ".joblib")
_LEDGER_LIMIT = 5000  # entries kept; the oldest are dropped first


# -- what the user trusts -------------------------------------------------------------


def trusts_everything(trusted) -> bool:
    """``trusted=True``, or ``"all"`` among the names (``%hub_load --trust all``)."""
    if trusted is True:
        return True
    return isinstance(trusted, (list, tuple, set, frozenset)) and TRUST_ALL in trusted


def type_names(trusted) -> list[str]:
    """The names in ``trusted`` (``None``, a name, a type/function, or a list of them)."""
    if trusted in (None, False, True):
        return []
    if isinstance(trusted, (str, type)) or callable(trusted):
        trusted = [trusted]
    names = []
    for t in trusted:
        if isinstance(t, str):
            names.append(t)
        elif isinstance(t, type) or callable(t):
            names.append(f"{t.__module__}.{getattr(t, '__qualname__', getattr(t, '__name__', ''))}")
        else:
            raise InvalidInputError(
                f"trusted must list type names (str), types or functions, got {t!r} "
                f"({type(t).__name__}). Pass e.g. trusted=['sklearn.tree._tree.Tree'], or "
                "trusted=True for a file you trust entirely."
            )
    return names


# -- skops files ----------------------------------------------------------------------


def is_library_class(name: str) -> bool:
    """True when ``name`` is a class defined in scikit-learn, NumPy or SciPy.

    The module is imported (only a submodule of those three) and the attribute must be
    a class (``isinstance(obj, type)``), not a function: a function can do anything
    with the arguments a file gives it, a library class only builds an object. Classes
    that touch files or processes (``numpy.memmap``, ``scipy.io``, test helpers ...)
    are left to the user.

    >>> is_library_class("sklearn.tree._tree.Tree"), is_library_class("numpy.round")
    (True, False)
    """
    module_name, _, attr = name.rpartition(".")
    if not _in_libraries(module_name) or not attr.isidentifier() or name in _EXCLUDED_CLASSES:
        return False
    try:
        obj = getattr(importlib.import_module(module_name), attr)
    except Exception:  # noqa: BLE001 - not importable means not trusted, whatever the reason
        return False
    # A re-exported class of another package (its defining module) is not the library's.
    return isinstance(obj, type) and _in_libraries(getattr(obj, "__module__", "") or "")


def _in_libraries(module_name: str) -> bool:
    parts = module_name.split(".")
    return parts[0] in _LIBRARIES and not _EXCLUDED_MODULE_PARTS.intersection(parts[1:])


def skops_trusted(needed: Iterable[str], trusted) -> tuple[list[str], list[str]]:
    """Split the untrusted types skops reports for a file.

    Args:
        needed: ``skops.io.get_untrusted_types(file=...)``.
        trusted: what the user passed (``None``, names/types, ``True``/``"all"``).

    Returns:
        ``(types to pass to skops.io.load, types still missing)``; the file loads only
        when the second list is empty.
    """
    needed = list(needed)
    if trusts_everything(trusted):
        return needed, []
    given = set(type_names(trusted))
    allowed = [t for t in needed if t in given or is_library_class(t)]
    return allowed, [t for t in needed if t not in allowed]


# -- pickle files and the ledger of what this machine published -----------------------


def ledger_path() -> Path:
    """``$HF_HOME/hubmagic/published.json`` (HF_HOME read now, so each process sees its own)."""
    home = os.environ.get("HF_HOME")
    if not home:
        from huggingface_hub import constants

        home = constants.HF_HOME
    return Path(home) / "hubmagic" / "published.json"


def sha256_of(path: str | Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def check_pickle(path: str | Path, trusted) -> bool:
    """True when the pickle at ``path`` may be loaded: ``trusted=True``, or bytes we pushed."""
    return trusts_everything(trusted) or sha256_of(path) in _read_ledger()


def record_published(folder: str | Path, paths: Iterable[str], repo_id: str) -> None:
    """Remember the sha256 of the pickle files a successful push uploaded.

    Only model files can be loaded, so only the file ``config.json`` names and files
    with a pickle suffix are recorded; skops files (zip archives) need no record. A
    ledger that cannot be written only means those pickles will ask for
    ``trusted=True`` later: the push itself has succeeded, so it is not failed for it.
    """
    folder = Path(folder)
    candidates = {p for p in paths if p.endswith(_PICKLE_SUFFIXES)}
    model_file = _configured_model_file(folder)
    if model_file in set(paths):
        candidates.add(model_file)
    files = [folder / p for p in sorted(candidates) if _is_pickle(folder / p)]
    if files and model_file:  # the modules a pushed pickle imports: a PR changing only them is not ours
        files += [folder / p for p in _local_modules.files_beside(folder / model_file) if p in set(paths)]
    if not files:
        return
    now = datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")
    entries = {sha256_of(f): {"repo_id": repo_id, "file": f.relative_to(folder).as_posix(), "at": now} for f in files}
    try:
        _update_ledger(entries)
    except OSError as exc:
        import warnings

        warnings.warn(
            f"Pushed, but could not record the pushed pickle in {ledger_path()} ({exc}); loading it "
            "back will need trusted=True.",
            UserWarning,
            stacklevel=3,
        )


def trusts_modules(folder: str | Path, files: Sequence[str], trusted) -> bool:
    """Whether the module files a downloaded repository ships may be imported for a load.

    Importing them runs their code, so they need the user's word like any code: trusting
    everything, or naming a type of one of them (``trusted=["textutils.Shift"]``). Without
    it they are importable only when each file's bytes are those this machine pushed
    beside its own pickle (a pull request changing only ``textutils.py`` is not ours).
    """
    if not files:
        return False
    if trusts_everything(trusted):
        return True
    tops = set(_local_modules.module_names(files))
    if any(name.split(".")[0] in tops for name in type_names(trusted)):
        return True
    ledger = _read_ledger()
    return all(sha256_of(Path(folder) / f) in ledger for f in files)


def _configured_model_file(folder: Path) -> str | None:
    try:
        config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
        return config["sklearn"]["model"]["file"]
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _is_pickle(path: Path) -> bool:
    import zipfile

    return path.is_file() and not zipfile.is_zipfile(path)


def _read_ledger() -> dict:
    try:
        data = json.loads(ledger_path().read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}  # none yet, or unreadable: nothing is trusted from it
    files = data.get("files") if isinstance(data, dict) else None
    return files if isinstance(files, dict) else {}


def _update_ledger(entries: dict) -> None:
    """Add ``entries`` under a lock and replace the file atomically (never half-written)."""
    from filelock import FileLock

    path = ledger_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    with FileLock(str(path) + ".lock", timeout=30):
        files = _read_ledger()
        files.update(entries)
        if len(files) > _LEDGER_LIMIT:
            files = dict(sorted(files.items(), key=lambda kv: str(kv[1].get("at", "")))[-_LEDGER_LIMIT:])
        tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
        try:
            tmp.write_text(json.dumps({"version": 1, "files": files}, indent=1), encoding="utf-8")
            os.replace(tmp, path)
        finally:
            tmp.unlink(missing_ok=True)


# -- the one wording of a refusal -----------------------------------------------------


def refusal(
    source: str, untrusted: Sequence[str], *, call: str | None = None, magic: str | None = None
) -> UntrustedTypesError:
    """The error for a refused load: what was refused, why, and the exact way to trust it.

    Args:
        source: what was being loaded, e.g. ``"alice/pub (revision refs/pr/1)"``.
        untrusted: the types still missing, or ``[PICKLE]`` for a pickle file.
        call: the call that would load it, with ``{trusted}`` where ``trusted=`` goes,
            e.g. ``"hubmagic.load('alice/pub', trusted={trusted})"``.
        magic: the same as ``%hub_load``, with ``{types}`` where ``--trust`` values go.
    """
    untrusted = list(untrusted)
    is_pickle = untrusted == [PICKLE]
    value = "True" if is_pickle else repr(untrusted)
    how = f"`{call.format(trusted=value)}`" if call else f"trusted={value}"
    if magic:
        how += f" (in a notebook: `{magic.format(types=TRUST_ALL if is_pickle else ' '.join(untrusted))}`)"
    if is_pickle:
        return UntrustedTypesError(
            f"Refused to load {source}: it is a pickle file, and loading a pickle runs whatever code it "
            "contains. hubmagic loads a pickle without being told only when its bytes are exactly those "
            "of a file pushed from this machine, and these are not (whoever owns the repository: anyone "
            "can propose a file to a public repository). If you trust whoever wrote this very file, load "
            f"it with {how}. Nothing was loaded.",
            untrusted,
        )
    return UntrustedTypesError(
        f"Refused to load {source}: it contains types that are not trusted by default: "
        f"{', '.join(untrusted)}. Loading them could run their code. hubmagic trusts skops' defaults and "
        "the classes of scikit-learn, NumPy and SciPy; anything else needs your word, even when the "
        "repository's config.json lists it (that list is its author's claim). Check that you know and "
        f"trust each one (e.g. a function from your own notebook or package), then load with {how}. "
        "Nothing was loaded.",
        untrusted,
    )
