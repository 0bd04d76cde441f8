"""Calls that only read are not mutations: exploration stays out of train.py."""

from __future__ import annotations

import subprocess
import sys

import skops.io

from hubmagic.capture import CellRecord, build_train_script


def history(*cells):
    return [CellRecord(i, i + 1, source) for i, source in enumerate(cells)]


FRAME = (
    "import pandas as pd\nfrom sklearn.tree import DecisionTreeClassifier",
    ("df = pd.DataFrame({'a': [1.0, 2.0, None, 4.0, 5.0, 6.0], 'b': [2.0, 1.0, 3.0, 5.0, 4.0, 6.0],"
     " 'y': [0, 0, 1, 1, 0, 1]})"),
)


def test_an_exploration_helper_called_on_the_training_frame_is_left_out():
    records = history(
        *FRAME,
        "def explore(frame):\n    print(frame.describe())\n    frame.hist()\n"
        "    counts = frame.isna().sum()\n    return counts[counts > 0]",
        "explore(df)",
        "missing = explore(df)",
        "model = DecisionTreeClassifier(random_state=0).fit(df[['a', 'b']].fillna(0), df.y)",
    )
    script = build_train_script(records, "model")
    assert script.kept_counts == [1, 2, 6]
    assert "def explore" not in script.text and "explore(df)" not in script.text
    assert script.custom_objects == []


def test_a_helper_that_changes_its_argument_is_kept_with_the_call(tmp_path):
    records = history(
        *FRAME,
        "def add_ratio(frame):\n    frame['ratio'] = frame['a'] / frame['b']",
        "def clean(frame, value=0.0):\n    alias = frame\n    alias.fillna(value, inplace=True)",
        "def prepare(frame):\n    clean(frame)\n    add_ratio(frame)",
        "def show(frame, title):\n    frame.plot(title=title)",
        "prepare(df)",
        "show(title='after', frame=df)",
        "clean(value=1.0, frame=df.copy())",
        "model = DecisionTreeClassifier(random_state=0).fit(df[['a', 'b', 'ratio']], df.y)",
    )
    script = build_train_script(records, "model")
    assert script.kept_counts == [1, 2, 3, 4, 5, 7, 10]
    assert script.custom_objects == ["add_ratio", "clean", "prepare"]
    # The script runs and trains on the prepared frame.
    script.write(tmp_path / "train.py")
    subprocess.run([sys.executable, "train.py"], cwd=tmp_path, check=True, timeout=120,
                   capture_output=True)
    model = skops.io.load(tmp_path / "model.skops", trusted=skops.io.get_untrusted_types(
        file=tmp_path / "model.skops"))
    assert list(model.feature_names_in_) == ["a", "b", "ratio"]


def test_reads_of_models_and_frames_are_not_mutations():
    records = history(
        *FRAME,
        "from sklearn.preprocessing import StandardScaler\nfrom sklearn.pipeline import make_pipeline",
        "X = df[['a', 'b']].fillna(0)",
        "scaler = StandardScaler().fit(X)",
        "scaler.transform(X)\nscaler.get_feature_names_out()\nscaler.get_params()",
        "df.describe()\ndf.head()\ndf.isna()\ndf['y'].value_counts()\ndf.plot()\ndf.a.sum()",
        "model = make_pipeline(scaler, DecisionTreeClassifier(random_state=0)).fit(X, df.y)",
        "model.predict(X)\nmodel.predict_proba(X)\nmodel.score(X, df.y)\nmodel.decision_path",
        "df.dropna(inplace=True)",
        "model",
    )
    script = build_train_script(records, "model")
    assert script.kept_counts == [1, 2, 3, 4, 5, 8]
    reasons = {r.execution_count: why for r, why in script.dropped}
    assert reasons[6] == reasons[7] == reasons[9] == "display or exploration only"
    assert reasons[10] == "does not feed the model"  # changes df after the fit
