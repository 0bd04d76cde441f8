"""What hubmagic knows about how the model in memory was made.

* ``Recorder`` records every executed cell (source, execution count, cell id,
  success) in execution order;
* ``build_train_script`` slices that history down to the cells the estimator
  depends on and writes ``train.py``;
* ``verify_script`` runs ``train.py`` in a clean process and checks that it
  rebuilds a model with identical predictions;
* ``FigureCapture`` keeps the figures the notebook displayed, ``write_figures``
  writes them as ``figures/<name>.png``.

Everything works without the magics; ``register(shell)`` / ``unregister(shell)``
is what ``%load_ext hubmagic`` / ``%unload_ext hubmagic`` call.

>>> session = register(get_ipython())                          # doctest: +SKIP
>>> script = build_train_script(session.recorder.records, "model")  # doctest: +SKIP
>>> verify_script(script.text, model=model, example_input=X[:10], workdir=".").ok  # doctest: +SKIP
True
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass

from hubmagic.capture.figures import CapturedFigure, FigureCapture, write_figures
from hubmagic.capture.recorder import Recorder
from hubmagic.capture.records import EXCLUDE_TAG, INCLUDE_TAG, CellRecord
from hubmagic.capture.script import TrainScript, build_train_script
from hubmagic.capture.verify import Verification, unseeded_random_states, verify_script

__all__ = [
    "EXCLUDE_TAG",
    "INCLUDE_TAG",
    "CaptureSession",
    "CapturedFigure",
    "CellRecord",
    "FigureCapture",
    "Recorder",
    "TrainScript",
    "Verification",
    "build_train_script",
    "get_session",
    "register",
    "unregister",
    "unseeded_random_states",
    "verify_script",
    "write_figures",
]


@dataclass
class CaptureSession:
    """The recorder and the figure capture attached to one shell."""

    recorder: Recorder
    figures: FigureCapture

    def figures_note(self) -> str | None:
        """What to say beside the list of figures: figures drawn before ``%load_ext hubmagic``
        (re-run those cells), stale figures left out, or that none was captured yet."""
        from hubmagic.capture.staleness import figures_report

        return figures_report(self.figures, self.recorder.records)


_SESSIONS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def register(shell, *, include_history: bool = True) -> CaptureSession:
    """Start recording cells and figures of ``shell`` (idempotent).

    Cells run before this call are read back from IPython's input history.
    """
    session = _SESSIONS.get(shell)
    if session is None:
        recorder = Recorder(shell, include_history=include_history)
        # The figures look at the recorded cells to tell the stale ones.
        figures = FigureCapture(shell, history=lambda: recorder.records)
        session = CaptureSession(recorder, figures)
        _SESSIONS[shell] = session
    session.recorder.register()
    session.figures.register()
    return session


def unregister(shell) -> None:
    """Remove every hook ``register`` installed; what was recorded is kept."""
    session = _SESSIONS.get(shell)
    if session is not None:
        session.recorder.unregister()
        session.figures.unregister()


def get_session(shell) -> CaptureSession | None:
    """The session ``register`` created for ``shell`` (``None`` if never registered)."""
    return _SESSIONS.get(shell)
