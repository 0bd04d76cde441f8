"""The user's own tokens in a file's raw bytes, in any encoding, as the file streams.

A token of the person pushing is never published, whatever the file: it is
searched as UTF-8, UTF-16/32 (both byte orders), base64 and hex bytes, chunk by chunk, so
a file of any size is searched whole in the same single read as the other scans.
"""

from __future__ import annotations

import base64
import functools

from hubmagic.secrets.finding import Finding

OWN_TOKEN_BYTES_KIND = "Hugging Face token (yours)"


def _wide_needles(token: str) -> list[tuple[bytes, str]]:
    """The token as UTF-8, then one needle for each of UTF-16 and UTF-32 in both byte orders.

    Little-endian UTF-16 is each character then a zero byte; big-endian is a zero byte then
    each character. Without the last zero (little) or the first (big) they are the same
    bytes, so that common core, searched once, finds the token in either order (UTF-32
    likewise, with three zero bytes).
    """
    needles = [(token.encode("utf-8"), "")]
    for width in (2, 4):
        little = token.encode(f"utf-{8 * width}-le")
        needles.append((little[: -(width - 1)], f"as UTF-{8 * width} bytes"))
    return needles


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


@functools.lru_cache(maxsize=8)
def _needles(tokens: tuple[str, ...]) -> dict[bytes, tuple[str, str]]:
    """``{needle: (token, how it is encoded)}``, made once per set of tokens (a push scans many files)."""
    needles: dict[bytes, tuple[str, str]] = {}
    for token in tokens:
        for needle, label in _wide_needles(token):
            needles.setdefault(needle, (token, label))
        for needle in _base64_needles(token.encode()):
            needles.setdefault(needle, (token, "base64-encoded"))
        for needle in (token.encode().hex().encode(), token.encode().hex().upper().encode()):
            needles.setdefault(needle, (token, "hex-encoded"))
    return needles


class TokenSearch:
    """Feed a file's chunks in order; ``findings`` says where each token first appears.

    The search costs one ``find`` per needle over each chunk and copies nothing but the
    few bytes at a chunk boundary. Lines are counted only for a token found, from the
    file itself (``findings(..., source=path)``): a model's gigabytes are not counted.
    """

    def __init__(self, tokens) -> None:
        self._needles = needles = _needles(tuple(tokens))
        self._tokens = len({token for token, _ in needles.values()})
        self._keep = max((len(n) for n in needles), default=1) - 1
        self._tail = b""  # the last bytes fed, at most a needle's length minus one
        self._offset = 0  # bytes fed before the current chunk
        self.found: dict[str, tuple[int, str]] = {}  # token -> (byte offset, label)

    def feed(self, chunk: bytes) -> None:
        if len(self.found) == self._tokens:
            return  # every token found (or none to look for): the rest of the file is not searched
        # a needle that starts in the tail ends in this chunk's first bytes
        seam, seam_at = self._tail + chunk[: self._keep], self._offset - len(self._tail)
        for needle, (token, label) in self._needles.items():
            if token in self.found:
                continue
            at = seam.find(needle)
            if at >= 0:
                self.found[token] = (seam_at + at, label)
                continue
            at = chunk.find(needle)
            if at >= 0:
                self.found[token] = (self._offset + at, label)
        self._offset += len(chunk)
        if not self._keep:
            self._tail = b""
        elif len(chunk) >= self._keep:
            self._tail = chunk[-self._keep :]
        else:
            self._tail = (self._tail + chunk)[-self._keep :]

    def findings(self, file: str, already=frozenset(), *, source=None) -> list[Finding]:
        """Tokens found, except those another view of the file reported (``already``).

        ``source`` is the file that was fed (to number the lines); without it, line 1.
        """
        found = {token: where for token, where in self.found.items() if token not in already}
        lines = _line_numbers(source, sorted(at for at, _ in found.values())) if source and found else {}
        return [
            Finding(file, lines.get(at, 1), OWN_TOKEN_BYTES_KIND, token, where=label)
            for token, (at, label) in found.items()
        ]


def _line_numbers(path, offsets: list[int]) -> dict[int, int]:
    """``{offset: line}`` for sorted byte ``offsets`` of the file at ``path`` (read up to the last)."""
    lines, done, read = {}, 0, 0
    try:
        with open(path, "rb") as handle:
            for at in offsets:
                while read < at:
                    chunk = handle.read(min(1 << 20, at - read))
                    if not chunk:
                        break
                    done += chunk.count(b"\n")
                    read += len(chunk)
                lines[at] = done + 1
    except OSError:
        pass
    return lines
