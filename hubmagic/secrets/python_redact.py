"""Redaction in Python source: a literal becomes ``os.environ["NAME"]``.

The script must stay valid Python and compute the same values once the variables
are set, so literals are found with ``ast`` (positions, and the name they are
assigned to) and split with ``tokenize`` when the secret is only part of one
(``"postgresql://ml:" + os.environ["DATABASE_PASSWORD"] + "@db/features"``).
"""

from __future__ import annotations

import ast
import io
import itertools
import re
import tokenize

from hubmagic.secrets.naming import (
    Occurrence,
    env_name,
    make_names_unique,
    placeholder,
    text_target,
)


def _offsets(text: str):
    """Convert ast (line, utf-8 byte column) positions to string offsets."""
    lines = text.split("\n")
    starts = [0]
    for line in lines:
        starts.append(starts[-1] + len(line) + 1)

    def offset(lineno: int, col: int) -> int:
        line = lines[lineno - 1]
        return starts[lineno - 1] + len(line.encode("utf-8", "surrogateescape")[:col].decode(
            "utf-8", "surrogateescape"))

    return offset


def _string_nodes(tree: ast.AST, text: str):
    """(start, end, node, parent) of every string literal expression."""
    offset = _offsets(text)
    parents = {}
    for node in ast.walk(tree):
        for child in ast.iter_child_nodes(node):
            parents[child] = node
    nodes = []
    for node in ast.walk(tree):
        is_literal = isinstance(node, ast.Constant) and isinstance(node.value, (str, bytes))
        if isinstance(node, ast.JoinedStr) or (
            is_literal and not isinstance(parents.get(node), ast.JoinedStr)
        ):
            start = offset(node.lineno, node.col_offset)
            end = offset(node.end_lineno, node.end_col_offset)
            nodes.append((start, end, node, parents))
    return nodes


def assigned_name(target: ast.AST) -> str | None:
    """The name an assignment target gives: ``x``, ``self.x``, ``d["x"]``."""
    if isinstance(target, ast.Name):
        return target.id
    if isinstance(target, ast.Attribute):
        return target.attr
    if isinstance(target, ast.Subscript) and isinstance(target.slice, ast.Constant):
        return str(target.slice.value)
    return None


# A literal inside these is still part of the value its outermost expression is given to.
_PART_OF_A_VALUE = (ast.BinOp, ast.JoinedStr, ast.FormattedValue)


def _target_name(node: ast.AST, parents: dict) -> str | None:
    """The name a literal is assigned to: variable, attribute, key, keyword argument."""
    child, parent = node, parents.get(node)
    while isinstance(parent, _PART_OF_A_VALUE):
        child, parent = parent, parents.get(parent)
    return None if parent is None else _name_given_by(parent, child)


def _name_given_by(parent: ast.AST, child: ast.AST) -> str | None:
    """The name ``parent`` gives the value ``child``, if it gives one."""
    if isinstance(parent, ast.Assign):
        return assigned_name(parent.targets[0])
    if isinstance(parent, (ast.AnnAssign, ast.AugAssign, ast.NamedExpr)):
        return assigned_name(parent.target)
    if isinstance(parent, ast.keyword):
        return parent.arg
    if isinstance(parent, ast.Dict) and child in parent.values:
        key = parent.keys[parent.values.index(child)]
        return str(key.value) if isinstance(key, ast.Constant) else None
    if isinstance(parent, ast.Compare):
        return assigned_name(parent.left)
    if isinstance(parent, ast.arguments):
        positional = parent.posonlyargs + parent.args
        if child in parent.defaults:
            index = len(positional) - len(parent.defaults) + parent.defaults.index(child)
            return positional[index].arg
        if child in parent.kw_defaults:
            return parent.kwonlyargs[parent.kw_defaults.index(child)].arg
        return None
    # os.environ.setdefault("HF_TOKEN", "hf_...") / os.getenv("HF_TOKEN", "hf_...")
    if isinstance(parent, ast.Call) and child in parent.args[1:] and isinstance(parent.args[0], ast.Constant):
        return str(parent.args[0].value)
    return None


def _literal_pieces(segment: str):
    """(start, end, prefix, quote) of each string literal token inside ``segment``."""
    source = "(" + segment + ")"
    rows = source.split("\n")
    row_starts = [0]
    for row in rows:
        row_starts.append(row_starts[-1] + len(row) + 1)

    def pos(point):
        return row_starts[point[0] - 1] + point[1] - 1  # -1: the added "("

    pieces, fstrings = [], []
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        kind = tokenize.tok_name[token.type]
        if kind == "STRING":
            match = re.match(r"([A-Za-z]*)('''|\"\"\"|'|\")", token.string)
            pieces.append((pos(token.start), pos(token.end), match.group(1), match.group(2)))
        elif kind == "FSTRING_START":  # Python 3.12+ tokenizes f-strings in parts
            match = re.match(r"([A-Za-z]*)('''|\"\"\"|'|\")", token.string)
            fstrings.append((pos(token.start), match.group(1), match.group(2)))
        elif kind == "FSTRING_END":
            start, prefix, quote = fstrings.pop()
            pieces.append((start, pos(token.end), prefix, quote))
    return pieces


def _python_expression(node, segment: str, occs: list[Occurrence], base: int) -> str:
    encode = ".encode()" if isinstance(getattr(node, "value", None), bytes) else ""
    if (
        len(occs) == 1
        and isinstance(node, ast.Constant)
        and segment[occs[0].start - base : occs[0].end - base] == (
            node.value.decode("utf-8", "surrogateescape") if encode else node.value
        )
    ):
        return f'os.environ["{occs[0].name}"]{encode}'
    pieces = _literal_pieces(segment)
    out, cursor = [], 0
    for occ in occs:
        start, end = occ.start - base, occ.end - base
        piece = next((p for p in pieces if p[0] < start and end < p[1]), None)
        if piece is None:
            raise ValueError("secret outside a single literal")
        _, _, prefix, quote = piece
        out.append(segment[cursor:start])
        out.append(f'{quote} + os.environ["{occ.name}"]{encode} + {prefix}{quote}')
        cursor = end
    out.append(segment[cursor:])
    return "(" + "".join(out) + ")"


def _import_os_line(tree: ast.Module, text: str) -> int | None:
    """Line index where ``import os`` goes, or None if ``os`` is imported already."""
    for stmt in tree.body:
        if isinstance(stmt, ast.Import) and any(
            (a.asname or a.name.split(".")[0]) == "os" for a in stmt.names
        ):
            return None
    after = 0
    for index, stmt in enumerate(tree.body):
        docstring = index == 0 and isinstance(stmt, ast.Expr) and isinstance(
            getattr(stmt, "value", None), ast.Constant) and isinstance(stmt.value.value, str)
        future = isinstance(stmt, ast.ImportFrom) and stmt.module == "__future__"
        if not (docstring or future):
            break
        after = stmt.end_lineno
    if after == 0:
        lines = text.split("\n")
        while after < min(2, len(lines)) and (
            lines[after].startswith("#!") or re.match(r"#.*coding[:=]", lines[after])
        ):
            after += 1
    return after


def redact_python(text: str, occurrences: list[Occurrence]) -> str | None:
    """Environment lookups for literals; None if the result would not be valid Python."""
    try:
        tree = ast.parse(text)
    except SyntaxError:
        return None
    nodes = _string_nodes(tree, text)
    by_node, as_text = _name_occurrences(text, nodes, occurrences)
    make_names_unique(text, occurrences)
    edits = _edits(text, nodes, by_node, as_text)
    if edits is None:
        return None
    import_line = _import_os_line(tree, text) if by_node else None
    for start, end, new in reversed(edits):
        text = text[:start] + new + text[end:]
    if import_line is not None:
        lines = text.split("\n")
        lines.insert(import_line, "import os")
        text = "\n".join(lines)
    try:
        ast.parse(text)
    except SyntaxError:
        return None
    return text


def _name_occurrences(text: str, nodes, occurrences: list[Occurrence]):
    """Name each occurrence; ``({id(literal node): its occurrences}, occurrences replaced as plain text)``."""
    by_node: dict[int, list[Occurrence]] = {}
    as_text: list[Occurrence] = []
    for occ in occurrences:
        around = [n for n in nodes if n[0] <= occ.start and occ.end <= n[1]]
        if not around:
            as_text.append(occ)  # in a comment
            continue
        start, end, node, parents = min(around, key=lambda n: n[1] - n[0])
        if isinstance(parents.get(node), ast.Expr):
            as_text.append(occ)  # a docstring: nothing reads it as a value
            continue
        occ.name = env_name(
            occ.finding.kind, _target_name(node, parents), text[start:occ.start].lstrip("rbuRBUfF\"'")
        )
        by_node.setdefault(id(node), []).append(occ)
    for occ in as_text:
        occ.name = env_name(occ.finding.kind, text_target(text, occ), "")
    return by_node, as_text


def _edits(text: str, nodes, by_node: dict, as_text: list[Occurrence]) -> list[tuple[int, int, str]] | None:
    """``(start, end, replacement)`` in text order; None if a literal cannot be rewritten or edits overlap."""
    edits = []
    for start, end, node, _ in nodes:
        occs = sorted(by_node.get(id(node), []), key=lambda o: o.start)
        if occs:
            try:
                edits.append((start, end, _python_expression(node, text[start:end], occs, start)))
            except (ValueError, tokenize.TokenError, SyntaxError):
                return None
    edits.extend((occ.start, occ.end, placeholder(occ.name)) for occ in as_text)
    edits.sort()
    if any(a[1] > b[0] for a, b in itertools.pairwise(edits)):
        return None
    return edits


