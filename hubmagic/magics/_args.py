"""How every ``%hub_*`` magic reads its line: the same on every OS, with ``--help``.

Words are split as a POSIX shell would (quotes group words and are removed, a trailing
``# comment`` is dropped) except that a backslash is an ordinary character, so a Windows
path such as ``C:\\data\\x.csv`` reads the same everywhere. (IPython's own
``parse_argstring`` keeps quotes on POSIX and splits differently on Windows.)
"""

from __future__ import annotations

import shlex

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
    lexer = shlex.shlex(strip_comment(line), posix=True)
    lexer.whitespace_split = True
    lexer.commenters = ""  # done by strip_comment: ``a#b`` is one word, not a comment
    lexer.escape = ""  # backslashes are path separators on Windows: keep them
    try:
        return list(lexer)
    except ValueError as exc:
        raise UsageError(f"Could not read the arguments ({exc}): close the quote you opened.") from None


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
