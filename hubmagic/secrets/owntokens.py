"""The user's own tokens in a file's raw bytes, in any encoding, as the file streams.

A token of the person pushing is never published, whatever the file: it is
searched as UTF-8, UTF-16/32 (both byte orders), base64 and hex bytes, chunk by chunk, so
a file of any size is searched whole in the same single read as the other scans.
"""

from __future__ import annotations

import base64

from hubmagic.secrets.finding import Finding

OWN_TOKEN_BYTES_KIND = "Hugging Face token (yours)"
_ENCODINGS = ("utf-8", "utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be")


def _base64_needles(raw: bytes) -> list[bytes]:
    """What base64 of any data containing ``raw`` contains, whatever its offset.

    Base64 encodes 3-byte groups, so the token's encoding depends on where it starts
    modulo 3: for each offset, the whole groups of the token that start on a group
    boundary encode the same way in any surrounding data.
    """
    needles = []
    for skip in range(3):
        body = raw[skip:]
        body = body[: len(body) // 3 * 3]
        if len(body) >= 6:
            needles.append(base64.b64encode(body))
            needles.append(base64.urlsafe_b64encode(body))
    return needles


class TokenSearch:
    """Feed a file's chunks in order; ``findings`` says where each token first appears."""

    def __init__(self, tokens) -> None:
        needles: dict[bytes, tuple[str, str]] = {}
        for token in tokens:
            for encoding in _ENCODINGS:
                label = "" if encoding == "utf-8" else f"as {encoding.upper()} bytes"
                needles.setdefault(token.encode(encoding), (token, label))
            for needle in _base64_needles(token.encode()):
                needles.setdefault(needle, (token, "base64-encoded"))
            for needle in (token.encode().hex().encode(), token.encode().hex().upper().encode()):
                needles.setdefault(needle, (token, "hex-encoded"))
        self._needles = needles
        self._tokens = len({token for token, _ in needles.values()})
        self._keep = max((len(n) for n in needles), default=1) - 1
        self._tail = b""
        self._lines = 0  # newlines before the tail
        self.found: dict[str, tuple[int, str]] = {}

    def feed(self, chunk: bytes) -> None:
        if len(self.found) == self._tokens:
            return  # every token found (or none to look for): the rest of the file is not searched
        window = self._tail + chunk
        for needle, (token, label) in self._needles.items():
            if token in self.found:
                continue
            at = window.find(needle)
            if at >= 0:
                self.found[token] = (self._lines + window.count(b"\n", 0, at) + 1, label)
        cut = max(len(window) - self._keep, 0)
        self._lines += window.count(b"\n", 0, cut)
        self._tail = window[cut:]

    def findings(self, file: str, already=frozenset()) -> list[Finding]:
        """Tokens found, except those another view of the file reported (``already``)."""
        return [
            Finding(file, line, OWN_TOKEN_BYTES_KIND, token, where=label)
            for token, (line, label) in self.found.items()
            if token not in already
        ]
