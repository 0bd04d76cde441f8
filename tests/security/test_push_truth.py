"""A push tells the truth: one of two racing first pushes lands, a lost answer is checked,
a failed upload says nothing was published, and push_to_hub never erases a colleague's work.

Everything goes through the real ``huggingface_hub`` client over real HTTP to the local hub;
the network faults come from the shared fault-injecting proxy (``tests/faults/proxy.py``).
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest
from faults.conftest import digest
from faults.conftest import write_folder as make_folder
from faults.proxy import is_commit, is_lfs_upload
from sklearn.datasets import load_iris
from sklearn.linear_model import LogisticRegression
from sklearn.tree import DecisionTreeClassifier

import hubmagic
from hubmagic.errors import HubMagicError, PublishError, RemoteChangedError
from hubmagic.hub._publish import publish_folder


def remote_contents(api, repo_id) -> dict[str, bytes]:
    from huggingface_hub import hf_hub_download

    out = {}
    for name in api.list_repo_files(repo_id):
        if name != ".gitattributes":
            path = hf_hub_download(repo_id, name, token=api.token, endpoint=api.endpoint, force_download=True)
            out[name] = Path(path).read_bytes()
    return out


# -- two first pushes at the same time ---------------------------------------------------


def test_two_concurrent_first_pushes_exactly_one_lands(proxy, api, alice_token, repo_name, tmp_path):
    repo_id = f"alice/{repo_name}"
    folders = {
        "ann": make_folder(tmp_path / "ann", {"README.md": b"# Ann's model\n", "ann.txt": b"ann only\n",
                                              "model.skops": b"PK\x03\x04" + os.urandom(2000)}),
        "ben": make_folder(tmp_path / "ben", {"README.md": b"# Ben's model\n", "ben.txt": b"ben only\n",
                                              "model.skops": b"PK\x03\x04" + os.urandom(2000)}),
    }
    # Both commits are held at the proxy until both arrived: each push has chosen its parent
    # before either lands, the worst interleaving of two first pushes.
    proxy.inject(is_commit, "hold")
    outcomes: dict[str, object] = {}

    def push(who):
        try:
            outcomes[who] = publish_folder(folders[who], repo_id, token=alice_token, commit_message=f"by {who}")
        except Exception as exc:  # noqa: BLE001 - the test inspects what each pusher got
            outcomes[who] = exc

    threads = [threading.Thread(target=push, args=(who,)) for who in folders]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)

    landed = [w for w, o in outcomes.items() if not isinstance(o, Exception)]
    refused = [w for w, o in outcomes.items() if isinstance(o, Exception)]
    assert len(landed) == 1 and len(refused) == 1, outcomes
    error = outcomes[refused[0]]
    assert isinstance(error, RemoteChangedError), error
    assert "Nothing was published" in str(error) and "\n" not in str(error)
    winner = folders[landed[0]]
    assert remote_contents(api, repo_id) == {p: (winner / p).read_bytes() for p in digest(winner)}
    assert [c.title for c in api.list_repo_commits(repo_id)] == [f"by {landed[0]}", "initial commit"]


def test_the_hub_moves_a_branch_by_compare_and_swap(hub, api, alice_token, repo_name):
    """Raw commits with the same parent, sent at once: exactly one lands, the other gets 412."""
    import json

    import requests

    repo_id = f"alice/{repo_name}"
    api.create_repo(repo_id)
    parent = api.repo_info(repo_id).sha
    barrier = threading.Barrier(6)
    statuses = []

    def commit(i):
        lines = [{"key": "header", "value": {"summary": f"c{i}", "parentCommit": parent}},
                 {"key": "file", "value": {"path": f"f{i}.txt", "content": "aGk=", "encoding": "base64"}}]
        barrier.wait()
        r = requests.post(f"{hub.endpoint}/api/models/{repo_id}/commit/main",
                          data="".join(json.dumps(x) + "\n" for x in lines),
                          headers={"Authorization": f"Bearer {alice_token}", "Content-Type": "application/x-ndjson"},
                          timeout=60)
        statuses.append(r.status_code)

    threads = [threading.Thread(target=commit, args=(i,)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sorted(statuses) == [200] + [412] * 5
    assert len(api.list_repo_commits(repo_id)) == 2
    assert len([f for f in api.list_repo_files(repo_id) if f.startswith("f")]) == 1


# -- the answer of a commit that landed is lost ------------------------------------------


def test_a_commit_whose_answer_was_lost_is_reported_published(proxy, api, alice_token, repo_name, tmp_path):
    repo_id = f"alice/{repo_name}"
    folder = make_folder(tmp_path / "m", {"README.md": b"# model\n", "model.skops": b"PK\x03\x04" + os.urandom(3000)})
    proxy.inject(is_commit, "drop_answer")

    result = publish_folder(folder, repo_id, token=alice_token, commit_message="First model")

    head = api.repo_info(repo_id).sha
    assert ("POST", f"/api/models/{repo_id}/commit/main", "drop_answer") in proxy.seen  # the answer really was lost
    assert result.commit_oid == head
    assert "Pushed to" in result.report and "answer to the commit was lost" in result.report
    assert api.list_repo_commits(repo_id)[0].title == "First model"
    proxy.rules.clear()  # the landed commit is this folder's base now: pushing again is a no-op
    assert publish_folder(folder, repo_id, token=alice_token).no_change


def test_a_commit_that_never_reached_the_hub_says_nothing_was_published(proxy, api, alice_token, repo_name,
                                                                         tmp_path):
    repo_id = f"alice/{repo_name}"
    folder = make_folder(tmp_path / "m", {"README.md": b"# model\n", "notes.txt": b"v1\n"})
    publish_folder(folder, repo_id, token=alice_token)
    head = api.repo_info(repo_id).sha
    (folder / "notes.txt").write_bytes(b"v2\n")
    proxy.inject(is_commit, "drop_request")

    with pytest.raises(PublishError) as caught:
        publish_folder(folder, repo_id, token=alice_token)

    assert "Nothing was published" in str(caught.value)
    assert api.repo_info(repo_id).sha == head
    assert (folder / "notes.txt").read_bytes() == b"v2\n"


def test_a_lost_answer_that_cannot_be_checked_is_not_called_a_failure(proxy, api, alice_token, repo_name, tmp_path):
    repo_id = f"alice/{repo_name}"
    folder = make_folder(tmp_path / "m", {"README.md": b"# model\n", "notes.txt": b"v1\n"})
    publish_folder(folder, repo_id, token=alice_token)
    (folder / "notes.txt").write_bytes(b"v2\n")
    # The commit goes through but its answer is lost, and the hub is unreachable afterwards.
    start = len(proxy.seen)
    proxy.inject(lambda method, path: proxy.count(is_commit, since=start) > 0, "drop_request")
    proxy.inject(is_commit, "drop_answer")

    with pytest.raises(PublishError) as caught:
        publish_folder(folder, repo_id, token=alice_token, commit_message="v2")

    message = str(caught.value)
    assert "unknown whether it was published" in message and "Nothing was published" not in message
    assert api.list_repo_commits(repo_id)[0].title == "v2"  # it did land: saying otherwise would be a lie


# -- an LFS upload that fails for good ---------------------------------------------------


def test_a_permanent_lfs_upload_failure_is_one_clear_paragraph(proxy, api, alice_token, repo_name, tmp_path):
    repo_id = f"alice/{repo_name}"
    folder = make_folder(tmp_path / "m", {"README.md": b"# model\n", "model.skops": b"PK\x03\x04" + os.urandom(3000)})
    publish_folder(folder, repo_id, token=alice_token)
    head, before = api.repo_info(repo_id).sha, remote_contents(api, repo_id)
    (folder / "model.skops").write_bytes(b"PK\x03\x04" + os.urandom(3000))
    local = digest(folder)
    proxy.rules.clear()
    proxy.inject(is_lfs_upload, 403)

    with pytest.raises(HubMagicError) as caught:
        publish_folder(folder, repo_id, token=alice_token)

    message = str(caught.value)
    assert isinstance(caught.value, PublishError) and not isinstance(caught.value, RuntimeError)
    assert "\n" not in message and "model.skops" in message and "403" in message
    assert "Nothing was published" in message and "local folder is intact" in message
    assert any(f == 403 for _, _, f in proxy.seen)
    assert digest(folder) == local
    assert api.repo_info(repo_id).sha == head and remote_contents(api, repo_id) == before


# -- push_to_hub and a colleague ---------------------------------------------------------


@pytest.fixture(scope="module")
def models():
    X, y = load_iris(return_X_y=True, as_frame=True)
    return (LogisticRegression(max_iter=300).fit(X, y), DecisionTreeClassifier(random_state=0).fit(X, y), X.iloc[:20])


def test_push_to_hub_keeps_a_colleagues_file_and_refuses_their_readme_edit(models, api, alice_token, repo_name):
    linear, tree, X = models
    repo_id = f"alice/{repo_name}"
    hubmagic.push_to_hub(linear, repo_id, data=X, token=alice_token)
    first_model = remote_contents(api, repo_id)["model.skops"]
    # A colleague adds evaluation notes on the Hub.
    api.upload_file(path_or_fileobj=b"eval: 0.97\n", path_in_repo="eval/notes.txt", repo_id=repo_id,
                    commit_message="colleague: notes")

    hubmagic.push_to_hub(tree, repo_id, data=X, token=alice_token, commit_message="tree")
    files = set(api.list_repo_files(repo_id))
    assert "eval/notes.txt" in files and "model.skops" in files
    assert api.list_repo_commits(repo_id)[0].title == "tree"
    assert remote_contents(api, repo_id)["model.skops"] != first_model

    # The colleague edits the card; the next push_to_hub must not replace it silently.
    readme = remote_contents(api, repo_id)["README.md"] + b"\n## Colleague's caveats\n\nOnly for iris.\n"
    api.upload_file(path_or_fileobj=readme, path_in_repo="README.md", repo_id=repo_id, commit_message="colleague: card")
    head = api.repo_info(repo_id).sha
    with pytest.raises(RemoteChangedError) as caught:
        hubmagic.push_to_hub(linear, repo_id, data=X, token=alice_token)
    assert "README.md" in str(caught.value) and "overwrite=True" in str(caught.value)
    assert "Nothing was published" in str(caught.value)
    assert api.repo_info(repo_id).sha == head and remote_contents(api, repo_id)["README.md"] == readme

    # On purpose: the card is replaced, the colleague's notes are still kept.
    hubmagic.push_to_hub(linear, repo_id, data=X, token=alice_token, overwrite=True, commit_message="back")
    after = remote_contents(api, repo_id)
    assert b"Colleague's caveats" not in after["README.md"] and after["eval/notes.txt"] == b"eval: 0.97\n"
    assert api.list_repo_commits(repo_id)[0].title == "back"


def test_push_to_hub_deletes_only_what_it_generated(models, api, alice_token, repo_name):
    linear, _, X = models
    repo_id = f"alice/{repo_name}"
    hubmagic.push_to_hub(linear, repo_id, data=X, token=alice_token)
    api.upload_file(path_or_fileobj=b"colleague's data\n", path_in_repo="data.csv", repo_id=repo_id)

    hubmagic.push_to_hub(linear, repo_id, data=X, token=alice_token, model_format="pickle")

    files = set(api.list_repo_files(repo_id))
    assert "model.pkl" in files and "model.skops" not in files  # its own old model file goes
    assert "data.csv" in files  # the colleague's file stays
