"""skops' documentation code (skops-hub-format.rst, plot_hf_hub.py), run against the local hub.

The docs' ``train.py`` (``init`` / ``add_files(__file__)`` / ``push``) runs as a real
script in its own Python process, so ``__file__`` is what it is for the user. The
script follows the steps of skops' ``examples/plot_hf_hub.py`` (not shipped in the
0.8.0 sdist): init, add the script itself, card with Hub metadata, push private,
download, requirements, config, update_env; its only change is the import
(``from hubmagic import card, hub_utils``) and a bundled dataset.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
from huggingface_hub import ModelCard

TRAIN_PY = textwrap.dedent(
    '''
    # contents of train.py
    import json
    import os
    import pickle
    from pathlib import Path

    import sklearn
    from huggingface_hub import HfApi
    from sklearn.datasets import load_breast_cancer
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import train_test_split
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    from hubmagic import card, hub_utils

    X, y = load_breast_cancer(as_frame=True, return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.3, random_state=42)
    model = make_pipeline(StandardScaler(), LogisticRegression()).fit(X_train, y_train)

    pkl_name = "model.pkl"
    with open(pkl_name, mode="bw") as f:
        pickle.dump(model, file=f)

    local_repo = "breast-cancer-repo"
    hub_utils.init(
        model=pkl_name,
        requirements=[f"scikit-learn={sklearn.__version__}"],
        dst=local_repo,
        task="tabular-classification",
        data=X_test,
    )
    hub_utils.add_files(__file__, dst=local_repo)  # adds train.py to repo

    model_card = card.Card(model, metadata=card.metadata_from_config(Path(local_repo)))
    model_card.save(Path(local_repo) / "README.md")

    token = os.environ["HF_HUB_TOKEN"]
    user_name = HfApi().whoami(token=token)["name"]
    repo_id = f"{user_name}/{os.environ['REPO_NAME']}"
    hub_utils.push(
        repo_id=repo_id,
        source=local_repo,
        token=token,
        commit_message="pushing files to the repo from the example!",
        create_remote=True,
        private=True,
    )

    repo_copy = "repo-copy"
    hub_utils.download(repo_id=repo_id, dst=repo_copy, token=token)
    print(json.dumps({
        "files": sorted(os.listdir(repo_copy)),
        "requirements": hub_utils.get_requirements(path=repo_copy),
        "config": hub_utils.get_config(path=repo_copy),
    }))
    hub_utils.update_env(path=local_repo, requirements=["scikit-learn"])
    '''
)


def test_train_py_from_the_docs(tmp_path, alice_token, api, repo_name):
    script = tmp_path / "train.py"
    script.write_text(TRAIN_PY)
    env = dict(os.environ, HF_HUB_TOKEN=alice_token, REPO_NAME=repo_name, PYTHONWARNINGS="ignore")

    run = subprocess.run(
        [sys.executable, str(script)], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=240
    )

    assert run.returncode == 0, run.stderr[-3000:]
    repo_id = f"alice/{repo_name}"
    printed = json.loads(run.stdout.strip().splitlines()[-1])
    expected_files = [".gitattributes", "README.md", "config.json", "model.pkl", "train.py"]
    assert printed["files"] == expected_files
    assert sorted(api.list_repo_files(repo_id)) == expected_files
    assert api.model_info(repo_id).private is True
    # the script reached the hub byte for byte, and the token is in no file
    assert Path(api.hf_hub_download(repo_id, "train.py")).read_bytes() == script.read_bytes()
    for name in expected_files:
        assert alice_token not in Path(api.hf_hub_download(repo_id, name)).read_bytes().decode("latin-1")

    import sklearn

    config = printed["config"]["sklearn"]
    assert printed["requirements"] == [f"scikit-learn={sklearn.__version__}"]
    assert config["model"] == {"file": "model.pkl"} and config["task"] == "tabular-classification"
    assert len(config["columns"]) == 30 and all(len(v) == 3 for v in config["example_input"].values())

    metadata = ModelCard.load(api.hf_hub_download(repo_id, "README.md")).data.to_dict()
    assert metadata["library_name"] == "sklearn"
    assert "tabular-classification" in metadata["tags"]

    assert json.loads((tmp_path / "breast-cancer-repo" / "config.json").read_text())["sklearn"]["environment"] == [
        "scikit-learn"
    ]


def test_get_model_output_snippet_from_the_docs(monkeypatch, alice_token, repo_name, init_repo, iris_model, iris_frame):
    from hubmagic import hub_utils as compat

    X, _ = iris_frame
    repo = init_repo(iris_model)
    compat.push(repo_id=f"alice/{repo_name}", source=repo, token=alice_token, create_remote=True, private=True)
    monkeypatch.setenv("HF_TOKEN", alice_token)  # the user is logged in
    USER, MODEL_ID = "alice", repo_name

    # ---------------------------------------------------------------- the docs' code
    import hubmagic.hub_utils as hub_utils  # noqa: I001, PLR0402 (the docs' imports, as written)
    import pandas as pd
    data = pd.DataFrame(X.sample(12, random_state=0))
    # Load the model from the Hub
    res = hub_utils.get_model_output(f"{USER}/{MODEL_ID}", data)

    # In the above code snippet, ``res`` will be a numpy.ndarray containing the model's output.
    assert isinstance(res, np.ndarray)
    np.testing.assert_array_equal(res, iris_model.predict(data))
