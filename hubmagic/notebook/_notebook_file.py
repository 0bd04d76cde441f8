"""The notebook that made the model, as it is published: found from the kernel, stripped.

A notebook's outputs can hold anything the code printed (data rows, tokens, paths),
its execution counts and widget state are noise in a diff: the published copy keeps
the cells' sources and the notebook's metadata, nothing that running it produced. The
push then scans it for credentials like every other file.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from hubmagic.errors import InvalidInputError

# Where a Jupyter front end tells the kernel which notebook it runs: ipykernel copies
# the server's JPY_SESSION_NAME into the user namespace as __session__; VS Code sets
# __vsc_ipynb_file__.
_NAMESPACE_KEYS = ("__session__", "__vsc_ipynb_file__")
_ENV_KEY = "JPY_SESSION_NAME"
# Cell metadata that only records a run (timings, collapsed/scrolled views).
_RUN_METADATA = ("execution", "collapsed", "scrolled", "ExecuteTime")


def find_notebook(path: str | os.PathLike | None = None, user_ns: Mapping | None = None) -> Path:
    """The notebook file to publish: ``path`` if given, else the one this kernel runs.

    Raises:
        InvalidInputError: no such ``.ipynb`` file, or the kernel was not told its notebook.
    """
    if path is not None:
        return _existing_notebook(Path(path))
    for name in _told_names(user_ns):
        for candidate in (Path(name), Path.cwd() / Path(name).name):
            # The server may give a path relative to its root, not to the kernel's
            # folder (which is the notebook's own folder): try the file name there too.
            if candidate.suffix == ".ipynb" and candidate.is_file():
                return candidate
    raise InvalidInputError(
        "Could not find which notebook this is: the Jupyter front end did not tell the kernel "
        "its path (or the notebook is not saved yet). Save it and give its path, e.g. "
        "`%hub_push --notebook analysis.ipynb` (in Python: `notebook='analysis.ipynb'`)."
    )


def notebook_stem(user_ns: Mapping | None = None) -> str | None:
    """The name (without ``.ipynb``) of the notebook this kernel runs, if the front end told it.

    The file need not be saved yet: only its name is used (to name the repository).
    """
    for name in _told_names(user_ns):
        if name.endswith(".ipynb"):
            return Path(name).stem
    return None


def _told_names(user_ns: Mapping | None) -> list[str]:
    """What the front end told the kernel about its notebook, most specific first."""
    candidates = [str((user_ns or {}).get(key) or "") for key in _NAMESPACE_KEYS]
    candidates.append(os.environ.get(_ENV_KEY, ""))
    return [name for name in candidates if name]


def write_stripped_notebook(src: Path, dst_folder: Path) -> str:
    """Write ``src`` into ``dst_folder`` without outputs, execution counts or widget state.

    Returns:
        The repository path written (the notebook's file name).
    """
    import nbformat

    src = _existing_notebook(Path(src))
    try:
        notebook = nbformat.read(src, as_version=nbformat.NO_CONVERT)
    except Exception as exc:  # nbformat raises bare JSON/validation errors
        raise InvalidInputError(
            f"{str(src)!r} is not a readable notebook ({type(exc).__name__}: {exc}). Save it again "
            "from Jupyter, or give the path of another .ipynb file."
        ) from exc
    notebook.metadata.pop("widgets", None)
    for cell in notebook.cells:
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
        for key in _RUN_METADATA:
            cell.metadata.pop(key, None)
    nbformat.write(notebook, dst_folder / src.name)
    return src.name


def _existing_notebook(path: Path) -> Path:
    if path.suffix != ".ipynb":
        raise InvalidInputError(
            f"{str(path)!r} is not a notebook: give the path of the .ipynb file that made the model."
        )
    if not path.is_file():
        raise InvalidInputError(
            f"Notebook {str(path)!r} not found (relative paths start at {os.getcwd()}). Give the "
            "path of the saved .ipynb file."
        )
    return path
