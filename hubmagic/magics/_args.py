"""How every ``%hub_*`` magic reads its line: the same on every OS, with ``--help``.

Words are split at spaces; a quote that opens a word groups it and is removed
(``--commit-message "Tuned C"``), a quote inside a word is part of a Python expression and
kept, as are the spaces inside its brackets (``%hub_init models['b']``, ``--data
X.loc[:, 'a b']``); a trailing ``# comment`` is dropped, and a backslash is an ordinary
character, so a Windows path such as ``C:\\data\\x.csv`` reads the same everywhere.
(IPython's own ``parse_argstring`` keeps quotes on POSIX and splits differently on Windows;
``shlex`` eats backslashes and inner quotes.)
"""

from __future__ import annotations

from IPython.core.error import UsageError

HELP_FLAGS = ("-h", "--help")


def parse(magic, line: str):
    """The parsed arguments of ``magic`` (decorated with ``@magic_arguments``), or ``None``
    when ``--help`` was asked: the help is then printed, as ``%hub_push?`` shows it."""
    words = split(line)
    if any(word in HELP_FLAGS for word in words):
        print(magic.__doc__)
        return None
    return magic.parser.parse_args(words)  # its errors are UsageErrors (one line)


def split(line: str) -> list[str]:
    """The words of ``line``; an unclosed quote is a ``UsageError`` that says so."""
    words: list[str] = []
    word: list[str] | None = None  # None between words
    quote = None  # the open quote
    quoted_word = False  # the word opened with a quote: its quotes group, and are removed
    depth = 0  # open brackets: inside them, spaces and quotes belong to a Python expression
    for char in strip_comment(line):
        if quote:
            if char == quote:
                quote = None
                if quoted_word:
                    continue
            word.append(char)
            continue
        if char.isspace() and depth == 0:
            if word is not None:
                words.append("".join(word))
                word = None
            continue
        if word is None:
            word, quoted_word = [], char in "'\""
        if char in "'\"":
            quote = char
            if quoted_word:
                continue
        depth = _depth_after(char, depth)
        word.append(char)
    if quote:
        raise UsageError(f"Could not read the arguments (no closing quotation {quote}): close the quote you opened.")
    if word is not None:
        words.append("".join(word))
    return words


def _depth_after(char: str, depth: int) -> int:
    """How many brackets are open after ``char``."""
    if char in "([{":
        return depth + 1
    if char in ")]}":
        return max(0, depth - 1)
    return depth


def strip_comment(line: str) -> str:
    """``line`` without a ``# comment`` that starts a word outside quotes (``a#b`` is kept)."""
    quote = None
    for i, char in enumerate(line):
        if quote:
            if char == quote:
                quote = None
        elif char in "'\"":
            quote = char
        elif char == "#" and (i == 0 or line[i - 1].isspace()):
            return line[:i]
    return line


def expression(words) -> str | None:
    """A Python expression typed after an option, possibly split at spaces by the parser."""
    return " ".join(words) if words else None
