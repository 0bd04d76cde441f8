"""The scratch folders a train script is verified in.

Two layouts:

* ``stage_clone``: what a user gets by cloning the model repository and putting
  the data files the notebook read next to it: the repository's files (not its
  model file, which the script must rebuild) plus those data files, under the
  same relative paths, and nothing else of the notebook's folder (its ``.py``
  modules in particular: a module the repository does not carry is missing for
  anyone who clones it).
* ``stage_notebook_folder``: the notebook's whole folder, for a script checked
  on its own, before there is a repository.

Small files are copied so the script cannot overwrite the user's data through a
link; very large ones are linked.
"""

from __future__ import annotations

import ast
import contextlib
import os
import shutil
from pathlib import Path

COPY_LIMIT = 50 * 1024 * 1024
# hubmagic's and tools' own folders: never an input of the script.
_NEVER_STAGED = {".git", ".ipynb_checkpoints", "__pycache__", ".hubmagic", "train.py"}
# Code (and notebooks) is not data: it reaches a clone only through the repository.
_CODE_SUFFIXES = (".py", ".pyc", ".ipynb")


def stage_clone(repository, run_dir: Path, *, workdir=None, data_files=(), model_file: str) -> None:
    """Fill ``run_dir`` as a clone of ``repository`` with ``data_files`` beside it."""
    repository = Path(repository)
    for entry in repository.iterdir():
        if entry.name in _NEVER_STAGED or entry.name == model_file:
            continue
        _copy(entry, run_dir / entry.name)
    if workdir is None:
        return
    for relative in data_files:
        target = run_dir / relative
        if target.exists():
            continue  # the repository's own file wins, as in a clone
        target.parent.mkdir(parents=True, exist_ok=True)
        _copy(Path(workdir) / relative, target, skip_code=True)


def data_files(workdir, texts, *, model_file: str = "") -> list[str]:
    """Files and folders of ``workdir`` that the code in ``texts`` names, relative paths kept.

    A string literal (or the constant part of an f-string) that is the relative
    path of an existing entry of ``workdir`` counts as a read: ``"data/train.csv"``,
    ``Path("data") / name`` (the ``data`` folder). Code, hidden entries and
    hubmagic's repository folders are never data.

    >>> data_files(".", ["df = pd.read_csv('data/train.csv')"])  # doctest: +SKIP
    ['data/train.csv']
    """
    workdir = Path(workdir)
    if not workdir.is_dir():
        return []
    found: set[str] = set()
    for text in texts:
        for literal in _string_literals(text):
            relative = _relative_entry(workdir, literal)
            if relative and relative != model_file:
                found.add(relative)
    # A named folder already brings the files named inside it.
    folders = {f for f in found if (workdir / f).is_dir()}
    return sorted(
        f for f in found if not any(f != d and f.startswith(d + "/") for d in folders)
    )


def _relative_entry(workdir: Path, literal: str) -> str | None:
    literal = literal.strip()
    if not literal or len(literal) > 400 or "\n" in literal or "\x00" in literal:
        return None
    path = Path(literal)
    if path.is_absolute() or ".." in path.parts:
        return None  # read in place by the script, wherever it runs on this machine
    normal = os.path.normpath(literal).replace(os.sep, "/")
    if normal in (".", "") or any(part.startswith(".") for part in normal.split("/")):
        return None
    entry = workdir / normal
    try:
        if not entry.exists() or entry.name.endswith(_CODE_SUFFIXES):
            return None
        top = workdir / normal.split("/")[0]
        if top.is_dir() and holds_hub_repository(top):
            return None
    except OSError:
        return None
    return normal


def _string_literals(text: str):
    try:
        tree = ast.parse(text)
    except SyntaxError:
        return
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            yield node.value


def stage_notebook_folder(workdir: Path, run_dir: Path, script_text: str, ignore: set) -> None:
    """Make the notebook folder's files reachable from ``run_dir``.

    Folders are linked, except those the script names in a string literal, which
    are copied when small, because a script writing next to its data would
    otherwise write into the user's folder.
    """
    if not workdir.is_dir():
        return
    named = {
        Path(literal).parts[0]
        for literal in _string_literals(script_text)
        if literal and Path(literal).parts and Path(literal).parts[0] not in ("/", ".", "..")
    }
    for entry in workdir.iterdir():
        if entry.name in _NEVER_STAGED or entry.name in ignore:
            continue
        if entry.is_dir() and holds_hub_repository(entry):
            continue  # hubmagic's output (./hub/MODEL), not an input of the script
        target = run_dir / entry.name
        if entry.is_dir() and entry.name not in named:
            _link(entry, target)
        else:
            _copy(entry, target)


def holds_hub_repository(folder: Path) -> bool:
    """Is ``folder`` a hubmagic repository, or a folder of them (``./hub``)?"""
    if (folder / ".hubmagic").exists():
        return True
    try:
        return any((child / ".hubmagic").exists() for child in folder.iterdir() if child.is_dir())
    except OSError:
        return False


def _copy(source: Path, target: Path, *, skip_code: bool = False) -> None:
    try:
        if source.is_file():
            if source.stat().st_size <= COPY_LIMIT:
                shutil.copy2(source, target)
            else:
                _link(source, target)
        elif source.is_dir():
            if _size(source) > COPY_LIMIT:
                _link(source, target)
                return
            ignored = [*_NEVER_STAGED, *(f"*{s}" for s in _CODE_SUFFIXES)] if skip_code else _NEVER_STAGED
            shutil.copytree(source, target, symlinks=True, ignore=shutil.ignore_patterns(*ignored))
    except OSError:
        pass  # unreadable: the script then fails on it and says which file


def _link(source: Path, target: Path) -> None:
    with contextlib.suppress(OSError):
        target.symlink_to(source.resolve(), target_is_directory=source.is_dir())


def _size(folder: Path, limit: int = COPY_LIMIT) -> int:
    total = 0
    for path in folder.rglob("*"):
        if path.is_file():
            total += path.stat().st_size
            if total > limit:
                break
    return total
