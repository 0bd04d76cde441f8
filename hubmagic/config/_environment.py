"""The ``environment`` of ``config.json``: pinned packages the model needs."""

from __future__ import annotations

import ast
import functools
import re
import sys
import types
from collections.abc import Iterable
from importlib import metadata as importlib_metadata
from typing import Any

from hubmagic.model._persist import walk_objects

# Always listed: what loading a model file needs whatever the estimator is.
_BASE_PACKAGES = ("numpy", "scipy", "skops")


# -- environment ----------------------------------------------------------------------


def environment(
    model: Any,
    requirements: Iterable[str] | None = None,
    *,
    data: Any = None,
    train_script: str | None = None,
) -> list[str]:
    """Pinned packages the model needs, as ``"name=version"`` (conda style, as skops).

    Every top-level package that a class or function inside the estimator comes
    from (walking pipelines, column transformers, nested parameters and fitted
    attributes), mapped to its installed distribution (``sklearn`` ->
    ``scikit-learn=1.9.1``), plus numpy, scipy and skops, plus pandas when the model
    was fitted on (or is given ``data`` as) a pandas DataFrame or ``train_script``
    imports pandas. ``requirements`` are appended as given; one with the same package
    name replaces the detected pin.

    >>> environment(model, requirements=["pandas>=2"])  # doctest: +SKIP
    ['scikit-learn=1.9.1', 'numpy=2.3.5', 'scipy=1.16.3', 'skops=0.16.0', 'pandas>=2']
    """
    pins: dict[str, str] = {}
    extra = ["pandas"] if uses_pandas(model, data, train_script) else []
    for dist in [*model_distributions(model), *_BASE_PACKAGES, *extra]:
        version = _version(dist)
        if version is not None:
            pins.setdefault(normalise_name(dist), f"{dist}={version}")
    for requirement in requirements or ():
        requirement = str(requirement).strip()
        if requirement:
            pins[normalise_name(requirement_name(requirement))] = requirement
    return list(pins.values())


def model_distributions(model: Any) -> list[str]:
    """Installed distributions (e.g. ``scikit-learn``) the model's objects come from."""
    found: dict[str, None] = {}
    mapping = _packages_distributions()
    for _, obj in walk_objects(model):
        top = (defining_module(obj) or "").split(".")[0]
        if not top or top in ("builtins", "__main__") or top in sys.stdlib_module_names:
            continue
        for dist in mapping.get(top, [])[:1]:
            found.setdefault(dist, None)
    return list(found)


def uses_pandas(model: Any, data: Any = None, train_script: str | None = None) -> bool:
    """Whether running the model's code needs pandas: DataFrame input, or a script importing it."""
    pd = sys.modules.get("pandas")
    if pd is not None and isinstance(data, (pd.DataFrame, pd.Series)):
        return True
    # scikit-learn keeps column names only for data frames; with pandas loaded, that
    # was (almost always) a pandas one.
    if pd is not None and getattr(model, "feature_names_in_", None) is not None:
        return True
    return "pandas" in imported_top_names(train_script or "")


def imported_top_names(source: str) -> set[str]:
    try:
        tree = ast.parse(source)
    except SyntaxError:  # a script that does not parse imports nothing we can trust
        return set()
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


def defining_module(obj: Any) -> str | None:
    # A function or class is "from" the module that defines it; an instance is from
    # its class's module.
    if isinstance(obj, (type, types.FunctionType, types.BuiltinFunctionType)):
        return getattr(obj, "__module__", None)
    return type(obj).__module__


@functools.lru_cache(maxsize=1)
def _packages_distributions() -> dict[str, list[str]]:
    return importlib_metadata.packages_distributions()


def _version(dist: str) -> str | None:
    try:
        return importlib_metadata.version(dist)
    except importlib_metadata.PackageNotFoundError:
        return None


def requirement_name(requirement: str) -> str:
    match = re.match(r"[A-Za-z0-9][A-Za-z0-9._-]*", requirement)
    return match.group(0) if match else requirement


def normalise_name(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()
