"""A plain IPython shell per test: no ``%load_ext``, no magics, only a ``NotebookSession``."""

from __future__ import annotations

import sys

import pytest
from IPython.core.interactiveshell import InteractiveShell
from traitlets.config import Config


@pytest.fixture
def shell(tmp_path, monkeypatch):
    """A fresh shell whose working directory is the test's notebook folder."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("JPY_SESSION_NAME", raising=False)
    _close_figures()  # a figure another test left open in pyplot would be captured here
    InteractiveShell.clear_instance()
    config = Config()
    config.HistoryManager.hist_file = ":memory:"
    shell = InteractiveShell.instance(config=config)
    yield shell
    from hubmagic.notebook import NotebookSession

    NotebookSession.for_shell(shell).close()
    _close_figures()
    InteractiveShell.clear_instance()


def _close_figures():
    if "matplotlib.pyplot" in sys.modules:
        sys.modules["matplotlib.pyplot"].close("all")


@pytest.fixture
def run(shell):
    """``run(source)``: execute one cell as the notebook would; a failing cell fails the test."""

    def run_cell(source: str):
        result = shell.run_cell(source, store_history=True)
        if not result.success:
            raise AssertionError(f"cell failed: {result.error_before_exec or result.error_in_exec}")
        return result

    return run_cell
