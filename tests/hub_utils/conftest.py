"""Shared pieces of the hub_utils stories: a trained iris model saved to a file."""

from __future__ import annotations

import pickle
from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def iris_frame():
    """``(X, y)`` of iris as a DataFrame and a Series."""
    from sklearn.datasets import load_iris

    return load_iris(as_frame=True, return_X_y=True)


@pytest.fixture(scope="session")
def iris_model(iris_frame):
    """A LogisticRegression fitted on the iris DataFrame (so it knows the column names)."""
    from sklearn.linear_model import LogisticRegression

    X, y = iris_frame
    return LogisticRegression(max_iter=1000).fit(X, y)


def _save_model(model, path: Path, model_format: str = "pickle") -> Path:
    """Save ``model`` like a skops user did before calling ``hub_utils.init``."""
    path = Path(path)
    if model_format == "pickle":
        with open(path, "wb") as f:
            pickle.dump(model, f)
    else:
        import skops.io as sio

        sio.dump(model, path)
    return path


@pytest.fixture
def save_model():
    """``save_model(model, path, model_format="pickle")`` → path (pickle or skops file)."""
    return _save_model


@pytest.fixture
def init_repo(tmp_path, iris_frame):
    """``init_repo(model, name, model_format="pickle", data=X)`` → an initialized repository folder."""
    from hubmagic import hub_utils

    def make(model, name="repo", model_format="pickle", data=None, task="tabular-classification"):
        suffix = ".pkl" if model_format == "pickle" else ".skops"
        saved = tmp_path / f"{name}-saved"
        saved.mkdir()
        model_path = _save_model(model, saved / f"model{suffix}", model_format)
        dst = tmp_path / name
        hub_utils.init(
            model=model_path,
            requirements=["scikit-learn"],
            dst=dst,
            task=task,
            data=iris_frame[0] if data is None else data,
        )
        return dst

    return make
