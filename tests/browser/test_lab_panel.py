"""The Hub panel in a real JupyterLab, driven by a real browser (Playwright, system chromium).

The user's story: open a notebook, train and `%hub_init`; the panel lists the files and
the cells train.py keeps are marked; exclude a cell from its toolbar and train.py (and
`%hub_script`) change; Push from the panel, watch the progress, and the local hub has the
commit (checked with the real client); restart the kernel and the panel recovers; open a
second notebook and the panel follows it. Screenshots go to test-artifacts/.
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
from huggingface_hub import HfApi

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
SLOW = 180_000  # ms: training and building a repository on a shared, loaded machine

CELLS = [
    ("c-load", "%load_ext hubmagic\n%hub_local"),
    ("c-imports", ("from sklearn.datasets import load_iris\nfrom sklearn.linear_model import LogisticRegression\n"
                   "from sklearn.model_selection import train_test_split")),
    ("c-data", ("X, y = load_iris(return_X_y=True, as_frame=True)\n"
                "X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)")),
    ("c-astype", "X_train = X_train.astype('float64')"),
    ("c-fit", "model = LogisticRegression(max_iter=500).fit(X_train, y_train)"),
    ("c-init", "%hub_init model --data X_test --labels y_test --repo-id {repo_id} --license mit"),
    ("c-script", "%hub_script --show"),
]
ASTYPE = 3  # position of the cell the test excludes
SCRIPT = 6


def write_notebook(path: Path, cells: list[tuple[str, str]]) -> None:
    notebook = nbformat.v4.new_notebook()
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    notebook.cells = [nbformat.v4.new_code_cell(source, id=cell_id) for cell_id, source in cells]
    nbformat.write(notebook, path)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def lab(tmp_path_factory, hub, alice_token):
    """A JupyterLab server (no outbound calls) whose kernels publish to the test hub as alice."""
    if not Path(CHROMIUM).is_file():
        pytest.fail("The browser tests need chromium: `apt-get install -y chromium`.")
    root = tmp_path_factory.mktemp("lab")
    settings = root / ".settings"
    notification = settings / "@jupyterlab" / "apputils-extension"
    notification.mkdir(parents=True)
    (notification / "notification.jupyterlab-settings").write_text(
        json.dumps({"fetchNews": "false", "checkForUpdates": False}))
    port, token = free_port(), secrets.token_hex(16)
    env = {**os.environ, "JUPYTERLAB_SETTINGS_DIR": str(settings), "HF_TOKEN": alice_token,
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
            pytest.fail(f"JupyterLab did not start:\n{(root / 'server.log').read_text()[-3000:]}")
        time.sleep(0.5)
    yield {"url": url, "token": token, "root": root}
    server.terminate()
    try:
        server.wait(timeout=30)
    except subprocess.TimeoutExpired:
        server.kill()
    log.close()


@pytest.fixture(scope="module")
def page(lab):
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1500, "height": 950})
        context.tracing.start(screenshots=True, snapshots=True)
        page = context.new_page()
        yield page
        context.tracing.stop(path=str(ARTIFACTS / "lab-panel-trace.zip"))
        browser.close()


def cell(page, index: int):
    return page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook .jp-Cell").nth(index)


def run_menu(page, menu: str, item: str) -> None:
    page.locator(".lm-MenuBar-itemLabel", has_text=menu).first.click()
    page.locator(".lm-Menu-itemLabel", has_text=item).first.click()


def shot(page, name: str) -> Path:
    path = ARTIFACTS / f"lab-panel-{name}.png"
    page.screenshot(path=str(path))
    return path


def test_the_hub_panel_follows_the_notebook_and_publishes(lab, page, hub, alice_token):
    repo_id = f"alice/lab-{secrets.token_hex(4)}"
    cells = [(cell_id, source.format(repo_id=repo_id)) for cell_id, source in CELLS]
    write_notebook(lab["root"] / "first.ipynb", cells)
    write_notebook(lab["root"] / "second.ipynb", [("s-1", "1 + 1")])
    api = HfApi(endpoint=hub.endpoint, token=alice_token)

    page.goto(f"{lab['url']}/lab/tree/first.ipynb?token={lab['token']}")
    page.locator('.jp-SideBar.jp-mod-right .lm-TabBar-tab[data-id="hubmagic-panel"]').click()
    panel = page.locator("#hubmagic-panel")
    # A fresh kernel has no hubmagic: the panel says how to load it.
    panel.locator(".hubmagic-not-loaded").wait_for(timeout=SLOW)
    assert "%load_ext hubmagic" in panel.inner_text()
    assert "first.ipynb" in panel.locator(".hubmagic-notebook").inner_text()

    # Train and %hub_init: the panel lists the files; the cells train.py keeps are marked.
    run_menu(page, "Run", "Run All Cells")
    panel.locator('.hubmagic-files tr[data-path="train.py"]').wait_for(timeout=SLOW)
    for path in ("model.skops", "config.json", "README.md"):
        assert panel.locator(f'.hubmagic-files tr[data-path="{path}"]').count() == 1
    assert panel.locator(".hubmagic-repo-id").inner_text() == repo_id
    page.wait_for_function(
        "i => document.querySelectorAll('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-Cell')[i]"
        ".classList.contains('hubmagic-kept')", arg=ASTYPE, timeout=SLOW)
    kept = [cell(page, i).evaluate("n => n.classList.contains('hubmagic-kept')") for i in range(len(CELLS))]
    assert kept[ASTYPE] and kept[4] and not kept[SCRIPT]
    shot(page, "1-initialized")

    # Exclude the astype cell from its toolbar: the tag, the mark, train.py and %hub_script change.
    cell(page, ASTYPE).locator(".jp-InputArea-editor").click()
    cell(page, ASTYPE).locator('.jp-cell-toolbar [data-command="hubmagic:exclude-cell"]').click()
    page.wait_for_function(
        "i => { const c = document.querySelectorAll('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-Cell')[i];"
        " return c.classList.contains('hubmagic-forced-exclude') && !c.classList.contains('hubmagic-kept'); }",
        arg=ASTYPE, timeout=SLOW)
    folder = lab["root"] / panel.locator(".hubmagic-folder").inner_text()
    deadline = time.monotonic() + SLOW / 1000
    while "astype" in (folder / "train.py").read_text() and time.monotonic() < deadline:
        time.sleep(0.5)
    assert "astype" not in (folder / "train.py").read_text()
    page.wait_for_function("() => !document.querySelector('#hubmagic-panel button[disabled]')", timeout=SLOW)
    cell(page, SCRIPT).locator(".jp-InputArea-editor").click()
    page.keyboard.press("Control+Enter")
    output = cell(page, SCRIPT).locator(".jp-OutputArea")
    page.wait_for_function(
        "i => document.querySelectorAll('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-Cell')[i]"
        ".querySelector('.jp-OutputArea').innerText.includes('LogisticRegression')", arg=SCRIPT, timeout=SLOW)
    assert "astype" not in output.inner_text()
    shot(page, "2-excluded")

    # Push from the panel; watch the progress bar's phases; the hub has the commit.
    page.evaluate("""() => {
        window.__hubPhases = [];
        const panel = document.getElementById('hubmagic-panel');
        new MutationObserver(() => {
            const row = panel.querySelector('.hubmagic-progress-row');
            if (row) window.__hubPhases.push(row.dataset.phase);
        }).observe(panel, {childList: true, subtree: true, attributes: true});
    }""")
    panel.locator("button.hubmagic-push").click()
    panel.locator(".hubmagic-last-push a").wait_for(timeout=SLOW)
    phases = page.evaluate("() => window.__hubPhases")
    assert phases and phases[-1] == "done" and ("uploading" in phases or "committing" in phases), phases
    assert panel.locator(".hubmagic-progress").get_attribute("value") == "100"
    commit = api.list_repo_commits(repo_id)[0].commit_id
    assert commit.startswith(panel.locator(".hubmagic-commit").inner_text().strip())
    assert "astype" not in Path(api.hf_hub_download(repo_id, "train.py")).read_text()
    assert {"unchanged"} == {row.get_attribute("class").removeprefix("hubmagic-change-")
                             for row in panel.locator(".hubmagic-files tr").all()}
    shot(page, "3-pushed")
    shutil.copy(shot(page, "panel"), ARTIFACTS / "lab-panel.png")

    # Restart the kernel: the panel forgets, offers to load hubmagic, then reopens the folder.
    run_menu(page, "Kernel", "Restart Kernel…")
    page.locator(".jp-Dialog button.jp-mod-accept").click()
    panel.locator(".hubmagic-not-loaded").wait_for(timeout=SLOW)
    panel.locator("button.hubmagic-load").click()
    panel.locator(".hubmagic-no-repo").wait_for(timeout=SLOW)
    panel.locator("button.hubmagic-refresh").click()
    panel.locator('.hubmagic-files tr[data-path="train.py"]').wait_for(timeout=SLOW)
    assert panel.locator(".hubmagic-repo-id").inner_text() == repo_id
    shot(page, "4-restarted")

    # A second notebook: the panel follows it, and comes back with the first.
    page.locator(".jp-DirListing-itemText", has_text="second.ipynb").dblclick()
    page.wait_for_function(
        "() => document.querySelector('#hubmagic-panel .hubmagic-notebook')?.innerText.includes('second.ipynb')",
        timeout=SLOW)
    panel.locator(".hubmagic-not-loaded").wait_for(timeout=SLOW)
    shot(page, "5-second-notebook")
    page.locator(".lm-DockPanel-tabBar .lm-TabBar-tab", has_text="first.ipynb").click()
    panel.locator('.hubmagic-files tr[data-path="train.py"]').wait_for(timeout=SLOW)
    assert "first.ipynb" in panel.locator(".hubmagic-notebook").inner_text()


def test_the_hub_panel_in_jupyter_notebook_7(lab, page):
    write_notebook(lab["root"] / "nb7.ipynb", [("n-1", "1 + 1")])
    page.goto(f"{lab['url']}/notebooks/nb7.ipynb?token={lab['token']}")
    run_menu(page, "View", "Hub Panel")
    panel = page.locator("#hubmagic-panel")
    panel.locator(".hubmagic-not-loaded").wait_for(timeout=SLOW)
    assert "nb7.ipynb" in panel.locator(".hubmagic-notebook").inner_text()
    panel.locator("button.hubmagic-load").click()
    panel.locator(".hubmagic-no-repo").wait_for(timeout=SLOW)
    shot(page, "6-notebook7")
