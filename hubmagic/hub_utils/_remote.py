"""The Hub half of skops 0.8's ``hub_utils``: push, download, model output.

``push`` publishes through ``hubmagic.hub._publish.publish_folder`` (secret scan, card
check, one commit, stale-remote check), exactly like ``%hub_push``; ``download`` and
``get_model_output`` go through ``hubmagic.hub._download`` (hubmagic's cache and trust policy).
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

from hubmagic.errors import InvalidInputError, RemoteNotFoundError
from hubmagic.hub_utils._errors import (
    DestinationNotEmptyError,
    InferenceError,
    repository_not_found,
)
from hubmagic.hub_utils._local import validate_folder
from hubmagic.repository._files import check_destination

# What ``download(**kwargs)`` passes on (skops passed them to ``snapshot_download``).
_DOWNLOAD_OPTIONS = {"cache_dir", "force_download", "local_files_only", "allow_patterns", "ignore_patterns"}


def push(
    *,
    repo_id: str,
    source: str | Path,
    token: str | None = None,
    commit_message: str | None = None,
    create_remote: bool = False,
    private: bool | None = None,
    create_pr: bool = False,
    revision: str | None = None,
    allow_patterns=None,
    ignore_patterns=None,
    overwrite: bool = False,
) -> None:
    """Publish a model repository folder to the Hub in one commit.

    The folder is validated first (``config.json`` naming a model file that is
    present) and scanned for secrets; if anything is refused, nothing changes on
    the Hub. The remote then mirrors the folder: files deleted locally are deleted
    on the Hub (the Hub's ``.gitattributes`` is kept). A push is refused if the
    remote branch moved since this folder last pushed to it.

    Args:
        repo_id: ``"namespace/name"``.
        source: the repository folder (made with :func:`init`).
        token: a Hugging Face token; default ``HF_TOKEN`` or the login's.
        commit_message: the commit's title.
        create_remote: create the repository if it does not exist; otherwise a
            missing repository is an error.
        private: make the repository private (``True``) or public (``False``),
            whether it is new or not; ``None`` leaves an existing one as it is.
            Not applied with ``create_pr`` (a proposal changes no settings).
        create_pr: open a pull request instead of committing to the branch.
        revision: the branch to push to (default ``main``).
        allow_patterns, ignore_patterns: publish only the matching files.
        overwrite: replace a remote branch that has files this folder never pushed.

    Raises:
        TypeError: ``source`` is not a model repository folder.
        hubmagic.errors.HubMagicError: the push was refused (secrets, access,
            remote changed ...); the message says why and what to do.

    >>> hub_utils.push(repo_id="alice/my-model", source="my-repo", create_remote=True)  # doctest: +SKIP
    """
    from hubmagic.hub._endpoint import hf_api
    from hubmagic.hub._identity import resolve_token
    from hubmagic.hub._publish import publish_folder
    from hubmagic.hub._remote_errors import translate_errors

    validate_folder(source)
    publish_folder(
        source,
        repo_id,
        token=token,
        private=private,
        create_pr=create_pr,
        revision=revision,
        commit_message=commit_message,
        allow_patterns=allow_patterns,
        ignore_patterns=ignore_patterns,
        create_remote=create_remote,
        overwrite=overwrite,
    )
    if private is not None and not create_pr:
        # publish_folder sets visibility only on creation; skops set it on every push.
        # Done after the commit so that a refused push changes nothing.
        token = resolve_token(token)
        with translate_errors("change the visibility of", repo_id):
            hf_api(token).update_repo_settings(repo_id, private=private)


def download(
    *,
    repo_id: str,
    dst: str | Path,
    revision: str | None = None,
    token: str | None = None,
    keep_cache: bool = True,
    **kwargs: Any,
) -> None:
    """Download the files of a Hub repository into a folder.

    Args:
        repo_id: ``"namespace/name"``.
        dst: a folder that does not exist or is empty.
        revision: branch, tag or commit; default: the main branch.
        token: needed for a private repository.
        keep_cache: keep the files in the Hugging Face cache too. With ``False``
            the download goes through a temporary cache that is removed afterwards.
        **kwargs: ``cache_dir``, ``force_download``, ``local_files_only``,
            ``allow_patterns``, ``ignore_patterns`` (as in ``snapshot_download``).

    Raises:
        OSError: ``dst`` is not empty.
        huggingface_hub.utils.RepositoryNotFoundError: no such repository, or it
            is private and the token cannot see it (also a hubmagic ``RemoteNotFoundError``).

    >>> hub_utils.download(repo_id="alice/my-model", dst="downloaded-model")  # doctest: +SKIP
    """
    from hubmagic.hub._download import download_repo

    # skops 0.8's error class and first words, which callers match
    dst = check_destination(dst, f"download {repo_id} into", error=DestinationNotEmptyError,
                            prefix="None-empty dst path already exists! ",
                            hint="Choose a new or empty folder, or delete this one first.")
    unknown = sorted(set(kwargs) - _DOWNLOAD_OPTIONS)
    if unknown:
        raise InvalidInputError(
            f"download() got unsupported option(s) {', '.join(unknown)}; hubmagic.hub_utils.download "
            f"accepts {', '.join(sorted(_DOWNLOAD_OPTIONS))} besides repo_id, dst, revision, token, keep_cache."
        )
    temporary_cache = None
    if not keep_cache:
        temporary_cache = tempfile.mkdtemp(prefix="hubmagic-download-")
        kwargs["cache_dir"] = temporary_cache
    existed = dst.exists()
    try:
        download_repo(repo_id, dst, revision=revision, token=token, **kwargs)
    except BaseException as exc:
        # A download that failed half-way leaves dst as it was (missing or empty).
        if existed:
            for child in list(dst.iterdir()) if dst.is_dir() else []:
                if child.is_dir() and not child.is_symlink():
                    shutil.rmtree(child)
                else:
                    child.unlink()
        else:
            shutil.rmtree(dst, ignore_errors=True)
        if isinstance(exc, RemoteNotFoundError):
            raise repository_not_found(exc) from exc.__cause__
        raise
    finally:
        if temporary_cache is not None:
            shutil.rmtree(temporary_cache, ignore_errors=True)


def get_model_output(
    repo_id: str,
    data: Any,
    token: str | None = None,
    *,
    revision: str | None = None,
    trusted=None,
) -> Any:
    """Run the model of a Hub repository on ``data`` and return its predictions.

    The Hub's hosted inference no longer serves scikit-learn models, so the
    model is downloaded (once; later calls use the cache), loaded and run here.

    The model is loaded under hubmagic's one trust policy (``hubmagic.model._trust``): a
    skops file with skops' default types, the classes of scikit-learn, NumPy and
    SciPy, and the types in ``trusted``. The ``trusted_types`` a repository's
    ``config.json`` declares are its author's claim and do not count on their own.
    A pickle file runs code when loaded: it is loaded only with ``trusted=True`` or
    when its bytes are those of a file pushed from this machine.

    Args:
        repo_id: ``"namespace/name"``.
        data: a DataFrame (preferably, with the training column names) or 2-D
            array for tabular models; a list of strings for text models.
        token: needed for a private repository.
        revision: branch, tag or commit; default: the main branch.
        trusted: extra types to trust in a skops file, or ``True`` to trust the
            model file entirely.

    Returns:
        numpy.ndarray: the model's ``predict`` output.

    Raises:
        ValueError: the repository's config names no task.
        hubmagic.errors.UntrustedTypesError: the model file needs types you have
            not trusted (listed), or is a pickle this machine did not push.
        RuntimeError: the model failed on ``data``.

    >>> res = hub_utils.get_model_output("alice/my-model", X_test)  # doctest: +SKIP
    """
    import numpy as np

    from hubmagic.hub._download import fetch_model

    try:
        config, model_path, _ = fetch_model(repo_id, revision=revision, token=token)
    except RemoteNotFoundError as exc:
        raise repository_not_found(exc) from exc.__cause__
    sklearn = config.get("sklearn") or {}
    task = sklearn.get("task")
    if not task:
        raise InvalidInputError(
            f"Repo {repo_id} has no pipeline tag: its config.json names no task, so it is not "
            "clear what output to compute. You should set a valid 'task' in config.json and "
            "README.md files. This is automatically done for you if you pass a valid task to "
            "the hubmagic.hub_utils.init() and hubmagic.card.metadata_from_config() functions "
            "to generate those files."
        )
    model = _load(model_path, repo_id, revision, trusted)
    model_input = _model_input(model, data, sklearn, task)
    try:
        return np.asarray(model.predict(model_input))
    except Exception as exc:
        raise InferenceError(
            f"There were errors or warnings during inference: the model of {repo_id} failed on "
            f"the given data ({type(exc).__name__}: {exc}). Pass data shaped like the example "
            "input in its config.json."
        ) from exc


def _load(model_path, repo_id: str, revision, trusted):
    from hubmagic.hub._download import load_model_file

    at = f", revision={revision!r}" if revision else ""
    return load_model_file(
        model_path, repo_id, trusted=trusted, revision=revision,
        call=f"get_model_output({repo_id!r}, data{at}, trusted={{trusted}})",
    )


def _model_input(model, data, sklearn: dict, task: str):
    """``data`` as the model takes it: columns in the order of ``config.json``."""
    from hubmagic import config as hub_config

    if task.startswith("text"):
        return data
    columns = sklearn.get("columns") or []
    pd = sys.modules.get("pandas")
    if pd is not None and isinstance(data, pd.DataFrame):
        missing = [c for c in columns if c not in data.columns]
        if missing:
            raise InvalidInputError(
                f"data lacks column(s) the model expects: {', '.join(map(str, missing))}. Pass a "
                f"DataFrame with the columns {columns}."
            )
        if columns:
            data = data[columns]
        if getattr(model, "feature_names_in_", None) is None:
            data = data.to_numpy()
    elif getattr(model, "feature_names_in_", None) is not None and columns:
        import numpy as np

        array = np.asarray(data)
        if array.ndim == 2 and array.shape[1] == len(columns):
            import pandas as pd

            data = pd.DataFrame(array, columns=columns)
    hub_config.check_data(model, data)
    return data
