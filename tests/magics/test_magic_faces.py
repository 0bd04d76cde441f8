"""Magics a user can live with: --help, --overwrite, a kernel restart, a repository named
after the notebook, %hub_login's messages, a progress bar without ANSI escapes, and
%unload_ext stopping the local hubs it started."""

from __future__ import annotations

import os
import socket
from pathlib import Path

import nbformat
import pytest
import requests
from huggingface_hub import HfApi
from IPython.core.error import UsageError
from IPython.core.interactiveshell import InteractiveShell
from test_publish_flow import train

from hubmagic.hub._local import ENV_ENDPOINT, is_serving
from hubmagic.magics._args import split
from hubmagic.magics._progress import bar_factory
from hubmagic.notebook import NotebookSession


def restart(ip):
    """The kernel restarts: a new shell (nothing in memory) in the same working directory."""
    ip.run_cell("%unload_ext hubmagic")
    config = ip.config
    type(ip).clear_instance()
    InteractiveShell.clear_instance()
    shell = type(ip).instance(config=config)
    shell.run_cell("%load_ext hubmagic", store_history=True)
    return shell


def test_help_prints_what_the_question_mark_shows(ip, capsys):
    for magic in ("hub_push", "hub_init", "hub_status", "hub_login"):
        ip.run_cell(f"%{magic} --help", store_history=True)
        shown = capsys.readouterr().out
        assert shown.strip() == ip.find_line_magic(magic).__doc__.strip()
    ip.run_cell("%hub_push -h", store_history=True)
    out = capsys.readouterr().out
    assert "--overwrite" in out and "Publish the current repository" in out


@pytest.mark.parametrize("line", ["%hub_status extra", "%hub_login now"])
def test_words_a_magic_does_not_take_are_a_usage_error(ip, line):
    with pytest.raises(UsageError, match="unrecognized arguments"):
        ip.run_cell(line, store_history=True)


@pytest.mark.parametrize("line, words", [
    ("--commit-message 'Tuned C'  # a comment", ["--commit-message", "Tuned C"]),
    (r"--dst C:\data\x.csv", ["--dst", r"C:\data\x.csv"]),
    ("models['b'] --data X.loc[:, 'a b']", ["models['b']", "--data", "X.loc[:, 'a b']"]),
    ('--notebook ""', ["--notebook", ""]),
    ("a#b", ["a#b"]),
])
def test_words_are_read_the_same_on_every_os(line, words):
    assert split(line) == words


def test_backslashes_are_kept_as_on_windows(ip, tmp_path):
    train(ip)
    ip.run_cell(r"%hub_init model --dst hub\win\model  # a Windows path", store_history=True)
    assert NotebookSession.for_shell(ip).repository.path == Path(r"hub\win\model")
    assert (tmp_path / r"hub\win\model" / "model.skops").is_file() and not (tmp_path / "hubwinmodel").exists()


def test_overwrite_replaces_a_remote_this_folder_never_saw(ip, as_alice, api, repo_name):
    repo_id = f"alice/{repo_name}"
    api.create_repo(repo_id)
    api.upload_file(path_or_fileobj=b"someone's work\n", path_in_repo="notes.md", repo_id=repo_id)
    train(ip)
    ip.run_cell(f"%hub_init model --data X_test --repo-id {repo_id}", store_history=True)
    with pytest.raises(UsageError, match="overwrite"):
        ip.run_cell("%hub_push", store_history=True)
    assert "model.skops" not in api.list_repo_files(repo_id)
    ip.run_cell("%hub_push --overwrite", store_history=True)
    files = api.list_repo_files(repo_id)
    assert "model.skops" in files and "notes.md" not in files


def test_a_restarted_kernel_reopens_the_notebooks_repository(ip, as_alice, api, repo_name, tmp_path, capsys):
    train(ip)
    ip.user_ns["__session__"] = str(tmp_path / "iris.ipynb")
    ip.run_cell(f"%hub_init model --data X_test --repo-id alice/{repo_name}", store_history=True)
    ip.run_cell("%hub_push", store_history=True)
    ip.user_ns["__session__"] = str(tmp_path / "other.ipynb")  # a second notebook in the same folder
    ip.run_cell("tree = __import__('sklearn.tree').tree.DecisionTreeClassifier().fit(X_train, y_train)",
                store_history=True)
    ip.run_cell("%hub_init tree --data X_test", store_history=True)
    assert sorted(p.name for p in (tmp_path / "hub").iterdir()) == ["iris-model", "other-tree"]

    shell = restart(ip)
    try:
        with pytest.raises(UsageError, match="iris-model, other-tree"):  # which notebook is this?
            shell.run_cell("%hub_status", store_history=True)
        shell.user_ns["__session__"] = str(tmp_path / "iris.ipynb")
        capsys.readouterr()
        shell.run_cell("%hub_status", store_history=True)
        out = capsys.readouterr().out
        assert f"alice/{repo_name}" in out and "up to date" in out.lower(), out
        assert NotebookSession.for_shell(shell).repository.path.name == "iris-model"
        readme = tmp_path / "hub" / "iris-model" / "README.md"
        readme.write_text(readme.read_text() + "\nReopened after a restart.\n")
        shell.run_cell("%hub_push --commit-message 'After the restart'", store_history=True)
        assert api.list_repo_commits(f"alice/{repo_name}")[0].title == "After the restart"
    finally:
        shell.run_cell("%unload_ext hubmagic")


def test_the_default_repository_is_named_after_the_notebook_and_the_model(ip, as_alice, api, tmp_path, capsys):
    train(ip)
    ip.user_ns["__session__"] = str(tmp_path / "Iris study.ipynb")  # not even saved yet
    ip.run_cell("models = {'b': model}", store_history=True)
    capsys.readouterr()
    ip.run_cell("%hub_init models['b'] --data X_test", store_history=True)
    out = capsys.readouterr().out
    assert "→ alice/Iris-study-models-b" in out, out  # the real namespace, known from the token
    assert (tmp_path / "hub" / "Iris-study-models-b" / "model.skops").is_file()
    assert not (tmp_path / "hub" / "models['b']").exists()
    ip.run_cell("%hub_push", store_history=True)
    assert "model.skops" in api.list_repo_files("alice/Iris-study-models-b")


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_login_says_when_the_hub_cannot_be_reached(ip, monkeypatch):
    monkeypatch.setenv("HF_ENDPOINT", f"http://127.0.0.1:{_closed_port()}")
    monkeypatch.setenv("HF_TOKEN", "hf_" + "u" * 34)
    with pytest.raises(UsageError, match="Could not reach the Hub") as info:
        ip.run_cell("%hub_login", store_history=True)
    assert "refused the token" not in str(info.value)


def test_login_from_a_front_end_without_input_says_what_to_do(tmp_path):
    """A real kernel driven by nbclient, which (like some front ends) cannot answer input requests."""
    from nbclient import NotebookClient

    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("%load_ext hubmagic"), nbformat.v4.new_code_cell("%hub_login")]
    env = {key: value for key, value in os.environ.items() if key != "HF_TOKEN"}
    env["HF_HOME"] = str(tmp_path / "hf-home")
    NotebookClient(nb, timeout=120, kernel_name="python3", allow_errors=True,
                   resources={"metadata": {"path": str(tmp_path)}}).execute(env=env)
    shown = "".join(out.get("text", "") for out in nb.cells[1].outputs)
    assert shown.startswith("UsageError: This notebook front end cannot ask for input"), nb.cells[1].outputs
    assert "HF_TOKEN" in shown and "hf auth login" in shown
    assert not any(out.output_type == "error" for out in nb.cells[1].outputs)  # no traceback


def test_the_push_progress_bar_is_plain_ascii_outside_a_widget_notebook(ip, as_alice, repo_name, capsys):
    from tqdm import std

    train(ip)
    ip.run_cell(f"%hub_init model --data X_test --repo-id alice/{repo_name}", store_history=True)
    capsys.readouterr()
    ip.run_cell("%hub_push", store_history=True)
    captured = capsys.readouterr()
    assert "uploading" in captured.out and "100%" in captured.out, captured.out
    assert "\x1b" not in captured.out + captured.err
    assert "IProgress" not in captured.out + captured.err
    assert bar_factory(ip)[0] is std.tqdm


def test_unload_stops_the_local_hubs_it_started(ip, tmp_path, monkeypatch, hub):
    from huggingface_hub import constants

    monkeypatch.delenv(ENV_ENDPOINT, raising=False)
    monkeypatch.setenv("HF_ENDPOINT", os.environ["HF_ENDPOINT"])
    monkeypatch.setenv("HF_TOKEN", "placeholder")
    monkeypatch.setattr(constants, "ENDPOINT", constants.ENDPOINT)
    monkeypatch.setattr(constants, "HUGGINGFACE_CO_URL_TEMPLATE", constants.HUGGINGFACE_CO_URL_TEMPLATE)
    data_dir = tmp_path / "embedded"
    ip.run_cell(f"%hub_local --data-dir {data_dir}", store_history=True)
    endpoint = os.environ["HF_ENDPOINT"]
    assert HfApi(endpoint=endpoint).whoami()["name"] and is_serving(data_dir)

    ip.run_cell("%unload_ext hubmagic")
    assert not is_serving(data_dir)
    with pytest.raises(requests.ConnectionError):
        requests.get(f"{endpoint}/api/whoami-v2", timeout=5)
    assert requests.get(f"{hub.endpoint}/api/whoami-v2", timeout=5).status_code == 401  # not ours: still up
    ip.run_cell("%load_ext hubmagic")
