"""Turn ``huggingface_hub`` exceptions into one-paragraph hubmagic errors.

The client raises HTTP errors whose text is written for library authors (status line,
request id, URL). The user of a notebook needs to know which repository, what went
wrong and what to do next; the original exception stays chained as ``__cause__``.
"""

from __future__ import annotations

from contextlib import contextmanager

from hubmagic.errors import (
    AuthenticationError,
    HubMagicError,
    PublishError,
    RemoteChangedError,
    RemoteNotFoundError,
)
from hubmagic.hub._endpoint import get_endpoint

LOGIN_HINT = (
    "Log in with `%hub_login` in a notebook, `huggingface_hub.login()` in Python, or set "
    "the HF_TOKEN environment variable (create a token with write access at "
    "https://huggingface.co/settings/tokens)."
)


def _status(exc: BaseException) -> int | None:
    response = getattr(exc, "response", None)
    return getattr(response, "status_code", None)


def _server_text(exc: BaseException) -> str:
    text = getattr(exc, "server_message", None) or ""
    return text.strip().rstrip(".")


def remote_changed_message(repo_id: str, revision: str, *, base: str | None, head: str | None,
                           changed: list[str] | None = None) -> str:
    """Why a push onto a moved branch is refused, and the three ways forward.

    ``changed``: the files the push would replace that someone else changed (named in the message).
    """
    where = f"{repo_id}@{revision}"
    if changed:
        names = ", ".join(changed[:5]) + (f" and {len(changed) - 5} more" if len(changed) > 5 else "")
        one = len(changed) == 1
        if base:
            news = f"{'was' if one else 'were'} changed by someone else since your last push (at {base[:7]})"
        else:
            news = f"already {'exists' if one else 'exist'} there with content you have never pushed or pulled"
        what = f"On {where} (now at {str(head)[:7]}), {names} {news}; pushing would replace it."
    elif head is None:
        what = f"The branch {where} was updated on the Hub since this folder last pushed or pulled it."
    elif base:
        what = (
            f"The branch {where} was updated on the Hub (it is now at {str(head)[:7]}) since this "
            f"folder last pushed or pulled it (at {base[:7]})."
        )
    else:
        what = (
            f"The branch {where} already has files on the Hub (commit {str(head)[:7]}) that this "
            "folder has never pulled, so pushing would overwrite work you have not seen."
        )
    return (
        f"{what} Nothing was published and your local folder is unchanged. To proceed: open a "
        "pull request instead (`%hub_push --create-pr` / `create_pr=True`), or pull the remote "
        "first (`ModelRepository.pull()` / `%hub_load`), re-apply your changes and push again, "
        "or replace the remote contents on purpose with `overwrite=True`."
    )


def _http_error(
    exc: BaseException, action: str, repo_id: str, revision: str | None, endpoint: str, nothing: str
) -> HubMagicError:
    """The error for an HTTP status the client has no dedicated exception for (401, 403, 412, others)."""
    status = _status(exc)
    server = _server_text(exc)
    if status == 401:
        return AuthenticationError(
            f"The Hub ({endpoint}) refused the token while trying to {action} {repo_id}: it is "
            f"invalid or expired. {LOGIN_HINT}{nothing}"
        )
    if status == 403:
        return AuthenticationError(
            f"No write access to {repo_id} on {endpoint}"
            + (f" ({server})" if server else "")
            + ". Push to your own namespace (e.g. 'your-name/model') or an organization you "
            f"belong to, or propose the change with `--create-pr` / `create_pr=True`.{nothing}"
        )
    if status == 412:
        return RemoteChangedError(remote_changed_message(repo_id, revision or "main", base=None, head=None))
    return PublishError(
        f"The Hub ({endpoint}) answered HTTP {status} while trying to {action} {repo_id}"
        + (f": {server}" if server else "")
        + f".{nothing}"
    )


@contextmanager
def translate_errors(action: str, repo_id: str, *, revision: str | None = None, publishing: bool = False):
    """Re-raise client errors raised inside the block as ``HubMagicError`` subclasses.

    Args:
        action: what was being done, for the message ("push to", "download").
        repo_id: the repository concerned.
        revision: the branch / revision concerned, if any.
        publishing: add "nothing was published" to the message.
    """
    from httpx2 import TransportError
    from huggingface_hub.errors import (
        GatedRepoError,
        HfHubHTTPError,
        LocalEntryNotFoundError,
        LocalTokenNotFoundError,
        OfflineModeIsEnabled,
        RemoteEntryNotFoundError,
        RepositoryNotFoundError,
        RevisionNotFoundError,
    )

    nothing = " Nothing was published; your local folder is unchanged." if publishing else ""
    endpoint = get_endpoint()
    try:
        yield
    except HubMagicError:
        raise
    except LocalTokenNotFoundError as exc:
        raise AuthenticationError(f"No Hugging Face token found to {action} {repo_id}. {LOGIN_HINT}") from exc
    except GatedRepoError as exc:
        raise AuthenticationError(
            f"{repo_id} on {endpoint} is gated: request access on its page, then retry with a token "
            f"of an account that was granted access.{nothing}"
        ) from exc
    except RevisionNotFoundError as exc:
        raise RemoteNotFoundError(
            f"Revision {revision or 'main'!r} does not exist in {repo_id} on {endpoint}. Check the "
            f"branch, tag or commit name (list them with `HfApi().list_repo_refs({repo_id!r})`).{nothing}"
        ) from exc
    except RepositoryNotFoundError as exc:
        raise RemoteNotFoundError(
            f"Repository {repo_id} was not found on {endpoint} (or it is private and your token "
            f"cannot see it). Check the spelling of the repo id (namespace/name) and that you are "
            f"logged in as an account with access.{nothing}"
        ) from exc
    except RemoteEntryNotFoundError as exc:
        raise RemoteNotFoundError(
            f"A file is missing in {repo_id}@{revision or 'main'} on {endpoint}: {_server_text(exc) or exc}. "
            f"Is it a repository published with hubmagic or skops (config.json + model file)?{nothing}"
        ) from exc
    except HfHubHTTPError as exc:
        raise _http_error(exc, action, repo_id, revision, endpoint, nothing) from exc
    except (TransportError, OfflineModeIsEnabled, ConnectionError) as exc:
        raise PublishError(
            f"Could not reach the Hub at {endpoint} to {action} {repo_id} ({type(exc).__name__}: "
            f"{exc}). Check your network and the HF_ENDPOINT setting.{nothing}"
        ) from exc
    except LocalEntryNotFoundError as exc:
        raise RemoteNotFoundError(
            f"Could not reach the Hub at {endpoint} to {action} {repo_id}, and it is not in the local "
            "cache. Check your network and the HF_ENDPOINT setting (for a local hub: `%hub_local` in a "
            "notebook, `hubmagic.use_local_hub()` in Python)."
        ) from exc
