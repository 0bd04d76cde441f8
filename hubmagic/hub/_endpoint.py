"""Which Hub this process talks to, and an ``HfApi`` client configured for it.

``huggingface_hub`` reads ``HF_ENDPOINT`` once, when it is imported. hubmagic reads it
at call time instead, so a notebook can switch hubs (for example to the embedded
``hubmagic.localhub``) after the client was imported. ``use_endpoint`` also updates the
client's module-level constants so that plain ``hf_hub_download`` / ``snapshot_download``
calls made by the user go to the same hub.
"""

from __future__ import annotations

import functools
import hashlib
import os
import threading
import warnings
from contextlib import contextmanager
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

    Within ``one_card_check()`` it asks the Hub to validate a card's metadata once per
    content: a push validates README.md before it creates anything, and ``create_commit``
    would send the same request again (the raw client validates a README twice per
    ``upload_folder``).

    Args:
        token: a Hugging Face token; ``None`` lets the client find one
            (``HF_TOKEN``, then the file written by ``huggingface_hub.login()``).

    Returns:
        ``huggingface_hub.HfApi``.
    """
    return _client_class()(
        endpoint=get_endpoint(),
        token=token,
        library_name=LIBRARY_NAME,
        library_version=library_version(),
    )


_CARDS = threading.local()  # .valid: {(endpoint, repo type, card sha256): the Hub's warnings} in a push


@contextmanager
def one_card_check():
    """Within this block (one push, in this thread), the Hub validates each card content once."""
    outer = getattr(_CARDS, "valid", None)
    _CARDS.valid = {} if outer is None else outer
    try:
        yield
    finally:
        _CARDS.valid = outer


@functools.cache
def _client_class():
    """Defined on first use: huggingface_hub is imported when a call needs it, not with hubmagic."""
    from huggingface_hub import HfApi

    class HubClient(HfApi):
        """``HfApi`` that asks the Hub once per card within ``one_card_check()``."""

        def _validate_yaml(self, content: str, *, repo_type: str | None = None, token=None):
            valid = getattr(_CARDS, "valid", None)
            if valid is None:
                return super()._validate_yaml(content, repo_type=repo_type, token=token)
            key = (self.endpoint, repo_type or "model", hashlib.sha256(content.encode()).hexdigest())
            if key not in valid:
                with warnings.catch_warnings(record=True) as caught:
                    warnings.simplefilter("always")
                    super()._validate_yaml(content, repo_type=repo_type, token=token)  # raises if invalid
                valid[key] = [(w.message, w.category) for w in caught]
            for message, category in valid[key]:  # as the Hub's answer gives them, each time
                warnings.warn(message, category, stacklevel=2)
            return None

    return HubClient
