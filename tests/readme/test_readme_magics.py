"""The README's magic reference matches the magics' own argument parsers.

Every magic the README's "Magics" table names exists and takes the options it lists, and
every option a magic's ``magic_arguments`` parser accepts is in the table. When a magic
or option is added, the failure says which table row to change.
"""

from __future__ import annotations

import importlib
import re
from pathlib import Path

import pytest

from hubmagic.magics import MAGICS

README = Path(__file__).resolve().parents[2] / "README.md"


def readme_reference() -> dict[str, set[str]]:
    """``{magic: {--option, ...}}`` from the rows of the README's "## Magics" table."""
    text = README.read_text(encoding="utf-8")
    section = text.split("\n## Magics", 1)[1].split("\n## ", 1)[0]
    reference = {}
    for line in section.splitlines():
        match = re.match(r"\|\s*`%(\w+)([^`]*)`", line)
        if match:
            reference[match.group(1)] = set(re.findall(r"--[\w-]+", match.group(2)))
    return reference


def magics_classes() -> list[type]:
    """Every Magics class ``%load_ext hubmagic`` registers."""
    return [getattr(importlib.import_module(module), name) for module, name in (s.split(":") for s in MAGICS)]


def magics_options() -> dict[str, set[str]]:
    """``{magic: {--option, ...}}`` of every ``%hub_*`` line magic, from its own parser."""
    found = {}
    magics = {name: getattr(cls, name) for cls in magics_classes() for name in dir(cls) if name.startswith("hub_")}
    for name, method in magics.items():
        parser = getattr(method, "parser", None)
        options = set()
        if parser is not None:
            options = {
                option for action in parser._actions for option in action.option_strings
                if option.startswith("--") and option != "--help"  # argparse's own, documented once
            }
        found[name] = options
    return found


def test_the_readme_has_a_magic_reference():
    assert len(readme_reference()) >= 5, "README.md needs a '## Magics' table: | `%hub_x [--opt ...]` | what it does |"


def test_every_magic_is_documented():
    missing = sorted(set(magics_options()) - set(readme_reference()))
    assert not missing, "Add a row to the README's Magics table for: " + ", ".join(
        f"`%{name} {' '.join(f'[{opt} ...]' for opt in sorted(magics_options()[name]))}`".replace(" `", "`")
        for name in missing
    )


def test_every_documented_magic_exists():
    unknown = sorted(set(readme_reference()) - set(magics_options()))
    assert not unknown, f"The README's Magics table names magics that do not exist: {unknown}; remove those rows."


@pytest.mark.parametrize("magic", sorted(magics_options()))
def test_options_match(magic):
    documented = readme_reference().get(magic)
    if documented is None:
        pytest.fail(f"%{magic} is missing from the README's Magics table")
    actual = magics_options()[magic]
    undocumented, unknown = sorted(actual - documented), sorted(documented - actual)
    assert not undocumented, f"Add {', '.join(undocumented)} to the `%{magic} ...` row of the README's Magics table."
    assert not unknown, (
        f"The `%{magic} ...` row of the README documents {', '.join(unknown)}, which %{magic} does not take: remove it."
    )


def test_the_checker_sees_a_real_difference():
    """The comparison is not vacuous: the parser of %hub_push knows --create-pr, %hub_status takes no option."""
    options = magics_options()
    assert "--create-pr" in options["hub_push"] and options["hub_status"] == set()
