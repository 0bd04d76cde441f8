"""Reading a README.md back into a Card (no pandoc): metadata and sections, in order."""

from __future__ import annotations

import pytest
from huggingface_hub import ModelCard
from sklearn.datasets import load_iris
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from hubmagic import card, config
from hubmagic.errors import InvalidInputError
from hubmagic.model import _metrics as metrics


@pytest.fixture(scope="module")
def default_card():
    X, y = load_iris(return_X_y=True, as_frame=True)
    model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=500)).fit(X, y)
    cfg = config.build_config(model, X)
    scores = metrics.compute_metrics(model, X, y, cfg["sklearn"]["task"])
    return card.build_default_card(
        model,
        cfg,
        repo_id="alice/iris",
        metrics=scores,
        license="apache-2.0",
        figures=[{"name": "roc", "path": "figures/roc.png", "caption": "ROC"}],
        script_info={"file": "train.py", "verified": True},
    )


def test_saved_default_card_loads_back_identically(default_card, tmp_path):
    default_card.save(tmp_path / "README.md")
    loaded = card.Card.load(tmp_path / "README.md")
    assert loaded.model is None
    assert loaded.render() == default_card.render()
    assert loaded.metadata.to_dict() == default_card.metadata.to_dict()
    assert loaded.get_toc() == default_card.get_toc()
    assert (
        loaded.select("Model description/Intended uses & limitations").content
        == "[More Information Needed]"
    )
    assert (
        "![ROC](figures/roc.png)"
        in loaded.select("Model description/Figures/roc").content
    )


def test_edit_a_loaded_card_and_save_it(default_card, tmp_path):
    default_card.save(tmp_path / "README.md")
    loaded = card.parse_modelcard(tmp_path / "README.md")
    loaded.add(**{"Model description/Intended uses & limitations": "Teaching only."})
    loaded.add(**{"Model description/Training data": "The iris data set."})
    loaded.metadata.license = "mit"
    loaded.save(tmp_path / "README.md")

    again = card.parse_modelcard(tmp_path / "README.md")
    assert (
        again.select("Model description/Intended uses & limitations").content
        == "Teaching only."
    )
    assert (
        again.select("Model description/Training data").content == "The iris data set."
    )
    titles = list(again.select("Model description").subsections)
    assert titles[-1] == "Training data" and titles[0] == "Intended uses & limitations"
    hub_view = ModelCard.load(tmp_path / "README.md")
    assert hub_view.data.license == "mit"
    assert [r.metric_type for r in hub_view.data.eval_results] == ["accuracy", "f1"]


def test_headings_in_code_blocks_preamble_duplicates_and_closing_hashes():
    text = (
        "---\nlicense: mit\ntags:\n- sklearn\n---\n"
        "Intro paragraph before any heading.\n\n"
        "# Usage #\n\n```python\n# not a heading\nprint(1)\n```\n\n~~~\n## neither\n~~~\n\n"
        "<style>\n#sk-container { color: red }\n# still css\n</style>\n\n"
        "## Notes\n\nfirst\n\n## Notes\n\nsecond\n\n#hashtag is text\n\n###### Deep\n\ndeep text\n"
    )
    c = card.parse_modelcard_text(text)
    assert c.metadata.license == "mit" and c.metadata.tags == ["sklearn"]
    assert c.preamble == "Intro paragraph before any heading."
    assert list(c._data) == ["Usage"]
    usage = c.select("Usage")
    assert "# not a heading" in usage.content and "## neither" in usage.content
    assert "# still css" in usage.content
    assert list(usage.subsections) == ["Notes", "Notes (2)"]
    assert usage.subsections["Notes"].content == "first"
    assert usage.subsections["Notes (2)"].title == "Notes"
    assert usage.subsections["Notes (2)"].content == "second\n\n#hashtag is text"
    assert c.select("Usage/Notes (2)/Deep").content == "deep text"
    rendered = c.render()
    assert rendered.startswith(
        "---\nlicense: mit\ntags:\n- sklearn\n---\n\nIntro paragraph"
    )
    assert "\n## Notes\n\nsecond\n" in rendered


def test_a_card_without_front_matter_and_a_slash_title():
    c = card.parse_modelcard_text("# Results/2024\n\nall good\n")
    assert c.metadata.to_dict() == {}
    assert c.select("Results\\/2024").content == "all good"
    assert c.render() == "\n# Results/2024\n\nall good\n"


def test_broken_yaml_is_a_clear_error(tmp_path):
    with pytest.raises(InvalidInputError, match="YAML"):
        card.parse_modelcard_text("---\nlicense: [mit\n---\n# A\n")
    with pytest.raises(InvalidInputError, match="Cannot read"):
        card.parse_modelcard(tmp_path / "missing.md")
