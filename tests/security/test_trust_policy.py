"""One trust policy for every load path, tested as the attacks it stops.

bob cannot publish to alice's repository, but anyone can open a pull request on a
public one. His payloads only write a marker file under the test's tmp dir: the marker
existing means his code ran in alice's process. Everything goes through the real
``huggingface_hub`` client to the local hub; bob uploads with the client directly, as
he would from his own machine (nothing of his is in this machine's ledger).
"""

from __future__ import annotations

import functools
import json
import pathlib
import pickle
import timeit

import numpy as np
import pytest
import skops.io as sio
from huggingface_hub import CommitOperationAdd, HfApi
from IPython.core.error import UsageError
from IPython.core.interactiveshell import InteractiveShell
from sklearn.datasets import load_iris
from sklearn.linear_model import LogisticRegression
from traitlets.config import Config

import hubmagic
from hubmagic import hub_utils
from hubmagic.errors import UntrustedTypesError
from hubmagic.hub._download import fetch_model
from hubmagic.model import _persist as persist
from hubmagic.model import _trust as trust
from hubmagic.repository._repository import ModelRepository

X, y = load_iris(return_X_y=True, as_frame=True)
# The sentence every refusal of a pickle carries: one wording, from trust.refusal.
PICKLE_REFUSAL = "loading a pickle runs whatever code it contains"


class Payload:
    """Unpickling this writes ``marker``: the stand-in for any code bob wants to run."""

    def __init__(self, marker: pathlib.Path):
        self.marker = marker

    def __reduce__(self):
        return (pathlib.Path.write_text, (self.marker, "pwned"))


def _config(model_file: str, task: str = "tabular-classification", **extra) -> bytes:
    sklearn = {"model": {"file": model_file}, "task": task, "columns": list(X.columns), **extra}
    return json.dumps({"sklearn": sklearn}).encode()


@pytest.fixture
def marker(tmp_path):
    path = tmp_path / "pwned.txt"
    yield path
    # Belt and braces: a failing assertion elsewhere must not hide that code ran.
    assert not path.exists(), "bob's payload ran"


@pytest.fixture
def pr_attack(tmp_path, alice_token, bob_token, repo_name, marker):
    """alice publishes her own pickle model publicly; bob proposes a payload pickle as refs/pr/1."""
    repo_id = f"alice/{repo_name}"
    model = LogisticRegression(max_iter=500).fit(X, y)
    hubmagic.push_to_hub(model, repo_id, data=X.head(5), token=alice_token, model_format="pickle")
    commit = HfApi(token=bob_token).create_commit(
        repo_id,
        [
            CommitOperationAdd("model.pkl", pickle.dumps(Payload(marker))),
            CommitOperationAdd("config.json", _config("model.pkl")),
        ],
        commit_message="Faster model",
        create_pr=True,
    )
    assert commit.pr_revision == "refs/pr/1"
    return repo_id, model


def test_a_pull_request_pickle_is_refused_by_hubmagic_load(pr_attack, alice_token, marker):
    repo_id, model = pr_attack

    with pytest.raises(UntrustedTypesError) as info:
        hubmagic.load(repo_id, revision="refs/pr/1", token=alice_token)

    assert not marker.exists()
    message = str(info.value)
    assert PICKLE_REFUSAL in message and "refs/pr/1" in message
    assert f"hubmagic.load({repo_id!r}, revision='refs/pr/1', trusted=True)" in message
    assert f"%hub_load {repo_id} --revision refs/pr/1 --trust all" in message
    assert info.value.untrusted == [trust.PICKLE]
    # alice's own pickle on main, pushed from this machine, loads without being told.
    np.testing.assert_array_equal(hubmagic.load(repo_id, token=alice_token).predict(X), model.predict(X))


def test_a_pull_request_pickle_is_refused_after_hub_utils_download(pr_attack, alice_token, tmp_path, marker):
    repo_id, model = pr_attack
    dst = tmp_path / "downloaded"

    hub_utils.download(repo_id=repo_id, dst=dst, revision="refs/pr/1", token=alice_token)
    with pytest.raises(UntrustedTypesError, match=PICKLE_REFUSAL):
        ModelRepository.open(dst).load_model()
    with pytest.raises(UntrustedTypesError, match=PICKLE_REFUSAL):
        persist.load(dst / "model.pkl")
    assert not marker.exists()

    mine = tmp_path / "main"
    hub_utils.download(repo_id=repo_id, dst=mine, token=alice_token)
    np.testing.assert_array_equal(ModelRepository.open(mine).load_model().predict(X), model.predict(X))


def test_a_pull_request_pickle_is_refused_by_get_model_output(pr_attack, alice_token, marker):
    repo_id, _ = pr_attack

    with pytest.raises(UntrustedTypesError, match=PICKLE_REFUSAL) as info:
        hub_utils.get_model_output(repo_id, X.head(3), token=alice_token, revision="refs/pr/1")

    assert not marker.exists()
    assert f"get_model_output({repo_id!r}, data, revision='refs/pr/1', trusted=True)" in str(info.value)


@pytest.fixture
def shell(tmp_path, monkeypatch, alice_token):
    """A plain InteractiveShell with the extension loaded, logged in as alice."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HF_TOKEN", alice_token)
    config = Config()
    config.HistoryManager.hist_file = ":memory:"
    ip = InteractiveShell.instance(config=config)
    ip.run_cell("%load_ext hubmagic")
    yield ip
    ip.run_cell("%unload_ext hubmagic")
    InteractiveShell.clear_instance()


def test_a_pull_request_pickle_is_refused_by_hub_load(pr_attack, shell, marker):
    repo_id, _ = pr_attack

    result = shell.run_cell(f"%hub_load {repo_id} --revision refs/pr/1 --as stolen")

    assert isinstance(result.error_in_exec, UsageError)
    assert PICKLE_REFUSAL in str(result.error_in_exec)
    assert "stolen" not in shell.user_ns
    assert not marker.exists()


def test_declared_trusted_types_are_the_authors_claim_not_trust(tmp_path, bob_token, repo_name, marker):
    """A skops file cannot run code on load, but the partial it holds runs when predicting."""
    from sklearn.dummy import DummyClassifier
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import FunctionTransformer

    write = f"import pathlib; pathlib.Path({str(marker)!r}).write_text('pwned')"
    runner = FunctionTransformer(functools.partial(timeit.timeit, setup=write, number=1), validate=False)
    model = Pipeline([("prepare", runner), ("classify", DummyClassifier().fit([[0]], [0]))])
    repo_id = f"bob/{repo_name}"
    api = HfApi(token=bob_token)
    api.create_repo(repo_id)
    declared = ["functools.partial", "timeit.timeit"]
    api.create_commit(
        repo_id,
        [
            CommitOperationAdd("model.skops", sio.dumps(model)),
            CommitOperationAdd("config.json", _config("model.skops", "text-classification", trusted_types=declared)),
        ],
        commit_message="A handy text model",
    )

    with pytest.raises(UntrustedTypesError) as info:
        hub_utils.get_model_output(repo_id, "pass")

    assert not marker.exists()
    assert info.value.untrusted == declared
    assert f"get_model_output({repo_id!r}, data, trusted={declared!r})" in str(info.value)
    assert "config.json" in str(info.value)  # says why the declaration did not count


@pytest.mark.parametrize("kind", ["hist-gradient-boosting", "random-forest"])
def test_scikit_learn_tree_models_load_with_no_trust_argument(kind, alice_token, bob_token, repo_name):
    from sklearn.ensemble import HistGradientBoostingClassifier, RandomForestClassifier

    model = (
        HistGradientBoostingClassifier(max_iter=5, random_state=0)
        if kind == "hist-gradient-boosting"
        else RandomForestClassifier(n_estimators=3, random_state=0)
    ).fit(X, y)
    repo_id = f"alice/{repo_name}"
    hubmagic.push_to_hub(model, repo_id, data=X.head(5), token=alice_token)
    # skops alone would refuse them (TreePredictor, Tree): hubmagic trusts scikit-learn's classes.
    assert persist.untrusted_types(fetch_model(repo_id)[1])

    for token in (alice_token, bob_token):  # anyone's copy: a skops file is not a pickle
        loaded = hubmagic.load(repo_id, token=token)
        np.testing.assert_array_equal(loaded.predict(X), model.predict(X))
    output = hub_utils.get_model_output(repo_id, X.head(7))
    np.testing.assert_array_equal(output, model.predict(X.head(7)))


def test_the_readme_example_loads_a_hist_gradient_boosting_model_back(shell, repo_name, capsys):
    shell.run_cell(
        "from sklearn.datasets import load_breast_cancer\n"
        "from sklearn.ensemble import HistGradientBoostingClassifier\n"
        "from sklearn.model_selection import train_test_split\n"
        "X, y = load_breast_cancer(return_X_y=True, as_frame=True)\n"
        "X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=42)\n"
        "model = HistGradientBoostingClassifier(max_iter=10, random_state=0).fit(X_train, y_train)\n",
        store_history=True,
    ).raise_error()
    for line in (
        "%hub_init model --data X_test --labels y_test --license mit",
        f"%hub_push --repo-id {repo_name}",
        "%hub_load --as reloaded",
    ):
        shell.run_cell(line, store_history=True).raise_error()

    reloaded, model, X_test = (shell.user_ns[k] for k in ("reloaded", "model", "X_test"))
    assert type(reloaded).__name__ == "HistGradientBoostingClassifier"
    np.testing.assert_array_equal(reloaded.predict(X_test), model.predict(X_test))


def test_hub_utils_init_never_unpickles_the_model_file(tmp_path, marker):
    payload = tmp_path / "payload.pkl"
    payload.write_bytes(pickle.dumps(Payload(marker)))

    hub_utils.init(
        model=payload, requirements=["scikit-learn"], dst=tmp_path / "repo",
        task="tabular-classification", data=X.head(5),
    )

    assert not marker.exists()
    config = hub_utils.get_config(tmp_path / "repo")["sklearn"]
    assert config["model"] == {"file": "payload.pkl"} and config["columns"] == list(X.columns)
    assert (tmp_path / "repo" / "payload.pkl").read_bytes() == payload.read_bytes()


def test_a_pickle_this_machine_pushed_loads_without_trusted_true(tmp_path, alice_token, repo_name, monkeypatch):
    model = LogisticRegression(max_iter=500, C=0.5).fit(X, y)
    mine, theirs = f"alice/{repo_name}", f"alice/{repo_name}-elsewhere"
    hubmagic.push_to_hub(model, mine, data=X.head(5), token=alice_token, model_format="pickle")
    # The same user pushing the same kind of file from another machine (another HF_HOME):
    # the namespace is alice's, but these bytes were not published from here.
    other = LogisticRegression(max_iter=500, C=2.0).fit(X, y)
    monkeypatch.setenv("HF_HOME", str(tmp_path / "other-machine"))
    hubmagic.push_to_hub(other, theirs, data=X.head(5), token=alice_token, model_format="pickle")
    monkeypatch.undo()

    assert hubmagic.load(mine, token=alice_token).C == 0.5
    with pytest.raises(UntrustedTypesError, match=PICKLE_REFUSAL):
        hubmagic.load(theirs, token=alice_token)
    assert hubmagic.load(theirs, token=alice_token, trusted=True).C == 2.0

    ledger = json.loads(trust.ledger_path().read_text())
    pushed = fetch_model(mine)[1]
    assert ledger["files"][trust.sha256_of(pushed)]["repo_id"] == mine


def test_library_classes_only_never_functions_or_file_openers():
    assert trust.is_library_class("sklearn.tree._tree.Tree")
    assert trust.is_library_class("numpy.ndarray")
    for name in (
        "numpy.round",  # a function
        "functools.partial", "timeit.timeit", "builtins.eval",  # not those libraries
        "numpy.memmap", "scipy.io.netcdf_file",  # classes that open files
        "sklearn.utils._testing.TempMemmap", "sklearn.nope.Missing", "sklearn..Tree",
    ):
        assert not trust.is_library_class(name), name
    assert trust.skops_trusted(["sklearn.tree._tree.Tree", "numpy.round"], None) == (
        ["sklearn.tree._tree.Tree"], ["numpy.round"],
    )
    assert trust.skops_trusted(["numpy.round"], True) == (["numpy.round"], [])
