"""nbval runs these notebooks in kernels started from this folder: keep them off the user's
hub, cache and this folder.

Each kernel inherits this process's environment when nbval starts it: a local hub for the
run (unless ``tests/conftest.py`` already serves one), a scratch ``HF_HOME``, and an
``IPYTHONDIR`` whose config puts ``%hub_init``'s repositories in the scratch folder instead
of ``notebooks/hub/``. Everything is removed at the end of the run.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest

_STATE: dict = {}


def pytest_configure(config):
    root = Path(tempfile.mkdtemp(prefix="hubmagic-notebooks-"))
    _STATE["root"] = root
    ipython_dir = root / "ipython"
    (ipython_dir / "profile_default").mkdir(parents=True)
    (ipython_dir / "profile_default" / "ipython_config.py").write_text(
        f"c.HubMagics.dst_root = {str(root / 'repositories')!r}\n", encoding="utf-8"
    )
    # Only nbval's kernels get this profile (see pytest_runtest_setup): kernels other tests
    # start must not find these notebooks' repositories under their `hub/`.
    _STATE["kernel_env"] = {
        "IPYTHONDIR": str(ipython_dir),
        "OMP_NUM_THREADS": os.environ.get("OMP_NUM_THREADS", "1"),  # kernels and train.py share 2 cores
        "HF_HUB_DISABLE_PROGRESS_BARS": "1",
    }
    if "HUBMAGIC_LOCALHUB_ENDPOINT" not in os.environ:  # run alone (pytest notebooks): our own hub
        from hubmagic.localhub import LocalHub

        hub = LocalHub(data_dir=root / "hub-data").start()
        _STATE["hub"] = hub
        os.environ.update({
            "HUBMAGIC_LOCALHUB_ENDPOINT": hub.endpoint,
            "HUBMAGIC_LOCALHUB_TOKEN": hub.token,
            "HF_ENDPOINT": hub.endpoint,
            "HF_HUB_DISABLE_XET": "1",
            "HF_HOME": str(root / "hf-home"),
        })
        os.environ.pop("HF_TOKEN", None)


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    """Before nbval starts a notebook's kernel (in its first cell's setup): the kernel's environment."""
    _STATE["saved_env"] = {key: os.environ.get(key) for key in _STATE["kernel_env"]}
    os.environ.update(_STATE["kernel_env"])


def pytest_runtest_teardown(item, nextitem):
    for key, value in _STATE.pop("saved_env", {}).items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value


def pytest_unconfigure(config):
    if "hub" in _STATE:
        _STATE["hub"].stop()
    if "root" in _STATE:
        shutil.rmtree(_STATE["root"], ignore_errors=True)
