"""A real IPython shell per test, like the kernel a notebook talks to (``run`` is in tests/conftest.py)."""

from __future__ import annotations

import pytest
from IPython.core.interactiveshell import InteractiveShell


class TestingShell(InteractiveShell):
    """An ``InteractiveShell`` that accepts ``%matplotlib inline`` (no GUI loop)."""

    def enable_gui(self, gui=None):
        pass


@pytest.fixture
def shell(tmp_path, monkeypatch, fresh_shell):
    """A fresh shell whose working directory is the test's notebook folder."""
    monkeypatch.setenv("IPYTHONDIR", str(tmp_path / ".ipython"))
    monkeypatch.chdir(tmp_path)
    shell = fresh_shell(TestingShell)
    yield shell
    from hubmagic import capture

    capture.unregister(shell)
