"""The card's state as text, for where widgets cannot render (terminal IPython, nbconvert)."""

from __future__ import annotations

from pathlib import Path

from hubmagic.widgets._checks import card_checks, field_problems
from hubmagic.widgets._document import PLACEHOLDER, CardDocument


def card_summary(folder: Path) -> str:
    """What the card holds, what it lacks, and how to edit it without the widget."""
    readme = Path(folder) / "README.md"
    doc = CardDocument.from_text(readme.read_text(encoding="utf-8")) if readme.is_file() else CardDocument()
    lines = [f"Model card {readme}"]
    for key in ("license", "pipeline_tag", "tags", "datasets", "language", "base_model", "model_name"):
        value = doc.field(key)
        if value:
            lines.append(f"  {key}: {', '.join(map(str, value)) if isinstance(value, list) else value}")
    lines.append("  sections:")
    for section in doc.sections:
        mark = "  ← [More Information Needed]" if PLACEHOLDER in section["content"] else ""
        lines.append(f"    {'  ' * (section['level'] - 1)}{section['title']}{mark}")
    figures = doc.figures()
    if figures:
        lines.append("  figures: " + ", ".join(f["path"] for f in figures))
    metrics = doc.metrics()
    if metrics:
        lines.append("  metrics: " + ", ".join(f"{m['name']}={m['value']:g}" for m in metrics))
    problems = card_checks(doc, Path(folder)) + [f"{k}: {v}" for k, v in field_problems(doc.metadata).items()]
    if problems:
        lines.append("  to do:")
        lines += [f"    - {p}" for p in problems]
    lines += [
        "",
        "This front end cannot show the card editor (it needs Jupyter widgets). Edit the card in Python:",
        f"    repo = hubmagic.ModelRepository.open({str(folder)!r})",
        '    repo.card.metadata.license = "mit"',
        '    repo.card.add(**{"Model description/Intended uses & limitations": "..."})',
        "    repo.save()",
        f"or edit {readme} in any editor, then %hub_push.",
    ]
    return "\n".join(lines)
