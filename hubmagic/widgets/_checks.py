"""What the editor tells about a card: field problems, the Hub's verdict, our checks, a preview."""

from __future__ import annotations

import difflib
import html
import re
from pathlib import Path

import yaml
from markdown_it import MarkdownIt

from hubmagic.card._licenses import license_problem
from hubmagic.widgets._document import PLACEHOLDER, CardDocument

# The Hub's task ids a scikit-learn model can have (https://huggingface.co/tasks).
PIPELINE_TAGS = (
    "tabular-classification", "tabular-regression", "text-classification", "token-classification",
    "time-series-forecasting", "zero-shot-classification", "feature-extraction", "image-classification",
    "object-detection", "audio-classification", "reinforcement-learning", "other",
)
_REPO_ID = re.compile(r"^(?:[\w.-]+/)?[\w.-]+$")
_LANGUAGE = re.compile(r"^[a-z]{2,3}(?:[-_][A-Za-z0-9]{2,8})*$")


def field_problems(metadata: dict) -> dict[str, str]:
    """``{field: what is wrong and what to do}`` for the metadata fields the editor shows."""
    problems: dict[str, str] = {}
    problem = license_problem(metadata.get("license"))
    if problem:
        problems["license"] = problem
    tag = metadata.get("pipeline_tag")
    if tag and tag not in PIPELINE_TAGS:
        close = difflib.get_close_matches(tag.lower().replace(" ", "-"), PIPELINE_TAGS, n=1)
        hint = f"did you mean `{close[0]}`?" if close else "pick one from the list."
        problems["pipeline_tag"] = f"{tag!r} is not a Hub task: {hint}"
    for key in ("datasets", "base_model"):
        bad = [v for v in _as_list(metadata.get(key)) if not _REPO_ID.match(v)]
        if bad:
            problems[key] = f"{', '.join(map(repr, bad))}: give Hub repository ids such as `scikit-learn/iris`."
    bad = [v for v in _as_list(metadata.get("language")) if not _LANGUAGE.match(v)]
    if bad:
        problems["language"] = f"{', '.join(map(repr, bad))}: use ISO 639-1 codes such as `en` or `fr`."
    bad = [v for v in _as_list(metadata.get("tags")) if not v.strip() or "\n" in v]
    if bad:
        problems["tags"] = "A tag cannot be empty or span lines: remove it."
    return problems


def hub_validation(text: str, endpoint: str) -> tuple[list[str], list[str]]:
    """``(errors, warnings)`` of the Hub's ``validate-yaml`` for this README.

    ``HfApi`` has no public method for it, so this posts what the client itself posts
    before a commit, with the client's session and headers (the same proxies, token and
    user agent), to whichever Hub the session uses.
    """
    from huggingface_hub.utils import build_hf_headers, get_session

    try:
        response = get_session().post(
            f"{endpoint}/api/validate-yaml",
            json={"content": text, "repoType": "model"},
            headers=build_hf_headers(),
            timeout=10,
        )
        answer = response.json()
    except Exception as exc:  # noqa: BLE001 - any network or decoding failure is reported, not raised
        return [], [f"The Hub at {endpoint} could not check the card ({type(exc).__name__}): try again later."]
    errors = [e.get("message", str(e)) for e in answer.get("errors", [])]
    warnings = [w.get("message", str(w)) for w in answer.get("warnings", [])]
    return errors, warnings


def card_checks(doc: CardDocument, folder: Path | None) -> list[str]:
    """Our own checks: what a reader of the Hub page would miss."""
    found = []
    if not doc.metadata.get("license"):
        found.append("No license: pick one in Metadata → license (e.g. `mit`).")
    count = doc.placeholders()
    if count:
        found.append(f"{count} placeholder(s) {PLACEHOLDER} left: replace them with what you know.")
    for figure in doc.figures():
        if not figure["alt"].strip() or figure["alt"] == Path(figure["path"]).stem:
            found.append(f"Figure {figure['path']} has no alt text: describe it in Figures → alt text.")
    if folder is not None:
        for section, target in doc.linked_files():
            if not (folder / target).is_file():
                found.append(
                    f"Section {section!r} links to {target}, which the repository does not hold: "
                    "add it or remove the link."
                )
    return found


_MD = MarkdownIt("commonmark", {"html": True}).enable("table").enable("strikethrough")


def preview_html(doc: CardDocument, images: dict[str, str] | None = None) -> str:
    """The card as the Hub page shows it: a metadata table, then the rendered body.

    ``images`` maps figure paths to ``data:`` URLs so the preview shows local figures.
    """
    meta_rows = "".join(
        f"<tr><th style='text-align:left;padding-right:1em'>{html.escape(str(key))}</th>"
        f"<td><code>{html.escape(_short(value))}</code></td></tr>"
        for key, value in doc.metadata.items()
        if key not in ("widget", "model-index")
    )
    body = doc.render()
    body = body[body.index("\n---\n", 4) + 5 :] if body.startswith("---\n") else body
    rendered = _MD.render(body)
    for path, url in (images or {}).items():
        rendered = rendered.replace(f'src="{html.escape(path)}"', f'src="{url}" style="max-width:320px"')
    rendered = rendered.replace(html.escape(PLACEHOLDER), f"<mark>{html.escape(PLACEHOLDER)}</mark>")
    return (
        f"<div class='hubmagic-card-preview'><table>{meta_rows}</table><hr>{rendered}</div>"
    )


def _short(value) -> str:
    text = value if isinstance(value, str) else yaml.safe_dump(value, default_flow_style=True, width=10_000).strip()
    return text if len(text) < 160 else text[:159] + "…"


def _as_list(value) -> list[str]:
    if value is None:
        return []
    return [str(v) for v in (value if isinstance(value, list) else [value])]
