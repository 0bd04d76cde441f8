"""get_model_output: the model of a Hub repository, run locally, under hubmagic's trust policy."""

from __future__ import annotations

import functools
import json
import warnings

import numpy as np
import pytest

from hubmagic import hub_utils
from hubmagic.errors import HubMagicError, UntrustedTypesError


def _publish(repo, repo_id, token, private=False):
    hub_utils.push(repo_id=repo_id, source=repo, token=token, create_remote=True, private=private)
    return repo_id


def test_own_pickle_repo_predicts_like_the_model(alice_token, repo_name, init_repo, iris_model, iris_frame):
    X, _ = iris_frame
    repo_id = _publish(init_repo(iris_model), f"alice/{repo_name}", alice_token, private=True)

    output = hub_utils.get_model_output(repo_id, X.head(10), token=alice_token)

    assert isinstance(output, np.ndarray)
    np.testing.assert_array_equal(output, iris_model.predict(X.head(10)))


def test_pickle_of_an_organization_the_user_belongs_to(alice_token, repo_name, init_repo, iris_model, iris_frame):
    X, _ = iris_frame
    repo_id = _publish(init_repo(iris_model), f"acme/{repo_name}", alice_token)

    output = hub_utils.get_model_output(repo_id, X.head(5), token=alice_token)

    np.testing.assert_array_equal(output, iris_model.predict(X.head(5)))


def test_someone_elses_pickle_needs_trusted_true(alice_token, bob_token, repo_name, init_repo, iris_frame, monkeypatch,
                                                 tmp_path):
    from sklearn.linear_model import LogisticRegression

    X, y = iris_frame
    iris_model = LogisticRegression(max_iter=500, C=0.29).fit(X, y)  # bytes only bob has pushed
    with monkeypatch.context() as bobs_machine:  # bob pushes from his machine (his own ledger)
        bobs_machine.setenv("HF_HOME", str(tmp_path / "bob-home"))
        repo_id = _publish(init_repo(iris_model), f"bob/{repo_name}", bob_token)

    with pytest.raises(UntrustedTypesError, match="loading a pickle runs whatever code it contains") as info:
        hub_utils.get_model_output(repo_id, X.head(5), token=alice_token)
    assert f"get_model_output('{repo_id}', data, trusted=True)" in str(info.value)
    with pytest.raises(UntrustedTypesError, match="pushed from this machine"):
        hub_utils.get_model_output(repo_id, X.head(5))

    output = hub_utils.get_model_output(repo_id, X.head(5), token=alice_token, trusted=True)
    np.testing.assert_array_equal(output, iris_model.predict(X.head(5)))


def _rounding_model(iris_frame):
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import FunctionTransformer

    X, y = iris_frame
    return make_pipeline(
        FunctionTransformer(functools.partial(np.round, decimals=1)),
        LogisticRegression(max_iter=1000),
    ).fit(X, y)


def test_types_a_config_declares_are_not_trusted_on_their_own(alice_token, repo_name, init_repo, iris_frame):
    X, _ = iris_frame
    model = _rounding_model(iris_frame)
    repo = init_repo(model, model_format="skops")
    assert hub_utils.get_config(repo)["sklearn"]["trusted_types"] == ["functools.partial", "numpy.round"]
    repo_id = _publish(repo, f"alice/{repo_name}", alice_token)

    # config.json is the repository author's claim: the user names the types themselves
    with pytest.raises(UntrustedTypesError, match="functools.partial, numpy.round"):
        hub_utils.get_model_output(repo_id, X.tail(7))
    # public skops repo: no token needed, as in the docs' snippet
    output = hub_utils.get_model_output(repo_id, X.tail(7), trusted=["functools.partial", "numpy.round"])

    np.testing.assert_array_equal(output, model.predict(X.tail(7)))


def test_skops_file_with_undeclared_types_lists_them(alice_token, repo_name, init_repo, iris_frame):
    X, _ = iris_frame
    model = _rounding_model(iris_frame)
    repo = init_repo(model, model_format="skops")
    config = hub_utils.get_config(repo)
    del config["sklearn"]["trusted_types"]  # e.g. a repository made by skops itself
    (repo / "config.json").write_text(json.dumps(config))
    repo_id = _publish(repo, f"alice/{repo_name}", alice_token)

    with pytest.raises(UntrustedTypesError, match="functools.partial, numpy.round") as info:
        hub_utils.get_model_output(repo_id, X.head(3), token=alice_token)
    assert sorted(info.value.untrusted) == ["functools.partial", "numpy.round"]
    assert "trusted=['functools.partial', 'numpy.round']" in str(info.value)

    output = hub_utils.get_model_output(
        repo_id, X.head(3), token=alice_token, trusted=["functools.partial", "numpy.round"]
    )
    np.testing.assert_array_equal(output, model.predict(X.head(3)))


def test_declared_trust_never_covers_builtins_or_os(alice_token, repo_name, init_repo, iris_frame):
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import FunctionTransformer

    X, y = iris_frame
    model = make_pipeline(FunctionTransformer(abs), LogisticRegression(max_iter=1000)).fit(X, y)
    repo = init_repo(model, model_format="skops")
    assert hub_utils.get_config(repo)["sklearn"]["trusted_types"] == ["builtins.abs"]
    repo_id = _publish(repo, f"alice/{repo_name}", alice_token)

    # a repository may declare anything; builtins/os/subprocess... need the user's own word
    with pytest.raises(UntrustedTypesError, match="builtins.abs") as info:
        hub_utils.get_model_output(repo_id, X.head(3))
    assert info.value.untrusted == ["builtins.abs"]

    output = hub_utils.get_model_output(repo_id, X.head(3), trusted=["builtins.abs"])
    np.testing.assert_array_equal(output, model.predict(X.head(3)))


def test_input_is_matched_to_the_config_columns(alice_token, repo_name, init_repo, iris_model, iris_frame):
    X, _ = iris_frame
    repo_id = _publish(init_repo(iris_model), f"alice/{repo_name}", alice_token)
    expected = iris_model.predict(X.head(8))

    shuffled = X.head(8)[list(reversed(X.columns))]
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no "feature names" warning from sklearn
        by_name = hub_utils.get_model_output(repo_id, shuffled, token=alice_token)
        from_array = hub_utils.get_model_output(repo_id, X.head(8).to_numpy(), token=alice_token)

    np.testing.assert_array_equal(by_name, expected)
    np.testing.assert_array_equal(from_array, expected)

    with pytest.raises(ValueError, match=r"data lacks column\(s\) the model expects: petal width \(cm\)"):
        hub_utils.get_model_output(repo_id, X.head(2).drop(columns="petal width (cm)"), token=alice_token)
    with pytest.raises(ValueError, match="data has 2 columns but the LogisticRegression was fitted on 4"):
        hub_utils.get_model_output(repo_id, X.head(2).to_numpy()[:, :2], token=alice_token)


def test_regression_and_text_models(alice_token, repo_name, init_repo):
    from sklearn.datasets import load_diabetes
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LinearRegression, LogisticRegression
    from sklearn.pipeline import make_pipeline

    X, y = load_diabetes(as_frame=True, return_X_y=True)
    regressor = LinearRegression().fit(X, y)
    repo = init_repo(regressor, name="reg", data=X, task="tabular-regression")
    repo_id = _publish(repo, f"alice/{repo_name}-reg", alice_token)
    output = hub_utils.get_model_output(repo_id, X.head(4), token=alice_token)
    np.testing.assert_allclose(output, regressor.predict(X.head(4)))

    texts = ["good movie", "bad movie", "great film", "awful film"]
    classifier = make_pipeline(TfidfVectorizer(), LogisticRegression()).fit(texts, [1, 0, 1, 0])
    repo = init_repo(classifier, name="text", data=texts, task="text-classification")
    repo_id = _publish(repo, f"alice/{repo_name}-text", alice_token)
    output = hub_utils.get_model_output(repo_id, ["a good film", "a bad movie"], token=alice_token)
    np.testing.assert_array_equal(output, classifier.predict(["a good film", "a bad movie"]))


def test_repository_without_task_or_unknown(alice_token, repo_name, init_repo, iris_model, iris_frame):
    from huggingface_hub.utils import RepositoryNotFoundError

    X, _ = iris_frame
    repo = init_repo(iris_model)
    config = hub_utils.get_config(repo)
    del config["sklearn"]["task"]
    (repo / "config.json").write_text(json.dumps(config))
    repo_id = _publish(repo, f"alice/{repo_name}", alice_token)

    with pytest.raises(ValueError, match=f"Repo {repo_id} has no pipeline tag") as info:
        hub_utils.get_model_output(repo_id, X.head(2), token=alice_token)
    assert isinstance(info.value, HubMagicError)

    with pytest.raises(RepositoryNotFoundError, match="was not found"):
        hub_utils.get_model_output(f"alice/{repo_name}-nope", X.head(2), token=alice_token)


def test_model_errors_are_runtime_errors(alice_token, repo_name, init_repo, iris_model, iris_frame):
    X, _ = iris_frame
    repo_id = _publish(init_repo(iris_model), f"alice/{repo_name}", alice_token)
    bad = X.head(2).astype(object)
    bad.iloc[0, 0] = "not a number"

    with pytest.raises(RuntimeError, match="There were errors or warnings during inference") as info:
        hub_utils.get_model_output(repo_id, bad, token=alice_token)
    assert isinstance(info.value, HubMagicError)


def test_the_model_is_downloaded_once_into_the_hf_cache(api, alice_token, repo_name, init_repo, iris_model, iris_frame):
    from pathlib import Path

    from huggingface_hub import constants

    X, _ = iris_frame
    repo_id = _publish(init_repo(iris_model), f"alice/{repo_name}", alice_token)
    sha = api.model_info(repo_id).sha

    first = hub_utils.get_model_output(repo_id, X.head(3), token=alice_token)

    snapshot = Path(constants.HF_HUB_CACHE) / f"models--alice--{repo_name}" / "snapshots" / sha
    assert sorted(p.name for p in snapshot.iterdir()) == ["config.json", "model.pkl"]
    blob = (snapshot / "model.pkl").resolve()
    mtime = blob.stat().st_mtime_ns
    second = hub_utils.get_model_output(repo_id, X.head(3), token=alice_token)
    np.testing.assert_array_equal(first, second)
    assert blob.stat().st_mtime_ns == mtime


def test_output_of_a_repository_published_with_hubmagic(alice_token, repo_name, iris_model, iris_frame):
    import hubmagic

    X, y = iris_frame
    hubmagic.push_to_hub(iris_model, f"alice/{repo_name}", data=X.head(20), labels=y.head(20), token=alice_token)

    output = hub_utils.get_model_output(f"alice/{repo_name}", X.tail(5))

    np.testing.assert_array_equal(output, iris_model.predict(X.tail(5)))


def test_a_repository_built_by_hub_init_declares_its_trusted_types(alice_token, repo_name, iris_frame, tmp_path):
    """ModelRepository (what %hub_init builds) writes the same trusted_types as hub_utils.init."""
    from sklearn.ensemble import HistGradientBoostingClassifier

    from hubmagic.repository._repository import ModelRepository

    X, y = iris_frame
    model = HistGradientBoostingClassifier(max_iter=5).fit(X, y)
    repo = ModelRepository.init(model, data=X.head(10), dst=tmp_path / "hgb", repo_id=f"alice/{repo_name}")
    declared = repo.config["sklearn"]["trusted_types"]
    assert any(t.endswith("TreePredictor") for t in declared)
    repo.push(token=alice_token)

    output = hub_utils.get_model_output(f"alice/{repo_name}", X.head(10), token=alice_token)
    np.testing.assert_array_equal(output, model.predict(X.head(10)))
