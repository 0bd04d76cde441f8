"""The default card of a hubmagic repository: valid Hub metadata and code that really loads the model."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest
import yaml
from huggingface_hub import ModelCard
from sklearn.compose import make_column_transformer
from sklearn.datasets import load_diabetes, load_iris
from sklearn.ensemble import RandomForestClassifier
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from hubmagic import card, config
from hubmagic.errors import InvalidInputError
from hubmagic.model import _metrics as metrics
from hubmagic.model import _persist as persist


def column_transformer_case():
    rng = np.random.default_rng(0)
    X = pd.DataFrame(
        {
            "city": pd.Categorical(rng.choice(["paris", "lyon", "nice"], 60)),
            "age": rng.integers(18, 80, 60).astype(float),
        }
    )
    X.loc[0, "age"] = np.nan
    y = (X["city"] == "paris").astype(int)
    pre = make_column_transformer((OneHotEncoder(), ["city"]), ("passthrough", ["age"]))
    model = make_pipeline(
        pre, RandomForestClassifier(n_estimators=5, random_state=0)
    ).fit(X.fillna(40), y)
    return model, X, y


def regressor_case():
    X, y = load_diabetes(return_X_y=True)
    return Ridge().fit(X, y), X[:20], y[:20]


def text_case():
    texts = [f"lovely great film {i}" for i in range(10)] + [
        f"boring awful film {i}" for i in range(10)
    ]
    labels = [1] * 10 + [0] * 10
    return (
        make_pipeline(TfidfVectorizer(), LogisticRegression()).fit(texts, labels),
        texts,
        labels,
    )


def iris_case():
    X, y = load_iris(return_X_y=True, as_frame=True)
    return (
        make_pipeline(StandardScaler(), LogisticRegression(max_iter=500)).fit(X, y),
        X.iloc[::10],
        y.iloc[::10],
    )


CASES = {
    "classifier": iris_case,
    "regressor": regressor_case,
    "column-transformer": column_transformer_case,
    "text": text_case,
}


def build(kind, **kwargs):
    model, X, y = CASES[kind]()
    cfg = config.build_config(model, X)
    scores = metrics.compute_metrics(
        model,
        X.fillna(40) if kind == "column-transformer" else X,
        y,
        cfg["sklearn"]["task"],
    )
    return (
        model,
        X,
        cfg,
        scores,
        card.build_default_card(model, cfg, metrics=scores, **kwargs),
    )


def validate_on_hub(hub, text):
    """``(status, json)`` of the Hub's card validation, as ``ModelCard.validate`` posts it."""
    from huggingface_hub.utils import get_session

    response = get_session().post(
        f"{hub.endpoint}/api/validate-yaml", json={"repoType": "model", "content": text}
    )
    return response.status_code, response.json()


def front_matter(text):
    return yaml.safe_load(text[4 : text.index("\n---\n", 4)])


@pytest.mark.parametrize("kind", CASES)
def test_default_card_metadata_passes_the_hubs_validation(kind, hub):
    _, X, cfg, scores, c = build(kind, repo_id="alice/my-model", license="mit")
    text = c.render()
    task = cfg["sklearn"]["task"]
    meta = front_matter(text)
    assert meta["library_name"] == "sklearn"
    assert meta["tags"] == ["sklearn", "skops", task]
    assert meta["pipeline_tag"] == task
    assert meta["license"] == "mit"
    assert meta["model_format"] == "skops" and meta["model_file"] == "model.skops"
    if task.startswith("tabular"):
        assert meta["widget"] == [{"structuredData": cfg["sklearn"]["example_input"]}]
    else:
        assert meta["widget"] == [{"text": X[0]}]

    # The Hub's own check of the card: /api/validate-yaml on the session's hub.
    assert validate_on_hub(hub, text) == (200, {})

    # model-index parses back into eval results equal to the computed metrics.
    parsed = ModelCard(text)
    assert parsed.data.model_name == "my-model"
    results = {r.metric_type: r.metric_value for r in parsed.data.eval_results}
    expected = {metrics.METRIC_INFO[name][0]: value for name, value in scores.items()}
    assert results == expected
    assert {r.task_type for r in parsed.data.eval_results} == {task}


def test_an_invalid_license_is_refused_by_the_hub(hub):
    *_, c = build("classifier", license="mit")
    c.metadata.license = "not-a-license"  # written by hand, past the check below
    status, answer = validate_on_hub(hub, c.render())
    assert status == 400
    assert any('"license" must be one of' in e["message"] for e in answer["errors"])


@pytest.mark.parametrize(
    ("given", "suggested"),
    [("MIT License", "`mit`"), ("Apache 2.0", "`apache-2.0`"), ("BSD 3-Clause", "`bsd-3-clause`")],
)
def test_a_license_name_is_refused_when_given_with_the_hubs_id(given, suggested):
    with pytest.raises(InvalidInputError) as caught:
        build("classifier", license=given)
    message = str(caught.value)
    assert f"did you mean {suggested}" in message and repr(given) in message


def test_body_sections_and_metrics_table():
    *_, scores, c = build("column-transformer")
    text = c.render()
    description = c.select("Model description").content
    assert "`Pipeline` (ColumnTransformer → RandomForestClassifier)" in description
    assert "`city`, `age`" in description and "[More Information Needed]" in description
    assert (
        c.select("Model description/Intended uses & limitations").content
        == "[More Information Needed]"
    )
    assert (
        "n_estimators"
        in c.select("Model description/Training Procedure/Hyperparameters").format()
    )
    diagram = c.select("Model description/Training Procedure/Model Plot").content
    assert "├── columntransformer: ColumnTransformer(" in diagram
    assert "RandomForestClassifier(n_estimators=5, random_state=0)" in diagram
    assert "<style" not in text and "<script" not in text and "sk-container" not in text
    table = c.select("Model description/Evaluation Results").format()
    assert f"| {scores['accuracy']} |" in re.sub(r" +", " ", table)
    assert "F1 (macro)" in table
    assert "# Model Card Authors" in text and "# Citation" in text


def test_no_metrics_no_model_index_and_a_hint():
    model, X, _ = iris_case()
    c = card.build_default_card(model, config.build_config(model, X))
    assert "model-index" not in front_matter(c.render())
    assert "--labels y_test" in c.select("Model description/Evaluation Results").content


def test_figures_and_training_script_section():
    figures = [
        {
            "name": "confusion-matrix",
            "path": "figures/confusion-matrix.png",
            "caption": "Confusion matrix on X_test",
        },
        type("Fig", (), {"name": "roc", "path": "figures/roc.png", "caption": ""})(),
    ]
    script = {
        "file": "train.py",
        "verified": False,
        "note": "Predictions differ on 3 rows.",
        "custom_objects": ["clean_text"],
    }
    *_, c = build("classifier", figures=figures, script_info=script)
    text = c.render()
    assert "![Confusion matrix on X_test](figures/confusion-matrix.png)" in text
    assert "![roc](figures/roc.png)" in text
    section = c.select("Model description/Training Procedure/Training Script").content
    assert "[`train.py`](train.py)" in section
    assert "did not rebuild the same model. Predictions differ on 3 rows." in section
    assert "`clean_text`" in section and "importable" in section
    assert (
        "Define `clean_text` first"
        in c.select("How to Get Started with the Model").content
    )

    verified = card.build_default_card(
        *iris_case()[:1],
        config.build_config(*iris_case()[:2]),
        script_info={"file": "train.py", "verified": True},
    )
    assert (
        "✔ Verified"
        in verified.select(
            "Model description/Training Procedure/Training Script"
        ).content
    )


def test_pickle_card_warns_that_loading_runs_code():
    model, X, _ = iris_case()
    cfg = config.build_config(model, X, model_format="pickle")
    c = card.build_default_card(model, cfg, repo_id="alice/iris", model_format="pickle")
    started = c.select("How to Get Started with the Model").content
    assert "Warning" in started and "runs code" in started
    assert (
        'hf_hub_download(repo_id, "model.pkl")' in started
        and "pickle.load(f)" in started
    )
    assert front_matter(c.render())["model_format"] == "pickle"


def _code(section_text: str) -> str:
    return section_text.split("```python\n", 1)[1].split("\n```", 1)[0]


@pytest.mark.parametrize(
    "kind, model_format",
    [
        ("column-transformer", "skops"),
        ("text", "skops"),
        ("regressor", "skops"),
        ("classifier", "pickle"),
    ],
)
def test_get_started_code_really_loads_the_model_from_the_hub(
    kind, model_format, tmp_path, api, repo_name, hub
):
    # The snippet uses the client's default endpoint, as a reader's would: the session hub.
    from hubmagic.hub._endpoint import use_endpoint

    use_endpoint(hub.endpoint)
    model, X, _ = CASES[kind]()
    repo_id = f"alice/{repo_name}"
    model_file = persist.model_file_name(model_format)
    persist.dump(model, tmp_path / model_file, model_format)
    cfg = config.build_config(model, X, model_format=model_format)
    config.write_config(cfg, tmp_path)
    trusted = (
        persist.untrusted_types(tmp_path / model_file)
        if model_format == "skops"
        else None
    )
    c = card.build_default_card(
        model, cfg, repo_id=repo_id, trusted_types=trusted, model_format=model_format
    )
    c.save(tmp_path / "README.md")
    api.create_repo(repo_id)
    api.upload_folder(folder_path=tmp_path, repo_id=repo_id)

    code = _code(c.select("How to Get Started with the Model").content)
    if trusted:
        assert "trusted=[\n" + "".join(f'    "{t}",\n' for t in trusted) + "]" in code
    namespace: dict = {}
    exec(compile(code, "README.md", "exec"), namespace)  # noqa: S102 - the card's own code, run as a reader would
    loaded = namespace["model"]
    assert type(loaded) is type(model)
    if kind == "text":
        example = cfg["sklearn"]["example_input"]["data"]
        assert example == X[:3]
    else:
        example = namespace["X"]
        assert list(example.columns) == cfg["sklearn"]["columns"]
        example = example if hasattr(model, "feature_names_in_") else example.to_numpy()
        example = example.fillna(40) if kind == "column-transformer" else example
    np.testing.assert_array_equal(loaded.predict(example), model.predict(example))


def test_card_of_a_model_with_a_notebook_function_names_it(tmp_path):
    from sklearn.preprocessing import FunctionTransformer

    import __main__

    def log1p(x):
        return np.log1p(x)

    log1p.__module__, log1p.__qualname__ = "__main__", "log1p"
    __main__.log1p = log1p
    try:
        X, y = load_iris(return_X_y=True)
        model = make_pipeline(
            FunctionTransformer(log1p), LogisticRegression(max_iter=500)
        ).fit(X, y)
        c = card.build_default_card(
            model, config.build_config(model, X), repo_id="alice/iris"
        )
        started = c.select("How to Get Started with the Model").content
        assert '"__main__.log1p"' in started
        assert "Define `log1p` first" in started
    finally:
        del __main__.log1p


def test_without_example_data_the_code_still_loads_and_says_what_to_pass():
    model, *_ = iris_case()
    c = card.build_default_card(model, config.build_config(model), repo_id="alice/iris")
    started = c.select("How to Get Started with the Model").content
    assert started.startswith("Load the model from the Hub:")
    code = _code(started)
    compile(code, "README.md", "exec")
    assert "config.json" not in code and "# model.predict(X) with X a table" in code
