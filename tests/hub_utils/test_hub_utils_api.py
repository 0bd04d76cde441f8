"""The public surface is skops 0.8.0's: same names, parameters, kinds and defaults."""

from __future__ import annotations

import inspect

import pytest

from hubmagic import hub_utils

P = inspect.Parameter
KW, POS, VAR, VARKW = P.KEYWORD_ONLY, P.POSITIONAL_OR_KEYWORD, P.VAR_POSITIONAL, P.VAR_KEYWORD
REQUIRED = P.empty

# Read from skops 0.8.0's skops/hub_utils/_hf_hub.py: (name, kind, default).
SKOPS_080 = {
    "init": [
        ("model", KW, REQUIRED), ("requirements", KW, REQUIRED), ("dst", KW, REQUIRED),
        ("task", KW, REQUIRED), ("data", KW, REQUIRED), ("model_format", KW, "auto"),
        ("use_intelex", KW, False),
    ],
    "add_files": [("files", VAR, REQUIRED), ("dst", KW, REQUIRED), ("exist_ok", KW, False)],
    "push": [
        ("repo_id", KW, REQUIRED), ("source", KW, REQUIRED), ("token", KW, None),
        ("commit_message", KW, None), ("create_remote", KW, False), ("private", KW, None),
    ],
    "get_config": [("path", POS, REQUIRED)],
    "get_requirements": [("path", POS, REQUIRED)],
    "update_env": [("path", KW, REQUIRED), ("requirements", KW, None)],
    "download": [
        ("repo_id", KW, REQUIRED), ("dst", KW, REQUIRED), ("revision", KW, None),
        ("token", KW, None), ("keep_cache", KW, True), ("kwargs", VARKW, REQUIRED),
    ],
    "get_model_output": [("repo_id", POS, REQUIRED), ("data", POS, REQUIRED), ("token", POS, None)],
}
# hubmagic's additions: keyword-only, with defaults that keep skops' behaviour.
EXTRAS = {
    "push": {"create_pr": False, "revision": None, "allow_patterns": None, "ignore_patterns": None, "overwrite": False},
    "get_model_output": {"revision": None, "trusted": None},
}


def test_public_names_are_skops_080s():
    assert sorted(hub_utils.__all__) == sorted(SKOPS_080)
    for name in SKOPS_080:
        assert callable(getattr(hub_utils, name))


@pytest.mark.parametrize("name", sorted(SKOPS_080))
def test_signature_matches_skops_080(name):
    params = list(inspect.signature(getattr(hub_utils, name)).parameters.values())
    skops = SKOPS_080[name]
    ours = [(p.name, p.kind, p.default) for p in params if p.name not in EXTRAS.get(name, {})]
    assert ours == skops
    extras = {p.name: p.default for p in params if p.name in EXTRAS.get(name, {})}
    assert extras == EXTRAS.get(name, {})
    assert all(p.kind == KW for p in params if p.name in extras)


def test_skops_style_import_works():
    import hubmagic
    from hubmagic import card
    from hubmagic import hub_utils as imported

    assert imported is hubmagic.hub_utils
    assert callable(card.Card) and callable(card.metadata_from_config)
