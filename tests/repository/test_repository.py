"""The user's story with ModelRepository: train, init, edit, push, download, load back.

Every push goes to the session's local hub through the real client; what was published is
read back with plain ``huggingface_hub`` (snapshot_download, ModelCard) and ``skops.io``.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import skops.io as sio
from huggingface_hub import ModelCard, hf_hub_download, snapshot_download
from sklearn.compose import ColumnTransformer
from sklearn.datasets import load_diabetes, load_iris
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer, OneHotEncoder, StandardScaler

import hubmagic
from hubmagic.errors import (
    InvalidInputError,
    NotFittedModelError,
    PersistenceError,
    RemoteChangedError,
)
from hubmagic.repository._repository import ModelRepository


def iris_classifier():
    X, y = load_iris(return_X_y=True, as_frame=True)
    return LogisticRegression(max_iter=500).fit(X, y), X.iloc[::10], y.iloc[::10], "tabular-classification"


def diabetes_regressor():
    X, y = load_diabetes(return_X_y=True, as_frame=True)
    return Ridge(alpha=0.5).fit(X, y), X.iloc[:20], y.iloc[:20], "tabular-regression"


def column_transformer_pipeline():
    rng = np.random.default_rng(0)
    n = 80
    X = pd.DataFrame(
        {
            "age": rng.integers(18, 80, n),
            "income": rng.normal(50_000, 10_000, n).round(2),
            "city": rng.choice(["paris", "lyon", "nice"], n),
        }
    )
    y = (X["income"] > 50_000).astype(int)
    pre = ColumnTransformer([("num", StandardScaler(), ["age", "income"]), ("cat", OneHotEncoder(), ["city"])])
    model = make_pipeline(pre, LogisticRegression()).fit(X, y)
    return model, X.iloc[:15], y.iloc[:15], "tabular-classification"


def text_pipeline():
    texts = ["good movie", "great film", "loved it", "awful movie", "bad film", "hated it"] * 3
    labels = [1, 1, 1, 0, 0, 0] * 3
    model = make_pipeline(TfidfVectorizer(), LogisticRegression()).fit(texts, labels)
    return model, texts[:6], labels[:6], "text-classification"


MODELS = {
    "classifier": iris_classifier,
    "regressor": diabetes_regressor,
    "column-transformer": column_transformer_pipeline,
    "text": text_pipeline,
}


def folder_snapshot(folder: Path) -> dict[str, str]:
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


@pytest.mark.parametrize("kind", MODELS)
def test_init_push_and_load_back_with_plain_huggingface_hub(kind, tmp_path, alice_token, repo_name, hub):
    model, data, labels, task = MODELS[kind]()
    repo_id = f"alice/{repo_name}"

    repo = ModelRepository.init(
        model, data=data, labels=labels, dst=tmp_path / "hub" / kind, repo_id=repo_id, license="mit"
    )
    result = repo.push(token=alice_token)

    assert result.commit_url == f"{hub.endpoint}/{repo_id}/commit/{result.commit_oid}"
    folder = Path(snapshot_download(repo_id))
    config = json.loads((folder / "config.json").read_text())["sklearn"]
    assert config["model"]["file"] == "model.skops"
    assert config["model_format"] == "skops"
    assert config["task"] == task

    metadata = ModelCard.load(repo_id).data.to_dict()
    assert metadata["library_name"] == "sklearn"
    assert {"sklearn", "skops", task} <= set(metadata["tags"])
    assert metadata["pipeline_tag"] == task
    assert metadata["model_format"] == "skops" and metadata["model_file"] == "model.skops"
    assert metadata["license"] == "mit"
    assert metadata["model-index"][0]["results"], "metrics from the labels"
    if task.startswith("tabular"):
        columns = set(metadata["widget"][0]["structuredData"])
        assert columns == set(map(str, data.columns)) == set(config["columns"])

    model_path = folder / "model.skops"
    reloaded = sio.load(model_path, trusted=sio.get_untrusted_types(file=model_path))
    np.testing.assert_array_equal(reloaded.predict(data), model.predict(data))
    np.testing.assert_array_equal(hubmagic.load(repo_id, trusted=True).predict(data), model.predict(data))
    assert not (folder / ".hubmagic").exists()

    reopened = ModelRepository.open(repo.path)
    example = reopened.example_data()
    assert len(example) == 3, "config.json keeps 3 example rows"
    np.testing.assert_array_equal(reopened.load_model(trusted=True).predict(example), model.predict(example))


def test_repository_files_and_what_is_never_published(tmp_path, alice_token, repo_name, api):
    model, data, labels, _ = iris_classifier()
    figure = {"name": "confusion matrix", "png": b"\x89PNG\r\n\x1a\nfake", "caption": "Errors per class"}

    repo = ModelRepository.init(
        model, data=data, labels=labels, dst=tmp_path / "iris", repo_id=f"alice/{repo_name}",
        train_script="model = LogisticRegression().fit(X, y)\n", figures=[figure],
    )

    names = [p for p, _ in repo.files()]
    assert names == sorted(["README.md", "config.json", "model.skops", "train.py", "figures/confusion_matrix.png"])
    assert all(size > 0 for _, size in repo.files())
    assert (repo.path / ".hubmagic" / "state.json").is_file()
    assert "figures/confusion_matrix.png" in (repo.path / "README.md").read_text()

    repo.push(token=alice_token)
    remote = sorted(api.list_repo_files(f"alice/{repo_name}"))
    assert remote == sorted([".gitattributes", *names])
    for path in repo.path.rglob("*"):
        if path.is_file():
            assert alice_token.encode() not in path.read_bytes()


def test_name_and_default_destination(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    model, data, _, _ = iris_classifier()
    repo = ModelRepository.init(model, data=data, name="clf")
    assert repo.path == Path("hub/clf") and repo.repo_id is None and repo.name == "clf"
    assert ModelRepository.open("hub/clf").config == repo.config


def test_refresh_keeps_user_edits_and_added_files(tmp_path):
    model, data, labels, _ = iris_classifier()
    dst = tmp_path / "iris"
    repo = ModelRepository.init(model, data=data, labels=labels, dst=dst, license="mit")
    readme = (dst / "README.md").read_text()
    edited = readme.replace("license: mit", "license: apache-2.0") + "\n## My notes\n\nTrained on Tuesday.\n"
    (dst / "README.md").write_text(edited)
    extra = tmp_path / "sample.csv"
    extra.write_text("a,b\n1,2\n")
    repo.add_files(extra)

    stronger = LogisticRegression(max_iter=500, C=50.0).fit(*load_iris(return_X_y=True, as_frame=True))
    ModelRepository.init(stronger, data=data, labels=labels, dst=dst, license="mit")

    text = (dst / "README.md").read_text()
    assert "license: apache-2.0" in text, "the user's metadata edit is kept"
    assert "Trained on Tuesday." in text, "the user's section is kept"
    assert (dst / "sample.csv").read_text() == "a,b\n1,2\n"
    assert ModelRepository.open(dst).load_model(trusted=True).C == 50.0


def test_a_failed_refresh_leaves_the_folder_untouched(tmp_path):
    model, data, labels, _ = iris_classifier()
    dst = tmp_path / "iris"
    ModelRepository.init(model, data=data, labels=labels, dst=dst)
    before = folder_snapshot(dst)

    with pytest.raises(NotFittedModelError):
        ModelRepository.init(LogisticRegression(), data=data, dst=dst)
    X, y = load_iris(return_X_y=True, as_frame=True)
    unsaveable = make_pipeline(FunctionTransformer(lambda x: x), LogisticRegression(max_iter=500)).fit(X, y)
    with pytest.raises(PersistenceError):
        ModelRepository.init(unsaveable, data=data, dst=dst)

    assert folder_snapshot(dst) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["iris"], "no temporary folder left behind"


def test_init_refuses_a_folder_that_is_not_a_repository(tmp_path):
    model, data, _, _ = iris_classifier()
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "thesis.tex").write_text("important")
    with pytest.raises(InvalidInputError, match="not a hubmagic repository"):
        ModelRepository.init(model, data=data, dst=tmp_path / "mine")
    assert (tmp_path / "mine" / "thesis.tex").read_text() == "important"


def test_summary_and_status_report_what_is_missing_and_what_changed(tmp_path, alice_token, repo_name, api):
    model, data, _, _ = iris_classifier()
    repo_id = f"alice/{repo_name}"
    repo = ModelRepository.init(model, data=data, dst=tmp_path / "iris", repo_id=repo_id)

    summary = repo.summary()
    assert "model.skops" in summary and "no license" in summary and "no metrics" in summary
    assert "Not pushed yet." in str(repo.status())

    repo.push(token=alice_token)
    (repo.path / "README.md").write_text((repo.path / "README.md").read_text() + "\nMore.\n")
    extra = tmp_path / "notes.md"
    extra.write_text("notes")
    repo.add_files(extra)
    api.upload_file(path_or_fileobj=b"x", path_in_repo="colleague.txt", repo_id=repo_id)

    status = repo.status(token=alice_token)

    assert [p for p, _ in status.diff.added] == ["notes.md"]
    assert [p for p, _ in status.diff.modified] == ["README.md"]
    assert status.remote_changed
    assert "~ README.md" in str(status) and "+ notes.md" in str(status) and "pull" in str(status)


def test_pull_after_a_remote_change_then_push(tmp_path, alice_token, repo_name, api):
    model, data, _, _ = iris_classifier()
    repo_id = f"alice/{repo_name}"
    repo = ModelRepository.init(model, data=data, dst=tmp_path / "iris", repo_id=repo_id)
    repo.push(token=alice_token)
    api.upload_file(path_or_fileobj=b"from a colleague\n", path_in_repo="NOTES.md", repo_id=repo_id)
    (repo.path / "README.md").write_text((repo.path / "README.md").read_text() + "\nMy change.\n")
    with pytest.raises(RemoteChangedError):
        repo.push(token=alice_token)

    readme = (repo.path / "README.md").read_text()
    repo.pull(token=alice_token)
    (repo.path / "README.md").write_text(readme)  # re-apply my change
    result = repo.push(token=alice_token)

    assert (repo.path / "NOTES.md").read_text() == "from a colleague\n"
    assert result.files == ["README.md"]
    remote_readme = Path(hf_hub_download(repo_id, "README.md")).read_text()
    assert "My change." in remote_readme
    assert "NOTES.md" in api.list_repo_files(repo_id)


def test_edit_the_card_metadata_then_push(tmp_path, alice_token, repo_name):
    model, data, labels, _ = iris_classifier()
    repo_id = f"alice/{repo_name}"
    repo = ModelRepository.init(model, data=data, labels=labels, dst=tmp_path / "iris", repo_id=repo_id)

    repo.card.metadata.license = "apache-2.0"
    repo.save()
    repo.push(token=alice_token)

    assert ModelCard.load(repo_id).data.license == "apache-2.0"


def test_a_secret_in_the_captured_train_script_blocks_the_push(tmp_path, alice_token, repo_name, api):
    model, data, _, _ = iris_classifier()
    leaked = "hf_" + "ZyXwVuTsRqPoNmLkJiHgFeDcBa98765432"
    script = f'from huggingface_hub import login\nlogin("{leaked}")\nmodel = LogisticRegression().fit(X, y)\n'
    repo = ModelRepository.init(
        model, data=data, dst=tmp_path / "iris", repo_id=f"alice/{repo_name}", train_script=script
    )

    from hubmagic.errors import SecretsFoundError

    with pytest.raises(SecretsFoundError, match="train.py"):
        repo.push(token=alice_token)
    assert not api.repo_exists(f"alice/{repo_name}")

    repo.push(token=alice_token, redact=True)
    published = Path(hf_hub_download(f"alice/{repo_name}", "train.py")).read_text()
    assert leaked not in published and "LogisticRegression().fit(X, y)" in published


def test_from_hub_edit_and_push_back(tmp_path, alice_token, repo_name, api):
    model, data, labels, _ = iris_classifier()
    repo_id = f"alice/{repo_name}"
    original = ModelRepository.init(model, data=data, labels=labels, dst=tmp_path / "original", repo_id=repo_id)
    original.push(token=alice_token)

    copy = ModelRepository.from_hub(repo_id, tmp_path / "copy", token=alice_token)
    assert copy.repo_id == repo_id and copy.config["sklearn"]["model"]["file"] == "model.skops"
    copy.card.metadata.license = "mit"
    copy.save()
    result = copy.push(token=alice_token)

    assert result.files == ["README.md"] and len(api.list_repo_commits(repo_id)) == 3
    assert ModelCard.load(repo_id).data.license == "mit"


def test_refresh_of_a_downloaded_repository_keeps_its_card(tmp_path, alice_token, repo_name):
    model, data, labels, _ = iris_classifier()
    repo_id = f"alice/{repo_name}"
    first = ModelRepository.init(model, data=data, labels=labels, dst=tmp_path / "a", repo_id=repo_id, license="mit")
    first.push(token=alice_token)
    copy = ModelRepository.from_hub(repo_id, tmp_path / "b", token=alice_token)
    readme = (copy.path / "README.md").read_text().replace("license: mit", "license: apache-2.0")
    (copy.path / "README.md").write_text(readme + "\n## Colleague notes\n\nKeep me.\n")

    ModelRepository.init(model, data=data, labels=labels, dst=copy.path, repo_id=repo_id)

    text = (copy.path / "README.md").read_text()
    assert "license: apache-2.0" in text and "Keep me." in text


def test_pickle_format_and_extra_files(tmp_path, alice_token, repo_name, monkeypatch):
    model, data, _, _ = iris_classifier()
    repo_id = f"alice/{repo_name}"
    sample = tmp_path / "sample.csv"
    data.to_csv(sample, index=False)

    repo = ModelRepository.init(
        model, data=data, dst=tmp_path / "p", repo_id=repo_id, model_format="pickle", extra_files=[sample]
    )
    assert sorted(p for p, _ in repo.files()) == ["README.md", "config.json", "model.pkl", "sample.csv"]
    repo.push(token=alice_token)

    assert ModelCard.load(repo_id).data.to_dict()["model_format"] == "pickle"
    np.testing.assert_array_equal(hubmagic.load(repo_id, token=alice_token).predict(data), model.predict(data))
    ModelRepository.init(model, data=data, dst=tmp_path / "p", model_format="skops")
    assert sorted(p for p, _ in repo.files()) == ["README.md", "config.json", "model.skops", "sample.csv"]
