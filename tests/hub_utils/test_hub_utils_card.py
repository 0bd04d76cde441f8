"""The skops 0.8 card calls users combine with hub_utils: sections, metrics, plots, metadata."""

from __future__ import annotations

import re
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
from huggingface_hub import ModelCard

from hubmagic import card, hub_utils


def test_card_with_sections_metrics_plot_and_metadata_reaches_the_hub(
    tmp_path, alice_token, api, repo_name, init_repo, iris_model, iris_frame
):
    from sklearn.metrics import accuracy_score, f1_score

    X, y = iris_frame
    local_repo = init_repo(iris_model, model_format="skops")
    y_pred = iris_model.predict(X)

    model_card = card.Card(iris_model, metadata=card.metadata_from_config(Path(local_repo)))
    model_card.metadata.license = "mit"
    model_card.add(**{
        "Model description": "Logistic regression on the iris flowers.",
        "Model description/Intended uses & limitations": "Demonstration only.",
        "Model Card Authors": "alice",
    })
    model_card.add_metrics(**{
        "accuracy": accuracy_score(y, y_pred),
        "f1 score": f1_score(y, y_pred, average="micro"),
    })
    fig, ax = plt.subplots()
    ax.bar(range(3), [1, 2, 3])
    fig.savefig(Path(local_repo) / "bars.png")
    plt.close(fig)
    model_card.add_plot(**{"Model description/Bars": "bars.png"})
    model_card.save(Path(local_repo) / "README.md")

    repo_id = f"alice/{repo_name}"
    hub_utils.push(repo_id=repo_id, source=local_repo, token=alice_token, create_remote=True)

    files = {".gitattributes", "README.md", "bars.png", "config.json", "model.skops"}
    assert set(api.list_repo_files(repo_id)) == files
    readme = Path(api.hf_hub_download(repo_id, "README.md")).read_text()
    hub_card = ModelCard(readme)
    assert hub_card.data.license == "mit"
    assert hub_card.data.library_name == "sklearn"
    assert hub_card.data.tags == ["sklearn", "skops", "tabular-classification"]
    assert hub_card.data.model_file == "model.skops"
    for text in ["Logistic regression on the iris flowers.", "Demonstration only.", "alice", "![Bars](bars.png)"]:
        assert text in readme, text
    accuracy = re.escape(str(accuracy_score(y, y_pred)))
    assert re.search(rf"\|\s*accuracy\s*\|\s*{accuracy}\s*\|", readme)
    assert re.search(r"\|\s*f1 score\s*\|\s*0\.9\d*\s*\|", readme)

    # and it reads back as a Card, metadata included
    back = card.Card.load(Path(api.hf_hub_download(repo_id, "README.md")))
    assert back.metadata.license == "mit"
    assert back.metadata.pipeline_tag == "tabular-classification"
