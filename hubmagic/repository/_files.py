"""Files of a model repository being built: destination checks, figures, carried-over
files, the rendered card, and the final swap that makes a rebuild atomic."""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from pathlib import Path

from hubmagic.errors import InvalidInputError
from hubmagic.repository import _state as repo_state


def safe_name(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("._") or "model"


def is_repository(folder: Path) -> bool:
    """A folder hubmagic made (built or downloaded): ``init`` may refresh it."""
    return (folder / "config.json").is_file() or repo_state.state_path(folder).is_file()


def check_destination(
    dst,
    doing: str,
    *,
    non_empty_ok: bool = False,
    non_empty_note: str = "",
    hint: str = "Choose another folder (`dst`), or empty or delete this one.",
    error: type[Exception] = InvalidInputError,
    prefix: str = "",
) -> Path:
    """Refuse a destination that is a file (or lies under one) or a folder that already has files.

    The one check (and wording) of every place that writes a new folder: ``init``,
    ``from_hub``, ``download_repo`` and ``hub_utils``' ``init`` / ``download``.
    ``doing`` completes "Cannot ... 'dst'"; ``non_empty_ok`` accepts a folder with files
    (a refresh, ``exist_ok=True``), ``non_empty_note`` says what else is wrong with them;
    ``error`` and ``prefix`` keep the exception class and message start that skops
    0.8's users catch. Returns ``Path(dst)``.
    """
    dst = Path(dst)
    blocker = next((p for p in (dst, *dst.parents) if p.exists()), None)
    if blocker is not None and not blocker.is_dir():
        where = "it is a file" if blocker == dst else f"{str(blocker)!r} is a file"
        raise error(f"{prefix}Cannot {doing} {str(dst)!r}: {where}, and hubmagic needs a folder there. {hint} "
                    "Nothing was changed.")
    if dst.is_dir() and not non_empty_ok and next(dst.iterdir(), None) is not None:
        raise error(f"{prefix}Cannot {doing} {str(dst)!r}: the folder is not empty{non_empty_note}, and hubmagic "
                    f"never replaces files it did not write. {hint} Nothing was changed.")
    return dst


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
    pngs = sorted((tmp / "figures").glob("*.png"))
    return [{"name": p.stem, "path": f"figures/{p.name}", "caption": ""} for p in pngs]


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


def render_card(
    model, config, tmp: Path, *, repo_id, metrics, license, figures, script_info, model_format, notebook=None
) -> str:
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
