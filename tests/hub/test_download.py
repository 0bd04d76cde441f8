"""hubmagic.load / download_repo: bring a published model back, under hubmagic's trust policy."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from sklearn.datasets import load_iris
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer
from sklearn.tree import DecisionTreeClassifier

import hubmagic
from hubmagic import config as model_config
from hubmagic.errors import InvalidInputError, RemoteNotFoundError, UntrustedTypesError
from hubmagic.hub._download import download_repo
from hubmagic.hub._publish import publish_folder
from hubmagic.model import _persist as persist

X, y = load_iris(return_X_y=True)


def publish_model(tmp_path, model, repo_id, token, model_format="skops") -> Path:
    """A minimal repository (model file + config.json + card) published by ``token``'s owner."""
    folder = tmp_path / repo_id.replace("/", "__")
    folder.mkdir()
    file = persist.model_file_name(model_format)
    persist.dump(model, folder / file, model_format)
    config = model_config.build_config(model, X[:5], model_file=file, model_format=model_format)
    model_config.write_config(config, folder / "config.json")
    (folder / "README.md").write_text("---\nlibrary_name: sklearn\nlicense: mit\n---\n# test model\n")
    publish_folder(folder, repo_id, token=token)
    return folder


def test_load_round_trip_gives_the_same_predictions(tmp_path, alice_token, repo_name):
    model = LogisticRegression(max_iter=500).fit(X, y)
    publish_model(tmp_path, model, f"alice/{repo_name}", alice_token)

    loaded = hubmagic.load(f"alice/{repo_name}")

    assert type(loaded) is LogisticRegression
    np.testing.assert_array_equal(loaded.predict(X), model.predict(X))
    np.testing.assert_allclose(loaded.predict_proba(X), model.predict_proba(X))


def test_load_from_a_branch_and_a_pinned_commit(tmp_path, alice_token, repo_name, api):
    repo_id = f"alice/{repo_name}"
    first = LogisticRegression(max_iter=500, C=0.01).fit(X, y)
    folder = publish_model(tmp_path, first, repo_id, alice_token)
    first_commit = api.list_repo_commits(repo_id)[0].commit_id
    second = LogisticRegression(max_iter=500, C=100.0).fit(X, y)
    persist.dump(second, folder / "model.skops")
    publish_folder(folder, repo_id, token=alice_token, revision="strong")

    assert hubmagic.load(repo_id, revision="strong").C == 100.0
    assert hubmagic.load(repo_id).C == 0.01
    assert hubmagic.load(repo_id, revision=first_commit).C == 0.01


def test_loading_a_missing_repo_says_so(repo_name):
    with pytest.raises(RemoteNotFoundError) as err:
        hubmagic.load(f"alice/{repo_name}-does-not-exist")
    message = str(err.value)
    assert f"alice/{repo_name}-does-not-exist was not found" in message and "repo id" in message


def test_loading_a_missing_revision_says_so(tmp_path, alice_token, repo_name):
    publish_model(tmp_path, LogisticRegression(max_iter=500).fit(X, y), f"alice/{repo_name}", alice_token)
    with pytest.raises(RemoteNotFoundError, match="Revision 'nope' does not exist"):
        hubmagic.load(f"alice/{repo_name}", revision="nope")


def test_a_repo_without_model_config_is_explained(alice_token, api, repo_name):
    repo_id = f"alice/{repo_name}"
    api.create_repo(repo_id)
    api.upload_file(path_or_fileobj=b"{}", path_in_repo="config.json", repo_id=repo_id)
    with pytest.raises(InvalidInputError, match="sklearn.model.file"):
        hubmagic.load(repo_id)


def test_untrusted_types_are_listed_with_the_call_that_trusts_them(tmp_path, alice_token, repo_name):
    repo_id = f"alice/{repo_name}"
    # scikit-learn's Tree class is trusted; a NumPy *function* (numpy.round) is not.
    model = make_pipeline(FunctionTransformer(np.round), DecisionTreeClassifier(random_state=0)).fit(X, y)
    publish_model(tmp_path, model, repo_id, alice_token)

    with pytest.raises(UntrustedTypesError) as err:
        hubmagic.load(repo_id)

    assert err.value.untrusted == ["numpy.round"]
    assert f"hubmagic.load({repo_id!r}, trusted=['numpy.round'])" in str(err.value)
    assert f"%hub_load {repo_id} --trust numpy.round" in str(err.value)
    loaded = hubmagic.load(repo_id, trusted=["numpy.round"])
    np.testing.assert_array_equal(loaded.predict(X), model.predict(X))


def test_a_pickle_pushed_from_another_machine_is_refused(tmp_path, alice_token, bob_token, repo_name, monkeypatch):
    repo_id = f"alice/{repo_name}"
    # Bytes no other test pushes from this machine (the ledger is keyed by content).
    model = LogisticRegression(max_iter=500, C=0.31).fit(X, y)
    with monkeypatch.context() as elsewhere:  # another machine: its own HF_HOME, its own ledger
        elsewhere.setenv("HF_HOME", str(tmp_path / "other-machine"))
        publish_model(tmp_path, model, repo_id, alice_token, model_format="pickle")

    # bob is logged in; the repo belongs to alice
    monkeypatch.setenv("HF_TOKEN", bob_token)
    with pytest.raises(UntrustedTypesError) as err:
        hubmagic.load(repo_id)
    assert "runs whatever code it contains" in str(err.value)
    assert f"hubmagic.load({repo_id!r}, trusted=True)" in str(err.value)

    trusted = hubmagic.load(repo_id, trusted=True)
    np.testing.assert_array_equal(trusted.predict(X), model.predict(X))


def test_a_pickle_pushed_from_this_machine_loads(tmp_path, alice_token, repo_name, monkeypatch):
    model = LogisticRegression(max_iter=500).fit(X, y)
    for repo_id in (f"alice/{repo_name}", f"acme/{repo_name}"):
        publish_model(tmp_path, model, repo_id, alice_token, model_format="pickle")
        loaded = hubmagic.load(repo_id, token=alice_token)
        np.testing.assert_array_equal(loaded.predict(X), model.predict(X))


def test_anonymous_pickle_load_is_refused(tmp_path, alice_token, repo_name, monkeypatch):
    repo_id = f"alice/{repo_name}"
    with monkeypatch.context() as elsewhere:
        elsewhere.setenv("HF_HOME", str(tmp_path / "other-machine"))
        model = LogisticRegression(max_iter=500, C=0.37).fit(X, y)
        publish_model(tmp_path, model, repo_id, alice_token, model_format="pickle")
    monkeypatch.delenv("HF_TOKEN", raising=False)
    from huggingface_hub import constants

    monkeypatch.setattr(constants, "HF_TOKEN_PATH", str(tmp_path / "no-token"))
    with pytest.raises(UntrustedTypesError, match="pickle"):
        hubmagic.load(repo_id)


def test_download_repo_copies_real_files(tmp_path, alice_token, repo_name):
    repo_id = f"alice/{repo_name}"
    source = publish_model(tmp_path, LogisticRegression(max_iter=500).fit(X, y), repo_id, alice_token)
    dst = tmp_path / "downloaded"

    download_repo(repo_id, dst)

    for name in ("config.json", "model.skops", "README.md"):
        assert (dst / name).read_bytes() == (source / name).read_bytes()
        assert not (dst / name).is_symlink()
    assert json.loads((dst / "config.json").read_text())["sklearn"]["model"]["file"] == "model.skops"
    with pytest.raises(InvalidInputError, match="not empty"):
        download_repo(repo_id, dst)



def test_a_repo_without_config_json_is_explained(alice_token, api, repo_name):
    repo_id = f"alice/{repo_name}"
    api.create_repo(repo_id)
    with pytest.raises(RemoteNotFoundError, match="has no config.json"):
        hubmagic.load(repo_id)


def test_an_unreachable_hub_is_not_reported_as_a_missing_file(monkeypatch, repo_name):
    """The client retries for ~20 s, then gives up: the message is about the network."""
    monkeypatch.setenv("HF_ENDPOINT", "http://127.0.0.1:9")
    with pytest.raises(RemoteNotFoundError, match="Could not reach the Hub at http://127.0.0.1:9") as info:
        hubmagic.load(f"alice/{repo_name}")
    assert "no config.json" not in str(info.value)


def test_a_file_as_destination_is_one_clear_error_and_stays_as_it_was(tmp_path, alice_token, repo_name):
    from hubmagic import hub_utils
    from hubmagic.repository import ModelRepository

    repo_id = f"alice/{repo_name}"
    publish_model(tmp_path, LogisticRegression(max_iter=500).fit(X, y), repo_id, alice_token)
    notes = tmp_path / "notes.txt"
    notes.write_text("my notes")

    for download in (lambda dst: ModelRepository.from_hub(repo_id, dst),
                     lambda dst: download_repo(repo_id, dst),
                     lambda dst: download_repo(repo_id, dst, exist_ok=True)):
        with pytest.raises(InvalidInputError) as err:
            download(notes)
        message = str(err.value)
        assert message.startswith(f"Cannot download {repo_id} into {str(notes)!r}: it is a file"), message
        assert "\n" not in message and "Choose another" in message and "Nothing was changed." in message
        with pytest.raises(InvalidInputError, match=f"{str(notes)!r} is a file"):
            download(notes / "model")  # a folder that would have to be made under the file
    with pytest.raises(OSError, match="^None-empty dst path already exists! Cannot download .*: it is a file"):
        hub_utils.download(repo_id=repo_id, dst=notes)
    assert notes.read_text() == "my notes"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["alice__" + repo_name, "notes.txt"]
