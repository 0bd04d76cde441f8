"""The build behind ``ModelRepository.init``, one named step at a time.

Every step writes into a scratch folder beside the destination; the last one swaps it
in, so a failure at any step (unsaveable model, bad data ...) leaves the old folder as
it was and no scratch folder behind.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hubmagic.repository import _state as repo_state
from hubmagic.repository._card_merge import merge_cards
from hubmagic.repository._files import (
    carry_added_files,
    copy_figures,
    render_card,
    swap_in,
    write_figures,
)

GENERATED_CARD = "generated-README.md"  # inside .hubmagic/: the card as hubmagic last wrote it


@dataclass
class BuildOptions:
    """What ``init`` was asked to build (already checked)."""

    name: str
    data: Any = None
    labels: Any = None
    repo_id: str | None = None
    task: str | None = None
    model_format: str = "skops"
    requirements: Any = None
    license: str | None = None
    train_script: str | None = None
    script_info: dict | None = None
    figures: Any = None
    extra: list[Path] = field(default_factory=list)
    notebook: Path | None = None


@dataclass
class _Build:
    model: Any
    options: BuildOptions
    dst: Path
    tmp: Path
    refresh: bool  # dst already holds a repository
    old_state: dict
    model_file: str = ""
    trusted: list | None = None
    model_record: dict = field(default_factory=dict)
    config: dict = field(default_factory=dict)
    figure_entries: list = field(default_factory=list)
    notebook_name: str | None = None
    added: list[str] = field(default_factory=list)
    generated_card: str = ""


def build_repository(model, dst: Path, options: BuildOptions) -> None:
    """Build (or refresh) the repository folder ``dst`` from ``model`` and ``options``."""
    refresh = dst.exists()
    old_state = repo_state.read_state(dst) if refresh else {"remotes": {}, "settings": {}}
    dst.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{dst.name}.building-", dir=dst.parent))
    build = _Build(model=model, options=options, dst=dst, tmp=tmp, refresh=refresh, old_state=old_state)
    try:
        for step in (_save_model, _write_train_script, _write_config, _write_figures, _write_notebook,
                     _carry_files, _write_card, _write_state):
            step(build)
        swap_in(tmp, dst)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def _old_file(build: _Build, rel: str) -> Path | None:
    """A file of the folder being refreshed, if it has it."""
    path = build.dst / rel
    return path if build.refresh and path.is_file() else None


def _save_model(build: _Build) -> None:
    """The model file; the old one itself (same bytes, same inode) when the estimator is unchanged.

    skops archives of one model differ at every dump (members are named after memory
    addresses): keeping the file spares the next push an upload, and, with the file
    cache carried over, even a read of it.
    """
    from hubmagic.model import _persist as persist
    from hubmagic.model._streaming import fingerprint

    fmt = build.options.model_format
    build.model_file = persist.model_file_name(fmt)
    target = build.tmp / build.model_file
    fingerprint_now = fingerprint(build.model, fmt)
    old = _old_file(build, build.model_file)
    if not (old and fingerprint_now and _model_record(old, fingerprint_now) == build.old_state.get("model")
            and _keep(old, target)):
        persist.dump(build.model, target, fmt)
    build.model_record = _model_record(target, fingerprint_now)
    build.trusted = persist.untrusted_types(target) if fmt == "skops" else None


def _model_record(path: Path, fingerprint: str | None) -> dict:
    """What tells that a model file is still the one written for this estimator."""
    st = path.stat()
    return {"file": path.name, "fingerprint": fingerprint, "size": st.st_size, "mtime_ns": st.st_mtime_ns}


def _keep(old: Path, target: Path) -> bool:
    """Put the old model file at ``target`` by a hard link (a copy where links are not allowed)."""
    try:
        os.link(old, target)
    except OSError:
        try:
            shutil.copy2(old, target)
        except OSError:
            return False
    return True


def _write_train_script(build: _Build) -> None:
    """The given script, else the old folder's (a refresh without one keeps it)."""
    if build.options.train_script is not None:
        (build.tmp / "train.py").write_text(build.options.train_script, encoding="utf-8")
    elif _old_file(build, "train.py"):
        shutil.copy2(build.dst / "train.py", build.tmp / "train.py")


def _write_config(build: _Build) -> None:
    """config.json, with the notebook's own modules the model needs copied in beside it."""
    from hubmagic import config as model_config
    from hubmagic.model import _local_modules as local_modules

    options, tmp = build.options, build.tmp
    roots = [Path.cwd()] + ([options.notebook.parent] if options.notebook else [])
    modules = local_modules.find_local_modules(build.model, type_names=build.trusted or (), roots=roots)
    module_files = local_modules.copy_local_modules(modules, tmp)
    script = tmp / "train.py"
    build.config = model_config.build_config(
        build.model, options.data, task=options.task, requirements=options.requirements,
        model_file=build.model_file, model_format=options.model_format, trusted_types=build.trusted,
        local_modules=module_files, train_script=script.read_text(encoding="utf-8") if script.is_file() else None,
    )
    model_config.write_config(build.config, tmp / "config.json")


def _write_figures(build: _Build) -> None:
    figures = build.options.figures
    build.figure_entries = (write_figures(build.tmp, figures) if figures is not None
                            else copy_figures(build.dst, build.tmp, build.refresh))


def _write_notebook(build: _Build) -> None:
    """The notebook, stripped of outputs; a refresh without one keeps the old one's name."""
    from hubmagic.notebook._notebook_file import write_stripped_notebook

    if build.options.notebook is not None:
        build.notebook_name = write_stripped_notebook(build.options.notebook, build.tmp)
    else:
        build.notebook_name = build.old_state.get("settings", {}).get("notebook")


def _carry_files(build: _Build) -> None:
    """Keep the user's files of the old folder and add ``extra``."""
    from hubmagic.model import _local_modules as local_modules

    old_settings = build.old_state.get("settings", {})
    # What hubmagic itself copied in last time and no longer wants is not carried over.
    old_config = _old_file(build, "config.json")
    dropped = local_modules.listed_files(json.loads(old_config.read_text(encoding="utf-8"))) if old_config else []
    if build.options.notebook is not None and old_settings.get("notebook"):
        dropped.append(old_settings["notebook"])
    build.added = carry_added_files(build.dst, build.tmp, build.old_state, build.options.extra, build.refresh,
                                    dropped=dropped)
    if build.notebook_name and not (build.tmp / build.notebook_name).is_file():
        build.notebook_name = None  # deleted by the user since: no link to a missing file


def _write_card(build: _Build) -> None:
    """The generated card merged with the user's edits of the old README.md."""
    options = build.options
    metrics = None
    if options.labels is not None:
        from hubmagic.model import _metrics as model_metrics

        metrics = model_metrics.compute_metrics(build.model, options.data, options.labels,
                                                build.config["sklearn"].get("task"))
    build.generated_card = render_card(
        build.model, build.config, build.tmp, repo_id=options.repo_id or build.old_state.get("repo_id"),
        metrics=metrics, license=options.license, figures=build.figure_entries, script_info=options.script_info,
        model_format=options.model_format, notebook=build.notebook_name,
    )
    mine = _old_file(build, "README.md")
    base_file = _old_file(build, f"{repo_state.STATE_DIR}/{GENERATED_CARD}")
    # A README hubmagic did not write (downloaded, hand-made) is all the user's: an
    # empty base keeps its metadata and sections and only adds the new sections.
    base = base_file.read_text(encoding="utf-8") if base_file else ""
    merged = merge_cards(base, mine.read_text(encoding="utf-8") if mine else None, build.generated_card)
    (build.tmp / "README.md").write_text(merged, encoding="utf-8")


def _write_state(build: _Build) -> None:
    """The settings a later refresh reuses, and the card as generated (the next merge's base)."""
    options = build.options
    state = dict(build.old_state)
    state["settings"] = {
        "name": options.name,
        "task": build.config["sklearn"].get("task"),
        "model_format": options.model_format,
        "license": options.license,
        "added_files": build.added,
        "notebook": build.notebook_name,
    }
    if options.repo_id:
        state["repo_id"] = options.repo_id
    state["model"] = build.model_record
    repo_state.write_state(build.tmp, state)
    (build.tmp / repo_state.STATE_DIR / GENERATED_CARD).write_text(build.generated_card, encoding="utf-8")
