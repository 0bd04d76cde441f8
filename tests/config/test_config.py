"""config.json for the Hub: task, columns, example input and pinned environment."""

from __future__ import annotations

import json
from importlib.metadata import version

import numpy as np
import pandas as pd
import pytest
from sklearn.compose import make_column_transformer
from sklearn.datasets import load_iris
from sklearn.ensemble import RandomForestRegressor
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LinearRegression, LogisticRegression, Ridge
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from hubmagic import config
from hubmagic.errors import InvalidInputError, NotFittedModelError

SKLEARN_PIN = f"scikit-learn={version('scikit-learn')}"


@pytest.fixture(scope="module")
def people():
    """A small table with a categorical, a text and a numeric column (with a NaN)."""
    rng = np.random.default_rng(0)
    frame = pd.DataFrame(
        {
            "city": pd.Categorical(rng.choice(["Paris", "Lyon", "Nice"], 60)),
            "job": rng.choice(["cook", "nurse"], 60).astype(object),
            "age": rng.integers(18, 80, 60).astype(float),
        }
    )
    frame.loc[1, "age"] = np.nan
    target = (frame["age"].fillna(40) > 45).astype(int).to_numpy()
    return frame, target


@pytest.fixture(scope="module")
def tabular_pipeline(people):
    frame, target = people
    pre = make_column_transformer(
        (OneHotEncoder(handle_unknown="ignore"), ["city", "job"]),
        (make_pipeline(SimpleImputer(), StandardScaler()), ["age"]),
    )
    return make_pipeline(pre, LogisticRegression()).fit(frame, target)


@pytest.fixture(scope="module")
def reviews():
    good = [f"a great and wonderful film number {i}" for i in range(15)]
    bad = [f"an awful and boring film number {i}" for i in range(15)]
    return good + bad, [1] * 15 + [0] * 15


@pytest.fixture(scope="module")
def text_pipeline(reviews):
    texts, labels = reviews
    return make_pipeline(TfidfVectorizer(), LogisticRegression()).fit(texts, labels)


def test_dataframe_pipeline_config_matches_the_skops_hub_format(
    tabular_pipeline, people
):
    frame, _ = people
    cfg = config.build_config(tabular_pipeline, frame)
    sk = cfg["sklearn"]
    assert list(sk) == [
        "columns",
        "environment",
        "example_input",
        "model",
        "model_format",
        "task",
    ]
    assert sk["columns"] == ["city", "job", "age"]
    assert sk["task"] == "tabular-classification"
    assert sk["model"] == {"file": "model.skops"}
    assert sk["model_format"] == "skops"
    assert list(sk["example_input"]) == sk["columns"]
    assert sk["example_input"]["city"] == [str(v) for v in frame["city"][:3]]
    assert sk["example_input"]["job"] == list(frame["job"][:3])
    # The NaN in row 1 becomes null; the config is strict JSON.
    assert sk["example_input"]["age"] == [frame["age"][0], None, frame["age"][2]]
    assert all(type(v) is float for v in sk["example_input"]["age"] if v is not None)
    text = json.dumps(cfg, allow_nan=False)
    assert json.loads(text) == cfg


def test_array_input_gets_x_columns_like_skops(people):
    X, y = load_iris(return_X_y=True)
    model = LogisticRegression(max_iter=500).fit(X, y)
    sk = config.build_config(model, X[:10])["sklearn"]
    assert sk["columns"] == ["x0", "x1", "x2", "x3"]
    assert sk["example_input"]["x2"] == X[:3, 2].tolist()
    assert isinstance(sk["example_input"]["x0"][0], float)


def test_regressor_task_and_pickle_file(people):
    rng = np.random.default_rng(1)
    X, y = rng.normal(size=(30, 3)), rng.normal(size=30)
    model = RandomForestRegressor(n_estimators=3, random_state=0).fit(X, y)
    sk = config.build_config(model, X, model_format="pickle")["sklearn"]
    assert sk["task"] == "tabular-regression"
    assert sk["model"] == {"file": "model.pkl"} and sk["model_format"] == "pickle"


def test_text_pipeline_config_has_data_examples_and_no_columns(text_pipeline, reviews):
    texts, _ = reviews
    sk = config.build_config(text_pipeline, texts)["sklearn"]
    assert sk["task"] == "text-classification"
    assert "columns" not in sk
    assert sk["example_input"] == {"data": texts[:3]}
    # Known from the first step alone, and from a Series of strings.
    assert config.infer_task(text_pipeline, None) == "text-classification"
    regressor = make_pipeline(TfidfVectorizer(), Ridge()).fit(
        texts, np.arange(len(texts))
    )
    assert config.infer_task(regressor, pd.Series(texts)) == "text-regression"


def test_task_inference_sees_through_searches(people):
    X, y = load_iris(return_X_y=True)
    search = GridSearchCV(
        LogisticRegression(max_iter=500), {"C": [0.1, 1.0]}, cv=2
    ).fit(X, y)
    assert config.infer_task(search, X) == "tabular-classification"


def test_explicit_task_wins_and_unknown_task_lists_valid_ones(text_pipeline, reviews):
    texts, _ = reviews
    cfg = config.build_config(text_pipeline, texts, task="text-regression")
    assert cfg["sklearn"]["task"] == "text-regression"
    with pytest.raises(InvalidInputError) as info:
        config.build_config(text_pipeline, texts, task="image-classification")
    for task in config.SUPPORTED_TASKS:
        assert task in str(info.value)


def test_a_clusterer_needs_an_explicit_task():
    from sklearn.cluster import KMeans

    model = KMeans(n_clusters=2, n_init=1, random_state=0).fit(
        np.arange(10.0).reshape(-1, 1)
    )
    with pytest.raises(InvalidInputError, match="KMeans.*task"):
        config.infer_task(model, None)


def test_environment_pins_every_package_of_the_estimator_and_keeps_user_requirements(
    tabular_pipeline,
):
    env = config.environment(tabular_pipeline)
    assert env[0] == SKLEARN_PIN
    for package in ("numpy", "scipy", "skops"):
        assert f"{package}={version(package)}" in env
    assert len(env) == len({e.split("=")[0] for e in env})

    env = config.environment(
        tabular_pipeline, ["pandas>=2", "scikit-learn>=1.5", "pandas>=2.1"]
    )
    assert "scikit-learn>=1.5" in env and SKLEARN_PIN not in env
    assert env.index("scikit-learn>=1.5") == 0
    assert [e for e in env if e.startswith("pandas")] == ["pandas>=2.1"]


def test_environment_finds_packages_nested_in_parameters():
    # pandas only appears as a function inside a FunctionTransformer parameter.
    from sklearn.preprocessing import FunctionTransformer

    X, y = load_iris(return_X_y=True)
    model = make_pipeline(
        FunctionTransformer(pd.DataFrame), LogisticRegression(max_iter=500)
    ).fit(X, y)
    assert f"pandas={version('pandas')}" in config.environment(model)
    assert not any(
        e.startswith("pandas") for e in config.environment(LinearRegression().fit(X, y))
    )


def test_use_intelex_adds_the_key_and_the_package():
    X, y = load_iris(return_X_y=True)
    model = LogisticRegression(max_iter=500).fit(X, y)
    sk = config.build_config(model, X, use_intelex=True)["sklearn"]
    assert sk["use_intelex"] is True
    assert "scikit-learn-intelex" in sk["environment"]
    assert "use_intelex" not in config.build_config(model, X)["sklearn"]


def test_not_an_estimator_and_unfitted_models_are_refused():
    with pytest.raises(InvalidInputError, match="fit\\(\\) and predict\\(\\).*'dict'"):
        config.check_model({"coef": 1})
    with pytest.raises(NotFittedModelError, match="LogisticRegression.*\\.fit"):
        config.check_model(LogisticRegression())
    with pytest.raises(NotFittedModelError):
        config.build_config(
            make_pipeline(StandardScaler(), LinearRegression()), np.ones((3, 2))
        )


def test_wrong_number_of_columns_names_both_numbers(tabular_pipeline, people):
    frame, _ = people
    X, y = load_iris(return_X_y=True)
    model = LogisticRegression(max_iter=500).fit(X, y)
    with pytest.raises(InvalidInputError, match="has 3 columns.*fitted on 4"):
        config.check_data(model, X[:, :3])
    with pytest.raises(InvalidInputError, match="has 4 columns.*fitted on 3"):
        config.build_config(tabular_pipeline, frame.assign(extra=1))
    with pytest.raises(
        InvalidInputError, match="missing \\['job'\\].*unexpected \\['work'\\]"
    ):
        config.check_data(tabular_pipeline, frame.rename(columns={"job": "work"}))
    with pytest.raises(InvalidInputError, match="2-D"):
        config.check_data(model, X[0])


def test_without_data_columns_come_from_the_model(tabular_pipeline):
    sk = config.build_config(tabular_pipeline)["sklearn"]
    assert sk["columns"] == ["city", "job", "age"]
    assert "example_input" not in sk


def test_example_input_values_are_plain_json():
    frame = pd.DataFrame(
        {
            "n": np.array([1, 2, 3], dtype=np.int64),
            "flag": [True, False, True],
            "when": pd.to_datetime(["2024-01-01", None, "2024-01-03"]),
            "label": pd.array(["a", None, "c"], dtype="string"),
        }
    )
    example = config.example_input(frame)
    assert example == {
        "n": [1, 2, 3],
        "flag": [True, False, True],
        "when": ["2024-01-01T00:00:00", None, "2024-01-03T00:00:00"],
        "label": ["a", None, "c"],
    }
    assert type(example["n"][0]) is int
    assert config.example_input([[1.0, float("nan")], [float("inf"), 2.0]]) == {
        "x0": [1.0, None],
        "x1": [None, 2.0],
    }


def test_write_and_read_config(tmp_path, tabular_pipeline, people):
    frame, _ = people
    cfg = config.build_config(tabular_pipeline, frame)
    path = config.write_config(cfg, tmp_path)
    assert path.name == "config.json"
    assert config.read_config(tmp_path) == cfg
    with pytest.raises(InvalidInputError, match="No config.json"):
        config.read_config(tmp_path / "missing")


def test_text_and_tabular_data_are_not_mixed_up(text_pipeline, reviews):
    texts, _ = reviews
    X, y = load_iris(return_X_y=True)
    tabular = LogisticRegression(max_iter=500).fit(X, y)
    with pytest.raises(InvalidInputError, match="list of texts.*4 columns"):
        config.check_data(tabular, texts)
    with pytest.raises(InvalidInputError, match="text vectorizer.*list of strings"):
        config.check_data(text_pipeline, pd.DataFrame({"review": texts}))
    with pytest.raises(InvalidInputError, match="different lengths"):
        config.check_data(tabular, [[1, 2, 3, 4], [1, 2]])


def test_lists_of_rows_and_sparse_matrices_are_tables():
    import scipy.sparse as sp

    X, y = load_iris(return_X_y=True)
    model = LogisticRegression(max_iter=500).fit(X, y)
    rows = X[:5].tolist()
    config.check_data(model, rows)
    assert (
        config.build_config(model, rows)["sklearn"]["example_input"]["x3"]
        == X[:3, 3].tolist()
    )
    sparse = sp.csr_matrix(X[:5])
    config.check_data(model, sparse)
    assert config.example_input(sparse)["x0"] == X[:3, 0].tolist()
