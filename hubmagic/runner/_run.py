"""Run a publishing notebook headless against a local hub, and say what it published.

    python -m hubmagic.runner notebooks/quickstart.ipynb

This is how the quickstart runs with no account and no network, and how a team runs its
publishing notebooks in CI: a ``hubmagic.localhub`` server is started here, handed to the
notebook's kernel (its ``%hub_local`` reuses it), the notebook is executed with nbclient in
a copy of its folder, and every repository the hub then holds is listed with its last
commit and files. Everything is kept in one folder (``./hubmagic-NOTEBOOK/`` by default):
the hub's data, which ``python -m hubmagic.localhub`` serves again, and the executed copy.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
from pathlib import Path

# Marks a folder this runner made, so a second run may replace it and nothing else.
MARKER = ".hubmagic-runner"
# The local hub's port changes from run to run; saved notebooks show this instead.
PORT_PLACEHOLDER = "http://127.0.0.1:PORT"


def run_notebook(notebook: Path, *, data_dir: Path, workdir: Path, timeout: int = 600,
                 output: Path | None = None, allow_errors: bool = False) -> str:
    """Execute ``notebook`` in ``workdir`` with a local hub on ``data_dir``; returns what the hub then holds.

    The executed notebook is written to ``output`` (if given) with the hub's address
    replaced by ``http://127.0.0.1:PORT``, so its outputs are the same from run to run.
    With ``allow_errors`` a failing cell is reported and the next cells still run.
    """
    import nbformat
    from nbclient import NotebookClient

    from hubmagic.hub._local import ENV_ENDPOINT, ENV_TOKEN
    from hubmagic.localhub import LocalHub

    hub = LocalHub(data_dir=data_dir).start()
    try:
        # The kernel (not this process) is pointed at the hub: its `%hub_local` reuses it.
        env = dict(os.environ)
        env.update({
            ENV_ENDPOINT: hub.endpoint,
            ENV_TOKEN: hub.token,
            "HF_ENDPOINT": hub.endpoint,
            "HF_HUB_DISABLE_XET": "1",
            "HF_HUB_DISABLE_PROGRESS_BARS": "1",  # their rates and times would change every saved output
            # Downloads from this hub stay out of the huggingface.co cache (same repo ids).
            "HF_HUB_CACHE": str(Path(data_dir).resolve() / "client-cache"),
        })
        env.setdefault("MPLBACKEND", "module://matplotlib_inline.backend_inline")
        # What a Jupyter server tells its kernels: the notebook's path, from which `%hub_init`
        # names the repository (<notebook>-<model>) and `%hub_push --notebook` finds the file.
        env["JPY_SESSION_NAME"] = str(Path(workdir) / Path(notebook).name)

        nb = nbformat.read(notebook, as_version=4)
        client = NotebookClient(nb, timeout=timeout, kernel_name="python3", allow_errors=allow_errors,
                                resources={"metadata": {"path": str(workdir)}})
        client.execute(env=env)
        if output is not None:
            nbformat.write(normalise_outputs(nb, hub.endpoint, workdir), output)
        lines = [_cells_summary(notebook.name, nb)]
        lines.append(describe_hub(hub.endpoint, hub.token))
    finally:
        hub.stop()
    return "\n".join(lines)


def _cells_summary(name: str, nb) -> str:
    code = [cell for cell in nb.cells if cell.cell_type == "code"]
    failed = [
        f"  cell {i} raised {out.get('ename')}: {out.get('evalue')}"
        for i, cell in enumerate(code, 1) for out in cell.get("outputs", []) if out.get("output_type") == "error"
    ]
    if not failed:
        return f"{name}: all {len(code)} code cells ran without error"
    return "\n".join([f"{name}: {len(code)} code cells ran, {len(failed)} raised (allowed):", *failed])


def normalise_outputs(nb, endpoint: str, workdir: Path):
    """``nb`` with the hub's address and the scratch folder removed from every text output."""
    import datetime

    replacements = [(endpoint, PORT_PLACEHOLDER), (str(Path(workdir).resolve()) + os.sep, ""),
                    (datetime.date.today().isoformat(), "YYYY-MM-DD")]  # train.py's header names the day

    def clean(text):
        joined = "".join(text) if isinstance(text, list) else text
        for old, new in replacements:
            joined = joined.replace(old, new)
        return joined

    for cell in nb.cells:
        for out in cell.get("outputs", []):
            if "text" in out:
                out["text"] = clean(out["text"])
            for mime, value in out.get("data", {}).items():
                if mime.startswith("text/"):
                    out["data"][mime] = clean(value)
            if "traceback" in out:
                out["traceback"] = [clean(line) for line in out["traceback"]]
    return nb


def describe_hub(endpoint: str, token: str) -> str:
    """Every model repository the hub's first user sees: id, last commit, files with sizes."""
    from huggingface_hub import HfApi

    api = HfApi(endpoint=endpoint, token=token)
    lines = []
    for info in api.list_models():
        repo_id = info.id
        commit = api.list_repo_commits(repo_id)[0]
        lines.append(f"published {repo_id} at commit {commit.commit_id[:10]} ({commit.title})")
        for entry in api.list_repo_tree(repo_id, recursive=True):
            if getattr(entry, "size", None) is not None:
                kind = " (LFS)" if getattr(entry, "lfs", None) else ""
                lines.append(f"  {entry.path:<40} {entry.size:>10,} bytes{kind}")
    return "\n".join(lines) if lines else "nothing was published"


def _user_and_token(data_dir: Path) -> tuple[str, str]:
    from hubmagic.localhub import LocalHub

    hub = LocalHub(data_dir=data_dir)
    token = hub.token  # reads (or creates) the accounts without serving
    user = next(name for name, value in hub.users.items() if value == token)
    return user, token


def _prepare_out(out: Path, notebook: Path) -> str | None:
    """Make ``out`` an empty folder of this runner's; a reason to stop if it is someone else's."""
    if out.exists() and any(out.iterdir()):
        if not (out / MARKER).is_file():
            return (f"{out} already exists and was not made by this runner: choose another folder with "
                    "--out DIR, or remove it.")
        shutil.rmtree(out)
    out.mkdir(parents=True, exist_ok=True)
    (out / MARKER).write_text(f"made by python -m hubmagic.runner {notebook}; replaced by the next run\n")
    return None


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m hubmagic.runner", description=__doc__.split("\n\n")[0])
    parser.add_argument("notebook", type=Path)
    parser.add_argument("--out", type=Path,
                        help="folder kept after the run: hub data and the executed notebook with its "
                             "local repository (default: ./hubmagic-NOTEBOOK; replaced on the next run)")
    parser.add_argument("--data-dir", type=Path,
                        help="local hub data folder to publish to (default: OUT/hub-data); an existing "
                             "one, e.g. a team's, is used as it is")
    parser.add_argument("--output", type=Path, help="also write the executed notebook here (outputs normalised)")
    parser.add_argument("--allow-errors", action="store_true",
                        help="report a failing cell and run the next ones instead of stopping")
    parser.add_argument("--timeout", type=int, default=600, help="seconds per cell")
    args = parser.parse_args(argv)
    if not args.notebook.is_file():
        parser.error(f"no notebook at {args.notebook}")

    out = (args.out or Path(f"hubmagic-{args.notebook.stem}")).resolve()
    problem = _prepare_out(out, args.notebook)
    if problem:
        print(problem, file=sys.stderr)
        return 2
    workdir = out / "notebook"
    shutil.copytree(args.notebook.resolve().parent, workdir,
                    ignore=shutil.ignore_patterns("hub", ".ipynb_checkpoints", "__pycache__", "conftest.py",
                                                  "hubmagic-*"))
    data_dir = (args.data_dir or out / "hub-data").resolve()
    print(f"running {args.notebook} against a local hub (data in {data_dir}) ...", flush=True)
    try:
        report = run_notebook(args.notebook, data_dir=data_dir, workdir=workdir, timeout=args.timeout,
                              output=args.output or workdir / args.notebook.name, allow_errors=args.allow_errors)
    except Exception as exc:  # nbclient's CellExecutionError carries the cell and traceback text
        print(f"the notebook failed (what it published so far is in {data_dir}):\n{exc}", file=sys.stderr)
        return 1
    print(report)
    user, token = _user_and_token(data_dir)
    published = [line.split()[1] for line in report.splitlines() if line.startswith("published ")]
    print(f"\nKept in {out}:\n"
          f"  hub-data/   the local hub's repositories (git repositories under repos/models/)\n"
          f"  notebook/   the executed notebook and the local repository it built (hub/)\n"
          f"Serve the published models again (as {user}):\n"
          f"  {_shown(Path(sys.executable))} -m hubmagic.localhub --data-dir {_shown(data_dir)} --port 8000 "
          f"--user {user}:{token}\n"
          f"then, e.g.: HF_ENDPOINT=http://127.0.0.1:8000 HF_HUB_DISABLE_XET=1 HF_TOKEN={token} "
          f"python -c \"import hubmagic; print(hubmagic.load({(published or ['REPO_ID'])[0]!r}))\"")
    return 0


def _shown(path: Path) -> str:
    """``path`` relative to the working directory when it is below it (shorter to copy)."""
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)
