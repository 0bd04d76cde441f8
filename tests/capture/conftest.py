"""A real IPython shell per test, like the kernel a notebook talks to."""

from __future__ import annotations

import pytest
from IPython.core.interactiveshell import InteractiveShell
from traitlets.config import Config


class TestingShell(InteractiveShell):
    """An ``InteractiveShell`` that accepts ``%matplotlib inline`` (no GUI loop)."""

    def enable_gui(self, gui=None):
        pass


@pytest.fixture
def shell(tmp_path, monkeypatch):
    """A fresh shell whose working directory is the test's notebook folder."""
    monkeypatch.setenv("IPYTHONDIR", str(tmp_path / ".ipython"))
    monkeypatch.chdir(tmp_path)
    InteractiveShell.clear_instance()
    TestingShell.clear_instance()
    config = Config()
    config.HistoryManager.hist_file = ":memory:"
    shell = TestingShell.instance(config=config)
    yield shell
    from hubmagic import capture

    capture.unregister(shell)
    import sys

    if "matplotlib.pyplot" in sys.modules:
        sys.modules["matplotlib.pyplot"].close("all")
    TestingShell.clear_instance()
    InteractiveShell.clear_instance()


@pytest.fixture
def run(shell):
    """``run(source, cell_id=None, ok=True)``: execute one cell as the notebook would."""

    def run_cell(source: str, cell_id: str | None = None, ok: bool = True):
        result = shell.run_cell(source, store_history=True, cell_id=cell_id)
        if ok and not result.success:
            raise AssertionError(f"cell failed: {result.error_before_exec or result.error_in_exec}")
        return result

    return run_cell
