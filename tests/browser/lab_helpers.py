"""Driving JupyterLab and Notebook 7 from Playwright, shared by the browser tests (a module
of its own: ``from conftest import`` is ambiguous when several test folders run together)."""

from __future__ import annotations

import secrets

from playwright.sync_api import TimeoutError as PlaywrightTimeout


def app_path(app: str, name: str) -> str:
    """The URL path of notebook ``name`` in JupyterLab (a workspace of its own: no notebook a
    previous test left open is restored beside it) or in Notebook 7."""
    if app == "lab":
        return f"lab/workspaces/t-{secrets.token_hex(4)}/tree/{name}"
    return f"notebooks/{name}"


def run_all_cells(page) -> None:
    """Run > Run All Cells, again if the first click was lost (the kernel was still connecting:
    no cell was queued, every prompt still reads ``[ ]``)."""
    for _ in range(3):
        page.locator(".lm-MenuBar-itemLabel", has_text="Run").first.click()
        page.locator(".lm-Menu-itemLabel", has_text="Run All Cells").first.click()
        try:
            page.wait_for_function(
                "() => [...document.querySelectorAll('.jp-Notebook .jp-InputPrompt')]"
                ".some(p => /\\[(\\*|\\d+)\\]/.test(p.textContent))", timeout=30_000)
            return
        except PlaywrightTimeout:
            continue
    raise AssertionError("Run All Cells ran nothing three times: the notebook's kernel never connected")
