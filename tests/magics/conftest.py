"""A real IPython shell per test, as jupysql's TestingShell: errors re-raise."""

from __future__ import annotations

import sys

import pytest
from IPython.core.interactiveshell import InteractiveShell
from traitlets.config import Config


class TestingShell(InteractiveShell):
    """An InteractiveShell whose run_cell raises what the cell raised."""

    def run_cell(self, raw_cell, *args, **kwargs):
        result = super().run_cell(raw_cell, *args, **kwargs)
        result.raise_error()
        return result

    def run_cell_quietly(self, raw_cell):
        """Run a cell that is expected to fail, the way a user's notebook would (no raise)."""
        return InteractiveShell.run_cell(self, raw_cell, store_history=True)


@pytest.fixture
def ip(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    config = Config()
    config.HistoryManager.hist_file = ":memory:"
    shell = TestingShell.instance(config=config)
    shell.run_cell("%load_ext hubmagic", store_history=True)
    yield shell
    try:
        shell.run_cell("%unload_ext hubmagic")
        if "matplotlib.pyplot" in sys.modules:  # the next test's capture would take open figures
            sys.modules["matplotlib.pyplot"].close("all")
    finally:
        TestingShell.clear_instance()
        InteractiveShell.clear_instance()


@pytest.fixture
def as_alice(monkeypatch, alice_token):
    """The user's token in the environment, as `HF_TOKEN=... jupyter lab` would set it."""
    monkeypatch.setenv("HF_TOKEN", alice_token)
    return alice_token
