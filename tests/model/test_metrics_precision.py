"""model-index carries each metric as computed; config.json's environment lists pandas when needed."""

from __future__ import annotations

from pathlib import Path

from huggingface_hub import ModelCard
from sklearn import metrics as skm
from sklearn.datasets import load_breast_cancer, load_diabetes
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from hubmagic import ModelRepository
from hubmagic.model._metrics import round_metric


def metric_values(card: ModelCard) -> dict[str, float]:
    return {r.metric_type: r.metric_value for r in card.data.eval_results}


def test_model_index_carries_the_exact_scores_and_the_table_rounds(tmp_path, api, alice_token, repo_name):
    X, y = load_breast_cancer(return_X_y=True, as_frame=True)
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=133, random_state=3)
    model = make_pipeline(StandardScaler(), LogisticRegression(C=0.001)).fit(X_train, y_train)
    predicted = model.predict(X_test)
    accuracy = skm.accuracy_score(y_test, predicted)
    f1 = skm.f1_score(y_test, predicted, average="macro")
    assert round_metric(accuracy) != accuracy  # a score that rounding would change

    repo_id = f"alice/{repo_name}"
    repo = ModelRepository.init(model, data=X_test, labels=y_test, dst=tmp_path / "repo", repo_id=repo_id)
    assert metric_values(ModelCard.load(repo.path / "README.md")) == {"accuracy": accuracy, "f1": f1}
    text = (repo.path / "README.md").read_text()
    assert f"| {round_metric(accuracy)} |" in text.replace("  ", " ")  # the table, for reading

    repo.push(token=alice_token)
    remote = ModelCard.load(api.hf_hub_download(repo_id, "README.md"))
    assert metric_values(remote) == {"accuracy": accuracy, "f1": f1}
    assert api.model_info(repo_id).card_data.eval_results[0].metric_value == accuracy


def test_regression_scores_are_exact_too(tmp_path):
    X, y = load_diabetes(return_X_y=True)
    model = Ridge().fit(X[:300], y[:300])
    repo = ModelRepository.init(model, data=X[300:], labels=y[300:], dst=tmp_path / "repo")
    predicted = model.predict(X[300:])
    values = metric_values(ModelCard.load(repo.path / "README.md"))
    assert values["r_squared"] == skm.r2_score(y[300:], predicted)
    assert values["mae"] == skm.mean_absolute_error(y[300:], predicted)


def environment_names(repo: ModelRepository) -> list[str]:
    return [pin.split("=")[0] for pin in repo.config["sklearn"]["environment"]]


def test_environment_lists_pandas_for_a_dataframe_or_a_script_using_it(tmp_path):
    X, y = load_breast_cancer(return_X_y=True, as_frame=True)
    on_frame = LogisticRegression(max_iter=5000).fit(X, y)
    assert "pandas" in environment_names(ModelRepository.init(on_frame, dst=tmp_path / "frame"))

    on_array = LogisticRegression(max_iter=5000).fit(X.to_numpy(), y.to_numpy())
    plain = ModelRepository.init(on_array, data=X.to_numpy()[:5], dst=tmp_path / "array")
    assert "pandas" not in environment_names(plain)

    script = "import pandas as pd\nfrom sklearn.linear_model import LogisticRegression\n"
    scripted = ModelRepository.init(on_array, data=X.to_numpy()[:5], dst=tmp_path / "script", train_script=script)
    import pandas

    assert f"pandas={pandas.__version__}" in scripted.config["sklearn"]["environment"]
    assert Path(scripted.path / "train.py").read_text() == script
