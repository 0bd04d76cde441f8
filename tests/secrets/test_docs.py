"""The examples in the secrets docstrings are true."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = ["hubmagic.secrets", "hubmagic.secrets.finding", "hubmagic.secrets.scanner",
           "hubmagic.secrets.naming", "hubmagic.secrets.redact"]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0
    assert result.failed == 0
