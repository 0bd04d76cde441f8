"""The local half of skops 0.8's ``hub_utils``: build and edit a model repository folder.

The folder holds the model file as the user saved it, and ``config.json`` built by
``hubmagic.config`` (the same builder as ``%hub_init``), shaped the way skops 0.8
wrote it: ``environment`` is the requirements as given, ``use_intelex`` always present.
"""

from __future__ import annotations

import itertools
import json
import os
import re
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

from hubmagic import config as hub_config
from hubmagic.errors import InvalidInputError
from hubmagic.hub_utils._errors import (
    DestinationNotEmptyError,
    EmptyModelFileError,
    InvalidModelFolderError,
    MissingRepositoryFileError,
    ModelFileNotFoundError,
    ModelNotAPathError,
    RepositoryFileExistsError,
)
from hubmagic.model import _persist as persist
from hubmagic.repository._files import check_destination

_PICKLE_SUFFIXES = (".pkl", ".pickle", ".joblib")
_NOT_TABULAR = (
    "The data is not a pandas.DataFrame, a 2D numpy.ndarray or a list/tuple that can be "
    "converted to a 2D numpy.ndarray."
)
_NOT_TEXT = "The data needs to be a sequence of strings."


def init(
    *,
    model: str | Path,
    requirements: list[str],
    dst: str | Path,
    task: str,
    data: Any,
    model_format: str = "auto",
    use_intelex: bool = False,
) -> None:
    """Initialize a scikit-learn model repository from a saved model file.

    Copies the model file into ``dst`` and writes ``config.json`` (input columns,
    ``environment``, three example rows, model file and format, task,
    ``use_intelex``). A pickle file is not unpickled (that would run its code): its
    columns come from ``data``. Nothing is written until everything has been checked, and
    on any error ``dst`` is left as it was (a folder ``init`` would have created
    does not exist afterwards).

    Args:
        model: path to the model file, a pickle (``.pkl``/``.pickle``/``.joblib``)
            or a skops file (``.skops``).
        requirements: packages the model needs, written to ``environment`` as
            given (e.g. ``[f"scikit-learn={sklearn.__version__}"]``).
        dst: a folder that does not exist yet or is empty.
        task: ``"tabular-classification"``, ``"tabular-regression"``,
            ``"text-classification"`` or ``"text-regression"``.
        data: example input: a DataFrame or 2-D array for tabular tasks, a
            sequence of strings for text tasks. The first 3 rows become the
            example input; a DataFrame's column names become ``columns``.
        model_format: ``"auto"`` (from the file extension), ``"skops"`` or ``"pickle"``.
        use_intelex: ask the Hub to run the model with scikit-learn-intelex
            (added to ``environment`` if missing).

    Raises:
        OSError: ``dst`` is not empty, or the model file does not exist.
        RuntimeError: the model file is empty.
        ValueError: unknown task or model format, unusable data.

    >>> hub_utils.init(model="model.pkl", requirements=["scikit-learn"], dst="my-repo",
    ...                task="tabular-classification", data=X_test)  # doctest: +SKIP
    """
    # skops 0.8's error class and first words, which callers match
    dst = check_destination(dst, "create the repository in", error=DestinationNotEmptyError,
                            prefix="None-empty dst path already exists! ",
                            hint="Choose another dst, or delete it first.")
    if task not in hub_config.SUPPORTED_TASKS:
        raise InvalidInputError(
            f"Task {task} not supported. Supported tasks are: "
            f"{list(hub_config.SUPPORTED_TASKS)}. Pass one of them as task=."
        )
    model_path = _check_model_file(model)
    model_format = _model_format(model_path, model_format)

    requirements = list(requirements)
    if use_intelex and not any(r.startswith("scikit-learn-intelex") for r in requirements):
        requirements.append("scikit-learn-intelex")
    example = _example_data(data, task)
    # What skops.io.load needs, for the card's snippet (a claim for readers, trusted by no one).
    declared = persist.untrusted_types(model_path) if model_format == "skops" else None
    estimator = _inspectable_model(model_path, model_format)
    if estimator is not None:  # checks the data against the model, too
        config = hub_config.build_config(
            estimator, example, task=task, requirements=requirements, model_file=model_path.name,
            model_format=model_format, use_intelex=use_intelex, trusted_types=declared,
        )
    else:  # what skops 0.8 wrote, from the data alone
        config = {"sklearn": {"model": {"file": model_path.name}, "model_format": model_format, "task": task}}
        if task.startswith("tabular"):
            config["sklearn"]["columns"] = hub_config.column_names(example)
        if example is not None:
            config["sklearn"]["example_input"] = hub_config.example_input(example, task)
        if declared is not None:
            config["sklearn"]["trusted_types"] = sorted(declared)
    sklearn = config["sklearn"]
    # skops 0.8 wrote the requirements as given and always wrote use_intelex.
    sklearn["environment"] = requirements
    sklearn["use_intelex"] = bool(use_intelex)
    if task.startswith("text") and "example_input" not in sklearn:
        sklearn["example_input"] = {"data": []}
    _create_folder(dst, model_path, config)


def _check_model_file(path: str | Path) -> Path:
    if not isinstance(path, (str, os.PathLike)):
        raise ModelNotAPathError(
            f"model must be the path of a saved model file, got a {type(path).__name__}. Save "
            "the fitted model first (pickle.dump or skops.io.dump) and pass the file's path, "
            "or publish the estimator directly with hubmagic.push_to_hub(model, repo_id)."
        )
    if not os.path.exists(path):
        raise ModelFileNotFoundError(
            f"Model file '{path}' does not exist. Save the fitted model first (e.g. with "
            "pickle.dump or skops.io.dump) and pass that file's path as model=."
        )
    if os.path.getsize(path) == 0:
        raise EmptyModelFileError(
            f"Model file '{path}' is empty. Save the fitted model into it again (the write "
            "may have failed or not been flushed) and retry."
        )
    return Path(path)


def _inspectable_model(path: Path, model_format: str) -> Any:
    """The estimator when reading it runs no code, else ``None``; a broken file is refused.

    A pickle is never unpickled here: that would run it, and skops 0.8 did not. Its
    opcodes are read (``pickletools``, which executes nothing) to refuse a file that
    is no pickle at all. A skops file is loaded under the trust policy, without
    types only the user could trust; if it needs some, it is not inspected.
    """
    from hubmagic.errors import PersistenceError, UntrustedTypesError

    if model_format == "pickle":
        _check_pickle_stream(path)
        return None
    try:
        return persist.load(path)
    except UntrustedTypesError:
        return None
    except PersistenceError:  # names a function or class this process lacks
        return None


# joblib's compressed files (zlib, gzip, bz2, xz, lzma, lz4) are pickles inside.
_COMPRESSED = (b"ZF", b"\x78", b"\x1f\x8b", b"BZh", b"\xfd7zXZ", b"\x5d\x00\x00", b"\x04\x22\x4d\x18")


def _check_pickle_stream(path: Path) -> None:
    import pickletools

    from hubmagic.errors import PersistenceError

    with open(path, "rb") as f:
        if f.read(6).startswith(_COMPRESSED):
            return
        f.seek(0)
        first = None
        try:
            for opcode, _, _ in pickletools.genops(f):
                first = first or opcode.name
        except Exception as exc:  # any parse failure means "not a pickle"
            # joblib writes numpy arrays as raw bytes inside the stream, which only a real
            # unpickler skips: a stream that starts with a protocol header is taken as one.
            if first != "PROTO":
                raise PersistenceError(
                    f"{path} is not a readable pickle or joblib file ({exc}). Save the fitted "
                    "model again (pickle.dump, joblib.dump or skops.io.dump) and pass that file."
                ) from exc


def _model_format(path: Path, model_format: str) -> str:
    if model_format == "auto":
        if path.suffix in _PICKLE_SUFFIXES:
            model_format = "pickle"
        elif path.suffix == ".skops":
            model_format = "skops"
    if model_format not in persist.MODEL_FORMATS:
        raise InvalidInputError(
            "Cannot determine the input file format. Please indicate the format using the "
            f"`model_format` argument ('skops' or 'pickle'); got {model_format!r} for {path.name}."
        )
    actual = persist.file_format(path)
    if actual != model_format:
        raise InvalidInputError(
            f"{path.name} is a {actual} file, but model_format={model_format!r}. Pass "
            f"model_format={actual!r} (or 'auto' with the matching file extension)."
        )
    return model_format


def _example_data(data: Any, task: str) -> Any:
    """``data`` as ``hubmagic.config`` takes it, refusing what skops 0.8 refused."""
    if task.startswith("text"):
        try:
            head = data[:3] if hasattr(data, "__getitem__") else list(itertools.islice(data, 3))
        except TypeError as exc:
            raise InvalidInputError(_NOT_TEXT) from exc
        if isinstance(data, str) or not all(isinstance(x, str) for x in head):
            raise InvalidInputError(_NOT_TEXT)
        head = [str(x) for x in head]
        return head or None
    import numpy as np

    pd = sys.modules.get("pandas")  # a DataFrame implies pandas was imported
    if (pd is not None and isinstance(data, pd.DataFrame)) or isinstance(data, (np.ndarray, list, tuple)):
        return data
    raise InvalidInputError(_NOT_TABULAR)


def _create_folder(dst: Path, model_path: Path, config: dict) -> None:
    """Write the repository next to ``dst`` and rename it into place: all or nothing."""
    made = [p for p in [dst.parent, *dst.parent.parents] if not p.exists()]
    dst.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{dst.name}.", dir=dst.parent))
    try:
        os.chmod(staging, 0o777 & ~_umask())
        shutil.copy2(model_path, staging / model_path.name)
        hub_config.write_config(config, staging / "config.json")
        # rename() replaces an empty directory atomically on POSIX.
        os.replace(staging, dst)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        for folder in made:  # innermost first
            try:
                folder.rmdir()
            except OSError:
                break
        raise


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def add_files(*files: str | Path, dst: str | Path, exist_ok: bool = False) -> None:
    """Add files (e.g. the training script) to a repository made by :func:`init`.

    Args:
        *files: the files to copy into the repository (by their file name).
        dst: the repository folder given to :func:`init`.
        exist_ok: overwrite files that already exist in ``dst``; otherwise
            ``FileExistsError`` (and no file is copied).

    Raises:
        FileNotFoundError: ``dst`` or one of ``files`` does not exist.
        FileExistsError: a file is already in ``dst`` and ``exist_ok=False``.

    >>> hub_utils.add_files(__file__, dst="my-repo")  # doctest: +SKIP
    """
    dst = Path(dst)
    if not dst.exists():
        raise MissingRepositoryFileError(
            f"Could not find '{dst}', did you run 'hubmagic.hub_utils.init' first? Files can "
            "only be added to an existing repository folder."
        )
    sources = [Path(file) for file in files]
    for source in sources:
        if not source.exists():
            raise MissingRepositoryFileError(
                f"File '{source}' could not be found. Nothing was added to '{dst}'."
            )
    if not exist_ok:
        for source in sources:
            if (dst / source.name).exists():
                raise RepositoryFileExistsError(
                    f"File '{source.name}' already found at '{dst}'. Nothing was added; pass "
                    "exist_ok=True to overwrite it."
                )
    for source in sources:
        shutil.copy2(source, dst / source.name)


def get_config(path: str | Path) -> dict[str, Any]:
    """The content of the repository's ``config.json``.

    Args:
        path: the repository folder.

    Returns:
        The configuration, e.g. ``config["sklearn"]["task"]``.
    """
    config_path = Path(path) / "config.json"
    try:
        with open(config_path, encoding="utf-8") as f:
            return json.load(f)
    except FileNotFoundError as exc:
        raise MissingRepositoryFileError(
            f"No config.json in '{path}': it is not a model repository. Create one with "
            "hubmagic.hub_utils.init(...) or download one with hubmagic.hub_utils.download(...)."
        ) from exc
    except json.JSONDecodeError as exc:
        raise InvalidInputError(f"'{config_path}' is not valid JSON ({exc}); fix or recreate it.") from exc


def get_requirements(path: str | Path) -> list[str]:
    """The requirements (``config.json``'s ``environment``) of a repository.

    Args:
        path: the repository folder.

    Returns:
        The list of requirements, e.g. ``["scikit-learn=1.9.1"]``.
    """
    return get_config(path).get("sklearn", dict()).get("environment", list())


def update_env(*, path: str | Path, requirements: list[str] | None = None) -> None:
    """Replace the requirements (``environment``) in the repository's ``config.json``.

    Args:
        path: the repository folder.
        requirements: the new list. ``None`` keeps the listed packages and pins
            each to the version installed now (``name=version``).
    """
    config = get_config(path)
    sklearn = config.setdefault("sklearn", {})
    if requirements is None:
        requirements = [_pin(r) for r in sklearn.get("environment") or []]
    sklearn["environment"] = list(requirements)
    hub_config.write_config(config, Path(path) / "config.json")


def _pin(requirement: str) -> str:
    from importlib import metadata

    name = re.match(r"[A-Za-z0-9][A-Za-z0-9._-]*", requirement)
    if name is None:
        return requirement
    name = name.group(0)
    try:
        return f"{name}={metadata.version(name)}"
    except metadata.PackageNotFoundError:
        return requirement


def validate_folder(path: str | Path) -> None:
    """Raise ``InvalidModelFolderError`` (a ``TypeError``) unless ``path`` is a model repository.

    The checks skops 0.8 ran before a push: a folder with a ``config.json`` that
    names a model file present in the folder.
    """
    path = Path(path)
    hint = " Create the repository with hubmagic.hub_utils.init(...) first."
    if not path.is_dir():
        raise InvalidModelFolderError(f"The given path is not a directory. ('{path}'){hint}")
    config_path = path / "config.json"
    if not config_path.exists():
        raise InvalidModelFolderError(f"Configuration file `config.json` missing in '{path}'.{hint}")
    try:
        config = json.loads(config_path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise InvalidModelFolderError(f"'{config_path}' is not valid JSON ({exc}).{hint}") from exc
    sklearn = config.get("sklearn", {}) if isinstance(config, dict) else {}
    model_file = (sklearn.get("model") or {}).get("file") if isinstance(sklearn, dict) else None
    if not model_file:
        raise InvalidModelFolderError(
            "Model file not configured in the configuration file. It should be stored in "
            f"the hf_hub.sklearn.model key (config.json's sklearn.model.file, in '{path}').{hint}"
        )
    if not (path / model_file).exists():
        raise InvalidModelFolderError(
            f"Model file {model_file} does not exist. config.json names it, but it is not in "
            f"'{path}'; copy the model file there or fix sklearn.model.file."
        )
