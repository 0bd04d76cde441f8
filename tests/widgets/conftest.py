"""A real IPython shell per test (no kernel: ``%hub_card`` prints, widgets are built in Python).
``run`` is in tests/conftest.py."""

from __future__ import annotations

import pytest
from IPython.core.interactiveshell import InteractiveShell


class TestingShell(InteractiveShell):
    """An ``InteractiveShell`` that accepts ``%matplotlib inline`` (no GUI loop)."""

    def enable_gui(self, gui=None):
        pass


@pytest.fixture
def shell(tmp_path, monkeypatch, alice_token, fresh_shell):
    monkeypatch.setenv("IPYTHONDIR", str(tmp_path / ".ipython"))
    monkeypatch.setenv("HF_TOKEN", alice_token)
    monkeypatch.delenv("JPY_SESSION_NAME", raising=False)
    monkeypatch.chdir(tmp_path)
    shell = fresh_shell(TestingShell)
    yield shell
    shell.run_line_magic("unload_ext", "hubmagic")
