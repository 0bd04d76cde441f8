"""The progress bar ``%hub_push`` shows while the session's ``push_state`` moves.

In a notebook with ipywidgets the bar is ``tqdm.auto``'s widget, what huggingface_hub users
expect. Anywhere else (a terminal IPython, a notebook without ipywidgets, a headless run)
it is plain text on stdout: ASCII, a fixed width, redrawn at most twice a second, so a saved
notebook holds no ANSI escapes and no "IProgress not found" warning.
"""

from __future__ import annotations

import importlib.util
import sys

_WORKING = ("hashing", "uploading", "committing")


def in_notebook(shell) -> bool:
    """A Jupyter kernel (its front end can show widgets), not a terminal IPython."""
    return "IPKernelApp" in getattr(shell, "config", {})


def bar_factory(shell):
    """``(tqdm class, extra keyword arguments)`` for this front end."""
    if in_notebook(shell) and importlib.util.find_spec("ipywidgets") is not None:
        from tqdm.auto import tqdm

        return tqdm, {}
    from tqdm import tqdm

    return tqdm, {"file": sys.stdout, "dynamic_ncols": False, "ncols": 80, "ascii": True, "mininterval": 0.5}


class PushProgress:
    """``with PushProgress(session, shell): session.push(...)`` shows the bytes hashed and uploaded."""

    def __init__(self, session, shell):
        self.session = session
        self.tqdm, self.options = bar_factory(shell)
        self.bar = None
        self.phase = None

    def __enter__(self) -> PushProgress:
        self.session.observe(self._update, names=["push_state"])
        return self

    def __exit__(self, *exc) -> None:
        self.session.unobserve(self._update, names=["push_state"])
        self._close()

    def _update(self, change) -> None:
        state = change["new"]
        phase, done, total = state.get("phase"), state.get("bytes_done") or 0, state.get("bytes_total") or 0
        if phase not in _WORKING:
            if phase == "done" and self.bar is not None:
                self.bar.update(max(0, self.bar.total - self.bar.n))
            self._close()
            return
        if self.bar is None:
            if not total:
                return  # nothing to measure (no file to hash or upload)
            self.bar = self.tqdm(total=total, desc=phase, unit="B", unit_scale=True, unit_divisor=1024,
                                 leave=True, **self.options)
        elif phase != self.phase:
            self.bar.reset(total=total or self.bar.total)
        if phase != self.phase:
            self.phase = phase
            self.bar.set_description(phase, refresh=False)
        self.bar.update(max(0, min(done, self.bar.total) - self.bar.n))

    def _close(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None
