"""Where a notebook's model repository lives, and how it is found again after a restart.

A notebook publishes ``<notebook-stem>-<model>`` by default (``iris-study-model``), so two
notebooks that both call their estimator ``model`` do not publish to the same Hub
repository, and builds it in ``<dst_root>/<that name>`` (the folder name
``ModelRepository.init`` itself would choose). After a kernel restart the folder is
reopened from disk: the kernel's memory is gone, the folder and its ``.hubmagic/`` state
are not.
"""

from __future__ import annotations

import re
from pathlib import Path

from hubmagic.errors import InvalidInputError
from hubmagic.repository import _state as repo_state

_HUB_NAME_MAX = 96  # the Hub's limit on the name part of a repo id


def default_repo_name(model: str, notebook_stem: str | None = None) -> str:
    """A valid Hub repository name for ``model`` (an expression) built in ``notebook_stem``.

    >>> default_repo_name("model", "Iris study")
    'Iris-study-model'
    >>> default_repo_name("models['b']")
    'models-b'
    """
    text = f"{notebook_stem}-{model}" if notebook_stem else model
    # The Hub allows letters, digits, "-", "_", "." but no "--"/".." and no leading or
    # trailing separator.
    slug = re.sub(r"[^A-Za-z0-9_.]+", "-", text)
    slug = re.sub(r"([-.])[-.]+", r"\1", slug)
    slug = slug[:_HUB_NAME_MAX].strip("-._")
    return slug or "model"


def repository_folders(dst_root: str | Path) -> list[Path]:
    """The model repository folders under ``dst_root`` (those with a ``.hubmagic`` state)."""
    root = Path(dst_root)
    if not root.is_dir():
        return []
    return sorted(d for d in root.iterdir() if d.is_dir() and repo_state.state_path(d).is_file())


def folder_to_reopen(dst_root: str | Path, notebook_stem: str | None) -> Path | None:
    """The repository folder this notebook built before a restart: the only one under
    ``dst_root``, else the one named after the notebook; ``None`` when there is none.

    Raises:
        InvalidInputError: several folders and none (or several) named after this notebook.
    """
    folders = repository_folders(dst_root)
    if len(folders) <= 1:
        return folders[0] if folders else None
    if notebook_stem:
        prefix = default_repo_name(notebook_stem) + "-"
        mine = [d for d in folders if _name(d).startswith(prefix)]
        if len(mine) == 1:
            return mine[0]
    listed = ", ".join(d.name for d in folders)
    raise InvalidInputError(
        f"There are several model repositories in {str(Path(dst_root))!r} ({listed}) and none is "
        "clearly this notebook's. Run `%hub_init MODEL` for the model you mean (your card edits "
        "and added files are kept), or open one in Python with "
        f"`ModelRepository.open('{Path(dst_root).as_posix()}/{folders[0].name}')`."
    )


def _name(folder: Path) -> str:
    return str(repo_state.read_state(folder)["settings"].get("name") or folder.name)
