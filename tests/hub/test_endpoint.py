"""Which hub hubmagic talks to: HF_ENDPOINT read at call time, use_endpoint for the process."""

from __future__ import annotations

import pytest

import hubmagic
from hubmagic.errors import InvalidInputError
from hubmagic.hub._endpoint import get_endpoint, hf_api, use_endpoint


@pytest.fixture
def restore_client_constants(monkeypatch):
    from huggingface_hub import constants

    for name in ("ENDPOINT", "HUGGINGFACE_CO_URL_TEMPLATE", "HF_HUB_DISABLE_XET", "HF_URL_HOSTS"):
        monkeypatch.setattr(constants, name, getattr(constants, name))
    for name in ("HF_ENDPOINT", "HF_HUB_DISABLE_XET"):
        monkeypatch.setenv(name, __import__("os").environ.get(name, ""))
    return constants


def test_endpoint_is_read_at_call_time(monkeypatch, hub):
    assert get_endpoint() == hub.endpoint
    monkeypatch.setenv("HF_ENDPOINT", "http://127.0.0.1:1234/")
    assert get_endpoint() == "http://127.0.0.1:1234"
    assert hf_api().endpoint == "http://127.0.0.1:1234"
    monkeypatch.delenv("HF_ENDPOINT")
    assert get_endpoint() == "https://huggingface.co"


def test_use_endpoint_points_the_client_at_a_local_hub(restore_client_constants, monkeypatch):
    constants = restore_client_constants
    monkeypatch.setattr(constants, "HF_HUB_DISABLE_XET", False)

    assert use_endpoint("http://127.0.0.1:5555/") == "http://127.0.0.1:5555"

    assert get_endpoint() == "http://127.0.0.1:5555"
    assert constants.ENDPOINT == "http://127.0.0.1:5555"
    assert constants.HUGGINGFACE_CO_URL_TEMPLATE.startswith("http://127.0.0.1:5555/{repo_id}/resolve/")
    assert constants.HF_HUB_DISABLE_XET is True


def test_use_endpoint_keeps_xet_for_huggingface_co(restore_client_constants, monkeypatch):
    constants = restore_client_constants
    monkeypatch.setattr(constants, "HF_HUB_DISABLE_XET", False)
    use_endpoint("https://huggingface.co")
    assert constants.HF_HUB_DISABLE_XET is False and constants.ENDPOINT == "https://huggingface.co"


def test_use_endpoint_rejects_what_is_not_a_url():
    with pytest.raises(InvalidInputError, match="not a hub URL"):
        use_endpoint("127.0.0.1:8000")


def test_hf_api_identifies_hubmagic(alice_token, hub):
    api = hf_api(alice_token)
    assert (api.endpoint, api.token) == (hub.endpoint, alice_token)
    assert (api.library_name, api.library_version) == ("hubmagic", hubmagic.__version__)
    assert api.whoami()["name"] == "alice"
