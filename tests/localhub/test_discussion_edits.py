"""Editing and hiding discussion comments: who may, and what the discussion shows afterwards."""

from __future__ import annotations

import pytest
from huggingface_hub import HfApi
from huggingface_hub.errors import HfHubHTTPError


def _comments(api, repo_id, num):
    return [e for e in api.get_discussion_details(repo_id, num).events if e.type == "comment"]


@pytest.fixture
def discussion(api, bob, repo_name):
    """alice's repo with a discussion bob opened, and a comment of alice's on it."""
    repo_id = api.create_repo(repo_name).repo_id
    num = bob.create_discussion(repo_id, title="Question", description="bob's first words").num
    api.comment_discussion(repo_id, num, "alice answers")
    return repo_id, num


def test_the_author_edits_a_comment(bob, api, discussion):
    repo_id, num = discussion
    first, _ = _comments(bob, repo_id, num)
    edited = bob.edit_discussion_comment(repo_id, num, first.id, "**Edited** words 🤗")
    assert (edited.id, edited.content, edited.edited, edited.hidden) == (first.id, "**Edited** words 🤗", True, False)
    assert edited.last_edited_by == "bob" and edited.number_of_edits == 1
    assert edited.edit_history[0]["raw"] == "bob's first words"
    shown, other = _comments(api, repo_id, num)
    assert shown == edited  # the same event, as the discussion shows it
    assert other.content == "alice answers" and other.edited is False

    again = bob.edit_discussion_comment(repo_id, num, first.id.upper(), "third version")  # ids are case-insensitive
    assert again.content == "third version" and again.number_of_edits == 2


def test_nobody_else_edits_a_comment_not_even_the_owner(api, bob, discussion):
    repo_id, num = discussion
    bobs, alices = _comments(api, repo_id, num)
    for other, comment in ((api, bobs), (bob, alices)):
        with pytest.raises(HfHubHTTPError) as error:
            other.edit_discussion_comment(repo_id, num, comment.id, "not mine")
        assert error.value.response.status_code == 403
    anonymous = HfApi(endpoint=api.endpoint, token=False)
    with pytest.raises(HfHubHTTPError) as error:
        anonymous.edit_discussion_comment(repo_id, num, bobs.id, "anonymous")
    assert error.value.response.status_code == 401
    assert [c.content for c in _comments(api, repo_id, num)] == ["bob's first words", "alice answers"]


def test_bad_edits_are_refused(bob, discussion):
    repo_id, num = discussion
    first, _ = _comments(bob, repo_id, num)
    with pytest.raises(HfHubHTTPError) as error:
        bob.edit_discussion_comment(repo_id, num, first.id, "   ")
    assert error.value.response.status_code == 400
    with pytest.raises(HfHubHTTPError) as error:
        bob.edit_discussion_comment(repo_id, num, "0" * 24, "no such comment")
    assert error.value.response.status_code == 404
    with pytest.raises(HfHubHTTPError) as error:
        bob.edit_discussion_comment(repo_id, num + 1, first.id, "no such discussion")
    assert error.value.response.status_code == 404


def test_the_author_or_the_repo_owner_hides_a_comment(api, bob, discussion):
    repo_id, num = discussion
    bobs, alices = _comments(api, repo_id, num)
    bob.edit_discussion_comment(repo_id, num, bobs.id, "edited before hiding")
    # bob does not own the repo: alice's comment is not his to hide
    with pytest.warns(UserWarning), pytest.raises(HfHubHTTPError) as error:
        bob.hide_discussion_comment(repo_id, num, alices.id)
    assert error.value.response.status_code == 403

    with pytest.warns(UserWarning):
        hidden = api.hide_discussion_comment(repo_id, num, bobs.id)  # the repo owner hides bob's
    assert hidden.hidden is True and hidden.content == ""
    assert "bob's first words" not in str(hidden._event) and "edited before hiding" not in str(hidden._event)
    shown, other = _comments(bob, repo_id, num)
    assert shown == hidden and other.hidden is False and other.content == "alice answers"
    with pytest.raises(HfHubHTTPError) as error:
        bob.edit_discussion_comment(repo_id, num, bobs.id, "back again")
    assert error.value.response.status_code == 403

    with pytest.warns(UserWarning):
        assert api.hide_discussion_comment(repo_id, num, alices.id).hidden is True  # the author hides their own
    assert [c.hidden for c in _comments(api, repo_id, num)] == [True, True]


def test_a_pull_requests_description_is_edited_like_a_comment(api, repo_name):
    repo_id = api.create_repo(repo_name).repo_id
    pr = api.create_discussion(repo_id, title="PR", pull_request=True)
    first = _comments(api, repo_id, pr.num)[0]
    edited = api.edit_discussion_comment(repo_id, pr.num, first.id, "now described")
    details = api.get_discussion_details(repo_id, pr.num)
    assert details.is_pull_request and [e for e in details.events if e.type == "comment"][0] == edited
