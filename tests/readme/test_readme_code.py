"""Every ```python block of README.md runs, in order, against a local hub.

The blocks are a story: they run one after another in one IPython shell (so the magics
work and a later block uses the ``model`` or ``X_test`` an earlier one made), in a scratch
working folder, publishing to a local hub of their own (the names they use, such as
``model``, would collide with other tests on the shared one). A block that needs something
no earlier block defines gets it from a setup line in an HTML comment just above it,
``<!-- readme-test: setup=CODE -->``, which the rendered README does not show.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from IPython.core.interactiveshell import InteractiveShell
from traitlets.config import Config

README = Path(__file__).resolve().parents[2] / "README.md"
BLOCK = re.compile(r"(?:<!--\s*readme-test:\s*setup=(?P<setup>.*?)-->\s*\n)?```python\n(?P<code>.*?)```", re.S)


def readme_blocks() -> list[tuple[int, str, str]]:
    """``(line, setup, code)`` of each ```python block, in order."""
    text = README.read_text(encoding="utf-8")
    return [
        (text[: match.start("code")].count("\n"), (match.group("setup") or "").strip(), match.group("code"))
        for match in BLOCK.finditer(text)
    ]


def test_the_readme_has_python_blocks_with_magics_and_without():
    codes = [code for _, _, code in readme_blocks()]
    assert len(codes) >= 3
    assert any("%hub_push" in code for code in codes) and any("hubmagic.push_to_hub" in code for code in codes)


@pytest.fixture
def own_hub(tmp_path, monkeypatch):
    from hubmagic.hub._endpoint import get_endpoint, use_endpoint
    from hubmagic.localhub import LocalHub

    previous = get_endpoint()
    with LocalHub(data_dir=tmp_path / "hub-data", users={"user": "hf_" + "r" * 34}) as hub:
        monkeypatch.setenv("HUBMAGIC_LOCALHUB_ENDPOINT", hub.endpoint)
        monkeypatch.setenv("HUBMAGIC_LOCALHUB_TOKEN", hub.token)
        monkeypatch.delenv("HF_TOKEN", raising=False)
        yield hub
    use_endpoint(previous)  # the blocks pointed this process at their hub


def test_every_python_block_runs(own_hub, tmp_path, monkeypatch):
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    config = Config()
    config.HistoryManager.hist_file = ":memory:"
    shell = InteractiveShell.instance(config=config)
    try:
        for line, setup, code in readme_blocks():
            for part, what in ((setup, "its readme-test setup"), (code, "the block")):
                if not part:
                    continue
                result = shell.run_cell(part, store_history=True)
                if not result.success:
                    error = result.error_in_exec or result.error_before_exec
                    pytest.fail(f"README.md line {line}: {what} failed with {type(error).__name__}: {error}\n\n{part}")
        # The story published through the real client: the hub holds what the blocks pushed.
        from huggingface_hub import HfApi

        published = {model.id for model in HfApi(endpoint=own_hub.endpoint, token=own_hub.token).list_models()}
        assert {"user/model", "user/breast-cancer-hgb"} <= published
    finally:
        if "hubmagic" in shell.extension_manager.loaded:
            shell.run_cell("%unload_ext hubmagic")
        InteractiveShell.clear_instance()
