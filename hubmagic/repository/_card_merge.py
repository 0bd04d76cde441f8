"""Keep the user's edits of README.md when ``ModelRepository.init`` regenerates the card.

A three-way merge at the granularity the user edits: metadata keys and Markdown sections.
``base`` is the card hubmagic generated last time, ``mine`` the README.md as it is now
(edited by hand or through ``repo.card``), ``new`` the freshly generated card.

* a metadata key whose value the user changed (or added, or removed) keeps the user's value;
* a section (the text under a heading, up to the next heading) whose text the user changed
  keeps the user's text; a section the user added is kept after the section it followed;
  a section the user deleted stays deleted;
* everything else — untouched keys and sections — is regenerated (new metrics, new
  hyper-parameters, new figures ...).
"""

from __future__ import annotations

import re

_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_FENCE = re.compile(r"^\s*(```|~~~)")
_PREAMBLE = "<preamble>"


def split_card(text: str) -> tuple[dict, list[tuple[str, str]]]:
    """``(metadata dict, [(section key, section text), ...])`` of a README.md."""
    from huggingface_hub import ModelCard

    card = ModelCard(text, ignore_metadata_errors=True)
    metadata = card.data.to_dict() if card.data is not None else {}
    return metadata, _sections(card.text)


def _sections(body: str) -> list[tuple[str, str]]:
    sections: list[tuple[str, list[str]]] = [(_PREAMBLE, [])]
    seen: dict[str, int] = {}
    in_fence = False
    for line in body.splitlines(keepends=True):
        if _FENCE.match(line):
            in_fence = not in_fence
        match = None if in_fence else _HEADING.match(line.rstrip("\n"))
        if match:
            title = f"{match.group(1)} {match.group(2)}"
            seen[title] = seen.get(title, 0) + 1
            key = title if seen[title] == 1 else f"{title} [{seen[title]}]"
            sections.append((key, [line]))
        else:
            sections[-1][1].append(line)
    return [(key, "".join(lines)) for key, lines in sections]


def _norm(text: str) -> str:
    return "\n".join(line.rstrip() for line in text.strip().splitlines())


def merge_metadata(base: dict, mine: dict, new: dict) -> dict:
    merged = dict(new)
    for key in set(base) | set(mine):
        if key not in mine and key in base:
            merged.pop(key, None)  # the user removed it
        elif key in mine and base.get(key) != mine[key]:
            merged[key] = mine[key]
    return merged


def merge_sections(base, mine, new) -> list[tuple[str, str]]:
    base_d, mine_d = dict(base), dict(mine)
    merged = []
    for key, text in new:
        if key in base_d and key not in mine_d:
            continue  # the user deleted it
        if key in mine_d and (key not in base_d or _norm(mine_d[key]) != _norm(base_d[key])):
            text = mine_d[key]  # the user edited it
        merged.append((key, text))
    keys = [k for k, _ in merged]
    previous = None
    for key, text in mine:
        if key not in base_d and key not in keys:
            at = keys.index(previous) + 1 if previous in keys else len(keys)
            keys.insert(at, key)
            merged.insert(at, (key, text))
        previous = key
    return merged


def merge_cards(base_text: str | None, mine_text: str | None, new_text: str) -> str:
    """The new card with the user's edits (relative to ``base_text``) re-applied."""
    if not mine_text or base_text is None or _norm(base_text) == _norm(mine_text):
        return new_text
    import yaml

    base_meta, base_sec = split_card(base_text)
    mine_meta, mine_sec = split_card(mine_text)
    new_meta, new_sec = split_card(new_text)
    metadata = merge_metadata(base_meta, mine_meta, new_meta)
    merged = merge_sections(base_sec, mine_sec, new_sec)
    body = "".join(text if text.endswith("\n") else text + "\n" for _, text in merged)
    if not metadata:
        return body
    front = yaml.safe_dump(metadata, sort_keys=False, allow_unicode=True)
    return f"---\n{front}---\n{body.lstrip(chr(10))}"
