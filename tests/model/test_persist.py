"""Saving a trained model and loading it back: skops by default, pickle on request."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.compose import make_column_transformer
from sklearn.datasets import load_iris
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer, StandardScaler
from sklearn.tree import DecisionTreeClassifier

from hubmagic.errors import InvalidInputError, PersistenceError, UntrustedTypesError
from hubmagic.model import _persist as persist


def double(x):
    return x * 2


def passthrough(x, log=None):
    return x


@pytest.fixture(scope="module")
def iris():
    return load_iris(return_X_y=True)


@pytest.fixture(scope="module")
def tree_pipeline(iris):
    X, y = iris
    return make_pipeline(
        FunctionTransformer(double), DecisionTreeClassifier(random_state=0)
    ).fit(X, y)


def test_file_names_per_format():
    assert persist.model_file_name() == "model.skops"
    assert persist.model_file_name("pickle") == "model.pkl"
    with pytest.raises(InvalidInputError, match="'joblib'.*skops.*pickle"):
        persist.model_file_name("joblib")


def test_skops_round_trip_with_exactly_the_reported_trusted_types(
    tmp_path, iris, tree_pipeline
):
    X, _ = iris
    path = persist.dump(tree_pipeline, tmp_path / "model.skops")
    assert persist.file_format(path) == "skops"

    needed = persist.untrusted_types(path)
    assert needed == persist.untrusted_types(path)
    assert set(needed) == {f"{__name__}.double", "sklearn.tree._tree.Tree"}
    assert persist.trusted_types_for(tree_pipeline) == needed

    loaded = persist.load(path, trusted=needed)
    np.testing.assert_array_equal(loaded.predict(X), tree_pipeline.predict(X))


def test_untrusted_types_are_refused_and_listed(tmp_path, tree_pipeline):
    path = persist.dump(tree_pipeline, tmp_path / "model.skops")
    with pytest.raises(UntrustedTypesError) as info:
        persist.load(path, trusted=["sklearn.tree._tree.Tree"])
    assert info.value.untrusted == [f"{__name__}.double"]
    message = str(info.value)
    assert f"{__name__}.double" in message
    assert f"trusted=['{__name__}.double']" in message

    # skops alone also distrusts scikit-learn's Tree; hubmagic trusts library classes.
    with pytest.raises(UntrustedTypesError) as info:
        persist.load(path)
    assert info.value.untrusted == [f"{__name__}.double"]
    assert "sklearn.tree._tree.Tree" in persist.untrusted_types(path)


def test_trust_can_be_given_as_types_or_everything(tmp_path, iris, tree_pipeline):
    from sklearn.tree._tree import Tree

    X, _ = iris
    path = persist.dump(tree_pipeline, tmp_path / "model.skops")
    by_type = persist.load(path, trusted=[Tree, double])
    everything = persist.load(path, trusted=True)
    via_magic_word = persist.load(path, trusted=["all"])
    for model in (by_type, everything, via_magic_word):
        np.testing.assert_array_equal(model.predict(X), tree_pipeline.predict(X))


def test_a_model_with_only_default_types_loads_without_trust(tmp_path, iris):
    X, y = iris
    model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=500)).fit(X, y)
    path = persist.dump(model, tmp_path / "model.skops")
    assert persist.untrusted_types(path) == []
    np.testing.assert_array_equal(persist.load(path).predict(X), model.predict(X))


def test_lambda_in_a_pipeline_is_named_with_its_path(tmp_path, iris):
    X, y = iris
    model = make_pipeline(
        make_column_transformer(
            (FunctionTransformer(lambda x: x * 2), [0, 1]), remainder="passthrough"
        ),
        LogisticRegression(max_iter=500),
    ).fit(X, y)
    for model_format in ("skops", "pickle"):
        target = tmp_path / persist.model_file_name(model_format)
        with pytest.raises(PersistenceError) as info:
            persist.dump(model, target, model_format)
        message = str(info.value)
        assert (
            "model.steps['columntransformer'].transformers['functiontransformer'].func"
            in message
        )
        assert "lambda" in message and "named function" in message
        assert not target.exists()


def test_function_defined_inside_a_function_is_refused(tmp_path, iris):
    X, y = iris

    def local_scale(x):
        return x / 10

    model = make_pipeline(
        FunctionTransformer(local_scale), LogisticRegression(max_iter=500)
    ).fit(X, y)
    with pytest.raises(PersistenceError, match="local_scale.*inside another function"):
        persist.dump(model, tmp_path / "model.skops")


def test_failed_dump_keeps_the_previous_file(tmp_path, iris, tree_pipeline):
    X, y = iris
    path = persist.dump(tree_pipeline, tmp_path / "model.skops")
    before = path.read_bytes()
    broken = make_pipeline(
        FunctionTransformer(lambda x: x), LogisticRegression(max_iter=500)
    ).fit(X, y)
    with pytest.raises(PersistenceError):
        persist.dump(broken, path)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["model.skops"]


def test_pickle_loads_only_when_trusted(tmp_path, iris, tree_pipeline):
    X, _ = iris
    path = persist.dump(tree_pipeline, tmp_path / "model.pkl", "pickle")
    assert persist.file_format(path) == "pickle"
    assert persist.untrusted_types(path) == []
    with pytest.raises(UntrustedTypesError, match="pickle.*runs.*trusted=True"):
        persist.load(path)
    loaded = persist.load(path, trusted=True)
    np.testing.assert_array_equal(loaded.predict(X), tree_pipeline.predict(X))


def test_loading_a_model_whose_notebook_function_is_missing(tmp_path, iris):
    import json
    import zipfile

    X, y = iris
    model = make_pipeline(
        FunctionTransformer(double), LogisticRegression(max_iter=500)
    ).fit(X, y)
    path = persist.dump(model, tmp_path / "model.skops")
    # Pretend the function lived in the notebook (__main__) of another session.
    with zipfile.ZipFile(path) as zf:
        members = {name: zf.read(name) for name in zf.namelist()}
    members["schema.json"] = members["schema.json"].replace(
        json.dumps(__name__).encode(), b'"__main__"'
    )
    moved = tmp_path / "moved.skops"
    with zipfile.ZipFile(moved, "w") as zf:
        for name, content in members.items():
            zf.writestr(name, content)
    assert persist.untrusted_types(moved) == ["__main__.double"]
    with pytest.raises(PersistenceError, match="double.*notebook.*Define or import it"):
        persist.load(moved, trusted=["__main__.double"])


def test_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(InvalidInputError, match="does not exist"):
        persist.load(tmp_path / "nope.skops")


def test_an_object_skops_cannot_save_is_located(tmp_path, iris):
    X, y = iris
    handle = (line for line in ["log"])
    model = make_pipeline(
        FunctionTransformer(passthrough, kw_args={"log": handle}),
        LogisticRegression(max_iter=500),
    )
    model.fit(X, y)
    with pytest.raises(PersistenceError) as info:
        persist.dump(model, tmp_path / "model.skops")
    message = str(info.value)
    assert "model.steps['functiontransformer'].kw_args['log'] (a generator)" in message
    assert "model_format='pickle'" in message
    with pytest.raises(
        PersistenceError,
        match=r"pickle cannot save model\.steps\['functiontransformer'\]",
    ):
        persist.dump(model, tmp_path / "model.pkl", "pickle")
    assert list(tmp_path.iterdir()) == []


def test_joblib_files_and_garbage(tmp_path, iris, tree_pipeline):
    import joblib

    X, _ = iris
    path = tmp_path / "model.joblib"
    joblib.dump(tree_pipeline, path)
    loaded = persist.load(path, trusted=True)
    np.testing.assert_array_equal(loaded.predict(X), tree_pipeline.predict(X))
    garbage = tmp_path / "model.pkl"
    garbage.write_bytes(b"not a model at all")
    with pytest.raises(PersistenceError, match="not a readable pickle"):
        persist.load(garbage, trusted=True)
