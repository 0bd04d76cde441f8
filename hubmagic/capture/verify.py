"""Check that a train script really rebuilds the model that is in memory.

The script runs in a fresh Python process, with a time limit, where a user who
clones the model repository would run it: a scratch folder holding the
repository's files (not its model file) and the data files the notebook read,
relative paths kept (see ``staging``). The model it saves is loaded back in
that same process (so classes the script defines are found as
``__main__.<name>``, as in the notebook) and its predictions on the example
input are compared with the in-memory estimator's: they must be identical.
"""

from __future__ import annotations

import json
import os
import pickle
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from hubmagic.capture.staging import data_files, stage_clone, stage_notebook_folder

_RUNNER = Path(__file__).with_name("_verify_runner.py")
_OUTPUT_METHODS = ("predict", "predict_proba", "decision_function", "transform")
_MISSING_MODULE = re.compile(r"ModuleNotFoundError: No module named '([\w.]+)'")


@dataclass
class Verification:
    """The outcome of ``verify_script``.

    Attributes:
        ok: the script ran and the saved model gives identical outputs.
        reason: one paragraph for the user (what was compared, or why it failed).
        seconds: wall time of the script's run.
        compared: the methods whose outputs were compared (``["predict", ...]``).
        returncode: exit code of the subprocess (``None`` after a timeout).
        stderr: the last lines of the script's error output.
        details: what the runner reported (per method: rows, equal, differences).
        data_files: the notebook folder's files staged next to the script
            (relative paths), when it ran as a clone of a repository.
        missing_module: a module of the notebook's folder the script imports
            but the repository does not hold (``"helpers"``), if that is why it failed.
        timed_out: the script was stopped after the time limit.
    """

    ok: bool
    reason: str
    seconds: float
    compared: list[str] = field(default_factory=list)
    returncode: int | None = None
    stderr: str = ""
    details: dict = field(default_factory=dict)
    data_files: list[str] = field(default_factory=list)
    missing_module: str | None = None
    timed_out: bool = False

    def __bool__(self) -> bool:
        return self.ok


def expected_outputs(model, example_input) -> dict:
    """What the in-memory estimator answers on the example input."""
    outputs = {}
    for method in _OUTPUT_METHODS:
        if method == "transform" and outputs:
            break  # a predictor is compared on its predictions only
        function = getattr(model, method, None)
        if function is None:
            continue
        try:
            outputs[method] = function(example_input)
        except Exception:  # noqa: BLE001, S112 - e.g. predict_proba of SVC(probability=False)
            continue
    return outputs


def verify_script(
    script_text: str,
    *,
    model,
    example_input,
    repository=None,
    workdir=None,
    timeout: float = 300,
    model_file: str = "model.skops",
    model_format: str = "skops",
    python: str = sys.executable,
    ignore=(),
    randomness=(),
) -> Verification:
    """Run ``script_text`` in a clean process and compare the model it saves.

    Args:
        script_text: the content of train.py (it must save the model to ``model_file``).
        model: the fitted estimator in memory.
        example_input: rows to predict on (the repository's example data).
        repository: the model repository's folder. Given, the script runs as in a
            clone of it: its files (not the model file), plus the data files of
            ``workdir`` that the script (or a module of the repository) names,
            and nothing else of ``workdir``.
        workdir: the notebook's working directory. Without ``repository``, all
            its entries are reachable under the same relative paths (a check of
            the script alone). ``None``: nothing staged.
        timeout: seconds before the script is stopped.
        model_file, model_format: as in the repository (``"skops"``/``"pickle"``).
        python: interpreter to use.
        ignore: names of entries of ``workdir`` not to stage (without ``repository``).
        randomness: what the slicer knows about the model's global seed
            (``TrainScript.randomness``): the cause given when the models differ.

    Returns:
        A ``Verification``; ``bool(v)`` is ``v.ok``.

    >>> v = verify_script(script.text, model=model, example_input=X[:20],
    ...                   repository="hub/model", workdir=".")  # doctest: +SKIP
    >>> v.ok, v.reason, v.data_files                          # doctest: +SKIP
    (True, 'Reproduced: ...', ['data/train.csv'])
    """
    outputs = expected_outputs(model, example_input)
    if not outputs:
        return Verification(
            False,
            f"Cannot verify: {type(model).__name__} has no predict/transform that works on "
            "the example input, so there is nothing to compare.",
            0.0,
        )
    root = Path(tempfile.mkdtemp(prefix="hubmagic-verify-"))
    try:
        run_dir = root / "run"
        run_dir.mkdir()
        private = root / "hubmagic"
        private.mkdir()
        staged: list[str] = []
        if repository is not None:
            staged = clone_data_files(script_text, repository, workdir, model_file)
            stage_clone(repository, run_dir, workdir=workdir, data_files=staged,
                        model_file=model_file)
        elif workdir is not None:
            stage_notebook_folder(Path(workdir), run_dir, script_text, set(ignore) | {model_file})
        script = run_dir / "train.py"
        script.write_text(script_text, encoding="utf-8")
        expected = private / "expected.pkl"
        try:
            with open(expected, "wb") as f:
                pickle.dump({"input": example_input, "outputs": outputs}, f)
        except Exception as exc:  # noqa: BLE001 - explained to the user below
            return Verification(
                False,
                f"Cannot verify: the example input ({type(example_input).__name__}) cannot be "
                f"sent to another process ({type(exc).__name__}: {exc}). Pass a NumPy array "
                "or a pandas DataFrame.",
                0.0,
            )
        result = private / "result.json"
        command = [python, str(_RUNNER), str(script), str(expected), str(result), model_file,
                   model_format]
        verification = _run(command, run_dir, result, timeout, model, list(outputs), randomness)
        verification.data_files = staged
        if repository is not None and not verification.ok:
            _explain_missing_module(verification, workdir, Path(repository))
        return verification
    finally:
        shutil.rmtree(root, ignore_errors=True)


def clone_data_files(script_text: str, repository, workdir, model_file: str) -> list[str]:
    """The notebook folder's files a clone of ``repository`` needs beside it to run the script."""
    if workdir is None:
        return []
    texts = [script_text]
    for module in sorted(Path(repository).rglob("*.py")):
        if ".hubmagic" not in module.parts and module.name != "train.py":
            texts.append(module.read_text(encoding="utf-8", errors="replace"))
    return data_files(workdir, texts, model_file=model_file)


def _explain_missing_module(verification: Verification, workdir, repository: Path) -> None:
    """Name the notebook-folder module a clone lacks, and how to publish it."""
    match = _MISSING_MODULE.search(verification.stderr)
    if match is None or workdir is None:
        return
    name = match.group(1).split(".")[0]
    candidates = (Path(workdir) / f"{name}.py", Path(workdir) / name)
    local = next((c for c in candidates if c.exists()), None)
    if local is None or (repository / local.name).exists():
        return
    verification.missing_module = name
    verification.reason = (
        f"Not reproducible from the repository: train.py imports `{name}`, which is "
        f"{local.name}{'/' if local.is_dir() else ''} in the notebook's folder but not in the "
        "repository, so whoever clones it cannot run the script. Add it "
        f"(`%hub_add {local.name}`, or add_files in Python) and verify again."
    )


def _run(command, run_dir, result_path, timeout, model, methods, randomness=()) -> Verification:
    env = dict(os.environ, MPLBACKEND="Agg", PYTHONDONTWRITEBYTECODE="1")
    start = time.perf_counter()
    process = subprocess.Popen(
        command, cwd=run_dir, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True, start_new_session=True,
    )
    try:
        _, stderr = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        _kill(process)
        seconds = time.perf_counter() - start
        return Verification(
            False,
            f"Not reproducible: train.py did not finish within {timeout:g} s and was "
            "stopped. Give more time (timeout=...) or make the training faster.",
            seconds, timed_out=True,
        )
    seconds = time.perf_counter() - start
    tail = "\n".join(stderr.strip().splitlines()[-15:])
    if process.returncode != 0 or not result_path.exists():
        return Verification(
            False,
            f"Not reproducible: train.py failed (exit code {process.returncode}). Last "
            f"lines of its error output:\n{tail}\nForce a missing cell in with include=[...] "
            "or fix the notebook, then try again.",
            seconds, returncode=process.returncode, stderr=tail,
        )
    report = json.loads(result_path.read_text(encoding="utf-8"))
    differing = {m: e for m, e in report["methods"].items() if not e.get("equal")}
    if not differing:
        rows = next(iter(report["methods"].values()))["rows"]
        return Verification(
            True,
            f"Reproduced: the model saved by train.py gives identical {', '.join(methods)} "
            f"on {rows} example rows ({seconds:.1f} s).",
            seconds, methods, process.returncode, tail, report,
        )
    return Verification(
        False, _mismatch_reason(differing, model, randomness), seconds, methods, process.returncode,
        tail, report,
    )


def _mismatch_reason(differing: dict, model, randomness=()) -> str:
    parts = []
    for method, entry in differing.items():
        if "detail" in entry:
            parts.append(f"{method} returns {entry['detail']}")
            continue
        text = f"{method} differs on {entry.get('rows_differing', '?')} of {entry['rows']} rows"
        if "max_abs_diff" in entry:
            text += f" (largest difference {entry['max_abs_diff']:.3g})"
        parts.append(text)
    reason = "Not reproducible: the model rebuilt by train.py " + "; ".join(parts) + "."
    unseeded = unseeded_random_states(model)
    if randomness:  # seeded globally: random_state=None is not the cause, a draw is
        reason += " " + " ".join(randomness)
    elif unseeded:
        reason += (
            " The model uses unseeded randomness (" + ", ".join(f"{p}=None" for p in unseeded)
            + "): set it to an integer in the notebook (e.g. random_state=0), refit and "
            "publish again."
        )
    else:
        reason += (
            " The script does not rebuild the same model: a cell it needs may be missing "
            "(force it in with `%hub_script --include N`, or include=[...] in Python) or "
            "the notebook depends on state the script cannot see."
        )
    return reason


def unseeded_random_states(model) -> list[str]:
    """Parameter paths of ``random_state=None`` in the estimator's tree."""
    try:
        params = model.get_params(deep=True)
    except Exception:  # noqa: BLE001 - not a scikit-learn estimator: nothing to suggest
        return []
    found = [k for k, v in params.items() if k.split("__")[-1] == "random_state" and v is None]
    return sorted(found)


def _kill(process) -> None:
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        process.kill()
    process.communicate()
