"""Who is publishing: token resolution, the account behind it, repo id checks."""

from __future__ import annotations

import re

from hubmagic.errors import AuthenticationError, InvalidInputError
from hubmagic.hub._remote_errors import LOGIN_HINT, translate_errors


def resolve_token(token: str | None = None, *, required: bool = True, action: str = "publish") -> str | None:
    """The token to use: ``token`` if given, else ``HF_TOKEN``, else the login file.

    Raises:
        AuthenticationError: ``required`` and no token anywhere.
    """
    if token:
        return token
    from huggingface_hub import get_token

    found = get_token()
    if found is None and required:
        raise AuthenticationError(f"No Hugging Face token found, so hubmagic cannot {action}. {LOGIN_HINT}")
    return found


def check_repo_id(repo_id) -> str:
    """Validate ``repo_id`` with the client's own rules; raise ``InvalidInputError`` otherwise."""
    from huggingface_hub.errors import HFValidationError
    from huggingface_hub.utils import validate_repo_id

    try:
        validate_repo_id(repo_id)
    except HFValidationError as exc:
        # The client's reason, without its echo of the id and its hint about repo_type.
        reason = str(exc).replace("Use `repo_type` argument if needed.", "")
        reason = re.sub(r":\s*'[^']*'\.?\s*$", ".", reason.strip()).strip()
        raise InvalidInputError(
            f"{repo_id!r} is not a valid repo id: {reason} Write it as 'namespace/name' (or just "
            "'name' for your own namespace), e.g. 'alice/iris-classifier'."
        ) from exc
    return repo_id


def account(api, token: str, *, repo_id: str = "", publishing: bool = False) -> dict:
    """``whoami`` of ``token``: ``{"name": user, "namespaces": {user, org1, ...}}``."""
    with translate_errors("authenticate for", repo_id or "the Hub", publishing=publishing):
        info = api.whoami(token=token, cache=True)
    name = info.get("name")
    orgs = {org.get("name") for org in info.get("orgs") or [] if org.get("name")}
    return {"name": name, "namespaces": {name, *orgs} - {None}}


def full_repo_id(repo_id: str, user: str) -> str:
    """``name`` → ``user/name``; ``namespace/name`` unchanged."""
    return repo_id if "/" in repo_id else f"{user}/{repo_id}"
