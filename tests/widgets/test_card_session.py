"""The editor bound to the notebook's session: what %hub_push publishes, and what Python changes."""

from __future__ import annotations

from pathlib import Path

from huggingface_hub import ModelCard

from hubmagic.notebook import NotebookSession
from hubmagic.widgets import CardEditor

CELLS = [
    "%load_ext hubmagic",
    "%matplotlib inline\nimport matplotlib.pyplot as plt",
    "from sklearn.datasets import load_iris\nfrom sklearn.linear_model import LogisticRegression\n"
    "X, y = load_iris(return_X_y=True, as_frame=True)\nbig, y_big = X.iloc[::3], y.iloc[::3]",
    "model = LogisticRegression(max_iter=300).fit(X, y)",
    "plt.plot([3, 2, 1])\nplt.title('Loss')\nplt.show()",
    "plt.bar(['a', 'b'], [1, 2])\nplt.title('Importance')\nplt.show()",
]


def setup(run, repo_id):
    for cell in CELLS:
        run(cell)
    run(f"%hub_init model --data big --labels y_big --repo-id {repo_id}")


def test_an_edit_in_the_editor_is_what_hub_push_publishes(shell, run, api, repo_name, capsys):
    repo_id = f"alice/{repo_name}"
    setup(run, repo_id)
    session = NotebookSession.for_shell(shell)
    capsys.readouterr()
    run("%hub_card")  # no kernel here: the card's state, and how to edit it in Python
    out = capsys.readouterr().out
    assert "Model card" in out and "[More Information Needed]" in out and "repo.card" in out

    editor = CardEditor(session=session, preview_delay=0)
    other = CardEditor(session=session, preview_delay=0)
    text = (session.repository.path / "README.md").read_text()
    assert "`big`" in text and "`y_big`" in text  # the card names the data actually used
    assert sorted(r.path for r in editor.figure_rows) == ["figures/importance.png", "figures/loss.png"]
    loss = next(r for r in editor.figure_rows if r.path == "figures/loss.png")
    loss.include.value = False
    editor.metadata_form.license.value = "mit"
    editor.sections_panel.picker.value = editor.document().find("Model description/Intended uses & limitations")
    editor.sections_panel.content.value = "Teaching the iris data set."
    editor.actions.save.click()
    assert next(f for f in session.figures if f["name"] == "loss")["include"] is False  # the capture agrees
    assert other.metadata["license"] == "mit"  # the other editor reloaded

    # a change made in Python shows in the open editors
    session.repository.card.metadata.tags = ["sklearn", "iris"]
    session.repository.save()
    session.card_changed()
    assert list(editor.metadata_form.lists["tags"].value) == ["sklearn", "iris"]

    run("%hub_push")
    readme = ModelCard.load(api.hf_hub_download(repo_id, "README.md"))
    assert readme.data.license == "mit" and "Teaching the iris data set." in readme.text
    files = api.list_repo_files(repo_id)
    assert "figures/importance.png" in files and "figures/loss.png" not in files
    assert session.push_state["phase"] == "done"


def test_hub_card_from_a_published_repository_opens_a_pull_request(shell, run, api, repo_name, capsys):
    repo_id = f"alice/{repo_name}"
    setup(run, repo_id)
    run("%hub_push")
    run(f"%hub_card --from {repo_id} --dst edit-copy")
    assert "Push opens a pull request" in capsys.readouterr().out
    from hubmagic.repository import ModelRepository

    copy = ModelRepository.open("edit-copy")
    editor = CardEditor(repository=copy, push=lambda **kw: copy.push(repo_id, **kw), create_pr=True, preview_delay=0)
    assert editor.document().find("Model description") == 0
    editor.sections_panel.content.value = "Reviewed description."
    editor.actions.message.value = "Better description"
    editor.actions.push.click()
    assert "/discussions/" in editor.actions.outcome.value
    discussion = api.get_repo_discussions(repo_id)
    assert [d.title for d in discussion if d.is_pull_request] == ["Better description"]
    main = ModelCard.load(api.hf_hub_download(repo_id, "README.md"))
    assert "Reviewed description." not in main.text  # main is untouched until the PR is merged


def test_hub_card_from_a_repository_whose_card_repeats_itself_billions_of_times(shell, run, hub, bob_token,
                                                                                repo_name, capsys):
    """Someone's card header can stand for billions of values through YAML aliases (the Hub
    takes a commit without asking): opening it in the editor would write them all out. It is
    refused with one paragraph, at once; the copy downloaded stays as published."""
    import base64
    import json

    import requests
    from huggingface_hub import HfApi

    repo_id = f"bob/{repo_name}"
    HfApi(endpoint=hub.endpoint, token=bob_token).create_repo(repo_id)
    rows = "".join(f"l{i + 1}: &l{i + 1} [" + ", ".join([f"*l{i}"] * 9) + "]\n" for i in range(12))
    card = "---\nlicense: mit\nl0: &l0 laugh\n" + rows + "---\n# Model\n"
    lines = [{"key": "header", "value": {"summary": "card"}},
             {"key": "file", "value": {"path": "README.md", "content": base64.b64encode(card.encode()).decode(),
                                       "encoding": "base64"}}]
    answer = requests.post(f"{hub.endpoint}/api/models/{repo_id}/commit/main",
                           data="\n".join(json.dumps(line) for line in lines).encode(),
                           headers={"Authorization": f"Bearer {bob_token}", "Content-Type": "application/x-ndjson"})
    assert answer.status_code == 200, answer.text
    run("%load_ext hubmagic")
    capsys.readouterr()
    result = run(f"%hub_card --from {repo_id} --dst their-card", ok=False)
    assert not result.success and type(result.error_in_exec).__name__ == "UsageError", result.error_in_exec
    message, out = str(result.error_in_exec), capsys.readouterr().out
    assert "aliases" in message and "Traceback" not in out
    assert "their-card" in message and "Downloaded" not in out  # nothing said it was ready to edit
    assert (Path("their-card") / "README.md").read_text() == card  # the download asked for, as published
