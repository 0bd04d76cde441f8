"""The user's story in a real IPython shell: train, %hub_init, %hub_push, %hub_load."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from huggingface_hub import HfApi, hf_hub_download
from IPython.core.error import UsageError

from hubmagic.notebook import NotebookSession

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
    config = json.loads(Path(hf_hub_download(repo_id, "config.json", token=as_alice)).read_text())
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
    assert api.list_repo_commits(repo_id, revision="refs/pr/1")[0].title == "Smaller C"
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
        ("%hub_init --data X_test model", "give the model first"),
        ("%hub_push --commit-message 'unclosed", "close the quote"),
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
    assert NotebookSession.for_shell(ip).private is True


def test_unload_removes_hooks(ip):
    before = {name: list(ip.events.callbacks[name]) for name in ip.events.callbacks}
    ip.run_cell("%unload_ext hubmagic")
    after = {name: list(ip.events.callbacks[name]) for name in ip.events.callbacks}
    removed = sum(len(before[n]) - len(after[n]) for n in before)
    assert removed >= 1
    assert "hub_init" not in ip.magics_manager.magics["line"]
    ip.run_cell("%load_ext hubmagic")


def test_wrong_number_of_columns(ip):
    train(ip)
    with pytest.raises(UsageError, match=r"has 3 columns but the LogisticRegression was fitted on 4"):
        ip.run_cell("%hub_init model --data X_test.iloc[:, :3]  # three columns only", store_history=True)


def test_an_estimator_skops_cannot_persist_names_the_object(ip):
    ip.run_cell("from sklearn.pipeline import make_pipeline\n"
                "from sklearn.preprocessing import FunctionTransformer\n"
                "from sklearn.linear_model import LinearRegression\nimport numpy as np\n"
                "X = np.arange(20.0).reshape(10, 2)\n"
                "pipe = make_pipeline(FunctionTransformer(lambda x: x * 2), LinearRegression()).fit(X, X[:, 0])",
                store_history=True)
    with pytest.raises(UsageError, match=r"functiontransformer.*lambda.*named function") as info:
        ip.run_cell("%hub_init pipe --data X", store_history=True)
    assert len(str(info.value).splitlines()) <= 3
    assert not NotebookSession.for_shell(ip).repository


@pytest.mark.parametrize(
    "push, expected",
    [
        ("%hub_push --repo-id 'not a repo id'", "not a valid repo id"),
        ("%hub_push --token hf_" + "x" * 34, "refused the token"),
    ],
)
def test_push_errors_say_what_to_do(ip, as_alice, push, expected, tmp_path):
    train(ip)
    ip.run_cell("%hub_init model --data X_test", store_history=True)
    before = sorted(p.name for p in (tmp_path / "hub" / "model").iterdir())
    with pytest.raises(UsageError, match=expected):
        ip.run_cell(push, store_history=True)
    assert sorted(p.name for p in (tmp_path / "hub" / "model").iterdir()) == before


def test_no_token_says_how_to_log_in(ip, monkeypatch, tmp_path):
    monkeypatch.delenv("HF_TOKEN", raising=False)
    monkeypatch.setenv("HF_HOME", str(tmp_path / "empty-hf-home"))
    train(ip)
    ip.run_cell("%hub_init model --data X_test", store_history=True)
    with pytest.raises(UsageError, match=r"%hub_login|HF_TOKEN"):
        ip.run_cell("%hub_push", store_history=True)


def test_no_write_access_is_a_403_with_the_way_out(ip, bob_token, api, repo_name):
    api.create_repo(f"alice/{repo_name}")
    train(ip)
    ip.run_cell("%hub_init model --data X_test", store_history=True)
    with pytest.raises(UsageError, match="--create-pr"):
        ip.run_cell(f"%hub_push --repo-id alice/{repo_name} --token {bob_token}", store_history=True)
    assert [c.title for c in api.list_repo_commits(f"alice/{repo_name}")] == ["initial commit"]


def test_load_of_a_missing_repository_is_a_404_message(ip, as_alice):
    with pytest.raises(UsageError, match="alice/does-not-exist.*not found"):
        ip.run_cell("%hub_load alice/does-not-exist", store_history=True)


KINDS = {
    "regressor": (
        "from sklearn.datasets import load_diabetes\nfrom sklearn.linear_model import Ridge\n"
        "X, y = load_diabetes(return_X_y=True, as_frame=True)\nmodel = Ridge(alpha=0.5).fit(X, y)\n"
        "X_test = X.iloc[:20]",
        "tabular-regression",
    ),
    "column-transformer": (
        "import numpy as np, pandas as pd\nfrom sklearn.compose import ColumnTransformer\n"
        "from sklearn.pipeline import make_pipeline\nfrom sklearn.preprocessing import OneHotEncoder, StandardScaler\n"
        "from sklearn.linear_model import LogisticRegression\nrng = np.random.default_rng(0)\n"
        "X = pd.DataFrame({'age': rng.integers(18, 80, 80), 'income': rng.normal(5e4, 1e4, 80),"
        " 'city': rng.choice(['paris', 'lyon', 'nice'], 80)})\ny = (X['income'] > 5e4).astype(int)\n"
        "pre = ColumnTransformer([('num', StandardScaler(), ['age', 'income']), ('cat', OneHotEncoder(), ['city'])])\n"
        "model = make_pipeline(pre, LogisticRegression()).fit(X, y)\nX_test = X.iloc[:15]",
        "tabular-classification",
    ),
    "text": (
        "from sklearn.feature_extraction.text import TfidfVectorizer\nfrom sklearn.pipeline import make_pipeline\n"
        "from sklearn.linear_model import LogisticRegression\n"
        "texts = ['good movie', 'great film', 'loved it', 'awful movie', 'bad film', 'hated it'] * 3\n"
        "y = [1, 1, 1, 0, 0, 0] * 3\nmodel = make_pipeline(TfidfVectorizer(), LogisticRegression()).fit(texts, y)\n"
        "X_test = texts[:6]",
        "text-classification",
    ),
}


@pytest.mark.parametrize("kind", KINDS)
def test_each_kind_round_trips_through_the_magics(ip, as_alice, kind, repo_name):
    cell, task = KINDS[kind]
    ip.run_cell(cell, store_history=True)
    repo_id = f"alice/{repo_name}"
    ip.run_cell(f"%hub_init model --data X_test --repo-id {repo_id}", store_history=True)
    ip.run_cell("%hub_push", store_history=True)
    config = json.loads(Path(hf_hub_download(repo_id, "config.json", token=as_alice)).read_text())["sklearn"]
    assert config["task"] == task
    assert ("columns" in config) == task.startswith("tabular")
    ip.run_cell(f"%hub_load {repo_id} --as reloaded", store_history=True)
    X_test = ip.user_ns["X_test"]
    np.testing.assert_array_equal(ip.user_ns["reloaded"].predict(X_test), ip.user_ns["model"].predict(X_test))
