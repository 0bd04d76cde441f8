"""The fault-injecting proxy fixture of tests/faults, shared with the push-truth attacks."""

from faults.conftest import proxy  # noqa: F401 (a fixture: pytest finds it by name)
