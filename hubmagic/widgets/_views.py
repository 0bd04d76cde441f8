"""The editor's panels, built from core ipywidgets; ``CardEditor`` wires them to its traits.

Every input gets a ``hubmagic-*`` CSS class so a browser test (or a user's stylesheet)
can find it without depending on ipywidgets' internal markup.
"""

from __future__ import annotations

import ipywidgets as w

from hubmagic.localhub.licenses import LICENSE_IDS
from hubmagic.widgets._checks import PIPELINE_TAGS

WIDE = w.Layout(width="100%")


def tagged(widget: w.Widget, name: str) -> w.Widget:
    widget.add_class(f"hubmagic-{name}")
    return widget


class MetadataForm:
    """License (searchable), tags, datasets, language, pipeline tag, base model, model name."""

    LISTS = ("tags", "datasets", "language")

    def __init__(self) -> None:
        self.license = tagged(w.Combobox(
            options=list(LICENSE_IDS), ensure_option=False, description="license",
            placeholder="type to search: mit, apache-2.0 …",
        ), "license")
        self.pipeline_tag = tagged(w.Combobox(
            options=list(PIPELINE_TAGS), ensure_option=False, description="pipeline tag",
        ), "pipeline-tag")
        self.base_model = tagged(w.Text(description="base model", placeholder="namespace/name"), "base-model")
        self.model_name = tagged(w.Text(description="model name"), "model-name")
        self.lists = {key: tagged(w.TagsInput(allow_duplicates=False), key) for key in self.LISTS}
        self.problems = {
            key: tagged(w.HTML(), f"problem-{key}")
            for key in ("license", "pipeline_tag", "base_model", "model_name", *self.LISTS)
        }
        self.fields = {"license": self.license, "pipeline_tag": self.pipeline_tag,
                       "base_model": self.base_model, "model_name": self.model_name, **self.lists}
        rows = []
        for key, field in self.fields.items():
            label = [] if key not in self.LISTS else [w.Label(key.replace("_", " "), layout=w.Layout(width="90px"))]
            rows.append(w.HBox([*label, field, self.problems[key]]))
        self.box = w.VBox(rows)

    def values(self) -> dict:
        out = {key: list(self.lists[key].value) or None for key in self.LISTS}
        for key in ("license", "pipeline_tag", "base_model", "model_name"):
            out[key] = self.fields[key].value.strip() or None
        return out

    def show(self, metadata: dict, problems: dict[str, str]) -> None:
        for key, field in self.fields.items():
            value = metadata.get(key)
            if key in self.LISTS:
                value = [str(v) for v in (value if isinstance(value, list) else [value] if value else [])]
                if list(field.value) != value:
                    field.value = value
            elif field.value != (str(value) if value else ""):
                field.value = str(value) if value else ""
            text = problems.get(key, "")
            self.problems[key].value = f"<span style='color:#b00020'>⚠ {text}</span>" if text else ""


class SectionsPanel:
    """Pick a section, edit its Markdown, add / rename / move / remove sections."""

    def __init__(self) -> None:
        self.picker = tagged(w.Dropdown(description="section", layout=WIDE), "section-picker")
        self.title = tagged(w.Text(description="title"), "section-title")
        self.rename = tagged(w.Button(description="Rename", icon="pencil"), "rename")
        self.content = tagged(
            w.Textarea(layout=w.Layout(width="100%", height="220px"), continuous_update=True), "section-content"
        )
        self.up = tagged(w.Button(description="Up", icon="arrow-up"), "section-up")
        self.down = tagged(w.Button(description="Down", icon="arrow-down"), "section-down")
        self.remove = tagged(w.Button(description="Remove", icon="trash", button_style="danger"), "section-remove")
        self.new_title = tagged(w.Text(placeholder="new section title"), "new-title")
        self.add = tagged(w.Button(description="Add section", icon="plus"), "section-add")
        self.add_sub = tagged(w.Button(description="Add subsection", icon="plus"), "subsection-add")
        self.placeholders = tagged(w.HTML(), "placeholders")
        self.box = w.VBox([
            self.picker, self.placeholders,
            w.HBox([self.title, self.rename, self.up, self.down, self.remove]),
            self.content,
            w.HBox([self.new_title, self.add, self.add_sub]),
        ])

    def show(self, sections: list[dict], selected: int, placeholders: int) -> None:
        indent = "\u2003"
        options = [
            (indent * (s["level"] - 1) + s["title"] + ("  ⚠" if "[More Information Needed]" in s["content"] else ""), i)
            for i, s in enumerate(sections)
        ]
        if list(self.picker.options) != options:
            self.picker.options = options
        if sections:
            selected = min(selected, len(sections) - 1)
            if self.picker.value != selected:
                self.picker.value = selected
            if self.content.value != sections[selected]["content"]:
                self.content.value = sections[selected]["content"]
            if self.title.value != sections[selected]["title"]:
                self.title.value = sections[selected]["title"]
        color = "#b00020" if placeholders else "#1b5e20"
        self.placeholders.value = (
            f"<span style='color:{color}'>{placeholders} placeholder(s) [More Information Needed] left"
            " (marked ⚠ in the list, highlighted in the preview)</span>"
        )


class FigureRow:
    """One figure: thumbnail, publish checkbox, caption, alt text, order buttons."""

    def __init__(self, figure: dict, png: bytes | None) -> None:
        self.path = figure["path"]
        self.image = w.Image(value=png or b"", format="png", layout=w.Layout(width="120px"))
        self.include = tagged(
            w.Checkbox(value=figure["include"], description=f"publish {self.path}", indent=False), "figure-include"
        )
        self.caption = tagged(w.Text(value=figure["caption"], description="caption", layout=WIDE), "figure-caption")
        self.alt = tagged(w.Text(value=figure["alt"], description="alt text", layout=WIDE), "figure-alt")
        self.up = tagged(w.Button(icon="arrow-up", layout=w.Layout(width="36px")), "figure-up")
        self.down = tagged(w.Button(icon="arrow-down", layout=w.Layout(width="36px")), "figure-down")
        texts = w.VBox([self.include, self.caption, self.alt], layout=w.Layout(width="70%"))
        self.box = tagged(w.HBox([self.image, texts, w.VBox([self.up, self.down])]), "figure")


class MetricsPanel:
    """The metrics of the card's model-index, and a form to add one."""

    def __init__(self) -> None:
        self.table = tagged(w.HTML(), "metrics-table")
        self.name = tagged(w.Text(placeholder="name, e.g. roc_auc"), "metric-name")
        self.value = tagged(w.Text(placeholder="value, e.g. 0.93"), "metric-value")
        self.dataset = tagged(w.Text(placeholder="dataset, e.g. held-out 2024"), "metric-dataset")
        self.add = tagged(w.Button(description="Add metric", icon="plus"), "metric-add")
        self.box = w.VBox([self.table, w.HBox([self.name, self.value, self.dataset, self.add])])

    def show(self, metrics: list[dict]) -> None:
        rows = "".join(
            f"<tr><td>{m['name']}</td><td>{_number(m['value'])}</td><td>{m['dataset'] or ''}</td></tr>" for m in metrics
        )
        self.table.value = (
            "<table><tr><th>metric</th><th>value</th><th>dataset</th></tr>" + rows + "</table>"
            if metrics else "<i>No metrics in the card yet: add one below, or pass labels to %hub_init.</i>"
        )



def _number(value) -> str:
    """A metric's value as the card shows it: numbers in their shortest form, anything else as written."""
    return f"{value:g}" if isinstance(value, (int, float)) else str(value)

class ActionBar:
    """Save / Push / Revert / Undo / Redo, the commit message, the progress and the outcome."""

    def __init__(self, create_pr: bool, commit_message: str) -> None:
        self.save = tagged(w.Button(description="Save", icon="save", button_style="primary"), "save")
        self.push = tagged(w.Button(description="Push", icon="upload", button_style="success"), "push")
        self.revert = tagged(w.Button(description="Revert", icon="undo"), "revert")
        self.undo = tagged(w.Button(description="Undo", icon="rotate-left"), "undo")
        self.redo = tagged(w.Button(description="Redo", icon="rotate-right"), "redo")
        self.message = tagged(
            w.Text(value=commit_message, placeholder="commit message (optional)", layout=w.Layout(width="50%")),
            "commit-message",
        )
        self.create_pr = tagged(
            w.Checkbox(value=create_pr, description="open a pull request", indent=False), "create-pr"
        )
        self.progress = tagged(
            w.IntProgress(min=0, max=100, value=0, layout=w.Layout(width="50%", visibility="hidden")), "progress"
        )
        self.outcome = tagged(w.HTML(), "outcome")
        self.box = w.VBox([
            w.HBox([self.save, self.push, self.revert, self.undo, self.redo]),
            w.HBox([self.message, self.create_pr]),
            self.progress, self.outcome,
        ])
