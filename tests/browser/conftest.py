"""Shared browser-test fixtures: one Jupyter server for the run, the system chromium.

The server is JupyterLab's; with the ``notebook`` package installed it serves Jupyter
Notebook 7 too (``/notebooks/NAME.ipynb``), so one start (~10 s) covers both front ends.
Its kernels inherit the test hub's environment (``HF_ENDPOINT``, ``HF_TOKEN`` = alice), so
what a notebook publishes is checked with the real client. Playwright drives the
Debian chromium (``executable_path``); it never downloads a browser. Screenshots and
traces go to ``test-artifacts/`` (git-ignored).
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest
import requests
from lab_helpers import app_path, run_all_cells

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def jupyter_server(tmp_path_factory, hub, alice_token):
    """``{"url", "token", "root"}`` of a Jupyter server (Lab and Notebook 7) making no outbound calls."""
    if not Path(CHROMIUM).is_file():
        pytest.fail("The browser tests need chromium: `apt-get install -y chromium` (.ci/run does it).")
    root = tmp_path_factory.mktemp("jupyter")
    settings = root / ".settings" / "@jupyterlab" / "apputils-extension"
    settings.mkdir(parents=True)
    (settings / "notification.jupyterlab-settings").write_text(
        json.dumps({"fetchNews": "false", "checkForUpdates": False}))
    port, token = _free_port(), secrets.token_hex(16)
    env = {**os.environ, "JUPYTERLAB_SETTINGS_DIR": str(root / ".settings"), "HF_TOKEN": alice_token,
           "JUPYTER_PREFER_ENV_PATH": "1"}
    log = (root / "server.log").open("w")
    server = subprocess.Popen(
        [sys.executable, "-m", "jupyterlab", "--no-browser", "--allow-root", "--ServerApp.ip=127.0.0.1",
         f"--ServerApp.port={port}", f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={root}",
         "--LabApp.news_url=None", "--LabApp.extension_manager=readonly",
         "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate"],
        cwd=root, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while True:
        try:
            if requests.get(f"{url}/api/status", params={"token": token}, timeout=2).ok:
                break
        except requests.ConnectionError:
            pass
        if server.poll() is not None or time.monotonic() > deadline:
            pytest.fail(f"Jupyter did not start:\n{(root / 'server.log').read_text()[-3000:]}")
        time.sleep(0.5)
    yield {"url": url, "token": token, "root": root}
    server.terminate()
    try:
        server.wait(timeout=30)
    except subprocess.TimeoutExpired:
        server.kill()
    log.close()


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """pytest-playwright's ``browser`` fixture launches the system chromium."""
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


@pytest.fixture
def notebook_page(browser, request):
    """A fresh page (1500×950) with a trace saved to test-artifacts/ when the test ends."""
    ARTIFACTS.mkdir(exist_ok=True)
    context = browser.new_context(viewport={"width": 1500, "height": 950})
    context.tracing.start(screenshots=True, snapshots=True)
    page = context.new_page()
    yield page
    context.tracing.stop(path=str(ARTIFACTS / f"{request.node.name}-trace.zip"))
    context.close()


def write_notebook(path: Path, cells: list[str]) -> Path:
    """A notebook of code cells with the python3 kernel."""
    notebook = nbformat.v4.new_notebook()
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    notebook.cells = [nbformat.v4.new_code_cell(source) for source in cells]
    nbformat.write(notebook, path)
    return path


@pytest.fixture
def open_notebook(jupyter_server):
    """``open_notebook(page, app, name, cells)``: write the notebook, open it in ``"lab"`` or
    ``"notebook"`` (Notebook 7), wait for its kernel and run all its cells."""

    def open_it(page, app: str, name: str, cells: list[str]) -> None:
        write_notebook(jupyter_server["root"] / name, cells)
        page.goto(f"{jupyter_server['url']}/{app_path(app, name)}?token={jupyter_server['token']}")
        page.locator(".jp-Notebook .jp-Cell").first.wait_for(timeout=60_000)
        run_all_cells(page)

    return open_it
