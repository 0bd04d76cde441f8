"""Which Hub this process talks to, and an ``HfApi`` client configured for it.

``huggingface_hub`` reads ``HF_ENDPOINT`` once, when it is imported. hubmagic reads it
at call time instead, so a notebook can switch hubs (for example to the embedded
``hubmagic.localhub``) after the client was imported. ``use_endpoint`` also updates the
client's module-level constants so that plain ``hf_hub_download`` / ``snapshot_download``
calls made by the user go to the same hub.
"""

from __future__ import annotations

import os
from urllib.parse import urlsplit

DEFAULT_ENDPOINT = "https://huggingface.co"
LIBRARY_NAME = "hubmagic"


def get_endpoint() -> str:
    """The Hub URL in use: ``HF_ENDPOINT`` (read now), else ``https://huggingface.co``.

    >>> import os; os.environ["HF_ENDPOINT"] = "http://127.0.0.1:8000/"
    >>> get_endpoint()
    'http://127.0.0.1:8000'
    """
    return (os.environ.get("HF_ENDPOINT") or DEFAULT_ENDPOINT).rstrip("/")


def is_huggingface_co(endpoint: str | None = None) -> bool:
    """True when ``endpoint`` (default: the current one) is the public huggingface.co Hub."""
    host = (urlsplit(endpoint or get_endpoint()).hostname or "").lower()
    return host == "huggingface.co" or host.endswith(".huggingface.co") or host == "hf.co"


def use_endpoint(url: str) -> str:
    """Point this process (hubmagic and ``huggingface_hub``) at the hub at ``url``.

    Sets ``HF_ENDPOINT`` and the client's ``constants.ENDPOINT`` /
    ``HUGGINGFACE_CO_URL_TEMPLATE``. A hub other than huggingface.co (for example a
    ``hubmagic.localhub``) does not speak Xet, so Xet transfers are switched off for it.

    Args:
        url: base URL of the hub, e.g. ``"http://127.0.0.1:8000"``.

    Returns:
        The normalised endpoint (no trailing slash).

    >>> use_endpoint("http://127.0.0.1:8000/")  # doctest: +SKIP
    'http://127.0.0.1:8000'
    """
    endpoint = url.rstrip("/")
    parts = urlsplit(endpoint)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        from hubmagic.errors import InvalidInputError

        raise InvalidInputError(
            f"{url!r} is not a hub URL. Give the base URL of a Hugging Face Hub, for example "
            "'https://huggingface.co' or 'http://127.0.0.1:8000'."
        )
    os.environ["HF_ENDPOINT"] = endpoint
    local = not is_huggingface_co(endpoint)
    if local:
        os.environ["HF_HUB_DISABLE_XET"] = "1"

    from huggingface_hub import constants

    constants.ENDPOINT = endpoint
    constants.HUGGINGFACE_CO_URL_TEMPLATE = endpoint + "/{repo_id}/resolve/{revision}/{filename}"
    constants.HF_URL_HOSTS = frozenset(constants.HF_URL_HOSTS | {parts.hostname.lower()})
    if local:
        constants.HF_HUB_DISABLE_XET = True
    return endpoint


def library_version() -> str:
    import hubmagic

    return hubmagic.__version__


def hf_api(token: str | None = None):
    """An ``HfApi`` for the current endpoint that identifies itself as hubmagic.

    Args:
        token: a Hugging Face token; ``None`` lets the client find one
            (``HF_TOKEN``, then the file written by ``huggingface_hub.login()``).

    Returns:
        ``huggingface_hub.HfApi``.
    """
    from huggingface_hub import HfApi

    return HfApi(
        endpoint=get_endpoint(),
        token=token,
        library_name=LIBRARY_NAME,
        library_version=library_version(),
    )
