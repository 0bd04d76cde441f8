"""The card editor driven as the browser drives it: widget values, set_state, button clicks.

Each test edits through the widgets, then reads the README.md the editor wrote (and, for
Push, the one the local hub serves through the real client).
"""

from __future__ import annotations

import io

import pytest
from huggingface_hub import ModelCard
from sklearn.datasets import load_iris
from sklearn.linear_model import LogisticRegression

from hubmagic.errors import HubMagicError
from hubmagic.repository import ModelRepository
from hubmagic.widgets import CardDocument, CardEditor


def png(color: str) -> bytes:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(1, 1))
    ax.plot([0, 1], [0, 1], color=color)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    plt.close(fig)
    return buffer.getvalue()


@pytest.fixture(scope="module")
def trained():
    X, y = load_iris(return_X_y=True, as_frame=True)
    return LogisticRegression(max_iter=300).fit(X, y), X.iloc[::10], y.iloc[::10]


@pytest.fixture(scope="module")
def figures():
    return [
        {"name": "roc", "png": png("red"), "caption": "ROC curve"},
        {"name": "residuals", "png": png("blue"), "caption": "Residuals"},
    ]


@pytest.fixture
def repo(tmp_path, trained, figures):
    model, X, y = trained
    return ModelRepository.init(model, data=X, labels=y, dst=tmp_path / "iris", figures=figures,
                                script_info={"data": "X_small", "labels": "y_small"})


def editor_for(repo, **kwargs) -> CardEditor:
    return CardEditor(repository=repo, preview_delay=0, **kwargs)  # no debounce: checks run at each edit


def readme(repo) -> str:
    return (repo.path / "README.md").read_text(encoding="utf-8")


def select(editor, path):
    editor.sections_panel.picker.set_state({"index": editor.document().find(path)})


def test_metadata_round_trips_through_modelcard_load(repo):
    editor = editor_for(repo)
    form = editor.metadata_form
    form.license.set_state({"value": "apache-2.0"})  # what the browser sends when a license is picked
    form.lists["tags"].value = ["sklearn", "skops", "tabular-classification", "iris"]
    form.lists["datasets"].value = ["scikit-learn/iris"]
    form.lists["language"].value = ["en"]
    form.base_model.value = "alice/iris-base"
    form.model_name.value = "iris-logreg"
    form.pipeline_tag.value = "tabular-classification"
    assert editor.dirty and editor.field_problems == {}
    editor.actions.save.click()
    assert not editor.dirty
    data = ModelCard.load(repo.path / "README.md").data
    assert data.license == "apache-2.0"
    assert data.tags == ["sklearn", "skops", "tabular-classification", "iris"]
    assert data.datasets == ["scikit-learn/iris"] and data.language == ["en"]
    assert data.base_model == "alice/iris-base" and data.model_name == "iris-logreg"
    assert data.library_name == "sklearn" and data.widget  # keys the editor does not show are kept
    assert repo.card.metadata.license == "apache-2.0"  # the card API sees the save


def test_an_invalid_value_is_flagged_beside_its_field(repo):
    editor = editor_for(repo)
    editor.metadata_form.license.value = "MIT License"
    assert "did you mean `mit`" in editor.metadata_form.problems["license"].value
    editor.metadata_form.pipeline_tag.value = "tabular classification"
    assert "tabular-classification" in editor.metadata_form.problems["pipeline_tag"].value
    editor.metadata_form.lists["language"].value = ["English"]
    assert "ISO 639-1" in editor.metadata_form.problems["language"].value
    # the Hub, asked through the client, refuses the license too
    assert any("The Hub refuses the metadata" in p and '"license"' in p for p in editor.problems)
    editor.metadata_form.license.value = "mit"
    assert editor.metadata_form.problems["license"].value == ""


def test_sections_keep_order_and_content_add_rename_move_remove(repo):
    editor = editor_for(repo)
    panel = editor.sections_panel
    before = editor.document().paths()
    select(editor, "Model description")
    panel.content.value = "Predicts the iris species from four measurements."
    select(editor, "Model description/Intended uses & limitations")
    panel.content.set_state({"value": "Teaching only; not for botanists."})
    # a nested section under "Model description/Intended uses & limitations"
    panel.new_title.value = "Out of scope"
    panel.add_sub.click()
    panel.content.value = "Flowers other than iris."
    assert editor.document().paths()[editor.selected] == "Model description/Intended uses & limitations/Out of scope"
    # rename and move a top-level section
    select(editor, "Model Card Contact")
    panel.title.value = "Contact"
    panel.rename.click()
    panel.up.click()
    select(editor, "Citation")
    panel.remove.click()
    editor.actions.save.click()

    text = readme(repo)
    parsed = CardDocument.from_text(text)
    paths = parsed.paths()
    assert "Citation" not in paths and "Model Card Contact" not in paths
    assert paths.index("Contact") == paths.index("Model Card Authors") - 1
    assert [p for p in paths if p in before] == [p for p in before if p in paths]  # the others kept their order
    sections = {p: s["content"] for p, s in zip(paths, parsed.sections, strict=True)}
    assert sections["Model description"] == "Predicts the iris species from four measurements."
    assert sections["Model description/Intended uses & limitations/Out of scope"] == "Flowers other than iris."
    assert "### Out of scope\n\nFlowers other than iris." in text


def test_placeholders_are_counted_and_highlighted(repo):
    editor = editor_for(repo)
    start = editor.placeholders
    assert start == readme(repo).count("[More Information Needed]") > 0
    assert "<mark>[More Information Needed]</mark>" in editor.preview.value
    select(editor, "Model description/Intended uses & limitations")
    editor.sections_panel.content.value = "Teaching."
    assert editor.placeholders == start - 1
    assert any("placeholder" in p for p in editor.problems)


def test_undo_redo_restore_the_previous_text(repo):
    editor = editor_for(repo)
    panel = editor.sections_panel
    select(editor, "Model description/Intended uses & limitations")
    original = panel.content.value
    panel.content.value = "First version."
    editor._history[-1] = (editor._history[-1][0], "", 0.0)  # the user paused: the next edit is its own step
    panel.content.value = "Second version."
    editor.metadata_form.license.value = "mit"
    editor.actions.undo.click()
    assert "license" not in editor.metadata
    editor.actions.undo.click()
    assert panel.content.value == "First version."
    editor.actions.undo.click()
    assert panel.content.value == original
    editor.actions.redo.click()
    editor.actions.redo.click()
    assert panel.content.value == "Second version."
    editor.actions.save.click()
    assert "Second version." in readme(repo) and "license: mit" not in readme(repo)


def test_unchecked_figure_is_not_published_and_comes_back(repo, api, repo_name, alice_token):
    editor = editor_for(repo)
    assert [row.path for row in editor.figure_rows] == ["figures/roc.png", "figures/residuals.png"]
    assert editor.figure_rows[0].image.value[:4] == b"\x89PNG"
    residuals = editor.figure_rows[1]
    residuals.alt.value = "Residuals against predictions"
    residuals.caption.value = "Residuals on X_small"
    editor.figure_rows[0].include.set_state({"value": False})
    editor.figure_rows[0].down.click()  # order is kept for what remains
    editor.actions.save.click()
    text = readme(repo)
    assert "figures/roc.png" not in text
    assert "![Residuals against predictions](figures/residuals.png)" in text
    assert "Residuals on X_small" in text
    assert not (repo.path / "figures/roc.png").exists()

    result = repo.push(f"alice/{repo_name}", token=alice_token)
    files = api.list_repo_files(result.repo_id)
    assert "figures/residuals.png" in files and "figures/roc.png" not in files

    # checked again: the section and the file return
    again = editor_for(repo)
    row = next(r for r in again.figure_rows if r.path == "figures/roc.png")
    row.include.value = True
    again.actions.save.click()
    assert (repo.path / "figures/roc.png").is_file() and "figures/roc.png" in readme(repo)


def test_a_metric_added_goes_into_model_index_and_the_table(repo):
    editor = editor_for(repo)
    panel = editor.metrics_panel
    panel.name.value, panel.value.value, panel.dataset.value = "roc_auc", "0.97", "held-out 2024"
    panel.add.click()
    panel.name.value, panel.value.value = "recall", "high"
    panel.add.click()
    assert "must be a number" in editor.actions.outcome.value
    editor.actions.save.click()
    data = ModelCard.load(repo.path / "README.md").data
    result = next(r for r in data.eval_results if r.metric_name == "roc_auc")
    assert result.metric_value == 0.97 and result.dataset_name == "held-out 2024"
    assert len(data.eval_results) > 1  # the computed ones are still there
    assert "| roc_auc | 0.97 |" in readme(repo)
    assert "roc_auc" in panel.table.value


def test_a_section_naming_a_missing_file_is_reported(repo):
    editor = editor_for(repo)
    select(editor, "Model description")
    editor.sections_panel.content.value = "See [the data notes](data/NOTES.md) and [config.json](config.json)."
    found = [p for p in editor.problems if "data/NOTES.md" in p]
    assert found and "does not hold" in found[0]
    assert not [p for p in editor.problems if "links to config.json" in p]


def test_push_publishes_through_the_real_client(repo, api, repo_name, alice_token):
    repo_id = f"alice/{repo_name}"
    editor = editor_for(repo, push=lambda **kw: repo.push(repo_id, token=alice_token, **kw))
    select(editor, "Model description")
    editor.sections_panel.content.value = "Iris classifier, edited in the notebook."
    editor.metadata_form.license.value = "mit"
    editor.actions.message.value = "Card written in the editor"
    editor.actions.push.click()
    assert repo_id in editor.actions.outcome.value and "/commit/" in editor.actions.outcome.value
    assert editor.actions.progress.value == 100
    published = ModelCard.load(api.hf_hub_download(repo_id, "README.md"))
    assert published.data.license == "mit"
    assert "Iris classifier, edited in the notebook." in published.text
    assert api.list_repo_commits(repo_id)[0].title == "Card written in the editor"

    # a pull request, with the user's message
    editor.sections_panel.content.value = "Iris classifier, second thoughts."
    editor.actions.create_pr.value = True
    editor.actions.message.value = "Second thoughts"
    editor.actions.push.click()
    assert "/discussions/" in editor.actions.outcome.value
    pr = api.get_repo_discussions(repo_id)
    assert any(d.title == "Second thoughts" for d in pr)


def test_a_failed_push_shows_the_error_in_the_widget(repo, alice_token):
    editor = editor_for(repo, push=lambda **kw: repo.push("not a valid id!", token=alice_token, **kw))
    editor.actions.push.click()
    outcome = editor.actions.outcome.value
    assert "Traceback" not in outcome and "b00020" in outcome and len(outcome) > 40
    assert (repo.path / "README.md").is_file()


def test_two_editors_and_the_card_api_stay_consistent(repo):
    first, second = editor_for(repo), editor_for(repo)
    first.metadata_form.license.value = "bsd-3-clause"
    first.actions.save.click()
    assert second.metadata_form.license.value == "bsd-3-clause"  # not dirty: reloaded
    # an edit in Python through the card API, then the editors are told
    repo.card.metadata.license = "mit"
    repo.save()
    first.reload()
    assert first.metadata["license"] == "mit"
    # unsaved edits are never dropped by someone else's save
    select(second, "Model description")
    second.sections_panel.content.value = "Mine, not saved yet."
    first.metadata_form.license.value = "apache-2.0"
    first.actions.save.click()
    assert second.sections_panel.content.value == "Mine, not saved yet."
    assert "changed outside this editor" in second.actions.outcome.value
    second.actions.revert.click()
    assert second.metadata["license"] == "apache-2.0"
    second.actions.undo.click()
    assert second.sections_panel.content.value == "Mine, not saved yet."


def test_edits_from_python_are_the_widgets_edits(repo):
    editor = editor_for(repo)
    description = "Gradient boosting on the Wisconsin breast cancer data."
    editor.set_field("license", "apache-2.0").set_section("Model description", description)
    assert editor.metadata_form.license.value == "apache-2.0"  # the open form shows the change
    assert editor.dirty
    editor.save()
    card = ModelCard.load(repo.path / "README.md")
    assert card.data.license == "apache-2.0"
    assert description in card.text
    editor.undo()  # the Python edit is one undoable step, like a widget edit
    assert description not in editor.text()
    with pytest.raises(HubMagicError, match="no section 'Nope'"):
        editor.set_section("Nope", "text")
