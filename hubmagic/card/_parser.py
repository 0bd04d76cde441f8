"""Read a README.md back into a :class:`~hubmagic.card.Card`.

skops' own ``parse_modelcard`` needs the pandoc program. A model card only needs
its structure back (metadata, then headings with their Markdown in order), so
this parser splits on ATX headings (``#`` .. ``######``) itself, ignoring lines
inside fenced code blocks and ``<style>``/``<script>``/``<pre>`` blocks, and keeps
every section's Markdown verbatim. Rendering a parsed card gives back the same
text for cards written by ``Card.save``.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path

import yaml
from huggingface_hub import ModelCardData
from huggingface_hub.repocard import REGEX_YAML_BLOCK
from skops.card._model_card import Section

from hubmagic._yaml_limits import MAX_METADATA_VALUES, expands_beyond
from hubmagic.card._model_card import Card
from hubmagic.errors import InvalidInputError

logger = logging.getLogger(__name__)

_HEADING = re.compile(r"^ {0,3}(#{1,6})(?:[ \t]+(.*?))?[ \t]*$")
_CLOSING_HASHES = re.compile(r"(?:^|[ \t]+)#+$")
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_RAW_BLOCK_START = re.compile(r"<(style|script|pre)[\s>]", re.IGNORECASE)


def parse_modelcard(path: str | Path) -> Card:
    """Load a model card file (README.md) as a :class:`Card` to edit and save again.

    The YAML front matter becomes ``card.metadata`` (a ``ModelCardData``), each
    heading a section (nested by level, in order), and the Markdown under it the
    section's content. Text before the first heading is kept in ``card.preamble``.
    The card has no model attached (``card.model is None``).

    >>> card = parse_modelcard("hub/model/README.md")  # doctest: +SKIP
    >>> card.select("Model description").content  # doctest: +SKIP
    'This is a LogisticRegression ...'
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise InvalidInputError(
            f"Cannot read the model card {str(path)!r}: {exc}"
        ) from exc
    return parse_modelcard_text(text)


def parse_modelcard_text(text: str) -> Card:
    """Like :func:`parse_modelcard`, from the card's text."""
    text = text.replace("\r\n", "\n")
    metadata, body = _split_front_matter(text)
    card = Card(None, model_diagram=False, metadata=metadata, template=None)
    _fill_sections(card, body)
    return card


def _split_front_matter(text: str) -> tuple[ModelCardData, str]:
    match = REGEX_YAML_BLOCK.search(text)
    if not match:
        return ModelCardData(), text
    try:
        data = yaml.safe_load(match.group(2)) or {}
    except yaml.YAMLError as exc:
        raise InvalidInputError(
            f"The card's YAML metadata cannot be parsed: {exc}"
        ) from exc
    if not isinstance(data, dict):
        raise InvalidInputError(
            "The card's YAML metadata must be a mapping (key: value lines)."
        )
    if expands_beyond(data):
        raise InvalidInputError(
            f"The card's YAML metadata repeats values through aliases (`&name` / `*name`) to more than "
            f"{MAX_METADATA_VALUES:,} values, or refers to itself, so it was not read: written out (as the "
            "editor and the Hub do) it would exhaust memory. Write the values out instead of repeating them."
        )
    try:
        metadata = ModelCardData(**data)
    except ValueError as exc:
        logger.warning("Ignoring an invalid model-index in the card: %s", exc)
        metadata = ModelCardData(**data, ignore_metadata_errors=True)
    return metadata, text[match.end() :]


def _fill_sections(card: Card, body: str) -> None:
    stack: list[tuple[int, Section]] = []
    preamble: list[str] = []
    current = preamble
    contents: list[tuple[Section, list[str]]] = []
    fence: str | None = None
    raw_block: str | None = None
    for line in body.split("\n"):
        if fence is not None:
            if line.strip().startswith(fence) and set(line.strip()) == {fence[0]}:
                fence = None
            current.append(line)
            continue
        if raw_block is not None:
            if f"</{raw_block}" in line.lower():
                raw_block = None
            current.append(line)
            continue
        fence_match = _FENCE.match(line)
        if fence_match:
            fence = fence_match.group(1)
            current.append(line)
            continue
        raw_match = _RAW_BLOCK_START.search(line)
        if (
            raw_match
            and f"</{raw_match.group(1).lower()}"
            not in line.lower()[raw_match.start() :]
        ):
            raw_block = raw_match.group(1).lower()
            current.append(line)
            continue
        heading = _HEADING.match(line)
        if heading is None:
            current.append(line)
            continue
        level = len(heading.group(1))
        title = _CLOSING_HASHES.sub("", heading.group(2) or "").strip()
        while stack and stack[-1][0] >= level:
            stack.pop()
        siblings = stack[-1][1].subsections if stack else card._data
        section = Section(title=title, content="")
        siblings[_unique_key(siblings, title)] = section
        stack.append((level, section))
        current = []
        contents.append((section, current))
    for section, lines in contents:
        section.content = _strip_blank_lines(lines)
    card.preamble = _strip_blank_lines(preamble)


def _unique_key(siblings: dict, title: str) -> str:
    # Two sections may share a title; keys must not, titles are rendered as written.
    key, n = title, 2
    while key in siblings:
        key, n = f"{title} ({n})", n + 1
    return key


def _strip_blank_lines(lines: list[str]) -> str:
    start, end = 0, len(lines)
    while start < end and not lines[start].strip():
        start += 1
    while end > start and not lines[end - 1].strip():
        end -= 1
    return "\n".join(lines[start:end])
