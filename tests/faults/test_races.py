"""Two people at once: a colleague pushes between ``%hub_init`` and ``%hub_push``, and two
first pushes to a new repository cross (``ModelRepository.init`` + ``push``, as the magics do)."""

from __future__ import annotations

import threading

import pytest
from sklearn.datasets import load_iris
from sklearn.linear_model import LogisticRegression

from hubmagic import ModelRepository
from hubmagic.errors import RemoteChangedError

from .conftest import (
    assert_clear_failure,
    digest,
    holds_folder,
    model_files,
    remote_files,
    uploaded_oids,
    write_folder,
)
from .proxy import is_commit


@pytest.fixture(scope="module")
def fitted():
    X, y = load_iris(return_X_y=True, as_frame=True)
    return LogisticRegression(max_iter=300).fit(X, y), X.iloc[:10], y.iloc[:10]


def _init(fitted, folder, repo_id, **kwargs):
    model, X, y = fitted
    return ModelRepository.init(model, data=X, labels=y, dst=folder, repo_id=repo_id, license="mit", **kwargs)


def test_a_colleague_pushes_between_init_and_push(proxy, api, alice_token, repo_name, tmp_path, fitted):
    repo_id = f"alice/{repo_name}"
    repo = _init(fitted, tmp_path / "mine", repo_id)
    repo.push(token=alice_token, commit_message="first")
    first = remote_files(api, repo_id)

    repo = _init(fitted, tmp_path / "mine", repo_id, requirements=["pandas"])  # %hub_init again: a refresh
    local = digest(repo.path)
    # Meanwhile a colleague changes the card on the Hub.
    api.upload_file(path_or_fileobj=b"---\nlicense: mit\n---\n# Their card\n", path_in_repo="README.md",
                    repo_id=repo_id, commit_message="colleague: card")
    theirs = remote_files(api, repo_id)
    assert theirs != first

    mark = len(proxy.seen)
    with pytest.raises(RemoteChangedError) as caught:
        repo.push(token=alice_token, commit_message="second")

    message = assert_clear_failure(caught.value)
    assert "Nothing was published" in message and "create-pr" in message.replace("_", "-")
    assert remote_files(api, repo_id) == theirs and digest(repo.path) == local
    assert proxy.count(is_commit, since=mark) <= 1
    # The way out the message offers: a pull request. Objects uploaded by the refused
    # attempt are not sent again.
    sent_before = set(uploaded_oids(proxy, mark))
    mark = len(proxy.seen)
    repo.push(token=alice_token, create_pr=True, commit_message="second, as a PR")
    assert not set(uploaded_oids(proxy, mark)) & sent_before
    assert remote_files(api, repo_id) == theirs  # a PR does not touch main
    pr = api.get_repo_discussions(repo_id)
    assert [d.title for d in pr] == ["second, as a PR"]


def test_two_first_pushes_to_a_new_repo_at_once(proxy, api, alice_token, repo_name, tmp_path, fitted):
    repo_id = f"alice/{repo_name}"
    repos = {who: _init(fitted, tmp_path / who, repo_id) for who in ("ann", "ben")}
    for who, repo in repos.items():  # two different folders
        (repo.path / f"{who}.txt").write_text(f"notes of {who}\n")
    locals_ = {who: digest(repo.path) for who, repo in repos.items()}
    proxy.inject(is_commit, "hold", times=2)  # both commits wait until both were sent
    outcomes: dict = {}

    def push(who):
        try:
            outcomes[who] = repos[who].push(token=alice_token, commit_message=f"by {who}")
        except Exception as exc:  # noqa: BLE001 - inspected below
            outcomes[who] = exc

    threads = [threading.Thread(target=push, args=(who,)) for who in repos]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)

    lost = [w for w, o in outcomes.items() if isinstance(o, Exception)]
    won = [w for w, o in outcomes.items() if not isinstance(o, Exception)]
    assert len(won) == 1 and len(lost) == 1, outcomes
    assert isinstance(outcomes[lost[0]], RemoteChangedError)
    assert "Nothing was published" in assert_clear_failure(outcomes[lost[0]])
    assert holds_folder(remote_files(api, repo_id), repos[won[0]].path)  # the winner's, whole
    assert [c.title for c in api.list_repo_commits(repo_id)] == [f"by {won[0]}", "initial commit"]
    assert all(digest(repo.path) == locals_[who] for who, repo in repos.items())


def test_a_first_push_landing_while_the_new_repository_is_read_is_not_overwritten(
        proxy, api, alice_token, repo_name, tmp_path, fitted):
    """A first push creates the repository, then reads its initial commit (the parent of
    its commit). A colleague's first push that lands in between (after the create, before
    that read) is seen: this push is refused whole, and the colleague's commit stays the head."""
    repo_id = f"alice/{repo_name}"
    repo = _init(fitted, tmp_path / "mine", repo_id)
    local = digest(repo.path)
    colleague = write_folder(tmp_path / "theirs", model_files("theirs"))

    def colleague_lands_first():  # runs in the proxy, before our read of the head goes on
        api.upload_folder(repo_id=repo_id, folder_path=colleague, commit_message="by a colleague")

    head_read = proxy.inject(lambda method, path: method == "GET" and f"/{repo_id}/commits/" in path,
                             colleague_lands_first, times=1)
    mark = len(proxy.seen)
    with pytest.raises(RemoteChangedError) as caught:
        repo.push(token=alice_token, commit_message="mine")

    assert head_read.fired == 1, proxy.seen[mark:]
    assert "Nothing was published" in assert_clear_failure(caught.value)
    assert [c.title for c in api.list_repo_commits(repo_id)] == ["by a colleague", "initial commit"]
    assert holds_folder(remote_files(api, repo_id), colleague)
    assert digest(repo.path) == local
    assert not any(method == "POST" and "/commit/" in path for method, path, _ in proxy.seen[mark:])
