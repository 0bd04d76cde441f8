"""Save and load the model file of a repository (``model.skops`` or ``model.pkl``).

skops is the default: its files are data, not code, and load only the types
hubmagic's trust policy allows (:mod:`hubmagic.model._trust`). Pickle is offered for
estimators skops cannot represent, with the warning that loading a pickle runs code.

Both formats store functions and classes *by name*. A lambda, or a function or
class defined inside another function, has no importable name, so the saved file
could never be loaded again (skops even writes such a file without complaint).
``dump`` therefore walks the estimator first and names the offending object.

>>> from sklearn.linear_model import LogisticRegression
>>> from sklearn.datasets import load_iris
>>> X, y = load_iris(return_X_y=True)
>>> model = LogisticRegression(max_iter=500).fit(X, y)
>>> dump(model, tmp_path / "model.skops")  # doctest: +SKIP
>>> load(tmp_path / "model.skops", trusted=untrusted_types(tmp_path / "model.skops"))  # doctest: +SKIP
"""

from __future__ import annotations

import contextlib
import os
import pickle
import re
import secrets
import types
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

from hubmagic.errors import InvalidInputError, PersistenceError
from hubmagic.model import _trust as trust
from hubmagic.model._streaming import untrusted_types_in_file, untrusted_types_of_model, write_skops

MODEL_FORMATS = ("skops", "pickle")
_FILE_NAMES = {"skops": "model.skops", "pickle": "model.pkl"}
TRUST_ALL = trust.TRUST_ALL  # ``trusted=["all"]`` / ``%hub_load --trust all``
_MAX_DEPTH = 40
_MAX_OBJECT_ARRAY_ITEMS = 1000


def model_file_name(model_format: str = "skops") -> str:
    """File name of the model in a repository for a given format.

    Args:
        model_format: ``"skops"`` (default) or ``"pickle"``.

    Returns:
        ``"model.skops"`` or ``"model.pkl"``.

    >>> model_file_name("pickle")
    'model.pkl'
    """
    return _FILE_NAMES[check_model_format(model_format)]


def check_model_format(model_format: str) -> str:
    """Return ``model_format`` if it is supported, else raise ``InvalidInputError``."""
    if model_format not in MODEL_FORMATS:
        raise InvalidInputError(
            f"Unknown model format {model_format!r}. Use 'skops' (safe to load, the "
            "default) or 'pickle' (for estimators skops cannot save; loading it runs code)."
        )
    return model_format


def file_format(path: str | Path) -> str:
    """Format of an existing model file: ``"skops"`` (a zip archive) or ``"pickle"``."""
    return "skops" if zipfile.is_zipfile(path) else "pickle"


# -- dump -----------------------------------------------------------------------------


def dump(model: Any, path: str | Path, model_format: str = "skops") -> Path:
    """Save ``model`` to ``path`` in the skops (default) or pickle format.

    The file is written to a temporary name first and renamed at the end, so a
    failure never leaves a half-written file or destroys an existing one. It is
    streamed to the disk as it is made (a big model is never held in memory as a
    file), and a skops archive is compressed (``ZIP_DEFLATED``).

    Args:
        model: The fitted estimator.
        path: Destination file, usually ``model_file_name(model_format)`` inside
            the repository folder.
        model_format: ``"skops"`` or ``"pickle"``.

    Returns:
        The path written.

    Raises:
        PersistenceError: the estimator holds something that cannot be saved
            (e.g. a lambda in a ``FunctionTransformer``); the message names it.

    >>> dump(model, "hub/model/model.skops")  # doctest: +SKIP
    PosixPath('hub/model/model.skops')
    """
    check_model_format(model_format)
    path = Path(path)
    problem = find_unpersistable(model)
    if problem is not None:
        where, what = problem
        raise PersistenceError(
            f"Cannot save the model: {where} is {what}, which has no importable name, "
            "so no file format can store it by reference and load it back. Define it "
            "as a named function (or class) at the top level of a module, or at the top "
            "level of the notebook, use that name instead, and refit the model."
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    # open() rather than mkstemp so the file gets the user's usual permissions.
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    try:
        with open(tmp, "xb") as f:
            _write(model, model_format, f)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path


def _write(model: Any, model_format: str, fh) -> None:
    """Stream ``model`` into ``fh``: a big model is never held in memory as a whole file."""
    if model_format == "skops":
        from skops.io.exceptions import UnsupportedTypeException

        try:
            write_skops(model, fh)
        except (UnsupportedTypeException, TypeError, ValueError) as exc:
            raise PersistenceError(
                f"skops cannot save {_culprit(model, exc)}: {exc}. Remove or replace that "
                "object (e.g. set the attribute to None before saving), or save with "
                "model_format='pickle' (`%hub_init --format pickle`) if pickle can store it "
                "and you accept that loading the file runs code."
            ) from exc
        return
    try:
        pickle.dump(model, fh, protocol=pickle.HIGHEST_PROTOCOL)
    except (pickle.PicklingError, TypeError, AttributeError) as exc:
        raise PersistenceError(
            f"pickle cannot save {_culprit(model, exc)}: {exc}. Remove or replace that "
            "object, or define it at the top level of a module or of the notebook."
        ) from exc


def _culprit(model: Any, exc: Exception) -> str:
    """Where in ``model`` the object named in a serialiser's error message is."""
    names = set(re.findall(r"'([A-Za-z_][\w.]*)'", str(exc)))
    names |= set(re.findall(r"type ([A-Za-z_][\w.]*)", str(exc)))
    if names:
        for where, obj in walk_objects(model):
            if type(obj).__name__ in names or type(obj).__qualname__ in names:
                return f"{where} (a {type(obj).__name__})"
    return f"this {type(model).__name__}"


def find_unpersistable(model: Any, root: str = "model") -> tuple[str, str] | None:
    """Find an object inside ``model`` that no format can save by name.

    Returns:
        ``(path, description)`` of the first lambda, or function/class defined
        inside another function, e.g. ``("model.steps['functiontransformer'].func",
        "a lambda function")``; ``None`` when there is none.
    """
    for where, obj in walk_objects(model, root):
        what = _unnamed_kind(obj)
        if what is not None:
            return where, what
    return None


def _unnamed_kind(obj: Any) -> str | None:
    if isinstance(obj, (types.FunctionType, type)):
        qualname = getattr(obj, "__qualname__", "") or ""
        kind = "class" if isinstance(obj, type) else "function"
        if "<lambda>" in qualname:
            return "a lambda function"
        if "<locals>" in qualname:
            return f"the {kind} {qualname.replace('.<locals>', '')!r} defined inside another function"
        return None
    qualname = type(obj).__qualname__
    if "<locals>" in qualname:
        return f"an instance of the class {qualname!r} defined inside a function"
    return None


def walk_objects(obj: Any, root: str = "model") -> Iterator[tuple[str, Any]]:
    """Yield ``(path, object)`` for ``obj`` and everything reachable from it.

    Follows hyperparameters (``get_params``), fitted attributes, containers,
    ``functools.partial`` and object arrays; each object is visited once. Paths
    read like the code that built the model, e.g. ``model.steps['scaler'].mean_``.
    """
    return _walk(obj, root, set(), 0)


def _walk(
    obj: Any, where: str, seen: set[int], depth: int
) -> Iterator[tuple[str, Any]]:
    if (
        depth > _MAX_DEPTH
        or id(obj) in seen
        or isinstance(obj, (str, bytes, int, float))
    ):
        return
    seen.add(id(obj))
    yield where, obj
    for child_where, child in _children(obj, where):
        yield from _walk(child, child_where, seen, depth + 1)


def _children(obj: Any, where: str) -> Iterable[tuple[str, Any]]:
    import functools

    import numpy as np

    if isinstance(obj, (types.FunctionType, type, types.ModuleType)):
        return ()
    if isinstance(obj, functools.partial):
        return (
            [(f"{where}.func", obj.func)]
            + [(f"{where}.args[{i}]", a) for i, a in enumerate(obj.args)]
            + [(f"{where}.keywords[{k!r}]", v) for k, v in obj.keywords.items()]
        )
    if isinstance(obj, dict):
        return [(f"{where}[{k!r}]", v) for k, v in obj.items()]
    if isinstance(obj, (list, tuple, set, frozenset)):
        return list(_sequence_children(obj, where))
    if isinstance(obj, np.ndarray):
        if obj.dtype != object:
            return ()
        flat = obj.ravel()[:_MAX_OBJECT_ARRAY_ITEMS]
        return [(f"{where}[{i}]", v) for i, v in enumerate(flat)]
    children: list[tuple[str, Any]] = []
    if hasattr(obj, "get_params") and not isinstance(obj, type):
        # a broken get_params must not hide the attributes below
        with contextlib.suppress(AttributeError, TypeError, ValueError):
            children += [
                (f"{where}.{k}", v) for k, v in obj.get_params(deep=False).items()
            ]
    state = getattr(obj, "__dict__", None)
    if isinstance(state, dict):
        children += [(f"{where}.{k}", v) for k, v in state.items()]
    return children


def _sequence_children(seq: Sequence | set, where: str) -> Iterator[tuple[str, Any]]:
    for i, item in enumerate(seq):
        # Pipeline/ColumnTransformer steps are (name, estimator, ...) tuples: show the
        # step by name, which is what the user wrote.
        if isinstance(item, tuple) and len(item) >= 2 and isinstance(item[0], str):
            for j, part in enumerate(item[1:], start=1):
                suffix = "" if j == 1 else f"[{j}]"
                yield f"{where}[{item[0]!r}]{suffix}", part
        else:
            yield f"{where}[{i}]", item


# -- load -----------------------------------------------------------------------------


def untrusted_types(path: str | Path) -> list[str]:
    """Types in a skops file that skops does not trust by default.

    This is ``skops.io.get_untrusted_types(file=path)`` (run on the schema, so a big
    model's arrays are not read into memory): what
    ``skops.io.load(path, trusted=...)`` needs (the card's loading snippet uses it).
    :func:`load` needs less from the user: it also trusts the classes of
    scikit-learn, NumPy and SciPy (:mod:`hubmagic.model._trust`). A pickle file has no type
    list (it is all-or-nothing) and returns ``[]``.

    >>> untrusted_types("hub/model/model.skops")  # doctest: +SKIP
    ['sklearn.tree._tree.Tree']
    """
    path = _existing(path)
    if file_format(path) != "skops":
        return []
    return untrusted_types_in_file(path)


def trusted_types_for(model: Any) -> list[str]:
    """The ``trusted=`` list that loading ``model`` from a skops file will need."""
    return untrusted_types_of_model(model)


def load(
    path: str | Path,
    trusted: Sequence[str | type] | bool | None = None,
    *,
    source: str | None = None,
    call: str | None = None,
    magic: str | None = None,
) -> Any:
    """Load a model file written by :func:`dump` (or by skops / pickle directly).

    The trust rules are hubmagic's one policy (:mod:`hubmagic.model._trust`): a skops file
    loads with skops' default types and the classes of scikit-learn, NumPy and SciPy;
    anything else must be in ``trusted``. A pickle file loads only with
    ``trusted=True``, or when its bytes are those of a file pushed from this machine.

    Args:
        path: A ``.skops`` or pickle file.
        trusted: For skops files, the other types you trust (names as listed in the
            refusal, or the types themselves). ``True`` (or ``["all"]``) trusts
            everything in the file: only do that for files whose author you trust.
        source, call, magic: how a refusal names what was loaded and the call that
            trusts it (see :func:`hubmagic.model._trust.refusal`); default: the file name.

    Returns:
        The estimator.

    Raises:
        UntrustedTypesError: the file needs trust you have not given; the message
            and ``.untrusted`` list what.
        PersistenceError: the file needs a function or class that does not exist
            in this process (e.g. one defined in the training notebook).

    >>> model = load("model.skops", trusted=["__main__.add_features"])  # doctest: +SKIP
    """
    path = _existing(path)
    source = source or path.name
    if file_format(path) == "pickle":
        if not trust.check_pickle(path, trusted):
            raise trust.refusal(source, [trust.PICKLE], call=call, magic=magic)
        return _load_pickle(path)

    import skops.io as sio

    try:
        needed = sio.get_untrusted_types(file=path)
    except Exception as exc:
        raise PersistenceError(f"{path} is not a readable skops file: {exc}") from exc
    allowed, missing = trust.skops_trusted(needed, trusted)
    if missing:
        raise trust.refusal(source, missing, call=call, magic=magic)
    try:
        return sio.load(path, trusted=allowed)
    except (AttributeError, ImportError) as exc:
        raise _missing_object_error(path, needed, exc) from exc


def _load_pickle(path: Path) -> Any:
    import joblib

    # joblib.load reads plain pickles and the joblib files skops 0.8 accepted.
    try:
        return joblib.load(path)
    except (AttributeError, ImportError) as exc:
        raise _missing_object_error(path, [], exc) from exc
    except (pickle.UnpicklingError, EOFError, ValueError, KeyError, IndexError) as exc:
        raise PersistenceError(
            f"{path} is not a readable pickle or joblib file: {exc}"
        ) from exc


def _missing_object_error(
    path: Path, names: list[str], exc: Exception
) -> PersistenceError:
    custom = [n for n in names if n.startswith("__main__.")]
    hint = (
        f" It uses {', '.join(n.split('.', 1)[1] for n in custom)} from the notebook "
        "that trained it (see the card's training script section)."
        if custom
        else ""
    )
    return PersistenceError(
        f"Cannot load {path.name}: the model refers to a function or class that does "
        f"not exist here ({exc}).{hint} Define or import it (in a notebook: run the cell "
        "that defines it; in a script: define it before loading) and load again."
    )


def _existing(path: str | Path) -> Path:
    path = Path(path)
    if not path.is_file():
        raise InvalidInputError(f"Model file {str(path)!r} does not exist.")
    return path
