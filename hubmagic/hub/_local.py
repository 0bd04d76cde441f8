"""Where this Python process publishes: the embedded local hub, or a real Hub login.

``use_local_hub()`` starts (or reuses) a ``hubmagic.localhub`` server in a background
thread and points this process at it, so the whole publish flow works with no account and
no network. The token of the local hub's user goes into this process's environment only
(``HF_TOKEN``): it is never written to a file of a model repository.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from pathlib import Path

# A parent process (the quickstart runner, a team's CI) that already serves a local hub
# hands it to kernels through these variables, so every notebook publishes to the same one.
ENV_ENDPOINT = "HUBMAGIC_LOCALHUB_ENDPOINT"
ENV_TOKEN = "HUBMAGIC_LOCALHUB_TOKEN"

_lock = threading.Lock()
_embedded: dict = {}


@dataclass(frozen=True)
class HubSession:
    """The hub this process talks to."""

    endpoint: str
    user: str | None
    embedded: bool
    data_dir: Path | None = None
    started: bool = False  # this call started the hub in this process (the caller may stop it)

    def __str__(self) -> str:
        where = f" (data in {self.data_dir})" if self.data_dir else ""
        who = f" as {self.user}" if self.user else ""
        return f"{self.endpoint}{who}{where}"


def default_data_dir() -> Path:
    """Where the embedded hub keeps its repositories between sessions."""
    cache = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(cache) / "hubmagic" / "localhub"


def use_local_hub(data_dir: str | os.PathLike | None = None) -> HubSession:
    """Point this process at a local hub, starting one in the background if needed.

    Reuses, in order: a hub handed down by a parent process (``HUBMAGIC_LOCALHUB_ENDPOINT``
    and ``HUBMAGIC_LOCALHUB_TOKEN``), the hub this process already started, the hub another
    process (another notebook) serves ``data_dir`` with, or starts a new one on ``data_dir``
    (default ``~/.cache/hubmagic/localhub``), which survives restarts. One folder is served
    by one hub at a time: two servers on one folder would fail each other's commits.

    Args:
        data_dir: folder where the local hub stores its repositories.

    Returns:
        The session: endpoint, user and data folder.

    >>> session = use_local_hub()          # doctest: +SKIP
    >>> session.endpoint                   # doctest: +SKIP
    'http://127.0.0.1:40123'
    """
    from hubmagic.hub._endpoint import use_endpoint

    with _lock:
        handed = os.environ.get(ENV_ENDPOINT)
        if handed and data_dir is None:
            endpoint, token, user, folder, hub = handed, os.environ.get(ENV_TOKEN), None, None, None
        else:
            folder = Path(data_dir).expanduser().resolve() if data_dir else default_data_dir()
            hub = _embedded.get(folder)
            if hub is not None:
                endpoint, token, user = hub.endpoint, hub.token, _user_of(hub)
            else:
                endpoint, token, user = _serve(folder)
        use_endpoint(endpoint)
        if token:
            os.environ["HF_TOKEN"] = token
        started = hub is None and folder in _embedded
        return HubSession(endpoint=endpoint, user=user, embedded=True, data_dir=folder, started=started)


def _serve(folder: Path) -> tuple[str, str | None, str | None]:
    """``(endpoint, token, user)`` of the hub serving ``folder``: another process's, or a new one."""
    from hubmagic.errors import HubMagicError
    from hubmagic.localhub import DataDirInUse, LocalHub, LocalHubError, serving

    for _ in range(3):  # another process may take the folder between our look and our start
        try:
            running = serving(folder)
            if running is not None:
                if not _answers(running["endpoint"], running.get("token")):
                    raise HubMagicError(
                        f"The local hub of {folder} (pid {running.get('pid')}, {running['endpoint']}) does not "
                        "answer. Stop that process, or use another folder (`%hub_local --data-dir DIR`, "
                        "`use_local_hub(data_dir=...)`)."
                    )
                return running["endpoint"], running.get("token"), running.get("user")
            folder.mkdir(parents=True, exist_ok=True)
            hub = LocalHub(data_dir=folder).start()
        except DataDirInUse:
            continue
        except LocalHubError as exc:
            raise HubMagicError(str(exc)) from None
        _embedded[folder] = hub
        return hub.endpoint, hub.token, _user_of(hub)
    raise HubMagicError(f"Could not start or reach the local hub of {folder}: another process keeps taking "
                        "it. Try again, or use another folder (`%hub_local --data-dir DIR`).")


def _answers(endpoint: str, token: str | None) -> bool:
    import urllib.error
    import urllib.request

    request = urllib.request.Request(f"{endpoint}/api/whoami-v2",
                                     headers={"Authorization": f"Bearer {token}"} if token else {})
    try:
        with urllib.request.urlopen(request, timeout=5) as answer:  # noqa: S310 - a loopback URL we wrote
            return answer.status == 200
    except urllib.error.HTTPError:
        return True  # it answers, even if it refuses this token
    except OSError:
        return False


def _user_of(hub) -> str | None:
    for name, token in (getattr(hub, "users", None) or {}).items():
        if token == hub.token:
            return name
    return None


def stop_local_hubs(data_dirs=None) -> None:
    """Stop the local hubs this process started on ``data_dirs`` (default: every one).

    ``%unload_ext hubmagic`` stops those its session started; tests stop them all.
    """
    with _lock:
        folders = list(_embedded) if data_dirs is None else [Path(d) for d in data_dirs]
        for folder in folders:
            hub = _embedded.pop(folder, None)
            if hub is not None:
                hub.stop()


def is_serving(data_dir) -> bool:
    """Whether this process serves a local hub on ``data_dir``."""
    with _lock:
        return Path(data_dir).expanduser().resolve() in _embedded


def login(token: str | None = None) -> str:
    """Log this machine in to the Hub the session points at, and say as whom.

    The token comes from ``token``, else ``HF_TOKEN``, else a prompt that does not echo.
    A token typed at the prompt is saved by ``huggingface_hub.login`` in the Hugging Face
    home folder (as ``hf auth login`` does), never in a model repository.

    Returns:
        A one-line description of who is logged in, and where.

    Raises:
        AuthenticationError: no token, or the Hub refused it.
        PublishError: the Hub could not be reached (nothing was saved).
    """
    from huggingface_hub import login as hf_login

    from hubmagic.hub._endpoint import get_endpoint, hf_api
    from hubmagic.hub._identity import account

    from_env = token is None and bool(os.environ.get("HF_TOKEN"))
    if token is None and not from_env:
        token = _ask_for_token()
    # The account check tells a refused token (401) from a hub that cannot be reached.
    name = account(hf_api(token=token), token, repo_id="the Hub")["name"]
    if not from_env:
        hf_login(token=token, add_to_git_credential=False, skip_if_logged_in=False)
    return f"logged in to {get_endpoint()} as {name}"


def _ask_for_token() -> str:
    import getpass

    from hubmagic.errors import AuthenticationError

    where = (
        "set the HF_TOKEN environment variable before starting Jupyter, or run `hf auth login` "
        "in a terminal (every kernel then finds the token), then run %hub_login again"
    )
    try:
        token = getpass.getpass("Hugging Face token (hidden): ").strip()
    except NotImplementedError:  # ipykernel's StdinNotImplementedError: the front end has no input box
        raise AuthenticationError(
            f"This notebook front end cannot ask for input, so %hub_login cannot prompt for your token: {where}."
        ) from None
    except (EOFError, OSError):
        token = ""
    if not token:
        raise AuthenticationError(
            "No token given. Create one at https://huggingface.co/settings/tokens (write access) and "
            f"paste it at the prompt, or {where}."
        )
    return token
