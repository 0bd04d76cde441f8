"""The card editor in a real browser, in JupyterLab and in Jupyter Notebook 7.

The user's story: a notebook trains a model, draws two figures, runs `%hub_init` and
`%hub_card`; in the editor the user types a description, picks a license from the search,
unchecks a figure and clicks Push. The README the local hub then serves (read with the
real client) carries the description and the license, and the figure is not published.
"""

from __future__ import annotations

import os
import secrets
import shutil
from pathlib import Path

import pytest
from huggingface_hub import HfApi, ModelCard

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"  # as in conftest.py (importing `conftest` is ambiguous across folders)
SLOW = 240_000  # ms: training and building the repository on a shared, loaded machine

CELLS = [
    "%load_ext hubmagic\n%matplotlib inline\nimport matplotlib.pyplot as plt",
    "from sklearn.datasets import load_iris\nfrom sklearn.linear_model import LogisticRegression\n"
    "from sklearn.model_selection import train_test_split\n"
    "X, y = load_iris(return_X_y=True, as_frame=True)\n"
    "X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)\n"
    "model = LogisticRegression(max_iter=500).fit(X_train, y_train)",
    "plt.plot([3, 2, 1])\nplt.title('Loss')\nplt.show()",
    "plt.bar(['a', 'b'], [1, 2])\nplt.title('Importance')\nplt.show()",
    "%hub_init model --data X_test --labels y_test --repo-id {repo_id}",
    "%hub_card",
]
DESCRIPTION = "Classifies iris flowers from four measurements; typed in the browser."


def in_editor(page, name: str):
    return page.locator(f".hubmagic-card-editor .hubmagic-{name}")


def tab(page, title: str) -> None:
    page.locator(".hubmagic-card-editor .lm-TabBar-tab", has_text=title).first.click()


@pytest.mark.parametrize("app", ["lab", "notebook"])
def test_edit_and_push_the_card_from_the_browser(app, notebook_page, open_notebook, hub, alice_token):
    page, repo_id = notebook_page, f"alice/card-{app}-{secrets.token_hex(4)}"
    open_notebook(page, app, f"card-{app}.ipynb", [c.format(repo_id=repo_id) for c in CELLS])
    editor = page.locator(".hubmagic-card-editor")
    editor.wait_for(timeout=SLOW)
    editor.scroll_into_view_if_needed()

    tab(page, "Sections")  # the first section, "Model description", is selected
    content = in_editor(page, "section-content").locator("textarea")
    content.fill(DESCRIPTION)
    content.blur()

    tab(page, "Metadata")
    license_box = in_editor(page, "license").locator("input")
    license_box.click()
    license_box.press_sequentially("apache")  # the datalist narrows the Hub's ids as one types
    assert page.locator("datalist option[value='apache-2.0']").count() >= 1
    license_box.fill("apache-2.0")
    license_box.press("Tab")

    tab(page, "Figures")
    first = in_editor(page, "figure-include").first
    label = first.inner_text()
    excluded = label.split("publish ", 1)[1].strip()
    editor.screenshot(path=str(ARTIFACTS / f"card-editor-{app}-figures.png"))
    first.locator("input[type=checkbox]").dispatch_event("click")  # as a click on it, wherever the row's box lies
    # the unchecked figure moves to the end of the list, unchecked
    row = in_editor(page, "figure-include").filter(has_text=excluded)
    page.wait_for_function(
        "(name) => [...document.querySelectorAll('.hubmagic-figure-include')].some("
        "e => e.innerText.includes(name) && !e.querySelector('input').checked)", arg=excluded, timeout=30_000)
    assert row.count() == 1
    tab(page, "Preview")
    in_editor(page, "preview").get_by_text(DESCRIPTION).wait_for(timeout=30_000)  # debounced, then rendered
    editor.screenshot(path=str(ARTIFACTS / f"card-editor-{app}.png"))

    in_editor(page, "push").click()
    outcome = in_editor(page, "outcome")
    outcome.get_by_text("Published").wait_for(timeout=SLOW)
    editor.screenshot(path=str(ARTIFACTS / f"card-editor-{app}-pushed.png"))
    assert repo_id in outcome.inner_text()

    api = HfApi(endpoint=hub.endpoint, token=alice_token)
    card = ModelCard.load(api.hf_hub_download(repo_id, "README.md"))
    assert card.data.license == "apache-2.0"
    assert DESCRIPTION in card.text
    files = api.list_repo_files(repo_id)
    assert excluded.startswith("figures/") and excluded not in files and excluded not in card.text
    assert len([f for f in files if f.startswith("figures/")]) == 1
    if app == "lab" and os.environ.get("HUBMAGIC_UPDATE_DOCS"):  # the README's screenshot, on request only
        shutil.copyfile(ARTIFACTS / "card-editor-lab.png", ROOT / "docs" / "card-editor.png")
