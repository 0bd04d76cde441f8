"""The "Introducing Skops" blog's end-to-end code, run as written against the local hub.

Source: /work/shared/reference/skops-blog-end-to-end.md. Changed, and only this:
``from skops import hub_utils, card`` -> ``from hubmagic import hub_utils, card``; the
token comes from the test fixture (through ``HF_HUB_TOKEN``, as the blog reads it);
the repo lives under ``alice`` on the local hub; ``y_pred``, which the blog uses
without defining it, is the model's prediction on ``X_test``. The blog creates the
card with ``card.Card(model)``; skops' docs (``plot_hf_hub.py``) add Hub metadata
with ``metadata=card.metadata_from_config(...)``: both are run.
"""

from __future__ import annotations

import json
import pickle as pickle_module
from pathlib import Path as _Path

import numpy as np
import pytest
from huggingface_hub import ModelCard


@pytest.mark.parametrize("with_metadata", [False, True], ids=["blog-card", "card-with-hub-metadata"])
def test_blog_end_to_end(with_metadata, tmp_path, monkeypatch, alice_token, api, repo_name):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HF_HUB_TOKEN", alice_token)

    # ---------------------------------------------------------------- the blog's code
    # let's import the libraries first
    import os  # noqa: I001 (the blog's import block, as written)
    from pathlib import Path
    import pickle
    from hubmagic import hub_utils, card
    import sklearn
    import matplotlib.pyplot as plt
    from sklearn.metrics import ConfusionMatrixDisplay, confusion_matrix
    from sklearn.datasets import load_breast_cancer
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.experimental import enable_halving_search_cv  # noqa
    from sklearn.model_selection import HalvingGridSearchCV, train_test_split

    # Load the data and split
    X, y = load_breast_cancer(as_frame=True, return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.3, random_state=42
    )

    # Train the model
    param_grid = {
        "max_leaf_nodes": [5, 10, 15],
        "max_depth": [2, 5, 10],
    }

    model = HalvingGridSearchCV(
        estimator=HistGradientBoostingClassifier(),
        param_grid=param_grid,
        random_state=42,
        n_jobs=-1,
    ).fit(X_train, y_train)

    # let's save the model
    model_path = "example.pkl"
    local_repo = "my-awesome-model"
    with open(model_path, mode="bw") as f:
        pickle.dump(model, file=f)

    # we will now initialize a local repository
    hub_utils.init(
        model=model_path,
        requirements=[f"scikit-learn={sklearn.__version__}"],
        dst=local_repo,
        task="tabular-classification",
        data=X_test,
    )

    # create the card
    if with_metadata:
        model_card = card.Card(model, metadata=card.metadata_from_config(Path(local_repo)))
    else:
        model_card = card.Card(model)

    # create some information we want to pass to the card
    license = "mit"  # noqa: F841 (unused in the blog too)
    limitations = "This model is not ready to be used in production."
    model_description = (
        "This is a HistGradientBoostingClassifier model trained on breast cancer dataset."
    )
    model_card_authors = "skops_user"
    get_started_code = (
        "import pickle \nwith open(dtc_pkl_filename, 'rb') as file: \nclf = pickle.load(file)"
    )
    citation_bibtex = "bibtex\n@inproceedings{...,year={2020}}"

    # we can add the information using add
    model_card.add(
        citation_bibtex=citation_bibtex,
        get_started_code=get_started_code,
        model_card_authors=model_card_authors,
        limitations=limitations,
        model_description=model_description,
    )

    y_pred = model.predict(X_test)  # not in the blog, which uses y_pred undefined

    # we will create a confusion matrix
    cm = confusion_matrix(y_test, y_pred, labels=model.classes_)
    disp = ConfusionMatrixDisplay(confusion_matrix=cm, display_labels=model.classes_)
    disp.plot()

    # save the plot
    plt.savefig(Path(local_repo) / "confusion_matrix.png")

    # the plot will be written to the model card under the name confusion_matrix
    # we pass the path of the plot itself
    model_card.add_plot(confusion_matrix="confusion_matrix.png")

    model_card.save(Path(local_repo) / "README.md")

    token = os.environ["HF_HUB_TOKEN"]
    # if the repository doesn't exist remotely on the Hugging Face Hub, it will be created
    # when we set create_remote to True
    repo_id = f"alice/{repo_name}"  # the blog: "skops-user/my-awesome-model"
    hub_utils.push(
        repo_id=repo_id,
        source=local_repo,
        token=token,
        commit_message="pushing files to the repo from the example!",
        create_remote=True,
    )

    download_repo = "downloaded-model"
    hub_utils.download(repo_id=repo_id, dst=download_repo)

    hub_utils.update_env(path=local_repo, requirements=["scikit-learn"])
    plt.close("all")

    # ---------------------------------------------------------------- what reached the hub
    files = set(api.list_repo_files(repo_id))
    assert files == {".gitattributes", "README.md", "config.json", "confusion_matrix.png", "example.pkl"}
    assert api.list_repo_commits(repo_id)[0].title == "pushing files to the repo from the example!"
    assert api.model_info(repo_id).private is False

    config = json.loads(_Path(api.hf_hub_download(repo_id, "config.json")).read_text())
    assert config == {
        "sklearn": {
            "columns": list(X_test.columns),
            "environment": [f"scikit-learn={sklearn.__version__}"],
            "example_input": {c: X_test[c][:3].tolist() for c in X_test.columns},
            "model": {"file": "example.pkl"},
            "model_format": "pickle",
            "task": "tabular-classification",
            "use_intelex": False,
        }
    }

    readme = _Path(api.hf_hub_download(repo_id, "README.md")).read_text()
    for text in [
        model_description,
        limitations,
        model_card_authors,
        "@inproceedings{...,year={2020}}",
        "clf = pickle.load(file)",
        "confusion_matrix.png",
        "HistGradientBoostingClassifier",
    ]:
        assert text in readme
    # the card's hyperparameter table and model diagram come from the model itself
    assert "max_leaf_nodes" in readme
    metadata = ModelCard(readme).data.to_dict()
    if with_metadata:
        assert metadata["library_name"] == "sklearn"
        assert metadata["tags"] == ["sklearn", "skops", "tabular-classification"]
        assert metadata["model_file"] == "example.pkl"
        assert metadata["pipeline_tag"] == "tabular-classification"
        assert metadata["widget"] == [{"structuredData": config["sklearn"]["example_input"]}]
        # the Hub read the card: the model page shows the library and the task
        info = api.model_info(repo_id)
        assert (info.library_name, info.pipeline_tag) == ("sklearn", "tabular-classification")
    else:
        assert "tabular-classification" not in metadata.get("tags", [])

    png = _Path(api.hf_hub_download(repo_id, "confusion_matrix.png")).read_bytes()
    assert png.startswith(b"\x89PNG") and png == (tmp_path / local_repo / "confusion_matrix.png").read_bytes()

    # the downloaded copy: same files, a model that predicts identically
    assert set(os.listdir(download_repo)) == files
    with open(_Path(download_repo) / "example.pkl", "rb") as f:
        reloaded = pickle_module.load(f)
    np.testing.assert_array_equal(reloaded.predict(X_test), y_pred)
    np.testing.assert_array_equal(hub_utils.get_model_output(repo_id, X_test, token=token), y_pred)

    # update_env changed the local repository only
    assert hub_utils.get_requirements(local_repo) == ["scikit-learn"]
    assert hub_utils.get_requirements(download_repo) == [f"scikit-learn={sklearn.__version__}"]
