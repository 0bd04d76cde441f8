"""init / add_files / get_config / update_env: what they write, and bad input.

Every refused call is checked for its message and for leaving nothing behind.
"""

from __future__ import annotations

import json
import os
import re
from importlib import metadata
from pathlib import Path

import numpy as np
import pytest

from hubmagic import hub_utils
from hubmagic.errors import HubMagicError, PersistenceError


def _init(model_path, dst, data, **kwargs):
    kwargs.setdefault("task", "tabular-classification")
    hub_utils.init(model=model_path, requirements=["scikit-learn"], dst=dst, data=data, **kwargs)


def _listing(folder: Path) -> list[str]:
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*"))


# -- what init writes ------------------------------------------------------------------


def test_init_writes_model_and_skops_config(tmp_path, iris_frame, iris_model, save_model):
    X, _ = iris_frame
    model_path = save_model(iris_model, tmp_path / "model.skops", "skops")

    hub_utils.init(
        model=model_path,
        requirements=["scikit-learn=1.9.1", "pandas"],
        dst=tmp_path / "repo",
        task="tabular-classification",
        data=X,
    )

    repo = tmp_path / "repo"
    assert _listing(repo) == ["config.json", "model.skops"]
    assert (repo / "model.skops").read_bytes() == model_path.read_bytes()
    assert hub_utils.get_config(repo) == {
        "sklearn": {
            "columns": list(X.columns),
            "environment": ["scikit-learn=1.9.1", "pandas"],
            "example_input": {c: X[c][:3].tolist() for c in X.columns},
            "model": {"file": "model.skops"},
            "model_format": "skops",
            "task": "tabular-classification",
            "trusted_types": [],
            "use_intelex": False,
        }
    }
    assert hub_utils.get_requirements(repo) == ["scikit-learn=1.9.1", "pandas"]
    # the leftovers of the all-or-nothing write are gone
    assert sorted(os.listdir(tmp_path)) == ["model.skops", "repo"]


def test_init_declares_the_skops_types_the_model_needs(tmp_path, iris_frame, save_model):
    import functools

    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import FunctionTransformer

    X, y = iris_frame
    model = make_pipeline(
        FunctionTransformer(functools.partial(np.round, decimals=1)),
        LogisticRegression(max_iter=1000),
    ).fit(X.to_numpy(), y)
    model_path = save_model(model, tmp_path / "model.skops", "skops")

    _init(model_path, tmp_path / "repo", X.to_numpy())

    trusted = hub_utils.get_config(tmp_path / "repo")["sklearn"]["trusted_types"]
    assert sorted(trusted) == ["functools.partial", "numpy.round"]


def test_init_into_an_existing_empty_folder_and_nested_new_folders(tmp_path, iris_frame, iris_model, save_model):
    X, _ = iris_frame
    model_path = save_model(iris_model, tmp_path / "model.pkl")
    (tmp_path / "empty").mkdir()

    _init(model_path, tmp_path / "empty", X)
    _init(model_path, tmp_path / "a" / "b" / "repo", X)

    assert _listing(tmp_path / "empty") == ["config.json", "model.pkl"]
    assert _listing(tmp_path / "a" / "b" / "repo") == ["config.json", "model.pkl"]


def test_init_text_model(tmp_path, save_model):
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    texts = ["good movie", "bad movie", "great film", "awful film"]
    model = make_pipeline(TfidfVectorizer(), LogisticRegression()).fit(texts, [1, 0, 1, 0])
    model_path = save_model(model, tmp_path / "model.pkl")

    _init(model_path, tmp_path / "repo", texts, task="text-classification")

    config = hub_utils.get_config(tmp_path / "repo")["sklearn"]
    assert config["example_input"] == {"data": texts[:3]}
    assert "columns" not in config
    assert config["task"] == "text-classification"


# -- init: bad input leaves nothing behind ----------------------------------------------


@pytest.fixture
def pickled(tmp_path, iris_model, save_model):
    return save_model(iris_model, tmp_path / "model.pkl")


def test_init_refuses_a_non_empty_dst_and_leaves_it_alone(tmp_path, pickled, iris_frame):
    dst = tmp_path / "repo"
    dst.mkdir()
    (dst / "notes.txt").write_text("mine")

    with pytest.raises(OSError, match="None-empty dst path already exists!") as info:
        _init(pickled, dst, iris_frame[0])

    assert isinstance(info.value, HubMagicError)
    assert str(dst) in str(info.value)
    assert _listing(dst) == ["notes.txt"]


def test_init_refuses_a_dst_that_is_a_file(tmp_path, pickled, iris_frame):
    dst = tmp_path / "repo"
    dst.write_text("a file")

    with pytest.raises(OSError, match="None-empty dst path already exists!.*is a file"):
        _init(pickled, dst, iris_frame[0])
    assert dst.read_text() == "a file"


@pytest.mark.parametrize(
    "kwargs, error, message",
    [
        (
            {"task": "image-classification"},
            ValueError,
            "Task image-classification not supported. Supported tasks are: "
            "['tabular-classification', 'tabular-regression', 'text-classification', "
            "'text-regression']",
        ),
        (
            {"model_format": "onnx"},
            ValueError,
            "Cannot determine the input file format. Please indicate the format using the `model_format` argument",
        ),
        ({"model_format": "skops"}, ValueError, "model.pkl is a pickle file, but model_format='skops'"),
        (
            {"data": "random"},
            ValueError,
            "The data is not a pandas.DataFrame, a 2D numpy.ndarray or a list/tuple that can be converted to a "
            "2D numpy.ndarray.",
        ),
        ({"data": [1.0, 2.0, 3.0]}, ValueError, "data must be a table"),
        ({"task": "text-classification", "data": [1, 2, 3]}, ValueError, "The data needs to be a sequence of strings."),
    ],
    ids=["task", "format", "format-mismatch", "data-string", "data-1d", "text-data"],
)
def test_init_bad_input_names_the_problem_and_creates_nothing(tmp_path, pickled, iris_frame, kwargs, error, message):
    kwargs.setdefault("data", iris_frame[0])
    dst = tmp_path / "new" / "nested" / "repo"

    with pytest.raises(error, match=re.escape(message)) as info:
        _init(pickled, dst, **kwargs)

    assert isinstance(info.value, HubMagicError)
    assert not (tmp_path / "new").exists()
    assert sorted(os.listdir(tmp_path)) == ["model.pkl"]


def test_init_checks_the_data_against_a_skops_model_it_can_read_safely(tmp_path, iris_model, save_model):
    """A skops file is read under the trust policy (a pickle never is: that would run it)."""
    model_path = save_model(iris_model, tmp_path / "model.skops", "skops")

    with pytest.raises(ValueError, match="data has 3 columns but the LogisticRegression was fitted on 4"):
        _init(model_path, tmp_path / "repo", np.ones((5, 3)))
    assert not (tmp_path / "repo").exists()


def test_init_missing_or_empty_model_file(tmp_path, iris_frame):
    missing = tmp_path / "missing.pkl"
    with pytest.raises(OSError, match=re.escape(f"Model file '{missing}' does not exist.")):
        _init(missing, tmp_path / "repo", iris_frame[0])

    empty = tmp_path / "empty.pkl"
    empty.touch()
    with pytest.raises(RuntimeError, match=re.escape(f"Model file '{empty}' is empty.")):
        _init(empty, tmp_path / "repo", iris_frame[0])
    assert not (tmp_path / "repo").exists()


def test_init_given_the_estimator_instead_of_its_file(tmp_path, iris_model, iris_frame):
    with pytest.raises(TypeError, match="model must be the path of a saved model file, got a LogisticRegression"):
        _init(iris_model, tmp_path / "repo", iris_frame[0])
    assert not (tmp_path / "repo").exists()


def test_init_of_a_file_that_is_no_model_keeps_an_empty_dst_empty(tmp_path, iris_frame):
    not_a_model = tmp_path / "model.pkl"
    not_a_model.write_bytes(b"this is not a pickle")
    dst = tmp_path / "repo"
    dst.mkdir()

    with pytest.raises(PersistenceError, match="not a readable pickle"):
        _init(not_a_model, dst, iris_frame[0])

    assert dst.is_dir() and _listing(dst) == []
    assert sorted(os.listdir(tmp_path)) == ["model.pkl", "repo"]


def test_init_does_not_change_the_callers_requirements(tmp_path, pickled, iris_frame):
    requirements = ["scikit-learn"]
    hub_utils.init(
        model=pickled, requirements=requirements, dst=tmp_path / "repo",
        task="tabular-classification", data=iris_frame[0], use_intelex=True,
    )
    assert requirements == ["scikit-learn"]
    assert hub_utils.get_requirements(tmp_path / "repo") == ["scikit-learn", "scikit-learn-intelex"]


# -- add_files --------------------------------------------------------------------------


def test_add_files_copies_by_name_and_refuses_all_or_nothing(tmp_path, init_repo, iris_model):
    repo = init_repo(iris_model)
    script = tmp_path / "train.py"
    script.write_text("print('training')\n")
    notes = tmp_path / "notes.md"
    notes.write_text("# notes\n")

    hub_utils.add_files(script, dst=repo)
    assert (repo / "train.py").read_text() == "print('training')\n"

    # notes.md is new but train.py exists: neither is copied
    with pytest.raises(FileExistsError, match=re.escape(f"File 'train.py' already found at '{repo}'.")):
        hub_utils.add_files(notes, script, dst=repo)
    assert not (repo / "notes.md").exists()

    with pytest.raises(FileNotFoundError, match=re.escape("File 'nope.txt' could not be found.")):
        hub_utils.add_files(notes, "nope.txt", dst=repo)
    assert not (repo / "notes.md").exists()

    script.write_text("print('training v2')\n")
    hub_utils.add_files(notes, script, dst=repo, exist_ok=True)
    assert (repo / "train.py").read_text() == "print('training v2')\n"
    assert (repo / "notes.md").exists()


def test_add_files_to_a_missing_repository(tmp_path):
    script = tmp_path / "train.py"
    script.write_text("")
    with pytest.raises(FileNotFoundError, match=r"did you run 'hubmagic.hub_utils.init' first\?"):
        hub_utils.add_files(script, dst=tmp_path / "nowhere")


# -- get_config / update_env ------------------------------------------------------------


def test_get_config_of_a_folder_without_config(tmp_path):
    with pytest.raises(FileNotFoundError, match="No config.json in .*hubmagic.hub_utils.init"):
        hub_utils.get_config(tmp_path)
    with pytest.raises(FileNotFoundError, match="No config.json"):
        hub_utils.update_env(path=tmp_path, requirements=["numpy"])
    assert os.listdir(tmp_path) == []


def test_update_env_replaces_or_repins_the_environment(init_repo, iris_model):
    repo = init_repo(iris_model)

    hub_utils.update_env(path=repo, requirements=["scikit-learn", "numpy>=1.24", "not-a-package-xyz"])
    assert hub_utils.get_requirements(repo) == ["scikit-learn", "numpy>=1.24", "not-a-package-xyz"]

    # skops documented requirements=None as "update the versions of the listed packages"
    hub_utils.update_env(path=repo)
    assert hub_utils.get_requirements(repo) == [
        f"scikit-learn={metadata.version('scikit-learn')}",
        f"numpy={metadata.version('numpy')}",
        "not-a-package-xyz",
    ]
    # the rest of the config is untouched
    config = json.loads((repo / "config.json").read_text())
    assert config["sklearn"]["model"] == {"file": "model.pkl"}
