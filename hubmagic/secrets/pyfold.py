"""Strings a Python script builds from literals: ``"hf_" + "Ab..."`` is a token too.

A token split into pieces (to dodge a scanner, or by a notebook's string
formatting) is still published whole in the script. ``ast`` folds constant string
expressions (``+``, f-strings of literals, ``"".join([...])``, ``%``-format) and
module-level names bound to them; nothing is executed.
"""

from __future__ import annotations

import ast
import io
import tokenize
from collections.abc import Iterator

from hubmagic.secrets.python_redact import assigned_name

_MAX_LENGTH = 10_000  # a fold that grows beyond this ("x" * 10**9) is not a credential


class _NotConstant(Exception):
    pass


def _fold(node: ast.AST, names: dict[str, object]):
    """The value of a constant expression, or ``_NotConstant``."""
    if isinstance(node, ast.Constant) and isinstance(node.value, (str, bytes, int, float)):
        return node.value
    if isinstance(node, ast.Name) and node.id in names:
        return names[node.id]
    if isinstance(node, ast.JoinedStr):
        return "".join(str(_fold(part, names)) for part in node.values)
    if isinstance(node, ast.FormattedValue):
        value = _fold(node.value, names)
        spec = _fold(node.format_spec, names) if node.format_spec else ""
        value = {115: str, 114: repr, 97: ascii}.get(node.conversion, lambda v: v)(value)
        return format(value, spec)
    if isinstance(node, (ast.List, ast.Tuple)):
        return [_fold(item, names) for item in node.elts]
    if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Mod)):
        left, right = _fold(node.left, names), _fold(node.right, names)
        if isinstance(node.op, ast.Add) and isinstance(left, str) and isinstance(right, str):
            result = left + right
        elif isinstance(node.op, ast.Mod) and isinstance(left, str):
            result = left % (tuple(right) if isinstance(right, list) else right)
        else:
            raise _NotConstant
        if len(result) > _MAX_LENGTH:
            raise _NotConstant
        return result
    if (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "join"
        and len(node.args) == 1
        and not node.keywords
    ):
        separator, items = _fold(node.func.value, names), _fold(node.args[0], names)
        if isinstance(separator, str) and isinstance(items, list) and all(isinstance(i, str) for i in items):
            return separator.join(items)
    raise _NotConstant


def _try_fold(node, names):
    try:
        return _fold(node, names)
    except (_NotConstant, TypeError, ValueError, KeyError, OverflowError, RecursionError):
        return None


def _pieces(lines: list[str], node: ast.AST) -> int:
    """How many string literals the source of ``node`` holds (``"hf_" "Ab..."`` is one constant of two)."""
    first, last = node.lineno - 1, node.end_lineno - 1
    try:  # ast's columns count UTF-8 bytes
        if first == last:
            segment = lines[first].encode()[node.col_offset:node.end_col_offset].decode()
        else:
            segment = "".join([lines[first].encode()[node.col_offset:].decode(), *lines[first + 1:last],
                               lines[last].encode()[:node.end_col_offset].decode()])
    except (IndexError, UnicodeDecodeError):
        return 1
    if first == last and segment.count(segment[:1]) <= 2:
        return 1  # one quoted literal: the common case, no tokenizing
    try:
        tokens = tokenize.generate_tokens(io.StringIO(segment).readline)
        return sum(token.type == tokenize.STRING for token in tokens)
    except (tokenize.TokenError, SyntaxError, IndexError):
        return 1


def _target(node: ast.AST, parents: dict) -> str:
    """The name a value is given: assignment target, keyword argument, dict key."""
    parent = parents.get(node)
    if isinstance(parent, (ast.Assign, ast.AnnAssign)):
        targets = parent.targets if isinstance(parent, ast.Assign) else [parent.target]
        for target in targets:
            name = assigned_name(target)
            if name is not None:
                return name
    if isinstance(parent, ast.keyword) and parent.arg:
        return parent.arg
    if isinstance(parent, ast.Dict) and node in parent.values:
        key = parent.keys[parent.values.index(node)]
        if isinstance(key, ast.Constant):
            return str(key.value)
    return ""


def folded_strings(source: str) -> Iterator[tuple[str, str, int]]:
    """(name it is assigned to, value, line) of each string built from literals.

    Plain literals are left out: the line scanner sees them as written. Adjacent literals
    (``"hf_" "abc..."``, often across lines in parentheses) are folded like ``+``.

    >>> list(folded_strings('token = "hf_" + "abc" + f"{1}"'))
    [('token', 'hf_abc1', 1)]
    """
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError, RecursionError):
        return
    parents = {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
    lines = source.splitlines(keepends=True)
    names: dict[str, object] = {}
    for statement in tree.body:  # module-level constants, in order: PREFIX = "hf_"
        if (isinstance(statement, ast.Assign) and len(statement.targets) == 1
                and isinstance(statement.targets[0], ast.Name)):
            value = _try_fold(statement.value, names)
            if isinstance(value, str):
                names[statement.targets[0].id] = value
            else:
                names.pop(statement.targets[0].id, None)
    foldable = (ast.BinOp, ast.JoinedStr, ast.Call)
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and len(node.value) >= 8:
            # Adjacent literals are one constant to Python but several pieces on the page.
            if _pieces(lines, node) > 1:
                yield _target(node, parents), node.value, node.lineno
            continue
        in_larger_expression = isinstance(parents.get(node), (ast.BinOp, ast.JoinedStr, ast.FormattedValue))
        if not isinstance(node, foldable) or in_larger_expression:
            continue  # the outermost expression is folded whole
        value = _try_fold(node, names)
        if isinstance(value, str) and len(value) >= 8:
            yield _target(node, parents), value, node.lineno
