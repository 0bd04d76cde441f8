"""Hidden random state: the global generators a notebook seeds once and draws from.

``np.random.seed(0)`` then ``train_test_split(X, y)``, ``df.sample(5)`` or
``RandomForestClassifier().fit(X, y)``: every draw from NumPy's legacy global
generator (or from Python's ``random``) between the seed and the fit changes the
model. The slicer treats each global generator as a variable: seeding defines it,
drawing reads and changes it. This module is the table of what seeds and what
draws; the slicer applies it.
"""

from __future__ import annotations

import importlib
import inspect
import sys
from functools import lru_cache

from hubmagic.capture.names import CallInfo

# Pseudo-variables: not valid identifiers, so no notebook name can collide with them.
NUMPY = "<numpy.random>"
PYTHON = "<random>"
GENERATORS = {NUMPY: "NumPy's global random generator", PYTHON: "Python's random module"}

_MODULES = {"numpy.random": NUMPY, "random": PYTHON}
_SEEDING = {"seed", "set_state", "setstate"}
# Functions of those modules that make or inspect a generator without drawing from the global one.
_NOT_DRAWING = {
    "default_rng", "RandomState", "Generator", "SeedSequence", "BitGenerator", "PCG64",
    "PCG64DXSM", "MT19937", "Philox", "SFC64", "get_state", "getstate", "Random",
    "SystemRandom", "get_bit_generator", "set_bit_generator",
}
# Libraries whose ``random_state=None`` means "draw from NumPy's global generator".
_RANDOM_STATE_LIBRARIES = ("sklearn", "imblearn")
FIT_METHODS = frozenset(["fit", "partial_fit", "fit_transform", "fit_predict", "fit_resample"])


def global_call(path: str | None) -> tuple[str | None, str | None]:
    """``("seed"|"draw", generator)`` for a call into ``numpy.random`` or ``random``.

    >>> global_call("numpy.random.rand"), global_call("numpy.random.default_rng")
    (('draw', '<numpy.random>'), (None, None))
    """
    if path is None:
        return None, None
    for prefix, generator in _MODULES.items():
        if path.startswith(prefix + "."):
            first = path[len(prefix) + 1 :].split(".")[0]
            if first in _SEEDING:
                return "seed", generator
            if first and first not in _NOT_DRAWING:
                return "draw", generator
            return None, None
    return None, None


@lru_cache(maxsize=2048)
def random_state_kind(path: str) -> str | None:
    """``"class"``/``"function"`` when ``path`` (``sklearn.ensemble.RandomForestClassifier``)
    takes a ``random_state`` whose default draws from NumPy's global generator.

    The object is looked up in the installed library (imported if needed: the
    notebook imported it too); anything that cannot be found counts as not drawing.
    """
    if path.split(".")[0] not in _RANDOM_STATE_LIBRARIES:
        return None
    parts = path.split(".")
    for cut in range(len(parts) - 1, 0, -1):
        module_name = ".".join(parts[:cut])
        try:
            obj = sys.modules.get(module_name) or importlib.import_module(module_name)
        except Exception:  # noqa: BLE001, S112 - not a module: try a shorter prefix
            continue
        try:
            for attribute in parts[cut:]:
                obj = getattr(obj, attribute)
            parameters = inspect.signature(obj).parameters
        except Exception:  # noqa: BLE001 - e.g. an experimental class not enabled: unknown
            return None
        if "random_state" not in parameters or parameters["random_state"].default is not None:
            return None
        return "class" if inspect.isclass(obj) else "function"
    return None


def describe(call: CallInfo) -> str:
    """``np.random.rand()``, ``df.sample()``: how the user wrote the drawing call."""
    chain = [part for part in call.chain if part != "<item>"]
    return ".".join([call.root or "?", *chain]) + "()"


def seeded_note(seed_label: str, seed_text: str, generator: str, draws: list[str],
                left_out: list[tuple[str, str, str]]) -> str:
    """The sentence the verdict gives when a global seed is involved.

    ``left_out``: ``(cell label, the drawing call, why the cell is out)`` for the
    cells that drew from the generator between the seed and the fit but are not
    in the script.
    """
    name = GENERATORS[generator]
    seed = f"{seed_label}: `{seed_text.strip().splitlines()[0]}`"
    if left_out:
        labels = ", ".join(label for label, _, _ in left_out)
        cells = "; ".join(f"{label}: {call}, {why}" for label, call, why in left_out)
        one = len(left_out) == 1
        return (
            f"The model's randomness is seeded globally ({seed}), but {labels} "
            f"{'draws' if one else 'draw'} from the same generator ({name}) and train.py "
            f"leaves {'it' if one else 'them'} out ({cells}), so the script's model gets other "
            f"random numbers. Include {labels} again (`%hub_script --include "
            f"{labels.replace('In[', '').replace(']', '')}`), or pass an integer random_state "
            "to the calls that draw."
        )
    replayed = ", ".join(dict.fromkeys(draws)) or "none"
    return (
        f"The model's randomness is seeded globally ({seed}); train.py replays the cells that "
        f"draw from {name} after the seed ({replayed}), so a difference comes from a draw "
        "hubmagic cannot see (a library or a file that draws from the same generator): pass "
        "an integer random_state to the estimator and the functions that draw."
    )
