"""The user's story through the real publisher and client: a token pasted in the
notebook ends up in train.py; the push is refused, nothing reaches the Hub; the push
with redaction publishes a script that reads the token from the environment."""

from __future__ import annotations

import pytest
from huggingface_hub import HfApi

from hubmagic.errors import SecretsFoundError
from hubmagic.hub._publish import publish_folder


def test_pasted_token_blocks_the_push_until_redacted(clean_repo, hub, alice_token, repo_name, tmp_path):
    repo_id = f"alice/{repo_name}"
    train = clean_repo / "train.py"
    train.write_text(
        train.read_text().replace('token = os.environ["HF_TOKEN"]', f'token = "{alice_token}"')
    )

    with pytest.raises(SecretsFoundError) as refused:
        publish_folder(clean_repo, repo_id, token=alice_token)
    finding = refused.value.findings[0]
    assert (finding.file, finding.kind) == ("train.py", "Hugging Face token of the current user")
    assert alice_token not in str(refused.value)
    api = HfApi(endpoint=hub.endpoint, token=alice_token)
    assert not api.repo_exists(repo_id)

    publish_folder(clean_repo, repo_id, token=alice_token, redact=True)

    api.snapshot_download(repo_id, local_dir=tmp_path / "published")
    texts = {
        path.name: path.read_bytes()
        for path in (tmp_path / "published").rglob("*")
        if path.is_file() and ".cache" not in path.parts
    }
    assert {"train.py", "README.md", "config.json"} <= set(texts)
    assert not any(alice_token.encode() in data for data in texts.values())
    assert b'token = os.environ["HF_TOKEN"]' in texts["train.py"]
