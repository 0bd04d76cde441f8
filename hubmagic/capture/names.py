"""Which names a piece of Python code reads, binds and changes, scope by scope.

A small ``ast`` visitor: function and class bodies, lambdas and comprehensions
are their own scopes; what a function body reads from the module is reported
separately ("late" uses: read when the function is called, not when defined).
"""

from __future__ import annotations

import ast
from dataclasses import dataclass


@dataclass
class CallInfo:
    """A call found in a statement: who is called and which names it receives."""

    root: str | None  # first name of the callee (``np`` in ``np.random.seed``)
    chain: tuple[str, ...]  # attribute names after the root (``("random", "seed")``)
    arg_names: tuple[str, ...]  # plain names passed as arguments
    result_used: bool
    inplace: bool
    positional: tuple = ()  # name (or None) of each positional argument, up to a ``*args``
    keywords: tuple = ()  # (keyword, name or None); keyword None for ``**kwargs``
    unpacks: bool = False  # ``*args`` or ``**kwargs``: arguments we cannot map to parameters
    random_state: str = "absent"  # absent | none | given: the ``random_state=`` keyword


def dotted(node: ast.AST) -> list[str] | None:
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
        return parts[::-1]
    return None


def base_name(node: ast.AST) -> str | None:
    """``df`` for ``df["a"].iloc[0]``, ``model`` for ``model.steps[0][1].fit``."""
    while True:
        if isinstance(node, (ast.Attribute, ast.Subscript, ast.Starred)):
            node = node.value
        elif isinstance(node, ast.Call):
            node = node.func
        elif isinstance(node, ast.Name):
            return node.id
        else:
            return None


def _call_info(node: ast.Call, result_used: bool) -> CallInfo:
    chain: list[str] = []
    func = node.func
    while True:
        if isinstance(func, ast.Attribute):
            chain.append(func.attr)
            func = func.value
        elif isinstance(func, (ast.Subscript, ast.Call)):
            func = func.value if isinstance(func, ast.Subscript) else func.func
        else:
            break
    root = func.id if isinstance(func, ast.Name) else None
    values = list(node.args) + [k.value for k in node.keywords]
    arg_names = tuple(
        v.value.id if isinstance(v, ast.Starred) and isinstance(v.value, ast.Name) else v.id
        for v in values
        if isinstance(v, ast.Name) or (isinstance(v, ast.Starred) and isinstance(v.value, ast.Name))
    )
    inplace = any(
        k.arg == "inplace" and isinstance(k.value, ast.Constant) and k.value.value is True
        for k in node.keywords
    )
    positional = []
    for arg in node.args:
        if isinstance(arg, ast.Starred):
            break
        positional.append(arg.id if isinstance(arg, ast.Name) else None)
    keywords = tuple(
        (k.arg, k.value.id if isinstance(k.value, ast.Name) else None) for k in node.keywords
    )
    unpacks = len(positional) < len(node.args) or any(k.arg is None for k in node.keywords)
    random_state = "absent"
    for k in node.keywords:
        if k.arg == "random_state":
            none = isinstance(k.value, ast.Constant) and k.value.value is None
            random_state = "none" if none else "given"
        elif k.arg is None:
            random_state = "given"  # ``**params`` may set it: assume it does
    return CallInfo(root, tuple(reversed(chain)), arg_names, result_used, inplace,
                    tuple(positional), keywords, unpacks, random_state)


_PASS_THROUGH = {"enumerate", "zip", "reversed", "sorted", "list", "tuple", "iter", "filter"}


def _iterated_names(node: ast.AST) -> set[str]:
    """``{"models"}`` for ``models``, ``enumerate(models)``, ``models.items()``."""
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and (
        node.func.id in _PASS_THROUGH
    ):
        names = set()
        for arg in node.args:
            names |= _iterated_names(arg)
        return names
    name = base_name(node)
    return {name} if name else set()


def aliases(node: ast.stmt) -> tuple:
    """``(("est", "pipe"),)`` for ``est = pipe.named_steps["clf"]``: same object."""
    if not isinstance(node, ast.Assign):
        return ()
    value = node.value
    probe = value
    while isinstance(probe, (ast.Attribute, ast.Subscript)):
        probe = probe.value
    if not isinstance(probe, ast.Name):
        return ()  # a call may return a new object
    return tuple((t.id, probe.id) for t in node.targets if isinstance(t, ast.Name))


class _Scan(ast.NodeVisitor):
    """Names read/bound by code in one scope; nested scopes handled separately."""

    def __init__(self, module_level: bool):
        self.module_level = module_level
        self.loads: set[str] = set()
        self.stores: set[str] = set()
        self.bound_first: set[str] = set()  # for/with/except targets: read later is local
        self.declared_global: set[str] = set()
        self.global_writes: set[str] = set()
        self.late: set[str] = set()
        self.mutated: set[str] = set()
        self.walrus: set[str] = set()
        self.calls: list[CallInfo] = []
        self.body_mutated: set[str] = set()
        self.body_calls: list[CallInfo] = []
        self.imports: list[tuple[str, str]] = []
        self.unused_calls: set[int] = set()
        self.aliases: list[tuple[str, str]] = []  # ``f = frame`` in this scope
        self.body_aliases: list[tuple[str, str]] = []  # the same, inside functions defined here
        self.signature: tuple = ((), frozenset(), False)  # of the function defined here

    # plain names
    def visit_Name(self, node):
        if isinstance(node.ctx, ast.Load):
            if node.id not in self.bound_first:
                self.loads.add(node.id)
        elif isinstance(node.ctx, ast.Store):
            self.stores.add(node.id)

    def _mutation_target(self, node):
        if not isinstance(node.ctx, ast.Load):
            name = base_name(node)
            if name:
                self.mutated.add(name)
                self.loads.add(name)

    def visit_Attribute(self, node):
        self._mutation_target(node)
        self.visit(node.value)

    def visit_Subscript(self, node):
        self._mutation_target(node)
        self.visit(node.value)
        self.visit(node.slice)

    # evaluation order matters for "bound before read"
    def visit_Assign(self, node):
        self.visit(node.value)
        for target in node.targets:
            self.visit(target)
        self.aliases.extend(aliases(node))

    def visit_AnnAssign(self, node):
        if node.value is not None:
            self.visit(node.value)
            self.visit(node.target)
        if self.module_level:
            self.visit(node.annotation)

    def visit_AugAssign(self, node):
        if isinstance(node.target, ast.Name):
            self.loads.add(node.target.id)
        self.visit(node.value)
        self.visit(node.target)

    def visit_NamedExpr(self, node):
        self.visit(node.value)
        self.walrus.add(node.target.id)
        self.stores.add(node.target.id)

    def _bind_first(self, target):
        self.visit(target)
        self.bound_first.update(
            n.id for n in ast.walk(target) if isinstance(n, ast.Name)
        )

    def visit_For(self, node):
        self.visit(node.iter)
        self._bind_first(node.target)
        first_call, mutated_before = len(self.calls), set(self.mutated)
        for stmt in node.body + node.orelse:
            self.visit(stmt)
        # ``for est in models: est.fit(X, y)`` changes what ``models`` holds.
        targets = {n.id for n in ast.walk(node.target) if isinstance(n, ast.Name)}
        containers = _iterated_names(node.iter)
        for call in self.calls[first_call:]:
            if call.root in targets:
                for name in containers:
                    self.calls.append(CallInfo(name, ("<item>",) + call.chain, (),
                                               call.result_used, call.inplace))
        if (self.mutated - mutated_before) & targets:
            self.mutated |= containers

    visit_AsyncFor = visit_For

    def visit_With(self, node):
        for item in node.items:
            self.visit(item.context_expr)
            if item.optional_vars is not None:
                self._bind_first(item.optional_vars)
        for stmt in node.body:
            self.visit(stmt)

    visit_AsyncWith = visit_With

    def visit_ExceptHandler(self, node):
        if node.type is not None:
            self.visit(node.type)
        if node.name:
            self.stores.add(node.name)
            self.bound_first.add(node.name)
        for stmt in node.body:
            self.visit(stmt)

    def visit_Delete(self, node):
        for target in node.targets:
            if not isinstance(target, ast.Name):
                self.visit(target)

    def visit_Global(self, node):
        self.declared_global.update(node.names)

    def visit_Import(self, node):
        for alias in node.names:
            name = alias.asname or alias.name.split(".")[0]
            self.stores.add(name)
            self.imports.append((name, alias.name))

    def visit_ImportFrom(self, node):
        module = "." * node.level + (node.module or "")
        for alias in node.names:
            name = alias.asname or alias.name
            self.stores.add(name)
            self.imports.append((name, f"{module}.{alias.name}"))

    def visit_Call(self, node):
        self.calls.append(_call_info(node, id(node) not in self.unused_calls))
        self.generic_visit(node)

    # nested scopes
    def _function(self, node, args: ast.arguments, body: list, name: str | None):
        for decorator in getattr(node, "decorator_list", []):
            self.visit(decorator)
        for default in list(args.defaults) + [d for d in args.kw_defaults if d]:
            self.visit(default)
        every_arg = args.posonlyargs + args.args + args.kwonlyargs
        every_arg += [a for a in (args.vararg, args.kwarg) if a is not None]
        for arg in every_arg:
            if arg.annotation is not None:
                self.visit(arg.annotation)
        if getattr(node, "returns", None) is not None:
            self.visit(node.returns)
        if name:
            self.stores.add(name)
        inner = _Scan(module_level=False)
        for stmt in body:
            inner.visit(stmt)
        local = (inner.stores | {a.arg for a in every_arg}) - inner.declared_global
        self.late |= (inner.loads | inner.late) - local
        self.global_writes |= inner.declared_global & inner.stores
        self.global_writes |= inner.global_writes
        self.body_mutated |= inner.mutated | inner.body_mutated
        self.body_calls += inner.calls + inner.body_calls
        self.body_aliases += inner.aliases + inner.body_aliases
        if name:
            positional = tuple(a.arg for a in args.posonlyargs + args.args)
            keyword_only = frozenset(a.arg for a in args.kwonlyargs)
            self.signature = (positional, keyword_only, bool(args.vararg or args.kwarg))

    def visit_FunctionDef(self, node):
        self._function(node, node.args, node.body, node.name)

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_Lambda(self, node):
        # A lambda is usually called right away (``df.apply(lambda r: ...)``):
        # its globals are read now, and later if an estimator keeps it.
        before = set(self.late)
        self._function(node, node.args, [ast.Expr(node.body)], None)
        self.loads |= self.late - before

    def visit_ClassDef(self, node):
        for expr in node.decorator_list + node.bases + [k.value for k in node.keywords]:
            self.visit(expr)
        self.stores.add(node.name)
        inner = _Scan(module_level=False)
        for stmt in node.body:
            inner.visit(stmt)
        self.loads |= inner.loads - inner.stores
        self.late |= inner.late
        self.global_writes |= inner.global_writes
        self.body_mutated |= inner.body_mutated
        self.body_calls += inner.body_calls

    def _comprehension(self, node, elements: list):
        generators = node.generators
        self.visit(generators[0].iter)
        inner = _Scan(module_level=self.module_level)
        for index, gen in enumerate(generators):
            if index:
                inner.visit(gen.iter)
            inner._bind_first(gen.target)
            for condition in gen.ifs:
                inner.visit(condition)
        for element in elements:
            inner.visit(element)
        self.loads |= inner.loads - (inner.stores - inner.walrus)
        self.stores |= inner.walrus
        self.walrus |= inner.walrus
        self.late |= inner.late
        self.mutated |= inner.mutated
        self.calls += inner.calls
        self.body_mutated |= inner.body_mutated
        self.body_calls += inner.body_calls

    def visit_ListComp(self, node):
        self._comprehension(node, [node.elt])

    visit_SetComp = visit_GeneratorExp = visit_ListComp

    def visit_DictComp(self, node):
        self._comprehension(node, [node.key, node.value])
