"""A real IPython shell per test (no kernel: ``%hub_card`` prints, widgets are built in Python)."""

from __future__ import annotations

import sys

import pytest
from IPython.core.interactiveshell import InteractiveShell
from traitlets.config import Config


class TestingShell(InteractiveShell):
    """An ``InteractiveShell`` that accepts ``%matplotlib inline`` (no GUI loop)."""

    def enable_gui(self, gui=None):
        pass


@pytest.fixture
def shell(tmp_path, monkeypatch, alice_token):
    monkeypatch.setenv("IPYTHONDIR", str(tmp_path / ".ipython"))
    monkeypatch.setenv("HF_TOKEN", alice_token)
    monkeypatch.delenv("JPY_SESSION_NAME", raising=False)
    monkeypatch.chdir(tmp_path)
    InteractiveShell.clear_instance()
    TestingShell.clear_instance()
    config = Config()
    config.HistoryManager.hist_file = ":memory:"
    shell = TestingShell.instance(config=config)
    yield shell
    shell.run_line_magic("unload_ext", "hubmagic")
    if "matplotlib.pyplot" in sys.modules:
        sys.modules["matplotlib.pyplot"].close("all")
    TestingShell.clear_instance()
    InteractiveShell.clear_instance()


@pytest.fixture
def run(shell):
    """``run(source)``: execute one cell as the notebook would; a failing cell fails the test."""

    def run_cell(source: str):
        result = shell.run_cell(source, store_history=True)
        if not result.success:
            raise AssertionError(f"cell failed: {result.error_before_exec or result.error_in_exec}")
        return result

    return run_cell
