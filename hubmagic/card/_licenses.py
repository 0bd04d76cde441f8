"""Check a card's license against the identifiers the Hub accepts.

The Hub refuses a README whose ``license:`` is not one of its identifiers, but only at
push time. Checking when the license is given (``%hub_init --license``, ``init(license=)``,
the card editor) turns a failed push into a "did you mean `mit`?" on the spot.
"""

from __future__ import annotations

import difflib
import re

from hubmagic.errors import InvalidInputError
from hubmagic.localhub.licenses import LICENSE_IDS

_FILLER = re.compile(r"\b(the|license|licence|version|v)\b")


def license_suggestions(value: str, n: int = 3) -> list[str]:
    """Hub license ids close to ``value`` ("MIT License" → ``["mit"]``), best first."""
    key = _normalise(value)
    exact = [lid for lid in LICENSE_IDS if _normalise(lid) == key]
    close = difflib.get_close_matches(key, [_normalise(lid) for lid in LICENSE_IDS], n=n, cutoff=0.6)
    by_key = {_normalise(lid): lid for lid in LICENSE_IDS}
    found = exact + [by_key[k] for k in close]
    return list(dict.fromkeys(found))[:n]


def license_problem(value: str | None) -> str | None:
    """Why ``value`` is not a Hub license id, with what to use instead; ``None`` if it is."""
    if not value or value in LICENSE_IDS:
        return None
    suggestions = license_suggestions(value)
    hint = (
        "did you mean " + " or ".join(f"`{s}`" for s in suggestions) + "?"
        if suggestions
        else "use one of the Hub's identifiers such as `mit`, `apache-2.0`, `bsd-3-clause`, `cc-by-4.0`, or `other`."
    )
    return (
        f"{value!r} is not a license identifier the Hub accepts: {hint} "
        "The full list is at https://huggingface.co/docs/hub/repositories-licenses."
    )


def check_license(value: str | None) -> str | None:
    """Return ``value`` if the Hub accepts it (or it is empty), else raise with a suggestion.

    >>> check_license("mit")
    'mit'
    >>> check_license("MIT License")
    Traceback (most recent call last):
    ...
    hubmagic.errors.InvalidInputError: 'MIT License' is not a license identifier ...: did you mean `mit`? ...
    """
    problem = license_problem(value)
    if problem:
        raise InvalidInputError(problem)
    return value or None


def _normalise(value: str) -> str:
    text = _FILLER.sub(" ", value.lower().replace("_", " "))
    return "-".join(text.replace("-", " ").split())
