"""%hub_local: an embedded hub started from the notebook, with no account and no network."""

from __future__ import annotations

import os

from huggingface_hub import HfApi

from hubmagic.hub._local import ENV_ENDPOINT, stop_local_hubs


def test_hub_local_starts_an_embedded_hub(ip, tmp_path, monkeypatch, capsys):
    from huggingface_hub import constants

    # %hub_local points the whole process at the new hub: restore the test hub afterwards.
    monkeypatch.delenv(ENV_ENDPOINT, raising=False)
    monkeypatch.setenv("HF_ENDPOINT", os.environ["HF_ENDPOINT"])
    monkeypatch.setenv("HF_TOKEN", "placeholder")
    monkeypatch.setattr(constants, "ENDPOINT", constants.ENDPOINT)
    monkeypatch.setattr(constants, "HUGGINGFACE_CO_URL_TEMPLATE", constants.HUGGINGFACE_CO_URL_TEMPLATE)
    try:
        ip.run_cell(f"%hub_local --data-dir {tmp_path / 'embedded'}", store_history=True)
        out = capsys.readouterr().out
        assert "local hub: http://127.0.0.1:" in out
        endpoint = os.environ["HF_ENDPOINT"]
        assert endpoint in out
        api = HfApi(endpoint=endpoint)  # token from HF_TOKEN, set by %hub_local in this process only
        user = api.whoami()["name"]
        ip.run_cell("from sklearn.linear_model import LinearRegression\nimport numpy as np\n"
                    "X = np.arange(20.0).reshape(10, 2)\ny = X @ [1.0, 2.0]\n"
                    "reg = LinearRegression().fit(X, y)", store_history=True)
        ip.run_cell("%hub_init reg --data X", store_history=True)
        ip.run_cell(f"%hub_push --repo-id {user}/reg", store_history=True)
        assert "model.skops" in api.list_repo_files(f"{user}/reg")
        assert (tmp_path / "embedded").is_dir()
        for path in (tmp_path / "hub").rglob("*"):
            if path.is_file():
                assert os.environ["HF_TOKEN"].encode() not in path.read_bytes()
    finally:
        stop_local_hubs()
