"""A plain IPython shell per test: no ``%load_ext``, no magics, only a ``NotebookSession``.
``run`` is in tests/conftest.py."""

from __future__ import annotations

import pytest
from IPython.core.interactiveshell import InteractiveShell


@pytest.fixture
def shell(tmp_path, monkeypatch, fresh_shell):
    """A fresh shell whose working directory is the test's notebook folder."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("JPY_SESSION_NAME", raising=False)
    shell = fresh_shell(InteractiveShell)
    yield shell
    from hubmagic.notebook import NotebookSession

    NotebookSession.for_shell(shell).close()
