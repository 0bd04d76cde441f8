"""Bring a model repository back from the Hub: files, config, and the model itself.

Every download goes through ``HfApi(endpoint=..., library_name="hubmagic")`` so the Hub
counts it and the user's cache (``HF_HOME`` / ``cache_dir``) is reused.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

from hubmagic.endpoint import hf_api
from hubmagic.errors import (
    HubMagicError,
    InvalidInputError,
    RemoteNotFoundError,
    UntrustedTypesError,
)
from hubmagic.identity import account, check_repo_id, resolve_token
from hubmagic.remote_errors import translate_errors

_SHA = re.compile(r"[0-9a-f]{40}")


def snapshot(
    repo_id: str,
    *,
    revision: str | None = None,
    token: str | None = None,
    cache_dir=None,
    force_download: bool = False,
    local_files_only: bool = False,
    allow_patterns=None,
    ignore_patterns=None,
) -> tuple[Path, str | None]:
    """Download (or reuse from the cache) the files of ``repo_id``.

    Returns:
        ``(snapshot folder in the cache, commit id)``.
    """
    check_repo_id(repo_id)
    api = hf_api(resolve_token(token, required=False))
    with translate_errors("download", repo_id, revision=revision):
        path = Path(
            api.snapshot_download(
                repo_id,
                revision=revision,
                cache_dir=cache_dir,
                force_download=force_download,
                local_files_only=local_files_only,
                allow_patterns=allow_patterns,
                ignore_patterns=ignore_patterns,
            )
        )
    return path, (path.name if _SHA.fullmatch(path.name) else None)


def download_repo(
    repo_id: str,
    dst,
    *,
    revision: str | None = None,
    token: str | None = None,
    cache_dir=None,
    force_download: bool = False,
    local_files_only: bool = False,
    allow_patterns=None,
    ignore_patterns=None,
    exist_ok: bool = False,
) -> Path:
    """Copy the files of ``repo_id`` into the folder ``dst`` (real files, no cache symlinks).

    Args:
        repo_id: ``"namespace/name"``.
        dst: destination folder; must be missing or empty unless ``exist_ok=True``
            (then remote files overwrite local ones, other local files stay).

    Returns:
        ``Path(dst)``.

    >>> download_repo("alice/iris", "hub/iris")  # doctest: +SKIP
    """
    dst = Path(dst)
    if dst.exists() and any(dst.iterdir()) and not exist_ok:
        raise InvalidInputError(
            f"Cannot download {repo_id} into {str(dst)!r}: the folder is not empty. Choose another "
            "folder, delete it, or pass exist_ok=True to overwrite the files that exist on the Hub."
        )
    src, _ = snapshot(
        repo_id,
        revision=revision,
        token=token,
        cache_dir=cache_dir,
        force_download=force_download,
        local_files_only=local_files_only,
        allow_patterns=allow_patterns,
        ignore_patterns=ignore_patterns,
    )
    copy_snapshot(src, dst)
    return dst


def copy_snapshot(src: Path, dst: Path) -> list[str]:
    """Copy a cache snapshot into ``dst`` (following the cache's symlinks); returns the paths."""
    copied = []
    for file in sorted(src.rglob("*")):
        if file.is_file():
            rel = file.relative_to(src)
            target = dst / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(file, target)
            copied.append(rel.as_posix())
    return copied


def read_model_config(config: dict, repo_id: str) -> tuple[str, str]:
    """``(model file, model format)`` from a skops/hubmagic ``config.json``."""
    sklearn = config.get("sklearn") if isinstance(config, dict) else None
    model = (sklearn or {}).get("model") or {}
    file = model.get("file")
    if not file:
        raise InvalidInputError(
            f"{repo_id} has a config.json without sklearn.model.file, so hubmagic does not know which "
            "file holds the model. Is it a scikit-learn repository published with hubmagic or skops?"
        )
    model_format = sklearn.get("model_format") or ("pickle" if file.endswith((".pkl", ".pickle", ".joblib")) else "skops")
    return file, model_format


def fetch_model(
    repo_id: str,
    *,
    revision: str | None = None,
    cache_dir=None,
    force_download: bool = False,
    local_files_only: bool = False,
    token: str | None = None,
) -> tuple[dict, Path, str]:
    """Download ``config.json`` and the model file it names.

    Returns:
        ``(config dict, local path of the model file, model format)``.
    """
    check_repo_id(repo_id)
    api = hf_api(resolve_token(token, required=False))
    kwargs = dict(cache_dir=cache_dir, force_download=force_download, local_files_only=local_files_only)
    config_path = _download_file(api, repo_id, "config.json", revision, kwargs)
    config = json.loads(config_path.read_text(encoding="utf-8"))
    file, model_format = read_model_config(config, repo_id)
    # Take the model from the very commit the config came from.
    pinned = config_path.parent.name if _SHA.fullmatch(config_path.parent.name) else revision
    model_path = _download_file(api, repo_id, file, pinned, kwargs)
    return config, model_path, model_format


def _download_file(api, repo_id: str, filename: str, revision, kwargs) -> Path:
    from huggingface_hub.errors import RemoteEntryNotFoundError

    try:
        with translate_errors("download", repo_id, revision=revision):
            return Path(api.hf_hub_download(repo_id, filename, revision=revision, **kwargs))
    except RemoteNotFoundError as exc:
        # Only a file the Hub says is missing; not a download that failed to connect
        # (the client's LocalEntryNotFoundError is an EntryNotFoundError too).
        if not isinstance(exc.__cause__, RemoteEntryNotFoundError):
            raise
        raise RemoteNotFoundError(
            f"{repo_id} has no {filename} at revision {revision or 'main'}. hubmagic loads scikit-learn "
            "repositories published with hubmagic or skops: a config.json naming the model file, and "
            "that file. Check the repo id and revision."
        ) from exc


def load_model_file(path, model_format: str, repo_id: str, *, trusted=None, token=None):
    """Load a downloaded model file, enforcing hubmagic's trust rules (see ``hubmagic.load``)."""
    from hubmagic import persist

    # Trust what the file is, not what config.json claims it is.
    if model_format == "pickle" or persist.file_format(path) == "pickle":
        if trusted is not True and not _own_repo(repo_id, token):
            raise UntrustedTypesError(
                f"{repo_id} stores its model as a pickle file ({Path(path).name}), and loading a pickle runs "
                "whatever code it contains. It is not in your namespace or one of your organizations, "
                "so hubmagic will not load it. If you trust its author, call "
                f"`hubmagic.load({repo_id!r}, trusted=True)`."
            )
        return persist.load(path, trusted=True)
    trust_all = trusted is True or (isinstance(trusted, (list, tuple, set)) and persist.TRUST_ALL in trusted)
    if not trust_all:
        given = [trusted] if isinstance(trusted, str) else list(trusted or [])
        names = {t if isinstance(t, str) else f"{t.__module__}.{t.__qualname__}" for t in given}
        missing = [t for t in persist.untrusted_types(path) if t not in names]
        if missing:
            raise UntrustedTypesError(
                f"The model in {repo_id} contains types that skops does not trust by default: "
                f"{', '.join(missing)}. Loading them could run their code. Check that you know them, "
                f"then trust them explicitly: `hubmagic.load({repo_id!r}, trusted={missing!r})` "
                f"(in a notebook: `%hub_load {repo_id} --trust {' '.join(missing)}`).",
                missing,
            )
    return persist.load(path, trusted=True if trust_all else trusted)


def _own_repo(repo_id: str, token) -> bool:
    """True when ``repo_id``'s namespace is the logged-in user or one of their organizations."""
    token = resolve_token(token, required=False)
    if not token or "/" not in repo_id:
        return False
    try:
        who = account(hf_api(token), token, repo_id=repo_id)
    except HubMagicError:  # unknown identity: don't trust
        return False
    return repo_id.split("/")[0] in who["namespaces"]
