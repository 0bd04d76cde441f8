"""How much a YAML document may stand for once its aliases are written out.

YAML aliases let one object appear in many places: a card header of a few lines can stand
for billions of values (a "billion laughs"), or for itself. Loading it is cheap (the places
share one object); writing it as JSON (a repository's ``cardData``, a widget's state) writes
every place out, and stalls or exhausts memory. Both the local hub and the card reader
refuse such metadata (``expands_beyond``).
"""

from __future__ import annotations

MAX_METADATA_VALUES = 100_000  # a card's header holds hundreds; a "billion laughs" header, billions


def expands_beyond(data, limit: int = MAX_METADATA_VALUES) -> bool:
    """Whether walking ``data`` (each alias walked again where it appears) visits more than ``limit`` values."""
    pending, seen = [data], 0
    while pending:
        value = pending.pop()
        seen += 1
        if seen > limit:
            return True
        if isinstance(value, dict):
            pending.extend(value.values())
            seen += len(value)  # the keys
        elif isinstance(value, list):
            pending.extend(value)
    return False
