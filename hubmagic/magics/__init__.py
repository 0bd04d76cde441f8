"""``%load_ext hubmagic``: the magics and the notebook recorders they read.

Loading registers ``HubMagics`` and the cell and figure recorders (IPython
``post_run_cell`` hooks); unloading removes every hook it registered.
"""

from __future__ import annotations

_EXTENSIONS: dict[int, object] = {}


def load_ipython_extension(ip) -> None:
    from hubmagic.magics.core import HubMagics

    if id(ip) in _EXTENSIONS:
        return
    magics = HubMagics(ip)
    ip.register_magics(magics)
    magics.start_recording()
    _EXTENSIONS[id(ip)] = magics


def unload_ipython_extension(ip) -> None:
    magics = _EXTENSIONS.pop(id(ip), None)
    if magics is None:
        return
    magics.stop_recording()
    for table in ip.magics_manager.magics.values():
        for name in [n for n, fn in table.items() if getattr(fn, "__self__", None) is magics]:
            del table[name]
    if magics in ip.configurables:
        ip.configurables.remove(magics)
