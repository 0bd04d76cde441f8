"""hubmagic: publish scikit-learn models from a notebook to the Hugging Face Hub.

The plain-Python API (``push_to_hub``, ``load``, ``hub_utils``, ``card``) works
without IPython; ``%load_ext hubmagic`` adds the magics on top of it.

Submodules are imported lazily so that ``import hubmagic`` and ``%load_ext``
stay cheap and so that ``hubmagic.localhub`` can be started before
``huggingface_hub`` is imported (the client reads ``HF_ENDPOINT`` at import).
"""

from __future__ import annotations

import importlib
from importlib import metadata as _metadata

try:  # package.json is the single source; hatch-nodejs-version writes it into the metadata
    __version__ = _metadata.version("hubmagic")
except _metadata.PackageNotFoundError:  # a source tree that was never installed
    __version__ = "0+unknown"

_LAZY_ATTRS = {
    "push_to_hub": ("hubmagic._api", "push_to_hub"),
    "load": ("hubmagic._api", "load"),
    "ModelRepository": ("hubmagic.repository._repository", "ModelRepository"),
    "use_local_hub": ("hubmagic.hub._local", "use_local_hub"),
}
_LAZY_MODULES = {"hub_utils", "card", "localhub"}


def __getattr__(name):
    if name in _LAZY_ATTRS:
        module, attr = _LAZY_ATTRS[name]
        return getattr(importlib.import_module(module), attr)
    if name in _LAZY_MODULES:
        return importlib.import_module(f"hubmagic.{name}")
    raise AttributeError(f"module 'hubmagic' has no attribute {name!r}")


def load_ipython_extension(ipython):
    """``%load_ext hubmagic``: register the magics and the notebook recorders."""
    from hubmagic.magics import load_ipython_extension as _load

    _load(ipython)


def unload_ipython_extension(ipython):
    """``%unload_ext hubmagic``: remove the magics' event hooks."""
    from hubmagic.magics import unload_ipython_extension as _unload

    _unload(ipython)
