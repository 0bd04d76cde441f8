"""The other magics in a real shell: %hub_status, %hub_add, %hub_script, %hub_figures,
%hub_login, %hub_push --dry-run / --redact, and the refresh of a repository by %hub_init."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from huggingface_hub import HfApi
from IPython.core.error import UsageError
from test_publish_flow import train

from hubmagic.notebook import NotebookSession

EXPLORE = "import matplotlib\nmatplotlib.use('Agg')\nimport matplotlib.pyplot as plt"
PLOT = (
    "fig, ax = plt.subplots()\nax.scatter(X_test.iloc[:, 0], model.predict(X_test))\n"
    "ax.set_title('Predicted class by sepal length')\nfig"
)
SCRATCH = "fig2, ax2 = plt.subplots()\nax2.hist(X.iloc[:, 1])\nax2.set_title('scratch histogram')\nfig2"


def init_model(ip, repo_name, options=""):
    """Train the iris model and %hub_init it for alice's repository; returns the repo id."""
    train(ip)
    repo_id = f"alice/{repo_name}"
    ip.run_cell(f"%hub_init model --data X_test --repo-id {repo_id} {options}".rstrip(), store_history=True)
    return repo_id


def test_status_before_and_after_a_push_and_after_an_edit(ip, hub, as_alice, repo_name, capsys):
    repo_id = init_model(ip, repo_name, "--license mit")
    capsys.readouterr()
    ip.run_cell("%hub_status", store_history=True)
    before = capsys.readouterr().out
    assert "model.skops" in before and "README.md" in before
    assert "never pushed" in before.lower() or "not pushed" in before.lower(), before

    ip.run_cell("%hub_push", store_history=True)
    capsys.readouterr()
    ip.run_cell("%hub_status", store_history=True)
    after = capsys.readouterr().out
    assert repo_id in after and "up to date" in after.lower(), after

    folder = NotebookSession.for_shell(ip).repository.path
    (folder / "README.md").write_text((folder / "README.md").read_text() + "\nA note.\n")
    ip.run_cell("%hub_status", store_history=True)
    edited = capsys.readouterr().out
    assert "~ README.md" in edited, edited


def test_add_files_then_push_publishes_them(ip, hub, as_alice, repo_name, tmp_path, capsys):
    (tmp_path / "utils.py").write_text("def helper():\n    return 1\n")
    init_model(ip, repo_name)
    ip.run_cell("%hub_add utils.py", store_history=True)
    assert "added utils.py" in capsys.readouterr().out
    with pytest.raises(UsageError, match="missing.csv"):
        ip.run_cell("%hub_add missing.csv", store_history=True)
    ip.run_cell("%hub_push", store_history=True)
    assert "utils.py" in HfApi(token=as_alice).list_repo_files(f"alice/{repo_name}")
    # A refresh keeps the added file.
    ip.run_cell("%hub_init model", store_history=True)
    assert (tmp_path / "hub" / "model" / "utils.py").is_file()


def test_add_before_init_says_what_to_do(ip):
    with pytest.raises(UsageError, match="%hub_init"):
        ip.run_cell("%hub_add anything.py", store_history=True)


def test_refresh_keeps_the_options_of_the_last_init(ip, tmp_path, capsys):
    train(ip)
    ip.run_cell("%hub_init model --data X_test --labels y_test --license mit", store_history=True)
    ip.run_cell("model.set_params(C=0.1).fit(X_train, y_train)", store_history=True)
    capsys.readouterr()
    ip.run_cell("%hub_init model", store_history=True)
    out = capsys.readouterr().out
    assert "--data" in out and "--labels" in out and "--license" in out
    card = (tmp_path / "hub" / "model" / "README.md").read_text()
    assert "license: mit" in card and "model-index" in card
    assert "C=0.1" in (tmp_path / "hub" / "model" / "train.py").read_text()


def test_script_show_all_exclude_include_and_the_repository_follows(ip, tmp_path, capsys):
    train(ip)
    ip.run_cell("print('exploring', X.shape)", store_history=True)
    exploring = ip.execution_count - 1
    capsys.readouterr()
    ip.run_cell("%hub_script --show", store_history=True)
    sliced = capsys.readouterr().out
    assert "LogisticRegression(max_iter=500)" in sliced and "print('exploring'" not in sliced
    assert "left out hubmagic's own magics: In[1]" in sliced
    ip.run_cell("%hub_script --all --show", store_history=True)
    assert "print('exploring'" in capsys.readouterr().out

    ip.run_cell("%hub_init model --data X_test", store_history=True)
    script_file = tmp_path / "hub" / "model" / "train.py"
    assert "exploring" not in script_file.read_text()
    ip.run_cell(f"%hub_script --include {exploring}", store_history=True)
    assert "print('exploring'" in script_file.read_text()
    ip.run_cell("%hub_script --reset", store_history=True)
    assert "exploring" not in script_file.read_text()


def test_verify_from_init_and_from_script_goes_into_the_card(ip, tmp_path, capsys):
    train(ip)
    capsys.readouterr()
    ip.run_cell("%hub_init model --data X_test --verify", store_history=True)
    out = capsys.readouterr().out
    assert "✔ train.py rebuilds the model" in out, out
    card = (tmp_path / "hub" / "model" / "README.md").read_text()
    assert "✔ Verified:" in card and "Not reproducible" not in card, card

    # A refit from unrecorded state cannot be reproduced: the verdict says so, in the card too.
    ip.run_cell_quietly(
        "import numpy as _np\nmodel.fit(X_train + _np.random.default_rng().normal(size=X_train.shape), y_train)"
    )
    ip.run_cell("%hub_init model", store_history=True)
    capsys.readouterr()
    ip.run_cell("%hub_script --verify", store_history=True)
    out = capsys.readouterr().out
    assert "✘" in out and "not reproducible" in out.lower(), out
    card = (tmp_path / "hub" / "model" / "README.md").read_text()
    assert "✘ Not reproducible:" in card and "✔ Verified" not in card, card


def test_verify_needs_data(ip):
    train(ip)
    with pytest.raises(UsageError, match="--data"):
        ip.run_cell("%hub_init model --verify", store_history=True)
    with pytest.raises(UsageError, match="example input"):
        ip.run_cell("%hub_script --verify", store_history=True)


def test_figures_listed_chosen_written_and_referenced(ip, tmp_path, capsys):
    train(ip)
    ip.run_cell(EXPLORE, store_history=True)
    ip.run_cell(PLOT, store_history=True)
    ip.run_cell(SCRATCH, store_history=True)
    capsys.readouterr()
    ip.run_cell("%hub_figures", store_history=True)
    listed = capsys.readouterr().out
    assert "[x] predicted-class-by-sepal-length" in listed and "[x] scratch-histogram" in listed, listed

    ip.run_cell("%hub_init model --data X_test", store_history=True)
    figures = tmp_path / "hub" / "model" / "figures"
    assert sorted(p.name for p in figures.iterdir()) == [
        "predicted-class-by-sepal-length.png", "scratch-histogram.png"]
    ip.run_cell("%hub_figures --exclude scratch-histogram", store_history=True)
    assert sorted(p.name for p in figures.iterdir()) == ["predicted-class-by-sepal-length.png"]
    card = (tmp_path / "hub" / "model" / "README.md").read_text()
    assert "figures/predicted-class-by-sepal-length.png" in card
    assert "scratch-histogram" not in card
    with pytest.raises(UsageError, match="no-such-figure"):
        ip.run_cell("%hub_figures --include no-such-figure", store_history=True)


def test_dry_run_prints_the_plan_and_publishes_nothing(ip, hub, as_alice, repo_name, capsys):
    repo_id = init_model(ip, repo_name)
    capsys.readouterr()
    ip.run_cell("%hub_push --dry-run", store_history=True)
    out = capsys.readouterr().out
    assert "model.skops" in out and "config.json" in out
    assert not HfApi(token=as_alice).repo_exists(repo_id)


def test_a_pasted_token_blocks_the_push_until_redacted(ip, hub, as_alice, repo_name, tmp_path):
    ip.run_cell("HF_TOKEN = 'hf_" + "aB3dE5fG7hJ9kL1mN3pQ5rS7tU9vW1xY3z" + "'", store_history=True)
    ip.run_cell("import os\nheaders = {'Authorization': f'Bearer {HF_TOKEN}'}", store_history=True)
    train(ip)
    ip.run_cell("model.set_params(verbose=len(headers) - 1)", store_history=True)
    repo_id = f"alice/{repo_name}"
    ip.run_cell(f"%hub_init model --data X_test --repo-id {repo_id}", store_history=True)
    script = (tmp_path / "hub" / "model" / "train.py").read_text()
    assert "hf_aB3dE5" in script, "the slice keeps the cell the model reads"
    with pytest.raises(UsageError, match=r"train\.py:\d+: Hugging Face token") as info:
        ip.run_cell("%hub_push", store_history=True)
    assert "--redact" in str(info.value)
    assert "hf_aB3dE5" not in str(info.value)
    api = HfApi(token=as_alice)
    assert not api.repo_exists(repo_id)

    ip.run_cell("%hub_push --redact", store_history=True)
    published = api.hf_hub_download(repo_id, "train.py")
    text = Path(published).read_text()
    assert "hf_aB3dE5" not in text and "os.environ" in text


def test_login_with_the_token_in_the_environment(ip, as_alice, capsys):
    ip.run_cell("%hub_login", store_history=True)
    assert "as alice" in capsys.readouterr().out


def test_login_refuses_a_bad_token(ip, monkeypatch):
    monkeypatch.setenv("HF_TOKEN", "hf_" + "x" * 34)
    with pytest.raises(UsageError, match="refused the token"):
        ip.run_cell("%hub_login", store_history=True)


def test_load_uses_the_repository_just_pushed_and_a_revision(ip, hub, as_alice, repo_name, capsys):
    repo_id = init_model(ip, repo_name)
    ip.run_cell("%hub_push", store_history=True)
    first = HfApi(token=as_alice).list_repo_commits(repo_id)[0].commit_id
    ip.run_cell("model.set_params(C=0.01).fit(X_train, y_train)", store_history=True)
    ip.run_cell("%hub_init model", store_history=True)
    ip.run_cell("%hub_push", store_history=True)
    ip.run_cell("%hub_load", store_history=True)
    assert ip.user_ns["model"].C == 0.01
    ip.run_cell(f"%hub_load {repo_id} --revision {first[:12]} --as old", store_history=True)
    assert ip.user_ns["old"].C == 1.0
    config = json.loads(Path(HfApi(token=as_alice).hf_hub_download(repo_id, "config.json")).read_text())
    assert config["sklearn"]["model"]["file"] == "model.skops"


def test_the_card_names_the_repository_once_it_is_known(ip, hub, as_alice, repo_name, tmp_path):
    train(ip)
    ip.run_cell("%hub_init model --data X_test", store_history=True)
    card = tmp_path / "hub" / "model" / "README.md"
    assert 'repo_id = "USER/MODEL"' in card.read_text()
    ip.run_cell(f"%hub_push --repo-id {repo_name}", store_history=True)  # no namespace: alice's
    published = Path(HfApi(token=as_alice).hf_hub_download(f"alice/{repo_name}", "README.md")).read_text()
    assert f'repo_id = "alice/{repo_name}"' in published and "USER/MODEL" not in published
    assert published == card.read_text()
    ip.run_cell("%hub_init model", store_history=True)  # a refresh keeps the name
    assert f'repo_id = "alice/{repo_name}"' in card.read_text()
