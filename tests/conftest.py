"""Test-wide set-up: one real local Hub for the whole run.

The Hub is started in ``pytest_configure``, before any test module is imported,
because ``huggingface_hub`` reads ``HF_ENDPOINT`` and ``HF_HUB_DISABLE_XET`` when it
is first imported. Every test publishes through the real client over real HTTP to
this server; nothing of the client is patched.
"""

from __future__ import annotations

import os
import secrets
import shutil
import tempfile
from pathlib import Path

import pytest

_STATE: dict = {}


def _token() -> str:
    return "hf_" + secrets.token_hex(17)


def pytest_configure(config):
    from hubmagic.localhub import LocalHub

    root = Path(tempfile.mkdtemp(prefix="hubmagic-tests-"))
    users = {"alice": _token(), "bob": _token()}
    hub = LocalHub(data_dir=root / "hub-data", users=users, orgs={"acme": ["alice"]})
    hub.start()
    _STATE.update(root=root, hub=hub, users=users)
    os.environ["HF_ENDPOINT"] = hub.endpoint
    os.environ["HF_HUB_DISABLE_XET"] = "1"
    os.environ["HF_HOME"] = str(root / "hf-home")
    os.environ["HF_HUB_DISABLE_TELEMETRY"] = "1"
    os.environ["HF_HUB_DISABLE_PROGRESS_BARS"] = "1"
    # Kernels and train-script subprocesses share 2 cores: OpenMP oversubscription makes
    # gradient boosting 5x slower under load.
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    os.environ.pop("HF_TOKEN", None)
    os.environ.pop("HUGGINGFACE_CO_STAGING", None)
    # Notebooks run by nbval (and any kernel a test starts) publish to this same hub:
    # their `%hub_local` reuses the hub a parent process hands down.
    os.environ["HUBMAGIC_LOCALHUB_ENDPOINT"] = hub.endpoint
    os.environ["HUBMAGIC_LOCALHUB_TOKEN"] = users["alice"]


def pytest_unconfigure(config):
    hub = _STATE.get("hub")
    if hub is not None:
        hub.stop()
    root = _STATE.get("root")
    if root is not None:
        shutil.rmtree(root, ignore_errors=True)


# What `use_local_hub`, `%hub_local` and `%hub_login` change in this process. A test that
# points the process at a hub of its own must not leave the next test talking to it, or
# sending its token to the shared hub.
_PROCESS_HUB_SETTINGS = ("HF_TOKEN", "HF_ENDPOINT", "HUBMAGIC_LOCALHUB_ENDPOINT", "HUBMAGIC_LOCALHUB_TOKEN", "HF_HOME")


@pytest.fixture(autouse=True)
def _restore_process_hub():
    before = {key: os.environ.get(key) for key in _PROCESS_HUB_SETTINGS}
    yield
    for key, value in before.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value
    if os.environ.get("HF_ENDPOINT") and before["HF_ENDPOINT"] is not None:
        from hubmagic.hub._endpoint import use_endpoint

        use_endpoint(before["HF_ENDPOINT"])  # also the client's module-level constants


@pytest.fixture(scope="session")
def hub():
    """The running ``hubmagic.localhub.LocalHub`` (``.endpoint``, ``.data_dir``)."""
    return _STATE["hub"]


@pytest.fixture(scope="session")
def alice_token():
    """Token of user ``alice`` (member of org ``acme``)."""
    return _STATE["users"]["alice"]


@pytest.fixture(scope="session")
def bob_token():
    """Token of user ``bob`` (no org)."""
    return _STATE["users"]["bob"]


@pytest.fixture
def api(hub, alice_token):
    """A real ``HfApi`` client authenticated as alice against the local hub."""
    from huggingface_hub import HfApi

    return HfApi(endpoint=hub.endpoint, token=alice_token)


@pytest.fixture
def bob(hub, bob_token):
    """A real ``HfApi`` client authenticated as bob (no org) against the local hub."""
    from huggingface_hub import HfApi

    return HfApi(endpoint=hub.endpoint, token=bob_token)


@pytest.fixture
def repo_name(request):
    """A repo name unique to the test, so tests can share one hub."""
    return "t-" + secrets.token_hex(4)


# -- a real IPython shell per test (capture, magics, notebook, widgets build theirs on this) --


@pytest.fixture
def fresh_shell():
    """``fresh_shell(cls)``: a new ``cls`` singleton (an ``InteractiveShell``) with its history in
    memory. Open pyplot figures are closed before (another test's figure would be captured) and
    after, and the singletons cleared, once the folder's own shell fixture has ended."""
    from IPython.core.interactiveshell import InteractiveShell
    from traitlets.config import Config

    made = []

    def make(cls):
        _close_figures()
        InteractiveShell.clear_instance()
        cls.clear_instance()
        config = Config()
        config.HistoryManager.hist_file = ":memory:"
        made.append(cls)
        return cls.instance(config=config)

    yield make
    _close_figures()
    for cls in made:
        cls.clear_instance()
    InteractiveShell.clear_instance()


def _close_figures():
    import sys

    if "matplotlib.pyplot" in sys.modules:
        sys.modules["matplotlib.pyplot"].close("all")


@pytest.fixture
def run(shell):
    """``run(source, cell_id=None, ok=True)``: execute one cell of ``shell`` as the notebook would;
    a failing cell fails the test unless ``ok=False``."""

    def run_cell(source: str, cell_id: str | None = None, ok: bool = True):
        result = shell.run_cell(source, store_history=True, cell_id=cell_id)
        if ok and not result.success:
            raise AssertionError(f"cell failed: {result.error_before_exec or result.error_in_exec}")
        return result

    return run_cell
