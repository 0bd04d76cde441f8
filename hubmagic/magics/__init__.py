"""``%load_ext hubmagic``: the kernel's ``NotebookSession`` and the magics over it.

Loading creates the session (which starts recording cells and figures) and registers
every Magics class of ``MAGICS``; unloading removes the magics, closes the session (its
event hooks are removed, the local hubs it started are stopped).
"""

from __future__ import annotations

import importlib

# "module:Class" of every Magics class the extension registers; each finds the session
# with ``NotebookSession.for_shell(shell)``.
MAGICS = [
    "hubmagic.magics.core:HubMagics",
    "hubmagic.magics._card:CardMagics",
]

_LOADED: dict[int, list] = {}


def load_ipython_extension(ip) -> None:
    from hubmagic.notebook import NotebookSession

    if id(ip) in _LOADED:
        return
    NotebookSession.for_shell(ip).start()
    loaded = []
    for spec in MAGICS:
        module, name = spec.split(":")
        magics = getattr(importlib.import_module(module), name)(ip)
        ip.register_magics(magics)
        loaded.append(magics)
    _LOADED[id(ip)] = loaded
    from hubmagic.notebook._comm import open_panel_channel

    open_panel_channel(ip)  # the lab extension's Hub panel (nothing outside a Jupyter kernel)


def unload_ipython_extension(ip) -> None:
    from hubmagic.notebook import NotebookSession

    loaded = _LOADED.pop(id(ip), None)
    if loaded is None:
        return
    for magics in loaded:
        for table in ip.magics_manager.magics.values():
            for name in [n for n, fn in table.items() if getattr(fn, "__self__", None) is magics]:
                del table[name]
        ip.magics_manager.registry.pop(type(magics).__name__, None)
        close = getattr(magics, "close", None)
        if close is not None:
            close()
    from hubmagic.notebook._comm import close_panel_channel

    close_panel_channel(ip)
    NotebookSession.for_shell(ip).close()
