"""Modules beside the notebook that the model needs, and importing them back from a download.

skops and pickle store functions and classes *by name*: a model that uses
``textutils.clean`` (``textutils.py`` in the notebook's folder) loads only where
``import textutils`` works. Such a module is not installed anywhere, so it has to
travel with the model:

* ``find_local_modules`` finds them: the modules of the objects inside the estimator
  and of the types skops lists as untrusted, whose file is under the notebook's folder
  (or the working directory) and does not belong to an installed distribution, plus the
  local modules those import;
* the repository keeps them at their import path (``textutils.py``, ``mypkg/...``), so
  ``train.py`` (which runs with its own folder on the import path) imports them from
  beside itself, and ``config.json`` lists them (``sklearn.local_modules``);
* ``importable_from`` makes a downloaded repository's modules importable for one load
  only, then forgets the modules it imported. They are found *after* everything
  installed (a finder at the end of ``sys.meta_path``, not the folder first on
  ``sys.path``), so a repository shipping ``skops/__init__.py`` or ``zipfile.py`` can
  never take the place of a library or standard module the load imports.

Callers must check trust *before* entering ``importable_from``: importing a module runs
its code (``hubmagic.model._trust.trusts_modules`` says when a repository's modules may
be imported at all).
"""

from __future__ import annotations

import contextlib
import functools
import importlib.abc
import importlib.machinery
import json
import os
import shutil
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from importlib import metadata as importlib_metadata
from pathlib import Path
from typing import Any

from hubmagic.errors import InvalidInputError

CONFIG_KEY = "local_modules"
# Files and folders hubmagic writes itself: a local module cannot take their place.
_RESERVED = {"train.py", "figures"}


@dataclass(frozen=True)
class LocalModule:
    """A module (``textutils``) or package (``mypkg``) found beside the notebook.

    Attributes:
        name: the top-level import name.
        source: the ``.py`` file or the package folder on disk.
        files: repository paths of its files (``("textutils.py",)``).
    """

    name: str
    source: Path
    files: tuple[str, ...]


def find_local_modules(
    model: Any, *, type_names: Iterable[str] = (), roots: Iterable[str | os.PathLike] = ()
) -> list[LocalModule]:
    """The not-installed modules under ``roots`` (default: the working directory) the model needs.

    Args:
        model: the fitted estimator; every function, class and instance reachable from it
            is traced to the module that defines it.
        type_names: type names a skops file needs trusted (``"textutils.Cleaner"``), as
            ``skops.io.get_untrusted_types`` lists them.
        roots: folders counted as "beside the notebook" (the notebook's folder, the
            working directory).

    Returns:
        The modules, in a stable order (the ones the model names first, then what they import).
    """
    from hubmagic.config._environment import defining_module
    from hubmagic.model._persist import walk_objects

    roots = [Path(r).resolve() for r in roots] or [Path.cwd().resolve()]
    wanted = [defining_module(obj) or "" for _, obj in walk_objects(model)]
    wanted += [_module_of_type(name) for name in type_names]
    found: dict[str, LocalModule] = {}
    queue = list(dict.fromkeys(name.split(".")[0] for name in wanted if name))
    while queue:
        top = queue.pop(0)
        if top in found:
            continue
        module = _local_module(top, roots)
        if module is None:
            continue
        found[top] = module
        queue += [name for name in _imported_top_names(module) if name not in found]
    return list(found.values())


def copy_local_modules(modules: Iterable[LocalModule], folder: Path) -> list[str]:
    """Copy the modules into the repository ``folder``; returns the repository paths written."""
    written = []
    for module in modules:
        clash = sorted({f.split("/")[0] for f in module.files} & _RESERVED)
        if clash:
            raise InvalidInputError(
                f"The model uses the local module {module.name!r} ({module.source}), but the repository "
                f"needs the name {clash[0]!r} for a file hubmagic writes. Rename the module (and its "
                "imports in the notebook), refit the model, and build the repository again."
            )
        base = module.source.parent
        for rel in module.files:
            target = folder / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(base / rel, target)
            written.append(rel)
    return written


def listed_files(config: dict) -> list[str]:
    """The local module files a ``config.json`` lists (``[]`` when none)."""
    files = ((config or {}).get("sklearn") or {}).get(CONFIG_KEY) or []
    return [f for f in files if isinstance(f, str) and _is_safe_relative(f)]


def module_names(files: Iterable[str]) -> list[str]:
    """Top-level import names of repository files: ``mypkg/a.py`` -> ``mypkg``."""
    return list(dict.fromkeys(Path(f).parts[0].removesuffix(".py") for f in files))


def files_beside(model_path: str | os.PathLike) -> list[str]:
    """The local module files the ``config.json`` beside a downloaded model lists and has."""
    folder = Path(model_path).parent
    try:
        config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    return [f for f in listed_files(config) if (folder / f).is_file()]


@contextlib.contextmanager
def importable_from(folder: str | os.PathLike, names: Iterable[str] | None = None) -> Iterator[None]:
    """Let ``import NAME`` find the modules of ``folder`` for the duration of the block.

    Only top-level ``names`` (default: any) are served from ``folder``, and only when
    nothing installed has that name: the finder comes last in ``sys.meta_path`` and
    ``sys.path`` is left alone. Afterwards every module imported from ``folder`` that
    was not imported before is removed from ``sys.modules`` (the loaded model keeps the
    functions and classes it holds). A module this session already imported (the
    author's own copy) is used as it is.
    """
    # Not resolved: the Hub cache's files are symlinks, and a module's __file__ is the
    # path it was imported by.
    folder = Path(os.path.abspath(folder))
    finder = _FolderFinder(folder, names)
    before = set(sys.modules)
    sys.meta_path.append(finder)
    try:
        yield
    finally:
        with contextlib.suppress(ValueError):
            sys.meta_path.remove(finder)
        for name in [n for n in sys.modules if n not in before]:
            file = getattr(sys.modules[name], "__file__", None)
            if file and _is_under(Path(os.path.abspath(file)), folder):
                del sys.modules[name]


class _FolderFinder(importlib.abc.MetaPathFinder):
    """Finds the top-level modules ``names`` in one folder (their submodules come from
    the package's ``__path__`` through the usual finders)."""

    def __init__(self, folder: Path, names: Iterable[str] | None):
        self.folder, self.names = str(folder), None if names is None else frozenset(names)

    def find_spec(self, fullname, path=None, target=None):
        if path is not None or "." in fullname or (self.names is not None and fullname not in self.names):
            return None
        return importlib.machinery.PathFinder.find_spec(fullname, [self.folder])


# -- finding --------------------------------------------------------------------------


def _module_of_type(type_name: str) -> str:
    """The longest imported prefix of ``"pkg.mod.Class"`` (``"pkg.mod"``), else its first part."""
    parts = type_name.split(".")
    for end in range(len(parts) - 1, 0, -1):
        if ".".join(parts[:end]) in sys.modules:
            return ".".join(parts[:end])
    return parts[0]


def _local_module(top: str, roots: list[Path]) -> LocalModule | None:
    if top in ("__main__", "builtins") or top in sys.stdlib_module_names or top in _installed_top_names():
        return None
    module = sys.modules.get(top)
    where = _module_path(module) if module is not None else None
    if where is None or where.suffix != ".py" or _is_environment_path(where):
        return None
    if not any(_is_under(where, root) for root in roots):
        return None
    if where.name == "__init__.py":
        package = where.parent
        files = sorted(
            p.relative_to(package.parent).as_posix()
            for p in package.rglob("*.py")
            if "__pycache__" not in p.parts and not any(part.startswith(".") for part in p.relative_to(package).parts)
        )
        return LocalModule(top, package, tuple(files))
    return LocalModule(top, where, (where.name,))


def _imported_top_names(module: LocalModule) -> list[str]:
    """Top-level names the module's files import absolutely (a local module can need another)."""
    from hubmagic.config._environment import imported_top_names

    names: list[str] = []
    for rel in module.files:
        try:
            source = (module.source.parent / rel).read_text(encoding="utf-8")
        except (UnicodeDecodeError, OSError):
            continue  # not importable as is: loading will say so, not the search
        names += sorted(imported_top_names(source))
    return names


def _module_path(module) -> Path | None:
    file = getattr(module, "__file__", None)
    return Path(file).resolve() if file else None


def _is_under(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents


def _is_environment_path(path: Path) -> bool:
    # A virtual environment inside the project folder is still an installation.
    if {"site-packages", "dist-packages"} & set(path.parts):
        return True
    prefixes = {Path(p).resolve() for p in (sys.prefix, sys.base_prefix, sys.exec_prefix)}
    return any(_is_under(path, prefix) for prefix in prefixes)


@functools.lru_cache(maxsize=1)
def _installed_top_names() -> frozenset[str]:
    # Installed distributions (editable installs included) are listed in config.json's
    # environment; they are not copied.
    return frozenset(importlib_metadata.packages_distributions())


def _is_safe_relative(path: str) -> bool:
    parts = Path(path).parts
    return bool(parts) and not Path(path).is_absolute() and ".." not in parts and path.endswith(".py")
