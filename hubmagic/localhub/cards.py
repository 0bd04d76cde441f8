"""Model card metadata: front-matter parsing and the Hub's ``validate-yaml`` rules.

The Hub refuses a README whose YAML metadata is malformed (unknown license id,
``model-index`` that is not a list of results, ``tags`` that are not strings ...)
and warns about a card without metadata. Messages follow the Hub's wording
(``"license" must be one of [...]``) because users and tests read them.
"""

from __future__ import annotations

import re

import yaml
from starlette.responses import PlainTextResponse

from hubmagic._yaml_limits import MAX_METADATA_VALUES, expands_beyond

from .http import Call, json_response
from .licenses import LICENSE_IDS

_YAML_BLOCK = re.compile(r"^(\s*---[\r\n]+)([\S\s]*?)([\r\n]+---(\r\n|\n|$))")
_SPACE_SDKS = ("gradio", "docker", "static", "streamlit")
_SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml's when PyYAML has it
EMPTY_METADATA_WARNING = (
    "Empty or missing yaml metadata in repo card "
    "(https://huggingface.co/docs/hub/model-cards#model-card-metadata)"
)


def front_matter(text: str) -> tuple[dict | None, str | None]:
    """``(metadata, error)`` of a README: ``(None, None)`` when it has no YAML block."""
    match = _YAML_BLOCK.search(text)
    if not match:
        return None, None
    try:
        data = yaml.load(match.group(2), Loader=_SAFE_LOADER)
    except yaml.YAMLError as exc:
        return None, f"YAML metadata could not be parsed: {str(exc).splitlines()[0]}"
    if data is None:
        return {}, None
    if not isinstance(data, dict):
        return None, '"value" must be of type object'
    if expands_beyond(data, MAX_METADATA_VALUES):
        return None, (f"YAML metadata expands to more than {MAX_METADATA_VALUES:,} values through its aliases "
                      "(or refers to itself): write the values out instead of repeating them with aliases")
    return data, None


def _string_or_strings(key: str, value, errors: list[str]) -> None:
    if isinstance(value, str):
        return
    if not isinstance(value, list):
        errors.append(f'"{key}" must be one of [string, array]')
        return
    for i, item in enumerate(value):
        if not isinstance(item, str):
            errors.append(f'"{key}[{i}]" must be a string')


def _strings(key: str, value, errors: list[str]) -> None:
    if not isinstance(value, list):
        errors.append(f'"{key}" must be an array')
        return
    for i, item in enumerate(value):
        if not isinstance(item, str):
            errors.append(f'"{key}[{i}]" must be a string')


def _object(key: str, value, errors: list[str], required: tuple[str, ...], strings: tuple[str, ...]) -> bool:
    if not isinstance(value, dict):
        errors.append(f'"{key}" must be of type object')
        return False
    for name in required:
        if name not in value:
            errors.append(f'"{key}.{name}" is required')
    for name in strings:
        if name in value and not isinstance(value[name], str):
            errors.append(f'"{key}.{name}" must be a string')
    return True


def _model_index(value, errors: list[str]) -> None:
    if not isinstance(value, list):
        errors.append('"model-index" must be an array')
        return
    for i, model in enumerate(value):
        key = f"model-index[{i}]"
        if not _object(key, model, errors, ("name",), ("name",)):
            continue
        results = model.get("results")
        if results is None:
            errors.append(f'"{key}.results" is required')
        elif not isinstance(results, list):
            errors.append(f'"{key}.results" must be an array')
        else:
            for j, result in enumerate(results):
                _result(f"{key}.results[{j}]", result, errors)


def _result(key: str, result, errors: list[str]) -> None:
    """One ``model-index[i].results[j]``: what was evaluated, on which data, with which metrics."""
    if not _object(key, result, errors, ("task", "dataset", "metrics"), ()):
        return
    if "task" in result:
        _object(f"{key}.task", result["task"], errors, ("type",), ("type", "name"))
    if "dataset" in result:
        _object(f"{key}.dataset", result["dataset"], errors, ("type", "name"),
                ("type", "name", "config", "split", "revision"))
    if "source" in result:
        _object(f"{key}.source", result["source"], errors, ("url",), ("url", "name"))
    metrics = result.get("metrics")
    if metrics is None:
        return
    if not isinstance(metrics, list):
        errors.append(f'"{key}.metrics" must be an array')
        return
    for k, metric in enumerate(metrics):
        mkey = f"{key}.metrics[{k}]"
        if (_object(mkey, metric, errors, ("type", "value"), ("type", "name", "config"))
                and "verified" in metric and not isinstance(metric["verified"], bool)):
            errors.append(f'"{mkey}.verified" must be a boolean')


def _license(value, errors: list[str]) -> None:
    values = value if isinstance(value, list) else [value]
    for item in values:
        if not isinstance(item, str) or item.lower() not in LICENSE_IDS:
            errors.append(f'"license" must be one of [{", ".join(LICENSE_IDS)}]')
            return


def validate_metadata(metadata: dict, repo_type: str = "model") -> list[str]:
    """Error messages for card metadata, empty when the Hub would accept it."""
    errors: list[str] = []
    if "license" in metadata and metadata["license"] is not None:
        _license(metadata["license"], errors)
    if "model-index" in metadata:
        _model_index(metadata["model-index"], errors)
    if metadata.get("tags") is not None:
        _strings("tags", metadata["tags"], errors)
    # The Hub takes one dataset or metric as a plain string too (``datasets: iris``).
    for key in ("datasets", "metrics", "language", "base_model"):
        if key in metadata and metadata[key] is not None:
            _string_or_strings(key, metadata[key], errors)
    for key in ("library_name", "pipeline_tag", "thumbnail", "license_name", "license_link", "model_name"):
        if key in metadata and metadata[key] is not None and not isinstance(metadata[key], str):
            errors.append(f'"{key}" must be a string')
    if "widget" in metadata and metadata["widget"] is not None and not isinstance(metadata["widget"], (list, dict)):
        errors.append('"widget" must be an array')
    if repo_type == "space" and "sdk" in metadata and metadata["sdk"] not in _SPACE_SDKS:
        errors.append(f'"sdk" must be one of [{", ".join(_SPACE_SDKS)}]')
    return errors


def check_readme(text: str, repo_type: str = "model") -> tuple[list[str], list[str]]:
    """``(errors, warnings)`` of a README as the Hub's validate-yaml reports them."""
    metadata, error = front_matter(text)
    if error:
        return [error], []
    if not metadata:
        return [], [EMPTY_METADATA_WARNING]
    return validate_metadata(metadata, repo_type), []


def validate_yaml(call: Call):
    body = call.json()
    content = body.get("content")
    if not isinstance(content, str):
        return json_response({"errors": [{"message": '"content" must be a string'}]}, status=400)
    errors, warnings = check_readme(content, body.get("repoType") or "model")
    wants_text = "text/plain" in call.headers.get("accept", "")
    status = 400 if errors else 200
    if wants_text:
        lines = [f"- Error: {e}" for e in errors] + [f"- Warning: {w}" for w in warnings]
        return PlainTextResponse("\n".join(lines), status_code=status)
    payload: dict = {}
    if errors:
        payload["errors"] = [{"message": e} for e in errors]
    if warnings:
        payload["warnings"] = [{"message": w} for w in warnings]
    return json_response(payload, status=status)
