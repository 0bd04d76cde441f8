"""``ModelRepository``: the local folder that becomes a model repository on the Hub.

``ModelRepository.init(model, ...)`` builds (or refreshes) ``./hub/<name>/``::

    model.skops | model.pkl   the estimator (hubmagic.model._persist)
    config.json               skops Hub format (hubmagic.config)
    README.md                 model card: Hub metadata + skops body (hubmagic.card)
    train.py                  the code that made the model, when given
    figures/*.png             the figures, when given
    <files you added>         with ``add_files`` / ``%hub_add``
    .hubmagic/                hubmagic's bookkeeping — never uploaded, never a token

On a refresh:

* ``model.*``, ``config.json`` and the card are regenerated from the new arguments;
* the card keeps every metadata key and section you edited (by hand, or through
  ``repo.card`` + ``repo.save()``); a README.md hubmagic did not write (downloaded with
  ``from_hub``, hand-made) is kept whole and only gains new sections — delete it to get a
  fresh card;
* ``train.py`` and ``figures/`` are replaced only when new ones are given;
* every other file of the folder (files you added) stays.

The folder is rebuilt next to the old one and swapped in at the end, so a failure
(unsaveable model, bad data ...) leaves it untouched.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

from hubmagic.errors import HubMagicError, InvalidInputError

# the module, not its names: hub._sync itself imports this package's _state while loading
from hubmagic.hub import _sync
from hubmagic.hub._identity import check_repo_id
from hubmagic.repository import _state as repo_state
from hubmagic.repository._build import GENERATED_CARD, BuildOptions, build_repository
from hubmagic.repository._files import check_destination, is_repository, safe_name

_PLACEHOLDER = "[More Information Needed]"


class ModelRepository:
    """A local model repository folder. Create it with ``init``, re-open it with ``open``.

    >>> repo = ModelRepository.init(model, data=X_test, labels=y_test, repo_id="alice/iris")  # doctest: +SKIP
    >>> repo.card.metadata.license = "mit"; repo.save()  # doctest: +SKIP
    >>> repo.push()  # doctest: +SKIP
    """

    def __init__(self, path):
        self.path = Path(path)
        self._card = None
        self._data = None

    def __repr__(self) -> str:
        return f"ModelRepository({str(self.path)!r}, repo_id={self.repo_id!r})"

    # -- creation -------------------------------------------------------------------
    @classmethod
    def open(cls, path) -> ModelRepository:
        """Re-open a folder made by ``init`` (or downloaded with ``pull``/``download_repo``)."""
        path = Path(path)
        if not (path / "config.json").is_file() and not repo_state.state_path(path).is_file():
            raise InvalidInputError(
                f"{str(path)!r} is not a model repository (no config.json). Create one with "
                "`ModelRepository.init(model, ...)` / `%hub_init`, or download one with `download_repo`."
            )
        return cls(path)

    @classmethod
    def from_hub(
        cls, repo_id: str, dst=None, *, revision: str | None = None, token: str | None = None
    ) -> ModelRepository:
        """Download a published repository into ``dst`` (default ``./hub/<name>``) to edit and push it back.

        The downloaded commit becomes the base of the next push, so your push is refused
        only if someone else pushes in the meantime.

        >>> repo = ModelRepository.from_hub("alice/iris")  # doctest: +SKIP
        """
        check_repo_id(repo_id)
        dst = check_destination(dst if dst is not None else Path("hub") / safe_name(repo_id.split("/")[-1]),
                                f"download {repo_id} into")
        repo = cls(dst)
        repo.pull(repo_id, revision=revision, token=token)
        state = repo.state
        state["repo_id"] = repo_id
        state["settings"].setdefault("name", repo_id.split("/")[-1])
        repo_state.write_state(dst, state)
        return repo

    @classmethod
    def init(
        cls,
        model: Any,
        *,
        data=None,
        labels=None,
        dst=None,
        name: str | None = None,
        repo_id: str | None = None,
        task: str | None = None,
        model_format: str = "skops",
        requirements=None,
        license: str | None = None,
        train_script: str | None = None,
        script_info: dict | None = None,
        figures=None,
        extra_files=None,
        notebook=None,
    ) -> ModelRepository:
        """Build or refresh the repository of a fitted estimator.

        Args:
            model: the fitted estimator or pipeline.
            data: example input (e.g. ``X_test``): columns, widget example, metrics.
            labels: true labels of ``data``: metrics in the card and its ``model-index``.
            dst: the folder; default ``./hub/<name>``.
            name: the model's name (e.g. its variable name); default from ``repo_id``.
            repo_id: where ``push()`` publishes, ``"namespace/name"`` or ``"name"``.
            task: e.g. ``"tabular-classification"``; inferred when omitted.
            model_format: ``"skops"`` (default, safe to load) or ``"pickle"``.
            requirements: extra packages for ``config.json``'s environment.
            license: license id for the card (``"mit"``, ``"apache-2.0"`` ...).
            train_script: text of ``train.py``. script_info: what the card says about it.
            figures: objects with ``.name``, ``.png`` (bytes), ``.caption`` (or such dicts).
            extra_files: paths of files to copy in (like ``add_files``).
            notebook: path of the notebook that made the model, published without its
                outputs (``hubmagic.notebook._notebook_file``) and linked from the card; kept on a
                refresh that does not give it.

        Modules from beside the notebook (under the working directory, not installed) that
        the model's functions and classes come from are copied in and listed in
        ``config.json`` (``hubmagic.model._local_modules``), so the model loads from a download.

        Returns:
            The repository.
        """
        from hubmagic import config as model_config
        from hubmagic.model import _persist as persist
        from hubmagic.notebook._notebook_file import find_notebook

        if repo_id is not None:
            check_repo_id(repo_id)
        persist.check_model_format(model_format)
        model_config.check_model(model)
        if data is not None:
            model_config.check_data(model, data)
        if labels is not None and data is None:
            raise InvalidInputError(
                "labels were given without data: pass the input they belong to, e.g. `data=X_test, labels=y_test`."
            )
        extra = [Path(p) for p in extra_files or []]
        for path in extra:
            if not path.is_file():
                raise InvalidInputError(f"Cannot add {str(path)!r} to the repository: no such file.")
        notebook = find_notebook(notebook) if notebook is not None else None

        name = name or (repo_id.split("/")[-1] if repo_id else None) or (Path(dst).name if dst else None) or "model"
        dst = Path(dst) if dst is not None else Path("hub") / safe_name(name)
        check_destination(dst, "build the repository in", non_empty_ok=is_repository(dst),
                          non_empty_note=" and is not a hubmagic repository",
                          hint="Choose another `dst` (`%hub_init --dst DIR`), or empty that folder.")
        options = BuildOptions(
            name=name, data=data, labels=labels, repo_id=repo_id, task=task, model_format=model_format,
            requirements=requirements, license=license, train_script=train_script, script_info=script_info,
            figures=figures, extra=extra, notebook=notebook,
        )
        build_repository(model, dst, options)
        repo = cls(dst)
        repo._data = data
        return repo

    # -- what is inside -------------------------------------------------------------
    @property
    def state(self) -> dict:
        return repo_state.read_state(self.path)

    @property
    def repo_id(self) -> str | None:
        """The Hub repository ``push()`` publishes to (from ``init`` or the last push)."""
        return self.state.get("repo_id")

    @property
    def name(self) -> str:
        return self.state["settings"].get("name") or self.path.name

    @property
    def config(self) -> dict:
        """``config.json`` as a dict (re-read each time)."""
        return json.loads((self.path / "config.json").read_text(encoding="utf-8"))

    @property
    def model_format(self) -> str:
        return self.config.get("sklearn", {}).get("model_format", "skops")

    @property
    def model_file(self) -> str:
        return self.config.get("sklearn", {}).get("model", {}).get("file", "model.skops")

    @property
    def card(self):
        """The model card (``hubmagic.card.Card``); edit it, then call ``save()``."""
        if self._card is None:
            from hubmagic.card import Card

            self._card = Card.load(self.path / "README.md")
        return self._card

    def save(self) -> ModelRepository:
        """Write the edited ``card`` to README.md."""
        if self._card is not None:
            self._card.save(self.path / "README.md")
        return self

    def example_data(self):
        """The example input given to ``init``, else the 3 rows kept in config.json."""
        if self._data is not None:
            return self._data
        sklearn = self.config.get("sklearn", {})
        example = sklearn.get("example_input")
        if not example:
            return None
        if str(sklearn.get("task", "")).startswith("text"):
            return list(example.get("data", [])) if isinstance(example, dict) else example
        import pandas as pd

        return pd.DataFrame(example) if isinstance(example, dict) else example

    def load_model(self, trusted=None):
        """Load the model file of this folder under the one trust policy of ``hubmagic.load``.

        A folder may hold someone else's file (``pull()``): a pickle loads only with
        ``trusted=True`` or when this machine pushed those very bytes.
        """
        from hubmagic.model import _persist as persist

        path = self.path / self.model_file
        return persist.load(
            path, trusted=trusted, source=str(path), call="ModelRepository.open(...).load_model(trusted={trusted})"
        )

    def files(self) -> list[tuple[str, int]]:
        """``[(relative path, size in bytes), ...]`` of the files a push would publish."""
        return [(p, (self.path / p).stat().st_size) for p in _sync.local_paths(self.path)]

    def add_files(self, *paths, exist_ok: bool = True) -> list[str]:
        """Copy files into the repository root (they survive later ``init`` refreshes).

        Returns:
            The repository paths written.
        """
        sources = [Path(p) for p in paths]
        for src in sources:
            if not src.is_file():
                raise InvalidInputError(f"Cannot add {str(src)!r}: no such file.")
            if src.name in (repo_state.STATE_DIR, "config.json", "README.md") or src.name == self.model_file:
                raise InvalidInputError(
                    f"Cannot add {src.name!r}: hubmagic generates that file; edit the repository's copy instead."
                )
            if (self.path / src.name).exists() and not exist_ok:
                raise InvalidInputError(
                    f"{src.name!r} already exists in {self.path}; pass exist_ok=True to replace it."
                )
        state = self.state
        added = list(state["settings"].get("added_files", []))
        for src in sources:
            shutil.copy2(src, self.path / src.name)
            if src.name not in added:
                added.append(src.name)
        state["settings"]["added_files"] = added
        repo_state.write_state(self.path, state)
        return [src.name for src in sources]

    # -- reports --------------------------------------------------------------------
    def card_warnings(self) -> list[str]:
        """What the card still lacks (placeholders, license, metrics ...)."""
        text = (self.path / "README.md").read_text(encoding="utf-8") if (self.path / "README.md").is_file() else ""
        from hubmagic.repository._card_merge import split_card

        metadata, _ = split_card(text) if text else ({}, [])
        warnings = []
        if not text:
            warnings.append("no README.md: the Hub page will have no model card")
        if text and not metadata.get("license"):
            warnings.append("no license: set one with `init(license=...)` / `%hub_init --license mit`")
        if text and "model-index" not in metadata:
            warnings.append("no metrics: pass labels (`labels=y_test` / `--labels y_test`)")
        count = text.count(_PLACEHOLDER)
        if count:
            warnings.append(f"{count} placeholder(s) '{_PLACEHOLDER}' left in README.md")
        if not (self.path / "train.py").is_file():
            warnings.append("no train.py: readers cannot see how the model was trained")
        return warnings

    def summary(self) -> str:
        """A compact description: files and sizes, task, what is missing."""
        target = self.repo_id or f"<your namespace>/{self.name}"
        lines = [f"Model repository {self.path} → {target}"]
        files = self.files()
        lines.append("  " + "  ".join(f"{p} ({_sync.human_size(s)})" for p, s in files))
        settings = self.state["settings"]
        task = settings.get("task") or self.config.get("sklearn", {}).get("task")
        lines.append(f"  task: {task}; format: {self.model_format}")
        missing = self.card_warnings()
        if missing:
            lines.append("  missing: " + "; ".join(missing))
        return "\n".join(lines)

    def status(self, token: str | None = None, revision: str | None = None):
        """Files, card warnings and, after a push, what differs from the last pushed commit."""
        from hubmagic.repository._status import repository_status

        return repository_status(self, token=token, revision=revision)

    # -- transport ------------------------------------------------------------------
    def push(
        self,
        repo_id: str | None = None,
        *,
        token: str | None = None,
        private: bool | None = None,
        create_pr: bool = False,
        revision: str | None = None,
        commit_message: str | None = None,
        commit_description: str | None = None,
        allow_patterns=None,
        ignore_patterns=None,
        create_remote: bool = True,
        parent_commit: str | None = None,
        dry_run: bool = False,
        redact: bool = False,
        overwrite: bool = False,
        mirror: bool = True,
        progress=None,
    ):
        """Publish the folder in one commit (see ``hubmagic.hub._publish.publish_folder``).

        The repo id defaults to the one given to ``init`` or last pushed to (else
        ``<your namespace>/<name>``); the parent commit is the one this folder last pushed
        or pulled, so a remote changed by someone else is refused, not overwritten.
        ``mirror=False`` keeps remote files this folder never pushed and refuses only the
        files it sends that someone else changed (``overwrite=True`` replaces them).
        ``progress`` is called with ``{"phase", "bytes_done", "bytes_total", "path"}`` events
        while the files are hashed and uploaded.

        Returns:
            PushResult (``commit_url``, ``pr_url``, ``files``, ``no_change`` ...).

        >>> repo.push(commit_message="Tuned C")  # doctest: +SKIP
        >>> repo.push(create_pr=True)            # doctest: +SKIP
        """
        from hubmagic.hub._publish import publish_folder

        target = repo_id or self.repo_id or self.name
        if not dry_run:
            target = self._name_the_repository_in_the_card(target, token)
        result = publish_folder(
            self.path,
            target,
            token=token,
            private=private,
            create_pr=create_pr,
            revision=revision,
            commit_message=commit_message,
            commit_description=commit_description,
            allow_patterns=allow_patterns,
            ignore_patterns=ignore_patterns,
            create_remote=create_remote,
            parent_commit=parent_commit,
            dry_run=dry_run,
            redact=redact,
            overwrite=overwrite,
            mirror=mirror,
            progress=progress,
        )
        state = self.state
        if not result.dry_run and state.get("repo_id") != result.repo_id:
            state["repo_id"] = result.repo_id
            repo_state.write_state(self.path, state)
        return result

    def _name_the_repository_in_the_card(self, repo_id: str, token: str | None) -> str:
        """Put the full repo id into the card's get-started code (written before it was known).

        Returns the full ``namespace/name`` (unchanged when it cannot be resolved: the
        push then reports why).
        """
        from hubmagic.card._snippets import PLACEHOLDER_NOTE, PLACEHOLDER_REPO_ID
        from hubmagic.hub._endpoint import hf_api
        from hubmagic.hub._identity import account, check_repo_id, full_repo_id, resolve_token

        if "/" not in repo_id:
            try:
                check_repo_id(repo_id)
                resolved = resolve_token(token)
                repo_id = full_repo_id(repo_id, account(hf_api(resolved), resolved, repo_id=repo_id)["name"])
            except HubMagicError:
                return repo_id
        placeholder = f"repo_id = {json.dumps(PLACEHOLDER_REPO_ID)}"
        for path in (self.path / "README.md", self.path / repo_state.STATE_DIR / GENERATED_CARD):
            if path.is_file():
                text = path.read_text(encoding="utf-8")
                if placeholder in text:
                    text = text.replace(placeholder, f"repo_id = {json.dumps(repo_id)}")
                    text = text.replace("\n\n" + PLACEHOLDER_NOTE + "\n", "\n", 1)
                    path.write_text(text, encoding="utf-8")
        self._card = None
        return repo_id

    def pull(self, repo_id: str | None = None, *, revision: str | None = None, token: str | None = None) -> list[str]:
        """Download the remote's files into the folder and make it the base of the next push.

        Remote files overwrite local ones; files that exist only locally are kept (and will
        be pushed). Returns the paths written.
        """
        from hubmagic.hub._download import copy_snapshot, snapshot
        from hubmagic.hub._endpoint import get_endpoint

        repo_id = repo_id or self.repo_id
        if not repo_id or "/" not in repo_id:
            raise InvalidInputError("Which repository? Pass the full repo id, e.g. `repo.pull('alice/iris')`.")
        src, commit = snapshot(repo_id, revision=revision, token=token, force_download=False)
        written = copy_snapshot(src, self.path)
        if commit:
            repo_state.record_commit(self.path, get_endpoint(), repo_id, revision, commit, how="pull")
        self._card = None
        return written
