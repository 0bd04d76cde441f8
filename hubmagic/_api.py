"""The two-function API: ``push_to_hub(estimator, repo_id)`` and ``load(repo_id)``.

Modelled on the Hugging Face library-integration guide: push = build the repository in a
temporary folder, create the repo, upload it in one commit; load = download
``config.json`` and the model file it names (counted by the Hub as hubmagic downloads),
then load it under hubmagic's trust policy (``hubmagic.model._trust``).
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from hubmagic.hub._download import fetch_model, load_model_file
from hubmagic.hub._publish import PushResult


def push_to_hub(
    estimator: Any,
    repo_id: str,
    *,
    data=None,
    labels=None,
    commit_message: str | None = None,
    private: bool | None = None,
    create_pr: bool = False,
    revision: str | None = None,
    allow_patterns=None,
    ignore_patterns=None,
    token: str | None = None,
    task: str | None = None,
    model_format: str = "skops",
    license: str | None = None,
    overwrite: bool = False,
    notebook=None,
) -> PushResult:
    """Publish a fitted scikit-learn estimator to the Hub in one commit.

    Builds the whole repository (model file, ``config.json``, model card ``README.md``)
    in a temporary folder and publishes it. Files others added to the remote are kept;
    only files an earlier ``push_to_hub`` from this machine sent and no longer generates
    are deleted. A generated file (README, config, model) that someone else changed on
    the Hub since your last push is not replaced: the push is refused unless
    ``overwrite=True``. For a repository you edit before publishing, use
    ``ModelRepository.init(...)`` then ``repo.push()`` instead.

    Args:
        estimator: the fitted estimator (or pipeline).
        repo_id: ``"namespace/name"`` or ``"name"`` (your namespace).
        data: example input (e.g. ``X_test``): column names, widget example, metrics.
        labels: true labels for ``data``; adds metrics to the card.
        commit_message, private, create_pr, revision, allow_patterns, ignore_patterns,
            token: as in ``huggingface_hub.HfApi.upload_folder``.
        task, model_format, license: as in ``ModelRepository.init``.
        notebook: path of the notebook that made the model: published without its
            outputs and linked from the card (as ``ModelRepository.init(notebook=...)``).
        overwrite: replace remote copies of the generated files changed by someone else.

    Returns:
        PushResult (``commit_url``, ``pr_url`` ...).

    >>> from hubmagic import push_to_hub
    >>> push_to_hub(model, "alice/iris-classifier", data=X_test, labels=y_test)  # doctest: +SKIP
    """
    from huggingface_hub import constants

    from hubmagic.hub._endpoint import get_endpoint
    from hubmagic.repository import _state as repo_state
    from hubmagic.repository._repository import ModelRepository

    # The build folder is temporary; what was pushed from this machine (commit, files)
    # is kept here, so the next push_to_hub knows which remote files are its own.
    record = Path(constants.HF_HOME) / "hubmagic" / "push_to_hub"
    with tempfile.TemporaryDirectory(prefix="hubmagic-push-") as tmp:
        repo = ModelRepository.init(
            estimator,
            data=data,
            labels=labels,
            dst=Path(tmp) / "repo",
            name=str(repo_id).split("/")[-1],
            # A bare name gets the user's namespace at push time, which also names it in the card.
            repo_id=repo_id if "/" in str(repo_id) else None,
            task=task,
            model_format=model_format,
            license=license,
            notebook=notebook,
        )
        state = repo.state
        state["remotes"] = repo_state.read_state(record)["remotes"]
        repo_state.write_state(repo.path, state)
        result = repo.push(
            repo_id,
            token=token,
            private=private,
            create_pr=create_pr,
            revision=revision,
            commit_message=commit_message,
            allow_patterns=allow_patterns,
            ignore_patterns=ignore_patterns,
            overwrite=overwrite,
            mirror=False,
        )
        if not result.dry_run and not create_pr:
            key = repo_state.remote_key(get_endpoint(), result.repo_id, revision)
            saved = repo_state.read_state(record)
            saved["remotes"][key] = repo_state.read_state(repo.path)["remotes"][key]
            repo_state.write_state(record, saved)
        return result


def load(
    repo_id: str,
    *,
    revision: str | None = None,
    cache_dir=None,
    force_download: bool = False,
    local_files_only: bool = False,
    token: str | None = None,
    trusted=None,
) -> Any:
    """Download a model published with hubmagic (or skops) and load it.

    Args:
        repo_id: ``"namespace/name"``.
        revision: branch, tag, ``refs/pr/N`` or commit; default ``main``.
        cache_dir, force_download, local_files_only, token: as in
            ``huggingface_hub.hf_hub_download``.
        trusted: for skops files, the types you trust beyond skops' defaults and the
            classes of scikit-learn, NumPy and SciPy (as listed in the
            ``UntrustedTypesError`` message), or ``True`` to trust the file entirely.
            A pickle file runs code when loaded: it is loaded only with
            ``trusted=True`` or when its bytes are those of a file pushed from this
            machine (whoever owns the repository: a pull request is anyone's file).

    Returns:
        The estimator.

    Raises:
        RemoteNotFoundError: no such repository, revision or file.
        UntrustedTypesError: the file needs types you have not trusted (listed, with the
            exact call to trust them).

    >>> model = load("alice/iris-classifier")  # doctest: +SKIP
    >>> model.predict(X_test)  # doctest: +SKIP
    """
    _, path, _ = fetch_model(
        repo_id,
        revision=revision,
        cache_dir=cache_dir,
        force_download=force_download,
        local_files_only=local_files_only,
        token=token,
    )
    return load_model_file(path, repo_id, trusted=trusted, revision=revision)
