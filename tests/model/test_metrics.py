"""Metrics in the card are the ones scikit-learn computes on the user's test data."""

from __future__ import annotations

import math

import numpy as np
import pytest
from sklearn import metrics as skm
from sklearn.datasets import load_breast_cancer, load_diabetes, load_iris
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from hubmagic.errors import InvalidInputError
from hubmagic.model._metrics import METRIC_INFO, compute_metrics, round_metric


def test_classifier_accuracy_and_macro_f1_match_sklearn():
    X, y = load_breast_cancer(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)
    model = make_pipeline(StandardScaler(), LogisticRegression()).fit(X_train, y_train)
    scores = compute_metrics(model, X_test, y_test, "tabular-classification")
    predicted = model.predict(X_test)
    assert set(scores) == {"accuracy", "f1_macro"}
    assert scores["accuracy"] == pytest.approx(
        skm.accuracy_score(y_test, predicted), abs=5e-5
    )
    assert scores["f1_macro"] == pytest.approx(
        skm.f1_score(y_test, predicted, average="macro"), abs=5e-5
    )
    assert all(type(v) is float for v in scores.values())


def test_multiclass_f1_is_macro_averaged():
    X, y = load_iris(return_X_y=True)
    model = LogisticRegression(max_iter=500, C=0.01).fit(X, y)
    predicted = model.predict(X)
    macro = skm.f1_score(y, predicted, average="macro")
    assert macro != pytest.approx(skm.f1_score(y, predicted, average="micro"), abs=1e-3)
    assert compute_metrics(model, X, y, "tabular-classification")[
        "f1_macro"
    ] == pytest.approx(macro, abs=5e-5)


def test_regressor_r2_mae_rmse_match_sklearn():
    X, y = load_diabetes(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)
    model = Ridge().fit(X_train, y_train)
    scores = compute_metrics(model, X_test, y_test, "tabular-regression")
    predicted = model.predict(X_test)
    assert set(scores) == {"r2", "mae", "rmse"}
    assert scores["r2"] == pytest.approx(skm.r2_score(y_test, predicted), abs=5e-5)
    assert scores["mae"] == pytest.approx(
        skm.mean_absolute_error(y_test, predicted), abs=5e-5
    )
    assert scores["rmse"] == pytest.approx(
        math.sqrt(skm.mean_squared_error(y_test, predicted)), abs=5e-5
    )


def test_text_classifier_metrics():
    texts = [f"great lovely film {i}" for i in range(10)] + [
        f"dull awful film {i}" for i in range(10)
    ]
    labels = [1] * 10 + [0] * 10
    model = make_pipeline(TfidfVectorizer(), LogisticRegression()).fit(texts, labels)
    scores = compute_metrics(model, texts, np.array(labels), "text-classification")
    assert scores["accuracy"] == skm.accuracy_score(labels, model.predict(texts))


def test_bad_input_is_explained():
    X, y = load_iris(return_X_y=True)
    model = LogisticRegression(max_iter=500).fit(X, y)
    with pytest.raises(InvalidInputError, match="150 rows.*149"):
        compute_metrics(model, X, y[:-1], "tabular-classification")
    with pytest.raises(InvalidInputError, match="labels"):
        compute_metrics(model, X, None, "tabular-classification")
    with pytest.raises(InvalidInputError, match="tabular-regression"):
        compute_metrics(model, X, y, "clustering")


def test_rounding_and_hub_metric_ids():
    assert round_metric(0.123456) == 0.1235
    assert round_metric(0.000123456) == 0.0001235
    assert round_metric(1234.56789) == 1234.5679
    assert round_metric(0) == 0.0
    assert {info[0] for info in METRIC_INFO.values()} == {
        "accuracy",
        "f1",
        "r_squared",
        "mae",
        "rmse",
    }
