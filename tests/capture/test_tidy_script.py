"""train.py imports what it uses (and what must be imported for its effect), nothing from exploration."""

from __future__ import annotations

import ast
import subprocess
import sys

from hubmagic.capture import CellRecord, build_train_script


def history(*cells):
    return [CellRecord(i, i + 1, source) for i, source in enumerate(cells)]


def imports_of(script) -> list[str]:
    tree = ast.parse(script.text)
    return [ast.unparse(node) for node in tree.body if isinstance(node, (ast.Import, ast.ImportFrom))]


def test_unused_imports_are_dropped_and_side_effect_imports_kept(tmp_path):
    (tmp_path / "my_plugin.py").write_text("import builtins\nbuiltins.PLUGIN_LOADED = True\n")
    records = history(
        "from __future__ import annotations",
        "import numpy as np\nimport pandas as pd\nimport seaborn as sns\nimport matplotlib\n"
        "matplotlib.use('Agg')\nimport matplotlib.pyplot as plt",
        "from sklearn.experimental import enable_halving_search_cv  # noqa: F401\n"
        "import my_plugin  # registers something when imported",
        "from sklearn.metrics import accuracy_score\nfrom sklearn.model_selection import HalvingGridSearchCV\n"
        "from sklearn.tree import DecisionTreeClassifier\nfrom sklearn.datasets import load_iris",
        "X, y = load_iris(return_X_y=True)",
        "sns.histplot(X[:, 0])\nplt.show()",
        "search = HalvingGridSearchCV(DecisionTreeClassifier(random_state=0), {'max_depth': [1, 2, 3]},"
        " cv=3, random_state=0).fit(X, y)",
        "accuracy_score(y, search.predict(X))",
    )
    script = build_train_script(records, "search.best_estimator_")
    assert imports_of(script) == [
        "from __future__ import annotations",
        "import matplotlib",
        "from sklearn.experimental import enable_halving_search_cv",
        "import my_plugin",
        "from sklearn.model_selection import HalvingGridSearchCV",
        "from sklearn.tree import DecisionTreeClassifier",
        "from sklearn.datasets import load_iris",
        "import skops.io",
    ]
    assert "matplotlib.use('Agg')" in script.text
    script.write(tmp_path / "train.py")
    subprocess.run([sys.executable, "train.py"], cwd=tmp_path, check=True, timeout=120,
                   capture_output=True)
    assert (tmp_path / "model.skops").exists()


def test_definitions_from_exploration_cells_do_not_ride_along():
    records = history(
        "import numpy as np\nfrom sklearn.linear_model import LogisticRegression",
        "np.random.seed(0)",
        "X = np.random.normal(size=(30, 2)); rng = np.random.default_rng(7); y = (X[:, 0] > 0).astype(int)",
        "sample = rng.choice(30, 5)\nprint(X[sample])",
        "model = LogisticRegression().fit(X, y)",
    )
    script = build_train_script(records, "model")
    assert script.kept_counts == [1, 2, 3, 5]
    assert "rng" not in script.text and "sample" not in script.text
    assert "X = np.random.normal(size=(30, 2))\ny = (X[:, 0] > 0).astype(int)" in script.text
