"""A model card as the editor edits it: metadata, a flat list of sections, figures.

Plain data (dicts, lists, strings) so that the editor's traits hold it, undo is a copy of
it, and ``render()`` gives back README.md. Sections keep their document order; a
section's ``level`` is its heading depth, so "A/B" is a level-2 section after its
parent "A". Reading goes through :func:`hubmagic.card.parse_modelcard_text` (no pandoc).
"""

from __future__ import annotations

import copy
import re
from typing import Any

from huggingface_hub import EvalResult, ModelCardData

from hubmagic.card import parse_modelcard_text
from hubmagic.errors import InvalidInputError

PLACEHOLDER = "[More Information Needed]"
_IMAGE = re.compile(r"!\[(?P<alt>[^\]]*)\]\((?P<path>[^)\s]+)\)")
EVALUATION = "Evaluation Results"


class CardDocument:
    """Metadata (a dict as ``ModelCardData.to_dict()`` gives it), preamble and sections.

    >>> doc = CardDocument.from_text("---\\nlicense: mit\\n---\\n\\n# A\\n\\ntext\\n")
    >>> doc.sections
    [{'title': 'A', 'level': 1, 'content': 'text'}]
    """

    def __init__(self, metadata: dict | None = None, sections: list[dict] | None = None, preamble: str = ""):
        self.metadata = dict(metadata or {})
        self.sections = list(sections or [])
        self.preamble = preamble

    # -- reading and writing ------------------------------------------------------------
    @classmethod
    def from_text(cls, text: str) -> CardDocument:
        card = parse_modelcard_text(text)
        sections: list[dict] = []

        def walk(data: dict, level: int) -> None:
            for section in data.values():
                sections.append({"title": section.title, "level": level, "content": section.content or ""})
                walk(section.subsections, level + 1)

        walk(card._data, 1)
        return cls(card.metadata.to_dict(), sections, card.preamble)

    def render(self) -> str:
        parts = []
        if self.metadata:
            parts.append(f"---\n{ModelCardData(**copy.deepcopy(self.metadata)).to_yaml()}\n---")
        if self.preamble:
            parts.append(self.preamble)
        for section in self.sections:
            heading = "#" * min(section["level"], 6) + " " + section["title"]
            parts.append(f"{heading}\n\n{section['content']}" if section["content"] else heading)
        return "\n\n".join(parts) + "\n"

    def state(self) -> dict:
        return copy.deepcopy({"metadata": self.metadata, "sections": self.sections, "preamble": self.preamble})

    def restore(self, state: dict) -> None:
        state = copy.deepcopy(state)
        self.metadata, self.sections, self.preamble = state["metadata"], state["sections"], state["preamble"]

    # -- metadata ----------------------------------------------------------------------
    def field(self, key: str):
        """A metadata value; the model name lives in ``model-index`` once there are results."""
        if key == "model_name" and not self.metadata.get(key):
            index = self.metadata.get("model-index") or [{}]
            return index[0].get("name") if isinstance(index[0], dict) else None
        return self.metadata.get(key)

    def set_field(self, key: str, value) -> None:
        if value is None or value == []:
            self.metadata.pop(key, None)
        else:
            self.metadata[key] = value
        if key == "model_name" and value:
            # ModelCardData takes the name from model-index over a model_name key
            for entry in self.metadata.get("model-index") or []:
                if isinstance(entry, dict):
                    entry["name"] = value

    # -- sections ----------------------------------------------------------------------
    def path_of(self, index: int) -> str:
        """``"A/B"`` key of the section at ``index`` (titles' slashes escaped)."""
        names, level = [], self.sections[index]["level"] + 1
        for section in reversed(self.sections[: index + 1]):
            if section["level"] < level:
                names.append(section["title"].replace("/", "\\/"))
                level = section["level"]
        return "/".join(reversed(names))

    def find(self, path: str) -> int:
        for i in range(len(self.sections)):
            if self.path_of(i) == path:
                return i
        raise InvalidInputError(f"The card has no section {path!r}; its sections are: {', '.join(self.paths())}.")

    def paths(self) -> list[str]:
        return [self.path_of(i) for i in range(len(self.sections))]

    def subtree_end(self, index: int) -> int:
        """Index just after the section at ``index`` and its subsections."""
        level, end = self.sections[index]["level"], index + 1
        while end < len(self.sections) and self.sections[end]["level"] > level:
            end += 1
        return end

    def add_section(self, title: str, content: str = "", parent: int | None = None) -> int:
        """Append a section (at the end of ``parent``'s subsections); returns its index."""
        title = title.strip()
        if not title:
            raise InvalidInputError("A section needs a title: type it in the title field, then Add.")
        if parent is None:
            at, level = len(self.sections), 1
        else:
            at, level = self.subtree_end(parent), self.sections[parent]["level"] + 1
        self.sections.insert(at, {"title": title, "level": level, "content": content})
        return at

    def rename_section(self, index: int, title: str) -> None:
        if not title.strip():
            raise InvalidInputError("A section's title cannot be empty: type the new title, then Rename.")
        self.sections[index]["title"] = title.strip()

    def remove_section(self, index: int) -> list[dict]:
        end = self.subtree_end(index)
        removed = self.sections[index:end]
        del self.sections[index:end]
        return removed

    def move_section(self, index: int, step: int) -> int:
        """Move a section and its subsections past its previous (-1) or next (+1) sibling."""
        level = self.sections[index]["level"]
        siblings = [i for i in self._siblings(index) if self.sections[i]["level"] == level]
        pos = siblings.index(index)
        if not 0 <= pos + step < len(siblings):
            return index
        block = self.sections[index : self.subtree_end(index)]
        other = siblings[pos + step]
        if step < 0:
            del self.sections[index : index + len(block)]
            self.sections[other:other] = block
            return other
        other_end = self.subtree_end(other)
        self.sections[other_end:other_end] = block
        del self.sections[index : index + len(block)]
        return other_end - len(block)

    def _siblings(self, index: int) -> list[int]:
        level = self.sections[index]["level"]
        start = index
        while start > 0 and self.sections[start - 1]["level"] >= level:
            start -= 1
        end = index
        while end < len(self.sections) and self.sections[end]["level"] >= level:
            end += 1
        return list(range(start, end))

    # -- figures -----------------------------------------------------------------------
    def figures(self) -> list[dict]:
        """``[{"index", "path", "alt", "caption"}]`` of sections showing one image, in order."""
        found = []
        for i, section in enumerate(self.sections):
            images = list(_IMAGE.finditer(section["content"]))
            if len(images) == 1 and not re.match(r"[a-z]+://", images[0]["path"]):
                caption = _IMAGE.sub("", section["content"])
                caption = re.sub(r"</?details>|<summary>.*?</summary>", "", caption).strip()
                found.append({"index": i, "path": images[0]["path"], "alt": images[0]["alt"], "caption": caption})
        return found

    def set_figure(self, index: int, *, caption: str, alt: str, path: str) -> None:
        text = f"![{alt}]({path})"
        self.sections[index]["content"] = f"{caption}\n\n{text}" if caption else text

    # -- metrics -----------------------------------------------------------------------
    def metrics(self) -> list[dict]:
        """``[{"name", "value", "dataset"}]`` of the model-index."""
        data = ModelCardData(**copy.deepcopy(self.metadata), ignore_metadata_errors=True)
        return [
            {"name": r.metric_name or r.metric_type, "value": r.metric_value, "dataset": r.dataset_name}
            for r in data.eval_results or []
        ]

    def add_metric(self, name: str, value: Any, dataset: str) -> None:
        """Add a result to ``model-index`` and a row to the evaluation table."""
        name, dataset = name.strip(), (dataset or "").strip() or "Evaluation data"
        if not name:
            raise InvalidInputError("A metric needs a name (e.g. `roc_auc`): type it, then Add metric.")
        try:
            value = float(value)
        except (TypeError, ValueError):
            raise InvalidInputError(f"The value of {name!r} must be a number, e.g. 0.93; got {value!r}.") from None
        data = ModelCardData(**copy.deepcopy(self.metadata), ignore_metadata_errors=True)
        results = list(data.eval_results or [])
        task = results[0].task_type if results else (self.metadata.get("pipeline_tag") or "tabular-classification")
        results.append(EvalResult(
            # the Hub groups results by dataset type, not name: a new dataset needs its own type
            task_type=task, dataset_type=_slug(dataset) if dataset != "Evaluation data" else "custom",
            dataset_name=dataset,
            metric_type=name.lower().replace(" ", "_"), metric_name=name, metric_value=value,
        ))
        data.eval_results = results
        data.model_name = data.model_name or "model"
        self.metadata = data.to_dict()
        self._add_table_row(name, value)

    def _add_table_row(self, name: str, value: float) -> None:
        index = next((i for i, s in enumerate(self.sections) if s["title"] == EVALUATION), None)
        if index is None:
            index = self.add_section(EVALUATION)
        content = self.sections[index]["content"].rstrip()
        lines = content.split("\n")
        table_end = max((i for i, line in enumerate(lines) if line.startswith("|")), default=None)
        row = f"| {name} | {value:g} |"
        if table_end is None:
            lines += ["", "| Metric | Value |", "|---|---|", row]
        else:
            lines.insert(table_end + 1, row)
        self.sections[index]["content"] = "\n".join(lines).strip()

    # -- checks ------------------------------------------------------------------------
    def placeholders(self) -> int:
        return self.render().count(PLACEHOLDER)

    def linked_files(self) -> list[tuple[str, str]]:
        """``[(section path, file)]`` of relative links and images in the sections."""
        found = []
        for i, section in enumerate(self.sections):
            for match in re.finditer(r"\]\(([^)\s]+)\)", section["content"]):
                target = match.group(1).split("#")[0]
                if target and not re.match(r"[a-zA-Z][a-zA-Z0-9+.-]*:", target) and not target.startswith("/"):
                    found.append((self.path_of(i), target))
        return found


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "custom"
