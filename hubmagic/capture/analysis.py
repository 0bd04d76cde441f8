"""Parse one recorded cell into statements with what each reads and writes.

Only the standard library ``ast`` is used, on the IPython-transformed source,
so magics appear as ``get_ipython().run_line_magic(...)`` calls that we can
recognise and turn into comments, unwrap (``%time``) or drop with a note.
Results are cached by source: re-slicing a long history re-parses nothing.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from functools import lru_cache

from hubmagic.capture.names import _Scan, aliases, dotted
from hubmagic.capture.records import transform_source

# Magics whose argument is Python code that really ran once (%time) or more.
_UNWRAP_LINE = {"time", "timeit", "prun", "capture"}
_UNWRAP_CELL = {"time", "timeit", "capture", "prun"}
_INSTALL_MAGICS = {"pip", "conda", "mamba", "uv"}
_EXTENSION_MAGICS = {"load_ext", "reload_ext", "unload_ext"}


@dataclass
class Statement:
    """One top-level statement of a cell (or a magic turned into text)."""

    text: str
    kind: str = "code"  # code | import | setup | comment | dropped
    binds: frozenset = frozenset()  # names (re)bound: the old value is gone
    imports: tuple = ()  # (bound name, module path) for import statements
    uses: frozenset = frozenset()  # names read when the statement runs
    late_uses: frozenset = frozenset()  # globals read by functions/methods defined here
    mutates: frozenset = frozenset()  # names whose object is changed in place for sure
    global_writes: frozenset = frozenset()  # ``global`` names assigned by a function defined here
    calls: tuple = ()  # CallInfo of every call (mutation candidates)
    body_mutates: frozenset = frozenset()  # names changed in place inside functions defined here
    body_calls: tuple = ()  # calls made inside functions defined here
    body_aliases: tuple = ()  # (local name, name it refers into) inside functions defined here
    signature: tuple = ((), frozenset(), False)  # a function's (positional, keyword-only, *args/**kw)
    aliases: tuple = ()  # (new name, name of the object it refers into)
    lines: tuple = (0, 0)  # first and last line in the transformed cell
    defines_function: bool = False
    defines_class: bool = False
    note: str | None = None


@dataclass
class CellAnalysis:
    statements: list[Statement] = field(default_factory=list)
    syntax_error: str | None = None
    notes: list[str] = field(default_factory=list)


@lru_cache(maxsize=20000)
def analyze_source(transformed: str) -> CellAnalysis:
    """Statements of a transformed cell, with their def/use sets (cached)."""
    try:
        tree = ast.parse(transformed)
    except SyntaxError as exc:
        return CellAnalysis(syntax_error=f"SyntaxError: {exc.msg} (line {exc.lineno})")
    analysis = CellAnalysis()
    lines = transformed.splitlines()
    body = tree.body
    for index, node in enumerate(body):
        magic = _magic_call(node)
        first = len(analysis.statements)
        if magic is not None:
            _handle_magic(magic, node, analysis)
        else:
            text = _statement_text(transformed, lines, body, index)
            analysis.statements.append(_statement(node, text))
        for statement in analysis.statements[first:]:
            statement.lines = (node.lineno, node.end_lineno)
    return analysis


# -- statements -----------------------------------------------------------------------
def _statement(node: ast.stmt, text: str) -> Statement:
    scan = _Scan(module_level=True)
    if isinstance(node, ast.Expr) and isinstance(node.value, ast.Call):
        scan.unused_calls.add(id(node.value))
    scan.visit(node)
    is_import = isinstance(node, (ast.Import, ast.ImportFrom))
    if is_import and all(m.split(".")[0] == "hubmagic" for _, m in scan.imports):
        return Statement(text=text, kind="dropped", note="hubmagic itself is not needed to train")
    if not is_import and "get_ipython" in text and _mentions_get_ipython(node):
        return Statement(text=text, kind="dropped", note="uses get_ipython(): IPython only")
    kind = "import" if is_import else ("setup" if _is_setup(node) else "code")
    if kind == "code" and _is_seed(node):
        kind = "seed"
    import_names = {name for name, _ in scan.imports}
    return Statement(
        text=text,
        kind=kind,
        binds=frozenset(scan.stores - import_names),
        imports=tuple(scan.imports),
        uses=frozenset(scan.loads),
        late_uses=frozenset(scan.late),
        mutates=frozenset(scan.mutated),
        global_writes=frozenset(scan.global_writes),
        calls=tuple(scan.calls),
        body_mutates=frozenset(scan.body_mutated),
        body_calls=tuple(scan.body_calls),
        body_aliases=tuple(scan.body_aliases),
        signature=scan.signature,
        aliases=aliases(node),
        defines_function=isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)),
        defines_class=isinstance(node, ast.ClassDef),
    )


def _statement_text(source: str, lines: list[str], body: list, index: int) -> str:
    node = body[index]
    shares_line = (index > 0 and body[index - 1].end_lineno == node.lineno) or (
        index + 1 < len(body) and body[index + 1].lineno == node.end_lineno
    )
    if shares_line:
        return ast.get_source_segment(source, node) or ""
    first = node.lineno - 1
    if getattr(node, "decorator_list", None):
        first = min(d.lineno for d in node.decorator_list) - 1
    previous_end = body[index - 1].end_lineno if index > 0 else 0
    while first - 1 >= previous_end and lines[first - 1].lstrip().startswith("#"):
        first -= 1  # keep the comment that explains the statement
    return "\n".join(lines[first : node.end_lineno]).rstrip()


_SETUP_CALLS = {
    ("sys", "path", "append"),
    ("sys", "path", "insert"),
    ("sys", "path", "extend"),
    ("warnings", "filterwarnings"),
    ("warnings", "simplefilter"),
    ("set_config",),
    ("sklearn", "set_config"),
    ("matplotlib", "use"),
}


def _is_setup(node: ast.stmt) -> bool:
    """Process-wide settings that change how later code behaves (kept, hoisted)."""
    if isinstance(node, ast.Expr) and isinstance(node.value, ast.Call):
        chain = dotted(node.value.func)
        return chain is not None and (
            tuple(chain) in _SETUP_CALLS or tuple(chain[-1:]) == ("set_config",)
        )
    if isinstance(node, ast.Assign) and len(node.targets) == 1:
        target = node.targets[0]
        if isinstance(target, ast.Subscript):
            return dotted(target.value) == ["os", "environ"]
    return False


_SEED_CALLS = {"seed", "manual_seed", "set_seed", "manual_seed_all"}


def _is_seed(node: ast.stmt) -> bool:
    """``np.random.seed(0)``, ``random.seed(0)``, ``torch.manual_seed(0)``."""
    if isinstance(node, ast.Expr) and isinstance(node.value, ast.Call):
        chain = dotted(node.value.func)
        return chain is not None and len(chain) > 1 and chain[-1] in _SEED_CALLS
    return False


def _mentions_get_ipython(node: ast.AST) -> bool:
    return any(isinstance(n, ast.Name) and n.id == "get_ipython" for n in ast.walk(node))


# -- magics -------------------------------------------------------------------------------
def _magic_call(node: ast.stmt):
    """(``line``|``cell``|``system``|``getoutput``, args, target names) or None."""
    value = node.value if isinstance(node, (ast.Expr, ast.Assign)) else None
    if not isinstance(value, ast.Call) or not isinstance(value.func, ast.Attribute):
        return None
    owner = value.func.value
    if not (
        isinstance(owner, ast.Call)
        and isinstance(owner.func, ast.Name)
        and owner.func.id == "get_ipython"
    ):
        return None
    kinds = {
        "run_line_magic": "line",
        "run_cell_magic": "cell",
        "system": "system",
        "getoutput": "getoutput",
    }
    kind = kinds.get(value.func.attr)
    if kind is None:
        return None
    args = [a.value if isinstance(a, ast.Constant) else None for a in value.args]
    return kind, args


def _handle_magic(magic, node: ast.stmt, analysis: CellAnalysis) -> None:
    kind, args = magic
    assigned = isinstance(node, ast.Assign)
    statements = analysis.statements

    def drop(note: str, text: str) -> None:
        statements.append(Statement(text=text, kind="dropped", note=note))
        analysis.notes.append(note)

    if kind in ("system", "getoutput"):
        command = args[0] if args and isinstance(args[0], str) else ""
        words = command.split()
        if words and (words[0] in _INSTALL_MAGICS or words[:3] == ["python", "-m", "pip"]):
            statements.append(Statement(text=f"# !{command}", kind="comment"))
        else:
            drop(f"shell command `!{command}` not run by the script", f"!{command}")
        return
    name = args[0] if args and isinstance(args[0], str) else ""
    line = args[1] if len(args) > 1 and isinstance(args[1], str) else ""
    if kind == "line":
        shown = f"%{name} {line}".rstrip()
        if name.startswith("hub_") or (name in _EXTENSION_MAGICS and _is_hubmagic(line)):
            drop(f"hubmagic magic `{shown}` left out", shown)
        elif name in _INSTALL_MAGICS:
            statements.append(Statement(text=f"# {shown}", kind="comment"))
        elif name in _UNWRAP_LINE and not assigned:
            _unwrap(_strip_options(line), analysis, f"`%{name}` removed, its code kept")
        elif name == "env" and "=" in line:
            key, _, value = line.partition("=")
            text = f"os.environ[{key.strip()!r}] = {value.strip()!r}"
            statements.append(Statement(text="import os", kind="import", imports=(("os", "os"),)))
            statements.append(Statement(text=text, kind="setup", uses=frozenset({"os"})))
        elif name == "run" and _run_target(line) and not assigned:
            # The script's names land in the notebook: run it the same way, in place.
            path = _run_target(line)
            text = f"import runpy\nglobals().update(runpy.run_path({path!r}, run_name='__main__'))"
            statements.append(Statement(text=text, kind="setup", note=f"%run {path} kept"))
        else:
            drop(f"line magic `{shown}` dropped", shown)
        return
    body = args[2] if len(args) > 2 and isinstance(args[2], str) else ""
    if name in _UNWRAP_CELL:
        _unwrap(body, analysis, f"`%%{name}` removed, the cell's code kept")
    elif name in ("writefile", "file"):
        options = line.split()
        filename = options[-1] if options else "file.txt"
        mode = "a" if "-a" in options or "--append" in options else "w"
        text = f"with open({filename!r}, {mode!r}) as _hub_file:\n    _hub_file.write({body!r})"
        statements.append(Statement(text=text, kind="setup", note=f"%%writefile {filename}"))
    else:
        drop(f"cell magic `%%{name}` dropped", f"%%{name} {line}".rstrip())


def _run_target(line: str) -> str | None:
    """The script of ``%run [-i] [-e] script.py args`` (None for modules, -m)."""
    words = line.split()
    if "-m" in words or "-d" in words or "-p" in words:
        return None
    files = [w for w in words if not w.startswith("-")]
    return files[0] if files and files[0].endswith(".py") else None


def _is_hubmagic(line: str) -> bool:
    return any(w == "hubmagic" or w.startswith("hubmagic.") for w in line.split())


def _unwrap(code: str, analysis: CellAnalysis, note: str) -> None:
    inner = analyze_source(transform_source(code))
    if inner.syntax_error:
        analysis.statements.append(Statement(text=code, kind="dropped", note=inner.syntax_error))
        return
    analysis.statements.extend(inner.statements)
    analysis.notes.append(note)
    analysis.notes.extend(inner.notes)


def _strip_options(line: str) -> str:
    """``-n 1 -r 1 model.fit(X, y)`` -> ``model.fit(X, y)`` (%timeit options)."""
    rest = line.lstrip()
    while rest.startswith("-"):
        try:
            option, rest = rest.split(None, 1)
        except ValueError:
            return ""
        if option in {"-n", "-r", "-p"}:  # options followed by a value
            parts = rest.split(None, 1)
            rest = parts[1] if len(parts) > 1 else ""
        rest = rest.lstrip()
    return rest
