"""When the sliced train.py does not rebuild the model, the slice is widened and verified again.

Each story records cells in a real IPython shell, one of which changes the model
in a way no reading of the code can see (``exec``, a draw from the global
random generator hidden in ``exec``, a refit after the last cell the slice keeps).
``reproduce`` verifies the slice where a clone of the repository runs it, then the
cells executed between its first and last kept cell, then the whole history,
and publishes the first that reproduces. The card names the cells it added.
"""

from __future__ import annotations

import pytest

from hubmagic import capture
from hubmagic.capture.widen import HISTORY, SLICED, SPAN, reproduce
from hubmagic.repository._repository import ModelRepository


@pytest.fixture
def session(shell):
    return capture.register(shell)


def widen(shell, session, tmp_path, example="X"):
    """Build the repository of ``model`` as %hub_init does, then verify and widen."""
    model, data = shell.user_ns["model"], eval(example, shell.user_ns)
    repository = ModelRepository.init(model, data=data, dst=tmp_path / "hub" / "model")
    return reproduce(session.recorder.records, "model", model=model, example_input=data,
                     repository=repository.path, workdir=tmp_path, timeout=120)


HIDDEN_CHANGES = {
    # Labels changed through exec: the analysis sees a call of a builtin on a string.
    "exec": "exec('y[:40] = 2')",
    # A draw from the seeded global generator, hidden in exec: the forest's trees change.
    "global-draw": "exec('np.random.rand(7)')",
}


@pytest.mark.parametrize("hidden", sorted(HIDDEN_CHANGES))
def test_a_hidden_change_between_kept_cells_is_found_by_the_span(shell, run, session, tmp_path, hidden):
    run("import numpy as np\nfrom sklearn.ensemble import RandomForestClassifier")     # In[1]
    run("np.random.seed(0)")                                                           # In[2]
    run("from sklearn.datasets import load_iris\nX, y = load_iris(return_X_y=True)")    # In[3]
    run("X.shape")                                                                     # In[4]
    run(HIDDEN_CHANGES[hidden])                                                        # In[5]
    run("model = RandomForestClassifier(n_estimators=4, max_depth=2).fit(X, y)")       # In[6]
    run("model.score(X, y)")                                                           # In[7]

    outcome = widen(shell, session, tmp_path)
    sliced = outcome.attempts[0]
    assert sliced.scope == SLICED and 5 not in sliced.script.kept_counts
    assert not sliced.verification.ok, sliced.verification.reason
    assert outcome.ok, outcome.reason
    assert outcome.chosen.scope == SPAN
    assert [r.label for r in outcome.added] == ["In[4]", "In[5]"]
    assert "In[7]" not in outcome.script.text  # the span ends at the last kept cell
    info = outcome.script_info()
    assert info["verified"] is True and info["added_cells"] == ["In[4]", "In[5]"]
    assert "also holds In[4], In[5]" in info["note"]
    assert "between the first and the last" in info["note"]


def test_a_refit_after_the_last_kept_cell_needs_the_whole_history(shell, run, session, tmp_path):
    run("from sklearn.datasets import load_iris\nfrom sklearn.linear_model import LogisticRegression")
    run("X, y = load_iris(return_X_y=True)")
    run("model = LogisticRegression(max_iter=1000).fit(X, y)")
    run("model.score(X, y)")
    run("exec('model.set_params(C=0.05).fit(X, y)')")  # In[5]: the analysis sees no fit

    outcome = widen(shell, session, tmp_path)
    assert [a.scope for a in outcome.attempts] == [SLICED, HISTORY]  # the span adds nothing
    assert outcome.ok, outcome.reason
    assert outcome.chosen.scope == HISTORY
    assert [r.label for r in outcome.added] == ["In[4]", "In[5]"]
    assert "the whole recorded history" in outcome.reason


def test_a_script_that_reproduces_as_sliced_is_not_widened(shell, run, session, tmp_path):
    run("from sklearn.datasets import load_iris\nfrom sklearn.tree import DecisionTreeClassifier")
    run("X, y = load_iris(return_X_y=True)")
    run("print('exploring', X.shape)")
    run("model = DecisionTreeClassifier(random_state=0).fit(X, y)")
    outcome = widen(shell, session, tmp_path)
    assert outcome.ok and len(outcome.attempts) == 1 and outcome.added == []
    assert outcome.reason.startswith("Reproduced")
    assert outcome.script_info()["added_cells"] == []


def test_nothing_reproduces_the_card_says_not_reproducible_with_the_reason(shell, run, session, tmp_path):
    run("from sklearn.datasets import load_iris\nfrom sklearn.ensemble import RandomForestClassifier")
    run("X, y = load_iris(return_X_y=True)")
    run("X[:3]")
    run("model = RandomForestClassifier(n_estimators=3, max_depth=2)")
    run("model.fit(X, y)")
    outcome = widen(shell, session, tmp_path)
    if outcome.ok:  # three random stumps agreeing on every probability is not impossible
        pytest.fail("an unseeded forest was reported as reproduced: " + outcome.reason)
    assert [a.scope for a in outcome.attempts] == [SLICED, SPAN, HISTORY]
    assert outcome.chosen.scope == SLICED  # the smallest script is the one published
    assert outcome.reason.startswith("Not reproducible")
    assert "unseeded randomness (random_state=None)" in outcome.reason
    assert "Widening the script did not help" in outcome.reason
    assert "In[3] added" in outcome.reason

    # Through the repository build: the card says so, with the reason.
    info = outcome.script_info()
    repository = ModelRepository.init(shell.user_ns["model"], data=shell.user_ns["X"],
                                      dst=tmp_path / "hub" / "model", train_script=outcome.script.text,
                                      script_info=info)
    card = (repository.path / "README.md").read_text()
    assert "✘ Not reproducible" in card and "unseeded randomness" in card
    assert "X[:3]" not in (repository.path / "train.py").read_text()


def test_hub_init_verify_publishes_the_widened_script_and_the_card_names_the_cells(
    shell, run, tmp_path, capsys
):
    run("%load_ext hubmagic")                                                            # In[1]
    run("import numpy as np\nfrom sklearn.datasets import load_iris\n"
        "from sklearn.linear_model import LogisticRegression")                          # In[2]
    run("X, y = load_iris(return_X_y=True)")                                            # In[3]
    run("exec('X[:, 0] = X[:, 0] * 2')")                                                # In[4]
    run("model = LogisticRegression(max_iter=1000).fit(X, y)")                          # In[5]
    capsys.readouterr()
    run("%hub_init model --data X[:30] --verify")
    out = capsys.readouterr().out
    assert "✔ train.py rebuilds the model" in out and "In[4]" in out, out
    folder = tmp_path / "hub" / "model"
    assert "exec('X[:, 0] = X[:, 0] * 2')" in (folder / "train.py").read_text()
    card = (folder / "README.md").read_text()
    assert "✔ Verified" in card
    assert "also holds In[4]" in card and "cannot see" in card
