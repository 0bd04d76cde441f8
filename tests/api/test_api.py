"""hubmagic.push_to_hub / hubmagic.load: the two-function API of the integration guide."""

from __future__ import annotations

import numpy as np
import pytest
from huggingface_hub import ModelCard
from sklearn.datasets import load_breast_cancer
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression

import hubmagic
from hubmagic.errors import AuthenticationError


@pytest.fixture(scope="module")
def trained():
    X, y = load_breast_cancer(return_X_y=True, as_frame=True)
    model = LogisticRegression(max_iter=3000).fit(X, y)
    return model, X.iloc[:40], y.iloc[:40]


def test_push_to_hub_then_load(trained, alice_token, api, repo_name, hub):
    model, X_test, y_test = trained
    repo_id = f"alice/{repo_name}"

    result = hubmagic.push_to_hub(model, repo_id, data=X_test, labels=y_test, token=alice_token, commit_message="v1")

    assert result.commit_url == f"{hub.endpoint}/{repo_id}/commit/{result.commit_oid}"
    assert [c.title for c in api.list_repo_commits(repo_id)] == ["v1", "initial commit"]
    assert {"README.md", "config.json", "model.skops"} <= set(api.list_repo_files(repo_id))
    assert ModelCard.load(repo_id).data.library_name == "sklearn"
    loaded = hubmagic.load(repo_id)
    np.testing.assert_array_equal(loaded.predict(X_test), model.predict(X_test))


def test_push_to_hub_again_replaces_the_model_and_can_open_a_pr(trained, alice_token, bob_token, api, repo_name):
    model, X_test, y_test = trained
    repo_id = f"alice/{repo_name}"
    hubmagic.push_to_hub(model, repo_id, data=X_test, token=alice_token)
    X, y = load_breast_cancer(return_X_y=True, as_frame=True)
    forest = RandomForestClassifier(n_estimators=3, random_state=0).fit(X, y)

    hubmagic.push_to_hub(forest, repo_id, data=X_test, token=alice_token, commit_message="forest")
    assert type(hubmagic.load(repo_id, trusted=True)).__name__ == "RandomForestClassifier"

    pr = hubmagic.push_to_hub(model, repo_id, data=X_test, token=bob_token, create_pr=True)
    assert pr.pr_num is not None
    assert type(hubmagic.load(repo_id, revision=f"refs/pr/{pr.pr_num}")).__name__ == "LogisticRegression"
    assert api.list_repo_commits(repo_id)[0].title == "forest"


def test_push_to_hub_to_someone_elses_namespace_is_refused(trained, bob_token, api, repo_name):
    model, X_test, _ = trained
    with pytest.raises(AuthenticationError, match="No write access"):
        hubmagic.push_to_hub(model, f"alice/{repo_name}", data=X_test, token=bob_token)
    assert not api.repo_exists(f"alice/{repo_name}")


def test_push_to_hub_private(trained, alice_token, bob_token, api, repo_name):
    model, X_test, _ = trained
    repo_id = f"alice/{repo_name}"
    hubmagic.push_to_hub(model, repo_id, data=X_test, token=alice_token, private=True)
    assert api.model_info(repo_id).private
    from hubmagic.errors import RemoteNotFoundError

    with pytest.raises(RemoteNotFoundError, match="not found"):
        hubmagic.load(repo_id, token=bob_token)


def test_push_to_hub_with_a_bare_name_goes_to_the_users_namespace_and_says_so_in_the_card(
        trained, alice_token, api, repo_name):
    model, X_test, _ = trained
    result = hubmagic.push_to_hub(model, repo_name, data=X_test, token=alice_token)
    assert result.repo_id == f"alice/{repo_name}"
    assert callable(hubmagic.use_local_hub)  # the README's Python API entry point
    card = ModelCard.load(f"alice/{repo_name}").text
    assert f'repo_id = "alice/{repo_name}"' in card and "USER/MODEL" not in card
