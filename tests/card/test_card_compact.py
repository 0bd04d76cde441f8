"""The generated card is worth editing: compact, the same bytes for the same model, no addresses."""

from __future__ import annotations

import re

import numpy as np
import pytest
from markdown_it import MarkdownIt
from sklearn.compose import make_column_transformer
from sklearn.datasets import load_breast_cancer
from sklearn.ensemble import RandomForestClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer, StandardScaler

from hubmagic.card import parse_modelcard_text
from hubmagic.card._licenses import check_license, license_suggestions
from hubmagic.errors import InvalidInputError
from hubmagic.repository import ModelRepository


@pytest.fixture(scope="module")
def data():
    X, y = load_breast_cancer(return_X_y=True, as_frame=True)
    return X, y


def make_model(X, y):
    # A RandomState object and a function: both print a memory address in Python's repr.
    pre = make_column_transformer((StandardScaler(), list(X.columns[:3])), remainder="passthrough")
    return make_pipeline(
        FunctionTransformer(np.round),
        pre,
        RandomForestClassifier(n_estimators=5, random_state=np.random.RandomState(0)),
    ).fit(X, y)


def build(tmp_path, name, X, y, **kwargs):
    model = make_model(X, y)
    repo = ModelRepository.init(
        model, data=X[:40], labels=y[:40], dst=tmp_path / name, license="mit",
        script_info={"file": "train.py", "verified": None, "data": "big", "labels": "y_big"}, **kwargs,
    )
    return (repo.path / "README.md").read_text(encoding="utf-8")


def test_same_model_same_bytes_compact_and_address_free(tmp_path, data):
    X, y = data
    first = build(tmp_path, "one", X, y)
    second = build(tmp_path, "two", X, y)  # another model object, fitted the same way
    assert first == second
    assert len(first.encode()) < 12_000, len(first.encode())  # was ~78-146 kB with the HTML diagram
    assert not re.search(r"0x[0-9a-fA-F]{6,}", first)
    assert "<style" not in first and "<script" not in first and "sk-container-id" not in first
    # no table row is padded: the longest line is a real value, not spaces
    body = first[first.index("\n---\n", 4) :]
    assert max(len(line) for line in body.splitlines() if line.startswith("|")) < 120


def test_the_card_names_the_data_actually_used(tmp_path, data):
    X, y = data
    text = build(tmp_path, "named", X, y)
    assert "`big`" in text and "`y_big`" in text
    assert "X_test" not in text


def test_the_diagram_is_markdown_the_hub_renders(tmp_path, data):
    X, y = data
    card = parse_modelcard_text(build(tmp_path, "diagram", X, y))
    plot = card.select("Model description/Training Procedure/Model Plot").content
    html = MarkdownIt("commonmark").enable("table").render(plot)
    assert "<details>" in html and "<pre><code" in html
    forest = "RandomForestClassifier(n_estimators=5, random_state=RandomState(MT19937))"
    assert f"└── randomforestclassifier: {forest}" in plot
    assert "func=<function round>" in plot and " at 0x" not in plot
    table = card.select("Model description/Training Procedure/Hyperparameters").content
    html = MarkdownIt("commonmark").enable("table").render(table)
    assert "<td>randomforestclassifier__n_estimators</td>" in html
    assert "<code>5</code>" in html


def test_license_check_suggests_the_hubs_identifier(tmp_path, data):
    assert check_license("apache-2.0") == "apache-2.0"
    assert check_license(None) is None
    assert license_suggestions("MIT License")[0] == "mit"
    X, y = data
    with pytest.raises(InvalidInputError, match="did you mean `mit`"):
        ModelRepository.init(make_model(X, y), data=X[:20], dst=tmp_path / "bad", license="MIT License")
    assert not (tmp_path / "bad").exists()  # nothing half-made
