"""Bring a model repository back from the Hub: files, config, and the model itself.

Every download goes through ``HfApi(endpoint=..., library_name="hubmagic")`` so the Hub
counts it and the user's cache (``HF_HOME`` / ``cache_dir``) is reused.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

from hubmagic.errors import InvalidInputError, RemoteNotFoundError
from hubmagic.hub._endpoint import hf_api
from hubmagic.hub._identity import check_repo_id, resolve_token
from hubmagic.hub._remote_errors import translate_errors
from hubmagic.model import _local_modules as local_modules
from hubmagic.repository._files import check_destination

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
    dst = check_destination(dst, f"download {repo_id} into", non_empty_ok=exist_ok,
                            hint="Choose another folder, delete this one, or pass exist_ok=True to overwrite "
                                 "the files that exist on the Hub.")
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
    pickled = file.endswith((".pkl", ".pickle", ".joblib"))
    model_format = sklearn.get("model_format") or ("pickle" if pickled else "skops")
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
    kwargs = {"cache_dir": cache_dir, "force_download": force_download, "local_files_only": local_files_only}
    config_path = _download_file(api, repo_id, "config.json", revision, kwargs)
    config = json.loads(config_path.read_text(encoding="utf-8"))
    file, model_format = read_model_config(config, repo_id)
    # Take the model from the very commit the config came from.
    pinned = config_path.parent.name if _SHA.fullmatch(config_path.parent.name) else revision
    model_path = _download_file(api, repo_id, file, pinned, kwargs)
    for module_file in local_modules.listed_files(config):  # code the model imports: beside it
        _download_file(api, repo_id, module_file, pinned, kwargs)
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


def load_model_file(path, repo_id: str, *, trusted=None, revision: str | None = None, call: str | None = None):
    """Load a downloaded model file under hubmagic's one trust policy (:mod:`hubmagic.model._trust`).

    What the file *is* decides (skops archive or pickle), not what config.json claims,
    and neither the repository's namespace nor its declared ``trusted_types`` count.

    Args:
        path: the downloaded model file.
        repo_id, revision: where it came from, for the refusal's wording.
        trusted: as in :func:`hubmagic.load`.
        call: the call a refusal tells the user to retry, with ``{trusted}`` where the
            value goes; default: the ``hubmagic.load`` call and its ``%hub_load`` twin.
    """
    from hubmagic.model import _persist as persist
    from hubmagic.model import _trust as trust

    magic = None
    if call is None:
        at = f", revision={revision!r}" if revision else ""
        call = f"hubmagic.load({repo_id!r}{at}, trusted={{trusted}})"
        magic = f"%hub_load {repo_id}" + (f" --revision {revision}" if revision else "") + " --trust {types}"
    source = f"the model of {repo_id}" + (f" at revision {revision}" if revision else "") + f" ({Path(path).name})"
    # Modules the repository ships for its model are importable for this load only, and
    # only with the user's word for them (persist.load checks the model's own trust).
    folder, modules = Path(path).parent, local_modules.files_beside(path)
    if modules and not trust.trusts_modules(folder, modules, trusted):
        if persist.file_format(path) == "pickle":
            raise trust.refusal(source, [trust.PICKLE], call=call, magic=magic)
        modules = []
    with local_modules.importable_from(folder, local_modules.module_names(modules)):
        return persist.load(path, trusted=trusted, source=source, call=call, magic=magic)
