"""The Hub panel in a real JupyterLab, driven by a real browser (Playwright, system chromium).

The user's story: open a notebook, train and `%hub_init`; the panel lists the files and
the cells train.py keeps are marked; exclude a cell from its toolbar and train.py (and
`%hub_script`) change; Push from the panel, watch the progress, and the local hub has the
commit (checked with the real client); restart the kernel and the panel recovers; open a
second notebook and the panel follows it. Screenshots go to test-artifacts/.
"""

from __future__ import annotations

import secrets
import shutil
import time
from pathlib import Path

import nbformat
from huggingface_hub import HfApi
from lab_helpers import app_path, run_all_cells

# Not imported from conftest: with several test folders, `conftest` names whichever was
# imported last.
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


def write_notebook(path: Path, cells: list[str]) -> None:
    notebook = nbformat.v4.new_notebook()
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    notebook.cells = [nbformat.v4.new_code_cell(source) for source in cells]
    nbformat.write(notebook, path)


SLOW = 180_000  # ms: training and building a repository on a shared, loaded machine

CELLS = [
    "%load_ext hubmagic\n%hub_local",
    ("from sklearn.datasets import load_iris\nfrom sklearn.linear_model import LogisticRegression\n"
     "from sklearn.model_selection import train_test_split"),
    ("X, y = load_iris(return_X_y=True, as_frame=True)\n"
     "X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)"),
    "X_train = X_train.astype('float64')",
    "model = LogisticRegression(max_iter=500).fit(X_train, y_train)",
    "%hub_init model --data X_test --labels y_test --repo-id {repo_id} --license mit",
    "%hub_script --show",
]
ASTYPE = 3  # position of the cell the test excludes
SCRIPT = 6


def cell(page, index: int):
    return page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook .jp-Cell").nth(index)


def run_menu(page, menu: str, item: str) -> None:
    page.locator(".lm-MenuBar-itemLabel", has_text=menu).first.click()
    page.locator(".lm-Menu-itemLabel", has_text=item).first.click()


def shot(page, name: str) -> Path:
    path = ARTIFACTS / f"lab-panel-{name}.png"
    page.screenshot(path=str(path))
    return path


def test_the_hub_panel_follows_the_notebook_and_publishes(jupyter_server, notebook_page, hub, alice_token):
    lab, page = jupyter_server, notebook_page
    repo_id = f"alice/lab-{secrets.token_hex(4)}"
    write_notebook(lab["root"] / "panel-first.ipynb", [source.format(repo_id=repo_id) for source in CELLS])
    write_notebook(lab["root"] / "panel-second.ipynb", ["1 + 1"])
    api = HfApi(endpoint=hub.endpoint, token=alice_token)

    page.goto(f"{lab['url']}/{app_path('lab', 'panel-first.ipynb')}?token={lab['token']}")
    page.locator('.jp-SideBar.jp-mod-right .lm-TabBar-tab[data-id="hubmagic-panel"]').click()
    panel = page.locator("#hubmagic-panel")
    # A fresh kernel has no hubmagic: the panel says how to load it.
    panel.locator(".hubmagic-not-loaded").wait_for(timeout=SLOW)
    assert "%load_ext hubmagic" in panel.inner_text()
    assert "panel-first.ipynb" in panel.locator(".hubmagic-notebook").inner_text()

    # Train and %hub_init: the panel lists the files; the cells train.py keeps are marked.
    run_all_cells(page)
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
    page.locator(".jp-DirListing-itemText", has_text="panel-second.ipynb").dblclick()
    page.wait_for_function(
        "() => document.querySelector('#hubmagic-panel .hubmagic-notebook')?.innerText.includes('panel-second.ipynb')",
        timeout=SLOW)
    panel.locator(".hubmagic-not-loaded").wait_for(timeout=SLOW)
    shot(page, "5-second-notebook")
    page.locator(".lm-DockPanel-tabBar .lm-TabBar-tab", has_text="panel-first.ipynb").click()
    panel.locator('.hubmagic-files tr[data-path="train.py"]').wait_for(timeout=SLOW)
    assert "panel-first.ipynb" in panel.locator(".hubmagic-notebook").inner_text()


def test_the_hub_panel_in_jupyter_notebook_7(jupyter_server, notebook_page):
    lab, page = jupyter_server, notebook_page
    write_notebook(lab["root"] / "panel-nb7.ipynb", ["1 + 1"])
    page.goto(f"{lab['url']}/notebooks/panel-nb7.ipynb?token={lab['token']}")
    run_menu(page, "View", "Hub Panel")
    panel = page.locator("#hubmagic-panel")
    panel.locator(".hubmagic-not-loaded").wait_for(timeout=SLOW)
    assert "panel-nb7.ipynb" in panel.locator(".hubmagic-notebook").inner_text()
    panel.locator("button.hubmagic-load").click()
    panel.locator(".hubmagic-no-repo").wait_for(timeout=SLOW)
    shot(page, "6-notebook7")
