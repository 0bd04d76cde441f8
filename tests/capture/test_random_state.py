"""A notebook seeded once with np.random.seed: every draw between the seed and the fit is state."""

from __future__ import annotations

import pytest

from hubmagic.capture import CellRecord, build_train_script, verify_script


def history(*cells, excluded=()):
    """Records for cells executed in the given order, In[1], In[2] ...; ``excluded`` carry hub:exclude."""
    return [
        CellRecord(i, i + 1, source, tags={"hub:exclude"} if i + 1 in excluded else set())
        for i, source in enumerate(cells)
    ]


def run_notebook(records):
    """Run the cells in one namespace, as the kernel did: the model in memory."""
    namespace: dict = {}
    for record in records:
        exec(compile(record.source, record.label, "exec"), namespace)  # noqa: S102
    return namespace


SEEDED = (
    ("import numpy as np\nfrom sklearn.datasets import load_iris\n"
     "from sklearn.ensemble import RandomForestClassifier\n"
     "from sklearn.model_selection import train_test_split"),                   # In[1]
    "np.random.seed(0)",                                                         # In[2]
    "X, y = load_iris(return_X_y=True, as_frame=True)",                         # In[3]
    "X.sample(5)  # a look at a few rows: it draws from the global generator",  # In[4]
    "rng = np.random.default_rng(1)\nprint(rng.normal())  # its own generator",  # In[5]
    "X_train, X_test, y_train, y_test = train_test_split(X, y)",                 # In[6]
    "noise = np.random.normal(size=3)",                                          # In[7]
    "model = RandomForestClassifier(n_estimators=5, max_depth=3).fit(X_train, y_train)",  # In[8]
    "np.random.rand(2)  # after the fit: does not matter",                       # In[9]
)


def test_draws_between_the_seed_and_the_fit_are_kept_in_order_and_the_script_reproduces(tmp_path):
    records = history(*SEEDED)
    script = build_train_script(records, "model")
    assert script.kept_counts == [1, 2, 3, 4, 6, 7, 8]
    code = script.text
    assert code.index("X.sample(5)") < code.index("train_test_split(X, y)") < code.index(
        "np.random.normal(size=3)") < code.index("RandomForestClassifier(n_estimators=5")
    assert "default_rng" not in code and "np.random.rand(2)" not in code
    assert "seeded globally (In[2]: `np.random.seed(0)`)" in script.randomness[0]

    notebook = run_notebook(records)
    result = verify_script(code, model=notebook["model"], example_input=notebook["X"],
                           workdir=tmp_path, timeout=120)
    assert result.ok, result.reason


def test_an_excluded_drawing_cell_is_named_as_the_cause(tmp_path):
    records = history(*SEEDED, excluded={4})
    script = build_train_script(records, "model")
    assert 4 not in script.kept_counts
    assert len(script.randomness) == 1
    why = script.randomness[0]
    assert "seeded globally (In[2]" in why
    assert "In[4] draws from the same generator" in why and "X.sample()" in why
    assert any("In[4]" in note for note in script.notes)  # shown by %hub_script too

    notebook = run_notebook(records)
    result = verify_script(script.text, model=notebook["model"], example_input=notebook["X"],
                           workdir=tmp_path, timeout=120, randomness=script.randomness)
    if result.ok:  # another split and other trees that agree on every row and probability
        pytest.fail("a model trained on other random numbers was reported as reproduced")
    assert "In[4] draws from the same generator" in result.reason
    assert "unseeded randomness" not in result.reason


def test_python_random_module_and_an_estimator_fitted_in_another_cell():
    records = history(
        "import random\nimport numpy as np\nfrom sklearn.linear_model import SGDClassifier",
        "random.seed(3)\nnp.random.seed(3)",
        "X = np.arange(40.0).reshape(20, 2)\ny = (X[:, 0] > 19).astype(int)",
        "random.choice(['a', 'b'])  # exploration, but it moves the generator",
        "weights = [random.random() for _ in range(20)]",
        "model = SGDClassifier(max_iter=5, tol=None)",
        "np.random.permutation(3)  # moves NumPy's generator before the fit",
        "model.fit(X, y, sample_weight=weights)",
        "random.random()  # after the weights were drawn: does not matter",
    )
    script = build_train_script(records, "model")
    assert script.kept_counts == [1, 2, 3, 4, 5, 6, 7, 8]
    assert len(script.randomness) == 2  # one sentence per seeded generator


def test_without_a_seed_there_is_nothing_to_replay():
    records = history(
        "import numpy as np\nfrom sklearn.ensemble import RandomForestClassifier",
        "X = np.arange(40.0).reshape(20, 2)\ny = (X[:, 0] > 19).astype(int)",
        "np.random.rand(3)",
        "model = RandomForestClassifier(n_estimators=3).fit(X, y)",
    )
    script = build_train_script(records, "model")
    assert script.kept_counts == [1, 2, 4]
    assert script.randomness == []  # the verdict then says "unseeded randomness"


def test_seeded_estimators_and_own_generators_do_not_depend_on_the_global_seed():
    records = history(
        "import numpy as np\nfrom sklearn.ensemble import RandomForestClassifier",
        "np.random.seed(0)",
        "X = np.arange(40.0).reshape(20, 2)\ny = (X[:, 0] > 19).astype(int)",
        "np.random.rand(3)",
        "model = RandomForestClassifier(n_estimators=3, random_state=0).fit(X, y)",
    )
    script = build_train_script(records, "model")
    assert 4 not in script.kept_counts
    assert script.randomness == []
