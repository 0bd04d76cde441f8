"""hubmagic.card.Card: skops' card API plus the Hub metadata skops 0.8 rendered."""

from __future__ import annotations

import json

import numpy as np
import pytest
import yaml
from huggingface_hub import ModelCard, ModelCardData
from sklearn.datasets import load_iris
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer
from sklearn.tree import DecisionTreeClassifier

from hubmagic import card
from hubmagic.errors import InvalidInputError, UntrustedTypesError
from hubmagic.model import _persist as persist


@pytest.fixture(scope="module")
def iris_model():
    X, y = load_iris(return_X_y=True, as_frame=True)
    return LogisticRegression(max_iter=500).fit(X, y), X


def iris_config(X, task="tabular-classification", **extra):
    from hubmagic.config import example_input

    sk = {
        "columns": list(X.columns),
        "environment": ["scikit-learn=1.9.1"],
        "example_input": example_input(X),
        "model": {"file": "model.skops"},
        "model_format": "skops",
        "task": task,
    }
    sk.update(extra)
    return {"sklearn": sk}


def front_matter(text: str) -> dict:
    assert text.startswith("---\n")
    return yaml.safe_load(text[4 : text.index("\n---\n", 4)])


def test_metadata_from_config_like_skops_08_plus_pipeline_tag(tmp_path, iris_model):
    _, X = iris_model
    (tmp_path / "config.json").write_text(json.dumps(iris_config(X)))
    for source in (tmp_path, tmp_path / "config.json", iris_config(X)):
        meta = card.metadata_from_config(source)
        assert isinstance(meta, ModelCardData)
        assert meta.library_name == "sklearn"
        assert meta.tags == ["sklearn", "skops", "tabular-classification"]
        assert meta.pipeline_tag == "tabular-classification"
        assert meta.model_format == "skops"
        assert meta.model_file == "model.skops"
        assert meta.widget == [
            {"structuredData": iris_config(X)["sklearn"]["example_input"]}
        ]


def test_text_widget_and_intelex_tag():
    cfg = {
        "sklearn": {
            "task": "text-regression",
            "model": {"file": "model.pkl"},
            "model_format": "pickle",
            "use_intelex": True,
            "example_input": {"data": ["so good", "meh", "bad"]},
        }
    }
    meta = card.metadata_from_config(cfg)
    assert meta.widget == [{"text": "so good"}]
    assert meta.tags == ["sklearn", "skops", "text-regression", "scikit-learn-intelex"]
    assert meta.model_file == "model.pkl"


def test_missing_config_is_a_clear_error(tmp_path):
    with pytest.raises(InvalidInputError, match="config.json"):
        card.metadata_from_config(tmp_path)


def test_render_puts_metadata_in_front_matter_and_keeps_skops_sections(iris_model):
    model, X = iris_model
    c = card.Card(model, metadata=card.metadata_from_config(iris_config(X)))
    c.metadata.license = "mit"
    text = c.render()
    meta = front_matter(text)
    assert meta["license"] == "mit" and meta["library_name"] == "sklearn"
    assert meta["widget"][0]["structuredData"]["sepal length (cm)"] == [5.1, 4.9, 4.7]
    body = text[text.index("\n---\n", 4) + 5 :]
    for heading in (
        "# Model description",
        "## Intended uses & limitations",
        "### Hyperparameters",
        "### Model Plot",
        "# How to Get Started with the Model",
        "# Citation",
    ):
        assert f"\n{heading}\n" in "\n" + body
    # skops <= 0.8 filled "How to get started" from the metadata's model_file/model_format.
    started = c.select("How to Get Started with the Model").content
    assert 'sio.load("model.skops")' in started
    assert ModelCard(text).data.to_dict()["model_file"] == "model.skops"


def test_card_without_metadata_has_no_front_matter(iris_model):
    model, _ = iris_model
    text = card.Card(model).render()
    assert not text.startswith("---")
    assert "[More Information Needed]" in text


def test_chainable_nested_sections_select_delete(iris_model, tmp_path):
    model, _ = iris_model
    c = card.Card(model, template=None)
    assert c.add(A="top").add(**{"A/B": "nested", "A/B/C": "deeper"}) is c
    assert c.select("A/B").content == "nested"
    assert c.select("A").select("B").select("C").content == "deeper"
    c.add_table(**{"A/Scores": {"fold": [1, 2], "score": [0.9, 0.8]}})
    (tmp_path / "roc.png").write_bytes(b"png")
    c.add_plot(alt_text="ROC curve", **{"A/ROC": "roc.png"})
    c.add_metrics(section="Evaluation", accuracy=0.97)
    text = c.render()
    assert "# A\n\ntop\n\n## B\n\nnested\n\n### C\n\ndeeper" in text
    assert "![ROC curve](roc.png)" in text
    assert "accuracy" in text and "0.97" in text
    c.delete("A/B")
    with pytest.raises(KeyError):
        c.select("A/B")
    assert "nested" not in c.render()
    c.save(tmp_path / "README.md")
    assert (tmp_path / "README.md").read_text(encoding="utf-8") == c.render()


def test_repr_shows_metadata(iris_model):
    model, X = iris_model
    text = repr(card.Card(model, metadata=card.metadata_from_config(iris_config(X))))
    assert text.startswith("Card(\n  model=LogisticRegression(")
    assert "  metadata.library_name=sklearn," in text
    assert "  metadata.widget={...}," in text


def test_card_of_a_model_file_uses_hubmagic_trust_rules(tmp_path):
    X, y = load_iris(return_X_y=True)
    tree = DecisionTreeClassifier(random_state=0).fit(X, y)
    path = persist.dump(tree, tmp_path / "model.skops")
    # scikit-learn's own classes (here sklearn.tree._tree.Tree) are trusted by hubmagic's policy
    c = card.Card(path)
    np.testing.assert_array_equal(c.get_model().predict(X), tree.predict(X))
    assert "max_depth" in c.render()

    # a function named by the file is not: it is listed, and loads once the user trusts it
    rounded = make_pipeline(FunctionTransformer(np.round), DecisionTreeClassifier(random_state=0)).fit(X, y)
    path = persist.dump(rounded, tmp_path / "rounded.skops")
    with pytest.raises(UntrustedTypesError, match="round"):
        card.Card(path)
    c = card.Card(str(path), trusted=persist.untrusted_types(path))
    np.testing.assert_array_equal(c.get_model().predict(X), rounded.predict(X))

    pickled = persist.dump(tree, tmp_path / "model.pkl", "pickle")
    with pytest.raises(UntrustedTypesError, match=r"pickle file.*allow_pickle=True"):
        card.Card(pickled)
    assert "max_depth" in card.Card(pickled, allow_pickle=True).render()


def test_get_started_code_from_metadata_passes_the_needed_trusted_types(tmp_path):
    X, y = load_iris(return_X_y=True)
    tree = DecisionTreeClassifier(random_state=0).fit(X, y)
    meta = ModelCardData(model_file="model.skops", model_format="skops")
    started = (
        card.Card(tree, metadata=meta)
        .select("How to Get Started with the Model")
        .content
    )
    assert '"sklearn.tree._tree.Tree",' in started
    with pytest.raises(InvalidInputError, match="'joblib'"):
        card.Card(tree).add_get_started_code(
            file_name="m.joblib", model_format="joblib"
        )
