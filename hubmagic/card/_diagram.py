"""The model's hyperparameters and structure as plain Markdown the Hub renders.

scikit-learn's HTML diagram (what skops puts in a card) is ~70 kB of ``<style>`` and
``<script>`` the Hub strips, with element ids that change on every render and memory
addresses (``RandomState(MT19937) at 0x7FE2...``) in its text, so every refresh of a
card showed a diff. Here the same facts are text: a compact table and an indented
tree in a fenced block, folded in ``<details>``. The same model gives the same bytes.
"""

from __future__ import annotations

import inspect
import re
from typing import Any

_ADDRESS = re.compile(r"\s+at 0x[0-9a-fA-F]+")
_MAX_VALUE = 200  # characters of one value in the table or the tree


def stable_repr(value: Any, limit: int = _MAX_VALUE) -> str:
    """``repr(value)`` on one line, without memory addresses, at most ``limit`` characters."""
    text = " ".join(_ADDRESS.sub("", repr(value)).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def hyperparameter_table(model: Any) -> str:
    """A Markdown table of every hyperparameter that is not itself an estimator.

    Nested estimators (pipeline steps, a meta-estimator's ``estimator``) are shown by
    the diagram; their own parameters appear here under their ``step__param`` name.
    """
    rows = ["| Hyperparameter | Value |", "|---|---|"]
    for name, value in model.get_params(deep=True).items():
        if _is_estimator(value) or _is_estimator_list(value):
            continue
        rows.append(f"| {name} | {_code(stable_repr(value))} |")
    return "\n".join(rows)


def model_tree(model: Any) -> str:
    """The model as an indented tree: one line per estimator, its non-default parameters.

    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import StandardScaler
    >>> from sklearn.linear_model import LogisticRegression
    >>> print(model_tree(make_pipeline(StandardScaler(), LogisticRegression(C=2.0))))
    Pipeline()
    ├── standardscaler: StandardScaler()
    └── logisticregression: LogisticRegression(C=2.0)
    """
    lines = [_label(model)]
    _walk(model, "", lines)
    return "\n".join(lines)


def folded(summary: str, body: str) -> str:
    """``body`` inside ``<details>``; the blank lines let the Hub render its Markdown."""
    return f"<details>\n<summary>{summary}</summary>\n\n{body}\n\n</details>"


def _walk(model: Any, indent: str, lines: list[str]) -> None:
    children = _children(model)
    for i, (name, child) in enumerate(children):
        last = i == len(children) - 1
        lines.append(f"{indent}{'└── ' if last else '├── '}{name}: {_label(child)}")
        if _is_estimator(child):
            _walk(child, indent + ("    " if last else "│   "), lines)


def _children(model: Any) -> list[tuple[str, Any]]:
    """The estimators a composite model is made of, in the order it applies them."""
    if not _is_estimator(model):
        return []
    params = model.get_params(deep=False)
    children: list[tuple[str, Any]] = []
    for key, value in params.items():
        if _is_estimator(value):
            children.append((key, value))
        elif _is_estimator_list(value):
            for item in value:
                name, est = item[0], item[1]
                if len(item) > 2:  # ColumnTransformer: (name, transformer, columns)
                    name = f"{name} {stable_repr(item[2], 80)}"
                children.append((str(name), est))
    return children


def _label(model: Any) -> str:
    if not _is_estimator(model):
        return stable_repr(model)  # "passthrough", "drop"
    if not _children(model):
        return stable_repr(model)  # scikit-learn's repr: only the changed parameters
    changed = []
    signature = inspect.signature(type(model).__init__).parameters
    for key, value in model.get_params(deep=False).items():
        if _is_estimator(value) or _is_estimator_list(value):
            continue
        default = signature[key].default if key in signature else inspect.Parameter.empty
        if stable_repr(value) != stable_repr(default):
            changed.append(f"{key}={stable_repr(value, 80)}")
    return f"{type(model).__name__}({', '.join(changed)})"


def _is_estimator(value: Any) -> bool:
    return hasattr(value, "get_params") and not isinstance(value, type)


def _is_estimator_list(value: Any) -> bool:
    return (
        isinstance(value, (list, tuple))
        and bool(value)
        and all(
            isinstance(item, tuple) and len(item) >= 2 and (_is_estimator(item[1]) or isinstance(item[1], str))
            for item in value
        )
        and any(_is_estimator(item[1]) for item in value)
    )


def _code(text: str) -> str:
    # A code span keeps "<function f>" from being read as HTML; a table needs "|" escaped.
    text = text.replace("|", "\\|")
    return f"`{text}`" if "`" not in text else text
