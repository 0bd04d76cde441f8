"""Find the smallest train script that really rebuilds the model, widening the slice if needed.

The static slice can miss a dependency that no analysis of the source sees: a
cell that changes the data through ``exec``, through an alias the analysis does
not follow, or by drawing from a global random generator. When the sliced
script does not reproduce the model, two wider scripts are tried, each verified
where a clone of the repository runs (``verify_script(repository=...)``):

1. the slice plus every cell executed between its first and last kept cell;
2. the whole recorded history (every cell that ran successfully, in order).

The first that reproduces is published, and the card says which cells were
added and why. When none does, the sliced script is published with the reason.
"""

from __future__ import annotations

import dataclasses
import sys
from dataclasses import dataclass, field

from hubmagic.capture.records import INCLUDE_TAG, CellRecord
from hubmagic.capture.script import TrainScript, build_train_script
from hubmagic.capture.slicer import eligible
from hubmagic.capture.verify import Verification, verify_script

SLICED, SPAN, HISTORY = "sliced", "span", "history"


@dataclass
class Attempt:
    """One script that was verified: its scope, the cells it added to the slice, the verdict."""

    scope: str  # SLICED | SPAN | HISTORY
    script: TrainScript
    verification: Verification
    added: list[CellRecord] = field(default_factory=list)

    @property
    def description(self) -> str:
        """How this script was obtained, for the user."""
        if self.scope == SLICED:
            return "the cells the model depends on"
        if self.scope == SPAN:
            return "every cell executed between the first and the last of the cells it depends on"
        return "the whole recorded history"


@dataclass
class Reproduction:
    """The outcome of ``reproduce``: the script to publish and why it is that one.

    Attributes:
        attempts: every verified script, in the order tried (the slice first).
        chosen: the attempt whose script is published (the first that
            reproduces; the slice when none does).
    """

    attempts: list[Attempt]
    chosen: Attempt

    @property
    def ok(self) -> bool:
        return self.chosen.verification.ok

    @property
    def script(self) -> TrainScript:
        return self.chosen.script

    @property
    def verification(self) -> Verification:
        return self.chosen.verification

    @property
    def added(self) -> list[CellRecord]:
        """Cells the published script holds beyond the static slice."""
        return self.chosen.added

    @property
    def reason(self) -> str:
        """One paragraph for the user and the card: the verdict, and what widening did."""
        sliced = self.attempts[0]
        if self.ok and self.chosen is sliced:
            return sliced.verification.reason
        if self.ok:
            return (
                f"{self.chosen.verification.reason} The cells the model depends on, as the "
                f"code reads them, did not rebuild it ({_short(sliced.verification)}), so "
                f"train.py also holds {_labels(self.added)} ({self.chosen.description}): at "
                "least one of them changes the model in a way the analysis of the code cannot "
                "see (exec, a change through another name, a draw from a global random "
                "generator ...)."
            )
        tried = [
            f"{a.description} ({_added_text(a.added)}): {_short(a.verification)}"
            for a in self.attempts[1:]
        ]
        if not tried:
            return sliced.verification.reason
        return sliced.verification.reason + " Widening the script did not help: with " + (
            "; with ".join(tried)
        ) + "."

    def script_info(self) -> dict:
        """What the model card says about ``train.py`` (see ``build_default_card``)."""
        return {
            "file": "train.py",
            "verified": self.ok,
            "note": self.reason,
            "custom_objects": list(self.script.custom_objects),
            "added_cells": [r.label for r in self.added] if self.ok else [],
            "data_files": list(self.verification.data_files),
        }

    def summary(self) -> str:
        """One line for the notebook."""
        mark = "✔ train.py rebuilds the model: " if self.ok else "✘ "
        return mark + self.reason


def reproduce(
    records: list[CellRecord],
    target: str,
    *,
    model,
    example_input,
    repository,
    workdir=None,
    model_file: str = "model.skops",
    model_format: str = "skops",
    all_cells: bool = False,
    notebook: str | None = None,
    timeout: float = 300,
    python: str = sys.executable,
) -> Reproduction:
    """Verify the sliced script in a clone of ``repository``; widen it until one reproduces.

    Args:
        records: the recorded cells (``Recorder.records``); cells the user
            excluded (``hub:exclude``) stay out of every script.
        target: the expression holding the estimator (``"model"``).
        model, example_input: the estimator in memory and rows to compare on.
        repository: the model repository's folder (its files are the clone).
        workdir: the notebook's folder, where the data files the script names are.
        model_file, model_format, all_cells, notebook: as in ``build_train_script``.
        timeout: seconds each script may run.
        python: the interpreter.

    Returns:
        A ``Reproduction``: ``.script`` to publish, ``.ok``, ``.reason``,
        ``.script_info()`` for the card.

    >>> outcome = reproduce(recorder.records, "model", model=model, example_input=X[:20],
    ...                     repository="hub/model", workdir=".")  # doctest: +SKIP
    >>> outcome.ok, [r.label for r in outcome.added]             # doctest: +SKIP
    (True, ['In[5]'])
    """
    options = {"model_file": model_file, "model_format": model_format, "notebook": notebook}

    def attempt(scope: str, script: TrainScript, added) -> Attempt:
        verification = verify_script(
            script.text, model=model, example_input=example_input, repository=repository,
            workdir=workdir, timeout=timeout, model_file=model_file, model_format=model_format,
            python=python, randomness=script.randomness,
        )
        return Attempt(scope, script, verification, list(added))

    sliced = build_train_script(records, target, all_cells=all_cells, **options)
    attempts = [attempt(SLICED, sliced, [])]
    if attempts[0].verification.ok or not _worth_widening(attempts[0].verification):
        return Reproduction(attempts, attempts[0])
    seen = {_code(sliced)}
    for scope, script in _wider_scripts(records, target, sliced, options):
        if _code(script) in seen:
            continue  # the same code as a script already verified
        seen.add(_code(script))
        kept = {r.order for r in sliced.kept}
        added = [r for r in script.kept if r.order not in kept]
        attempts.append(attempt(scope, script, added))
        if attempts[-1].verification.ok:
            return Reproduction(attempts, attempts[-1])
    return Reproduction(attempts, attempts[0])


def _wider_scripts(records, target, sliced: TrainScript, options):
    """The span script, then the whole history (built lazily: each costs a slice)."""
    if sliced.kept:
        first, last = sliced.kept[0].order, sliced.kept[-1].order
        span = [
            dataclasses.replace(r, tags=r.tags | {INCLUDE_TAG})
            if first < r.order < last and eligible(r) is None
            else r
            for r in records
        ]
        yield SPAN, build_train_script(span, target, **options)
    yield HISTORY, build_train_script(records, target, all_cells=True, **options)


def _code(script: TrainScript) -> str:
    """The script without its header (which lists the cells and says how they were chosen)."""
    return script.text.split('"""', 2)[-1]


def _worth_widening(verification: Verification) -> bool:
    """A wider script cannot help a script that timed out, a missing module, or no comparison."""
    if verification.missing_module:
        return False
    if verification.timed_out:
        return False  # a wider script only runs longer
    return not verification.reason.startswith("Cannot verify")


def _labels(records: list[CellRecord]) -> str:
    return ", ".join(r.label for r in records) or "no other cell"


def _added_text(records: list[CellRecord]) -> str:
    return f"{_labels(records)} added" if records else "nothing added"


def _short(verification: Verification) -> str:
    """The verdict without its advice: ``train.py failed: NameError: name 'X' is not defined``."""
    if verification.returncode not in (0, None) and verification.stderr.strip():
        return "train.py failed: " + verification.stderr.strip().splitlines()[-1].strip()
    text = verification.reason.split("\n")[0].removeprefix("Not reproducible: ").strip()
    text = text.removeprefix("the model rebuilt by train.py ")
    return text.split(". ")[0].split("; ")[0].rstrip(".:")
