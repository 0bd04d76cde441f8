"""Slicing recorded histories into train.py (no kernel, no subprocess)."""

from __future__ import annotations

import ast
import pickle
import subprocess
import sys

import pytest

from hubmagic.capture import CellRecord, build_train_script
from hubmagic.errors import InvalidInputError


def history(*cells, failed=()):
    """Records for cells executed in the given order, numbered In[1], In[2] ..."""
    return [
        CellRecord(i, i + 1, source, cell_id=f"id{i + 1}", success=(i + 1) not in failed,
                   error="NameError: boom" if (i + 1) in failed else None)
        for i, source in enumerate(cells)
    ]


def code_of(script):
    """The script without its header docstring and comments, to assert on code."""
    tree = ast.parse(script.text)
    return ast.unparse(ast.Module(body=tree.body[1:], type_ignores=[]))


def test_keeps_the_def_use_chain_and_drops_exploration():
    records = history(
        "import pandas as pd\nimport numpy as np\nimport seaborn as sns",
        "df = pd.DataFrame({'a': [1, 2, 3, 4], 'y': [0, 1, 0, 1]})",
        "df.head()",
        "sns.histplot(df.a)",
        "from sklearn.tree import DecisionTreeClassifier\nmodel = DecisionTreeClassifier(random_state=0)",
        "model.fit(df[['a']], df.y)",
        "model.score(df[['a']], df.y)",
        "df = None  # redefined after the fit",
    )
    script = build_train_script(records, "model")
    assert script.kept_counts == [1, 2, 5, 6]
    reasons = {r.execution_count: why for r, why in script.dropped}
    assert reasons[3] == reasons[7] == "display or exploration only"
    assert 8 in reasons and 4 in reasons
    assert "import seaborn" not in script.text  # only read by a dropped cell
    assert "import numpy" not in script.text  # never read, no side effect: dropped
    assert "# In[6]\nmodel.fit(df[['a']], df.y)" in script.text
    assert script.text.rstrip().endswith("skops.io.dump(model, 'model.skops')")


def test_last_definition_before_use_wins_with_out_of_order_execution():
    # The notebook shows cells top to bottom, but they ran: data v1, fit, data v2.
    records = history(
        "X = [[0], [1], [2], [3]]\ny = [0, 0, 1, 1]",
        "from sklearn.linear_model import LogisticRegression\nclf = LogisticRegression()",
        "clf.fit(X, y)",
        "X = [[5], [6]]",
    )
    script = build_train_script(records, "clf")
    assert script.kept_counts == [1, 2, 3]
    assert "X = [[5], [6]]" not in script.text


def test_model_refitted_later_keeps_both_fits_and_what_the_last_reads():
    records = history(
        "from sklearn.linear_model import Ridge\nimport numpy as np",
        "X1 = np.arange(8.0).reshape(4, 2); y1 = np.arange(4.0)",
        "model = Ridge()",
        "model.fit(X1, y1)",
        "X2 = X1 * 2",
        "model.fit(X2, y1)",
    )
    script = build_train_script(records, "model")
    assert script.kept_counts == [1, 2, 3, 4, 5, 6]


def test_rebinding_the_model_cuts_the_older_history():
    records = history(
        "from sklearn.linear_model import Ridge",
        "model = Ridge(alpha=1.0)\nmodel.fit([[0], [1]], [0, 1])",
        "model = Ridge(alpha=2.0)",
        "model.fit([[0], [2]], [0, 2])",
    )
    assert build_train_script(records, "model").kept_counts == [1, 3, 4]


def test_failed_cells_and_hubmagic_magics_are_left_out():
    records = history(
        "%load_ext hubmagic",
        "from sklearn.dummy import DummyClassifier\nmodel = DummyClassifier()",
        "model.fit(X_undefined, y)",
        "model.fit([[0], [1]], [0, 1])",
        "%hub_init model --data X",
        failed={3},
    )
    script = build_train_script(records, "model")
    assert script.kept_counts == [2, 4]
    reasons = {r.execution_count: why for r, why in script.dropped}
    assert reasons[3].startswith("failed (NameError")
    assert "hubmagic magic" in reasons[1] and "hubmagic magic" in reasons[5]
    assert "hub_init" not in script.text and "load_ext" not in script.text


def test_magics_become_comments_or_are_unwrapped():
    records = history(
        "%pip install scikit-learn\n!pip install skops",
        "%matplotlib inline\nfrom sklearn.linear_model import LinearRegression",
        "%%time\nmodel = LinearRegression()\nmodel.fit([[0], [1]], [0, 1])",
        "%timeit -n 1 -r 1 model.score([[0]], [0])",
        "!ls",
    )
    script = build_train_script(records, "model")
    assert "# %pip install scikit-learn" in script.text
    assert "# !pip install skops" in script.text
    assert "%matplotlib" not in code_of(script) and "get_ipython" not in script.text
    assert "model = LinearRegression()\nmodel.fit([[0], [1]], [0, 1])" in script.text
    assert script.kept_counts == [2, 3]
    assert any("%matplotlib inline" in note for note in script.notes)
    compile(script.text, "train.py", "exec")


def test_subscript_assignment_and_inplace_calls_are_mutations():
    records = history(
        "import pandas as pd",
        "df = pd.DataFrame({'a': [1.0, 2.0, None, 4.0], 'y': [0, 1, 0, 1]})",
        "df['b'] = df['a'] * 2",
        "df.fillna(0, inplace=True)",
        "df.describe()",
        "df.drop(columns=['b'])",
        "from sklearn.tree import DecisionTreeClassifier\n"
        "model = DecisionTreeClassifier(random_state=0).fit(df[['a', 'b']], df.y)",
    )
    script = build_train_script(records, "model")
    assert script.kept_counts == [1, 2, 3, 4, 7]


def test_seeds_and_global_settings_are_kept():
    records = history(
        "import numpy as np\nimport random\nimport sklearn",
        "np.random.seed(0)\nrandom.seed(0)\nsklearn.set_config(transform_output='pandas')",
        "print(np.mean([1, 2]))",
        "X = np.random.rand(10, 2); y = (X[:, 0] > 0.5).astype(int)",
        "from sklearn.linear_model import LogisticRegression\nm = LogisticRegression().fit(X, y)",
    )
    script = build_train_script(records, "m")
    assert script.kept_counts == [1, 2, 4, 5]
    assert "sklearn.set_config(transform_output='pandas')" in script.text


def test_functions_classes_and_their_globals_are_kept_and_reported():
    records = history(
        "from sklearn.base import BaseEstimator, TransformerMixin\nimport numpy as np",
        "SCALE = 3.0",
        "class Times(BaseEstimator, TransformerMixin):\n"
        "    def fit(self, X, y=None):\n        return self\n"
        "    def transform(self, X):\n        return np.asarray(X) * SCALE",
        "def make_features(rows):\n    return [[r, r * OFFSET] for r in rows]",
        "OFFSET = 2",
        "unused = make_features([9])",
        "from sklearn.pipeline import make_pipeline\nfrom sklearn.linear_model import LinearRegression",
        "X = make_features(range(5)); y = list(range(5))",
        "model = make_pipeline(Times(), LinearRegression()).fit(X, y)",
    )
    script = build_train_script(records, "model")
    assert script.custom_objects == ["Times", "make_features"]
    assert script.kept_counts == [1, 2, 3, 4, 5, 7, 8, 9]


def test_global_statement_and_walrus_and_comprehension_scope():
    records = history(
        "counter = 0",
        "def bump():\n    global counter\n    counter += 1",
        "bump()",
        "i = 'not the loop variable'",
        "values = [i * 2 for i in range(3)]",
        "if (n := len(values)) > 0:\n    total = n + counter",
        "result = total",
    )
    script = build_train_script(records, "result", model_format="pickle", model_file="model.pkl")
    assert script.kept_counts == [1, 2, 3, 5, 6, 7]
    assert "pickle.dump(result, _hub_file)" in script.text


def test_helper_read_through_an_attribute():
    records = history(
        "from types import SimpleNamespace",
        "def double(rows):\n    return [[2 * v for v in r] for r in rows]",
        "utils = SimpleNamespace(double=double)",
        "def double(rows):\n    return rows  # redefined later, not what utils holds",
        "from sklearn.linear_model import LinearRegression",
        "model = LinearRegression().fit(utils.double([[0], [1], [2]]), [0, 1, 2])",
    )
    script = build_train_script(records, "model")
    assert script.kept_counts == [1, 2, 3, 5, 6]


def test_unknown_function_receiving_an_object_may_change_it():
    records = history(
        "from mylib import prepare",
        "data = {'rows': [[0], [1]]}",
        "prepare(data)",
        "len(data)",
        "from sklearn.linear_model import LinearRegression",
        "model = LinearRegression().fit(data['rows'], [0, 1])",
    )
    script = build_train_script(records, "model")
    assert script.kept_counts == [1, 2, 3, 5, 6]


def test_all_cells_keeps_every_successful_cell_in_order():
    records = history(
        "%matplotlib inline\nimport numpy as np",
        "x = np.ones(3)",
        "x.sum()",
        "oops",
        "model = x",
        failed={4},
    )
    script = build_train_script(records, "model", all_cells=True, notebook="train.ipynb")
    assert script.kept_counts == [1, 2, 3, 5]
    assert [r.execution_count for r, _ in script.dropped] == [4]
    assert "from the notebook train.ipynb" in script.text
    assert "x.sum()" in script.text and "%matplotlib" not in code_of(script)


def test_unknown_target_is_a_clear_error():
    with pytest.raises(InvalidInputError, match="No recorded cell assigns 'clf'"):
        build_train_script(history("model = 1"), "clf")
    with pytest.raises(InvalidInputError, match="not a Python expression"):
        build_train_script(history("model = 1"), "model[")
    with pytest.raises(InvalidInputError, match="No recorded cell assigns 'clf'"):
        build_train_script(history("model = 1"), "clf", all_cells=True)


def test_cells_from_history_that_do_not_parse_are_left_out():
    records = history("a = 1", "b = = 2", "model = a")
    records[1].success = None
    script = build_train_script(records, "model")
    assert script.kept_counts == [1, 3]
    assert "does not parse" in {r.execution_count: w for r, w in script.dropped}[2]


def test_changes_through_an_alias_or_a_loop_variable_reach_the_original():
    records = history(
        "from sklearn.pipeline import make_pipeline\nfrom sklearn.linear_model import Ridge\n"
        "from sklearn.preprocessing import StandardScaler",
        "pipe = make_pipeline(StandardScaler(), Ridge())",
        "ridge = pipe.named_steps['ridge']",
        "ridge.set_params(alpha=5.0)",
        "models = {'a': Ridge(), 'b': Ridge(alpha=2.0)}",
        "for name, est in models.items():\n    est.fit([[0], [1], [2]], [0, 1, 2])",
        "pipe.fit([[0], [1], [2]], [0, 1, 2])",
        "ridge.get_params()",
    )
    assert build_train_script(records, "pipe").kept_counts == [1, 2, 3, 4, 7]
    assert build_train_script(records, "models['b']").kept_counts == [1, 5, 6]


def test_writefile_cells_are_replayed_before_the_module_is_imported(tmp_path):
    records = history(
        "%%writefile helpers.py\ndef double(x):\n    return 2 * x\n",
        "import helpers",
        "value = helpers.double(21)",
    )
    script = build_train_script(records, "value", model_format="pickle", model_file="v.pkl")
    assert script.kept_counts == [1, 2, 3]
    write = script.text.index("with open('helpers.py', 'w') as _hub_file:")
    assert write < script.text.index("import helpers")
    script.write(tmp_path / "train.py")
    subprocess.run([sys.executable, "train.py"], cwd=tmp_path, check=True, timeout=60)
    with open(tmp_path / "v.pkl", "rb") as f:
        assert pickle.load(f) == 42


def test_comment_markers_force_a_cell_in_or_out():
    """`# hub: exclude` / `# hub: include` in a cell: the same as the cell tags, in any front end."""
    records = history(
        "import numpy as np\nfrom sklearn.linear_model import LinearRegression",
        "X = np.arange(10.0).reshape(5, 2)\ny = X.sum(axis=1)",
        "# hub: include\nprint('data shape', X.shape)",
        "# Hub:Exclude\nweights = np.ones(5)",
        "model = LinearRegression().fit(X, y, sample_weight=weights if 'weights' in dir() else None)",
    )
    script = build_train_script(records, "model")
    assert 3 in script.kept_counts
    assert 4 not in script.kept_counts
    assert dict((r.execution_count, why) for r, why in script.dropped)[4] == "excluded by the user"
