"""Model cards: the Hub's validate-yaml rules, metadata_update and ModelCard.push_to_hub."""

from __future__ import annotations

import pytest
from huggingface_hub import (
    ModelCard,
    ModelCardData,
    hf_hub_download,
    metadata_load,
    metadata_update,
)


def _card(metadata: str) -> str:
    return f"---\n{metadata}\n---\n\n# Model\n"


def test_invalid_metadata_is_rejected_before_anything_is_uploaded(api, hub, repo_name):
    repo_id = f"alice/{repo_name}"
    api.create_repo(repo_name)
    head = api.model_info(repo_id).sha
    with pytest.raises(ValueError, match='Invalid metadata in README.md.\n- "model-index" must be an array'):
        api.upload_file(path_or_fileobj=_card("model-index: foo").encode(), path_in_repo="README.md", repo_id=repo_id)
    with pytest.raises(ValueError, match='"license" must be one of'):
        api.upload_file(path_or_fileobj=_card("license: asdf").encode(), path_in_repo="README.md", repo_id=repo_id)
    with pytest.raises(ValueError, match=r'"tags\[1\]" must be a string'):
        api.upload_file(path_or_fileobj=_card("tags:\n- ok\n- {a: 1}").encode(), path_in_repo="README.md",
                        repo_id=repo_id)
    with pytest.raises(ValueError, match=r'"model-index\[0\].results\[0\].metrics\[0\].value" is required'):
        bad_index = ("model-index:\n- name: m\n  results:\n  - task: {type: t}\n    dataset: {type: d, name: d}\n"
                     "    metrics:\n    - type: accuracy")
        api.upload_file(path_or_fileobj=_card(bad_index).encode(), path_in_repo="README.md", repo_id=repo_id)
    assert api.model_info(repo_id).sha == head


def test_card_without_metadata_gets_a_warning(api, repo_name):
    repo_id = f"alice/{repo_name}"
    api.create_repo(repo_name)
    with pytest.warns(UserWarning, match="Empty or missing yaml metadata"):
        api.upload_file(path_or_fileobj=b"# Just a title\n", path_in_repo="README.md", repo_id=repo_id)
    assert "README.md" in api.list_repo_files(repo_id)


def test_repocard_validate_reports_the_hubs_text():
    card = ModelCard(_card("license: asdf"))
    with pytest.raises(ValueError, match='- Error: "license" must be one of'):
        card.validate()
    ModelCard(_card("license: apache-2.0\ndatasets: iris")).validate()


def test_metadata_update_and_push_to_hub(api, hub, alice_token, tmp_path, repo_name):
    repo_id = f"alice/{repo_name}"
    api.create_repo(repo_name)
    data = ModelCardData(license="mit", library_name="sklearn", tags=["tabular-classification"])
    card = ModelCard.from_template(data, model_description="A tiny iris classifier.")
    card.push_to_hub(repo_id, token=alice_token)
    metadata_update(repo_id, {"tags": ["tabular-classification", "iris"], "datasets": ["iris"]},
                    token=alice_token, overwrite=True)
    readme = hf_hub_download(repo_id, "README.md", cache_dir=tmp_path)
    metadata = metadata_load(readme)
    assert metadata["license"] == "mit" and metadata["datasets"] == ["iris"]
    assert "iris" in metadata["tags"]
    info = api.model_info(repo_id)
    assert info.card_data["license"] == "mit" and "iris" in info.tags
    assert info.library_name == "sklearn"
