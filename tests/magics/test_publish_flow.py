"""The user's story in a real IPython shell: train, %hub_init, %hub_push, %hub_load."""

from __future__ import annotations

import json

import numpy as np
import pytest
from huggingface_hub import HfApi, hf_hub_download
from IPython.core.error import UsageError

TRAIN_CELLS = [
    "from sklearn.datasets import load_iris\nfrom sklearn.model_selection import train_test_split",
    "from sklearn.linear_model import LogisticRegression",
    "X, y = load_iris(return_X_y=True, as_frame=True)\n"
    "X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)",
    "X.describe()",
    "model = LogisticRegression(max_iter=500)\nmodel.fit(X_train, y_train)",
]


def train(ip):
    for cell in TRAIN_CELLS:
        ip.run_cell(cell, store_history=True)


def test_init_push_load_round_trip(ip, hub, as_alice, repo_name, tmp_path):
    train(ip)
    repo_id = f"alice/{repo_name}"
    ip.run_cell(f"%hub_init model --data X_test --labels y_test --repo-id {repo_id} --license mit",
                store_history=True)
    folder = tmp_path / "hub" / "model"
    for name in ("model.skops", "config.json", "README.md", "train.py"):
        assert (folder / name).is_file(), name
    script = (folder / "train.py").read_text()
    assert "LogisticRegression(max_iter=500)" in script
    assert "%hub_init" not in script and "X.describe()" not in script

    ip.run_cell("%hub_push", store_history=True)
    api = HfApi(endpoint=hub.endpoint, token=as_alice)
    files = set(api.list_repo_files(repo_id))
    assert {"model.skops", "config.json", "README.md", "train.py"} <= files
    assert not any(f.startswith(".hubmagic") for f in files)
    config = json.loads(open(hf_hub_download(repo_id, "config.json", token=as_alice)).read())
    assert config["sklearn"]["task"] == "tabular-classification"
    assert config["sklearn"]["columns"] == list(ip.user_ns["X"].columns)
    commits_before = len(api.list_repo_commits(repo_id))

    ip.run_cell("%hub_push", store_history=True)  # nothing changed: no new commit
    assert len(api.list_repo_commits(repo_id)) == commits_before

    ip.run_cell(f"%hub_load {repo_id} --as reloaded", store_history=True)
    X_test = ip.user_ns["X_test"]
    np.testing.assert_array_equal(
        ip.user_ns["reloaded"].predict(X_test), ip.user_ns["model"].predict(X_test)
    )
    for path in folder.rglob("*"):
        if path.is_file():
            assert as_alice.encode() not in path.read_bytes(), path


def test_push_as_pull_request_and_to_branch(ip, hub, as_alice, repo_name):
    train(ip)
    repo_id = f"alice/{repo_name}"
    ip.run_cell(f"%hub_init model --data X_test --repo-id {repo_id}", store_history=True)
    ip.run_cell("%hub_push", store_history=True)
    ip.run_cell("model.set_params(C=0.5).fit(X_train, y_train)", store_history=True)
    ip.run_cell("%hub_init model --data X_test", store_history=True)
    ip.run_cell("%hub_push --create-pr --commit-message 'Smaller C'", store_history=True)
    api = HfApi(endpoint=hub.endpoint, token=as_alice)
    refs = api.list_repo_refs(repo_id, include_pull_requests=True)
    assert [pr.ref for pr in refs.pull_requests] == ["refs/pr/1"]
    ip.run_cell("%hub_push --revision experiment", store_history=True)
    refs = api.list_repo_refs(repo_id)
    assert "experiment" in {b.name for b in refs.branches}


@pytest.mark.parametrize(
    "cell, expected",
    [
        ("%hub_init nope --data X_test", "'nope'"),
        ("%hub_init model --data missing_data", "'missing_data'"),
        ("%hub_push", "%hub_init"),
        ("%hub_init model --format zip", "invalid choice"),
    ],
)
def test_bad_input_is_one_clear_usage_error(ip, cell, expected):
    train(ip)
    with pytest.raises(UsageError, match=expected):
        ip.run_cell(cell, store_history=True)


def test_unfitted_and_not_an_estimator(ip):
    ip.run_cell("from sklearn.linear_model import LogisticRegression\nfresh = LogisticRegression()\nnumbers = [1, 2]",
                store_history=True)
    with pytest.raises(UsageError, match="fit"):
        ip.run_cell("%hub_init fresh", store_history=True)
    with pytest.raises(UsageError, match="list"):
        ip.run_cell("%hub_init numbers", store_history=True)


def test_several_candidates_are_listed(ip):
    train(ip)
    ip.run_cell("from sklearn.tree import DecisionTreeClassifier\n"
                "tree = DecisionTreeClassifier(random_state=0).fit(X_train, y_train)", store_history=True)
    with pytest.raises(UsageError, match=r"model, tree|tree, model"):
        ip.run_cell("%hub_init --data X_test", store_history=True)


def test_config_traitlets(ip):
    ip.run_cell("%config HubMagics.private = True", store_history=True)
    magics = ip.magics_manager.registry["HubMagics"]
    assert magics.private is True


def test_unload_removes_hooks(ip):
    before = {name: list(ip.events.callbacks[name]) for name in ip.events.callbacks}
    ip.run_cell("%unload_ext hubmagic")
    after = {name: list(ip.events.callbacks[name]) for name in ip.events.callbacks}
    removed = sum(len(before[n]) - len(after[n]) for n in before)
    assert removed >= 1
    assert "hub_init" not in ip.magics_manager.magics["line"]
    ip.run_cell("%load_ext hubmagic")
