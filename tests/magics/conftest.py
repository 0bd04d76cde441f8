"""A real IPython shell per test, as jupysql's TestingShell: errors re-raise."""

from __future__ import annotations

import pytest
from IPython.core.interactiveshell import InteractiveShell


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
def ip(tmp_path, monkeypatch, fresh_shell):
    monkeypatch.chdir(tmp_path)
    shell = fresh_shell(TestingShell)
    shell.run_cell("%load_ext hubmagic", store_history=True)
    yield shell
    shell.run_cell("%unload_ext hubmagic")


@pytest.fixture
def as_alice(monkeypatch, alice_token):
    """The user's token in the environment, as `HF_TOKEN=... jupyter lab` would set it."""
    monkeypatch.setenv("HF_TOKEN", alice_token)
    return alice_token
