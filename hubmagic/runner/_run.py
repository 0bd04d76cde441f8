"""Run a publishing notebook headless against a local hub, and say what it published.

    python -m hubmagic.runner notebooks/quickstart.ipynb

This is how the quickstart runs with no account and no network, and how a team runs its
publishing notebooks in CI: a ``hubmagic.localhub`` server is started here, handed to the
notebook's kernel (its ``%hub_local`` reuses it), the notebook is executed with nbclient in
a scratch copy of its folder, and every repository the hub then holds is listed with its
last commit and files.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
from pathlib import Path


def run_notebook(notebook: Path, *, data_dir: Path, workdir: Path, timeout: int = 600,
                 output: Path | None = None):
    """Execute ``notebook`` in ``workdir`` with a local hub on ``data_dir``; returns what the hub then holds (see ``describe_hub``)."""
    from hubmagic.localhub import LocalHub
    from hubmagic.hub._local import ENV_ENDPOINT, ENV_TOKEN

    hub = LocalHub(data_dir=data_dir).start()
    try:
        # The kernel (not this process) is pointed at the hub: its `%hub_local` reuses it.
        env = dict(os.environ)
        env.update({
            ENV_ENDPOINT: hub.endpoint,
            ENV_TOKEN: hub.token,
            "HF_ENDPOINT": hub.endpoint,
            "HF_HUB_DISABLE_XET": "1",
        })
        env.setdefault("MPLBACKEND", "module://matplotlib_inline.backend_inline")

        import nbformat
        from nbclient import NotebookClient

        nb = nbformat.read(notebook, as_version=4)
        client = NotebookClient(
            nb, timeout=timeout, kernel_name="python3", resources={"metadata": {"path": str(workdir)}}
        )
        client.execute(env=env)
        if output is not None:
            nbformat.write(nb, output)
        cells = sum(1 for cell in nb.cells if cell.cell_type == "code")
        published = f"{notebook.name}: all {cells} code cells ran without error\n" + describe_hub(hub.endpoint, hub.token)
    finally:
        hub.stop()
    return published


def describe_hub(endpoint: str, token: str) -> str:
    """Every repository on the hub: id, last commit, files with sizes."""
    from huggingface_hub import HfApi

    api = HfApi(endpoint=endpoint, token=token)
    lines = []
    user = api.whoami()["name"]
    for info in api.list_models(author=user):
        repo_id = info.id
        commit = api.list_repo_commits(repo_id)[0]
        lines.append(f"published {endpoint}/{repo_id} at commit {commit.commit_id[:10]} ({commit.title})")
        for entry in api.list_repo_tree(repo_id, recursive=True):
            if getattr(entry, "size", None) is not None:
                kind = " (LFS)" if getattr(entry, "lfs", None) else ""
                lines.append(f"  {entry.path:<40} {entry.size:>10,} bytes{kind}")
    return "\n".join(lines) if lines else "nothing was published"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m hubmagic.runner", description=__doc__.split("\n\n")[0])
    parser.add_argument("notebook", type=Path)
    parser.add_argument("--data-dir", type=Path, help="local hub data folder (default: a temporary one)")
    parser.add_argument("--output", type=Path, help="write the executed notebook here")
    parser.add_argument("--timeout", type=int, default=600, help="seconds per cell")
    args = parser.parse_args(argv)
    if not args.notebook.is_file():
        parser.error(f"no notebook at {args.notebook}")

    scratch = Path(tempfile.mkdtemp(prefix="hubmagic-run-"))
    try:
        workdir = scratch / "work"
        shutil.copytree(args.notebook.resolve().parent, workdir, ignore=shutil.ignore_patterns("hub", ".ipynb_checkpoints"))
        data_dir = args.data_dir or scratch / "hub-data"
        print(f"running {args.notebook} against a local hub (data in {data_dir}) ...", flush=True)
        print(run_notebook(args.notebook, data_dir=data_dir, workdir=workdir,
                           timeout=args.timeout, output=args.output))
    except Exception as exc:  # nbclient's CellExecutionError carries the cell and traceback text
        print(f"the notebook failed:\n{exc}", file=sys.stderr)
        return 1
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return 0

