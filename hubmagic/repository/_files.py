"""Files of a model repository being built: destination checks, figures, carried-over
files, the rendered card, and the final swap that makes a rebuild atomic."""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from pathlib import Path

from hubmagic.repository import _state as repo_state
from hubmagic.errors import InvalidInputError


def safe_name(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("._") or "model"


def check_destination(dst: Path) -> None:
    if dst.exists() and not dst.is_dir():
        raise InvalidInputError(f"Cannot build the repository in {str(dst)!r}: it is a file. Choose another `dst`.")
    if dst.is_dir() and any(dst.iterdir()):
        if not (dst / "config.json").is_file() and not repo_state.state_path(dst).is_file():
            raise InvalidInputError(
                f"{str(dst)!r} already holds files that are not a hubmagic repository; hubmagic will not "
                "replace them. Choose another `dst` (`%hub_init --dst DIR`) or empty that folder."
            )


def _figure_fields(fig) -> tuple[str, bytes, str]:
    if isinstance(fig, dict):
        return fig.get("name"), fig.get("png"), fig.get("caption") or ""
    return getattr(fig, "name", None), getattr(fig, "png", None), getattr(fig, "caption", "") or ""


def write_figures(tmp: Path, figures) -> list[dict]:
    entries = []
    for index, fig in enumerate(figures, 1):
        name, png, caption = _figure_fields(fig)
        if not isinstance(png, (bytes, bytearray)):
            raise InvalidInputError(f"Figure {name or index!r} has no PNG bytes (`.png`); capture it again.")
        stem = safe_name(Path(str(name or f"figure-{index}")).stem)
        rel = f"figures/{stem}.png"
        (tmp / "figures").mkdir(exist_ok=True)
        (tmp / rel).write_bytes(bytes(png))
        entries.append({"name": stem, "path": rel, "caption": caption})
    return entries


def copy_figures(dst: Path, tmp: Path, old) -> list[dict]:
    if not old or not (dst / "figures").is_dir():
        return []
    shutil.copytree(dst / "figures", tmp / "figures")
    return [{"name": p.stem, "path": f"figures/{p.name}", "caption": ""} for p in sorted((tmp / "figures").glob("*.png"))]


_GENERATED = {"config.json", "README.md", "train.py", "model.skops", "model.pkl"}


def carry_added_files(dst: Path, tmp: Path, old_state: dict, extra: list[Path], old, dropped=()) -> list[str]:
    """Keep every file of the old folder that hubmagic does not generate, then add ``extra``.

    ``dropped``: files of the old folder hubmagic wrote that are no longer wanted (local
    modules the refitted model does not use any more).
    """
    added = list(old_state.get("settings", {}).get("added_files", [])) if old else []
    dropped = set(dropped) - set(added)
    if old:
        for dirpath, dirnames, filenames in os.walk(dst):
            rel_dir = Path(dirpath).relative_to(dst)
            dirnames[:] = [d for d in dirnames if not (rel_dir == Path(".") and d in (repo_state.STATE_DIR, "figures"))]
            for name in filenames:
                rel = (rel_dir / name).as_posix()
                if rel in _GENERATED or rel in dropped or (tmp / rel).exists():
                    continue
                (tmp / rel).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(dst / rel, tmp / rel)
    for src in extra:
        shutil.copy2(src, tmp / src.name)
        if src.name not in added:
            added.append(src.name)
    return [rel for rel in added if (tmp / rel).is_file()]


def render_card(model, config, tmp: Path, *, repo_id, metrics, license, figures, script_info, model_format, notebook=None) -> str:
    from hubmagic.card import build_default_card

    trusted = config["sklearn"].get("trusted_types") if model_format == "skops" else None
    card = build_default_card(
        model, config, repo_id=repo_id, metrics=metrics, license=license, figures=figures,
        script_info=script_info, trusted_types=trusted, model_format=model_format, notebook=notebook,
    )
    card.save(tmp / "README.md")
    return (tmp / "README.md").read_text(encoding="utf-8")


def swap_in(tmp: Path, dst: Path) -> None:
    """Replace ``dst`` by ``tmp`` so that a crash leaves one complete folder."""
    if not dst.exists():
        os.replace(tmp, dst)
        return
    backup = Path(tempfile.mkdtemp(prefix=f".{dst.name}.previous-", dir=dst.parent))
    backup.rmdir()
    os.replace(dst, backup)
    try:
        os.replace(tmp, dst)
    except BaseException:
        os.replace(backup, dst)
        raise
    shutil.rmtree(backup, ignore_errors=True)
