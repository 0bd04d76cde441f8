"""``Card``: skops' model card plus the Hub's YAML metadata.

skops >= 0.12 dropped the metadata that skops <= 0.8 rendered at the top of the
README. ``Card`` adds it back on top of ``skops.card.Card`` (which still does the
body: sections, tables, plots, hyperparameters, model diagram), and loads model
files through :mod:`hubmagic.model._persist` so the trusted-types rules are the same
everywhere.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from functools import cached_property
from pathlib import Path
from typing import Any, Literal

from huggingface_hub import ModelCardData
from skops.card import Card as _SkopsCard
from skops.card._model_card import Section, split_subsection_names

from hubmagic.card._diagram import folded, hyperparameter_table, model_tree
from hubmagic.card._snippets import get_started_code
from hubmagic.errors import HubMagicError, InvalidInputError
from hubmagic.model import _persist as persist


class Card(_SkopsCard):
    """A model card: Hub metadata (YAML front matter) + a Markdown body.

    Everything of :class:`skops.card.Card` works: ``add`` (``"A/B"`` keys make
    subsections), ``add_plot``, ``add_table``, ``add_metrics``, ``select``,
    ``delete``, ``render``, ``save``, ``get_toc``; the methods are chainable.

    Args:
        model: The estimator, or the path of a model file (loaded lazily through
            :func:`hubmagic.model._persist.load`).
        model_diagram: ``"auto"``/``True`` adds scikit-learn's diagram to the
            default section, a string names another section, ``False`` omits it.
        metadata: :class:`huggingface_hub.ModelCardData` rendered as the README's
            YAML front matter; see :func:`metadata_from_config`.
        template: ``"skops"`` (default sections), a dict of sections, or ``None``.
        trusted: Types to trust when ``model`` is a skops file, or ``True`` to
            trust all of them (only for files you made).
        model_format: ``"skops"`` or ``"pickle"`` (for the get-started code).
        allow_pickle: Load ``model`` even if it is a pickle file (runs its code).

    >>> from sklearn.linear_model import LogisticRegression
    >>> from huggingface_hub import ModelCardData
    >>> model = LogisticRegression().fit([[0], [1]], [0, 1])
    >>> card = Card(model, metadata=ModelCardData(license="mit"))
    >>> card.add(**{"Model description": "Predicts 1 for large inputs."}).render()[:26]
    '---\\nlicense: mit\\n---\\n\\n# Mo'
    """

    def __init__(
        self,
        model: Any,
        model_diagram: bool | Literal["auto"] | str = "auto",
        metadata: ModelCardData | None = None,
        template: Literal["skops"] | dict[str, str] | None = "skops",
        trusted: Any = None,
        *,
        model_format: Literal["skops", "pickle"] | None = None,
        allow_pickle: bool = False,
    ) -> None:
        self.metadata = metadata if metadata is not None else ModelCardData()
        # Markdown between the front matter and the first heading (kept by parse_modelcard).
        self.preamble = ""
        super().__init__(
            model,
            model_format=model_format,
            model_diagram=model_diagram,
            template=template,
            trusted=trusted,
            allow_pickle=allow_pickle,
        )

    @classmethod
    def load(cls, path: str | Path) -> Card:
        """Read an existing README.md back into a card (see :func:`parse_modelcard`)."""
        from hubmagic.card._parser import parse_modelcard

        return parse_modelcard(path)

    # -- model ------------------------------------------------------------------------
    @cached_property
    def _model(self) -> Any:
        if not isinstance(self.model, (str, Path)):
            return self.model
        path = Path(self.model)
        trusted = self.trusted
        if persist.file_format(path) == "pickle":
            if not (self.allow_pickle or trusted is True):
                from hubmagic.errors import UntrustedTypesError

                raise UntrustedTypesError(
                    f"{path.name} is a pickle file: loading it runs whatever code it contains, so "
                    "the card loads it only when you say you trust it. If you made this file, "
                    f"use Card({str(path)!r}, allow_pickle=True), or pass the fitted estimator "
                    "itself: Card(model).",
                    ["pickle"],
                )
            trusted = True
        return persist.load(path, trusted=trusted)

    def _populate_template(self, model_diagram):
        super()._populate_template(model_diagram=model_diagram)
        if self.template == "skops":
            # skops <= 0.8 filled this section from the metadata (model_file, model_format).
            self.add_get_started_code()

    # -- hyperparameters and diagram as text the Hub renders, the same on every render --
    def _add_hyperparams(self, model: Any, section_name: str, description: str | None) -> None:
        content = folded("Click to expand", hyperparameter_table(model))
        if description:
            content = f"{description}\n\n{content}"
        self._add_single(section_name, Section(title=split_subsection_names(section_name)[-1], content=content))

    def _add_model_plot(self, model: Any, section_name: str, description: str | None) -> None:
        tree = folded("Model diagram", f"```text\n{model_tree(model)}\n```")
        text = description or (
            "The estimators the model is made of, with the parameters that differ from scikit-learn's defaults."
        )
        title = split_subsection_names(section_name)[-1]
        self._add_single(section_name, Section(title=title, content=f"{text}\n\n{tree}"))

    # -- sections skops 0.8 had -----------------------------------------------------
    def add_get_started_code(
        self,
        section: str = "How to Get Started with the Model",
        description: str | None = None,
        file_name: str | None = None,
        model_format: Literal["pickle", "skops"] | None = None,
        *,
        repo_id: str | None = None,
        trusted: list[str] | None = None,
    ) -> Card:
        """Add code that loads the model and predicts on the example input.

        ``file_name`` and ``model_format`` default to the metadata's ``model_file``
        and ``model_format`` (as :func:`metadata_from_config` sets them); without
        them nothing is added. With ``repo_id`` the code downloads from the Hub.

        Returns:
            The card (chainable).
        """
        meta = self.metadata.to_dict() if self.metadata is not None else {}
        file_name = file_name or meta.get("model_file")
        model_format = model_format or meta.get("model_format") or self.model_format
        if model_format and model_format not in persist.MODEL_FORMATS:
            raise InvalidInputError(
                f"Invalid model format {model_format!r}, should be one of 'pickle' or 'skops'."
            )
        if not file_name or not model_format:
            return self
        task = next(
            (
                t
                for t in meta.get("tags", [])
                if t.endswith(("-classification", "-regression"))
            ),
            None,
        )
        if trusted is None and model_format == "skops":
            trusted = needed_trusted_types(self.model, self.get_model())
        code = get_started_code(
            file_name=file_name,
            model_format=model_format,
            repo_id=repo_id,
            trusted=trusted,
            text_input=bool(task and task.startswith("text")),
        )
        content = f"{description}\n\n{code}" if description else code
        self.add(**{section: content})
        return self

    # -- rendering --------------------------------------------------------------------
    def _generate_card(self, destination_path: Path | None = None) -> Iterator[str]:
        if self.metadata is not None and self.metadata.to_dict():
            yield f"---\n{self.metadata.to_yaml()}\n---"
        if self.preamble:
            yield "\n" + self.preamble
        yield from super()._generate_card(destination_path=destination_path)

    def __repr__(self) -> str:
        lines = super().__repr__().split("\n")
        meta = self.metadata.to_dict() if self.metadata is not None else {}
        extra = [
            "  "
            + self._format_repr(
                f"metadata.{key}", "{...}" if key == "widget" else str(val)
            )
            for key, val in meta.items()
        ]
        at = 2 if getattr(self, "model", None) is not None else 1
        return "\n".join(lines[:at] + extra + lines[at:])


def needed_trusted_types(model_or_path: Any, model: Any) -> list[str] | None:
    """The ``trusted=`` list loading this model needs; ``None`` if skops cannot tell."""
    try:
        if (
            isinstance(model_or_path, (str, Path))
            and persist.file_format(model_or_path) == "skops"
        ):
            return persist.untrusted_types(model_or_path)
        return persist.trusted_types_for(model)
    except (TypeError, ValueError, OSError, HubMagicError):
        # skops cannot save this model: the card still renders, without the list
        return None


def metadata_from_config(config: str | Path | dict) -> ModelCardData:
    """Hub metadata for a model card, from a ``config.json`` (path, folder or dict).

    Sets ``library_name: sklearn``; ``tags`` ``sklearn``, ``skops`` and the task
    (plus ``scikit-learn-intelex`` when enabled); ``pipeline_tag``;
    ``model_format``; ``model_file``; and the widget example:
    ``[{"structuredData": example_input}]`` for tabular tasks,
    ``[{"text": first example}]`` for text tasks.

    Returns:
        A :class:`huggingface_hub.ModelCardData` to pass as ``Card(metadata=...)``.

    >>> data = metadata_from_config({"sklearn": {"task": "tabular-regression",
    ...     "model": {"file": "model.skops"}, "model_format": "skops",
    ...     "example_input": {"x0": [1.0, 2.0, 3.0]}}})
    >>> data.tags, data.widget
    (['sklearn', 'skops', 'tabular-regression'], [{'structuredData': {'x0': [1.0, 2.0, 3.0]}}])
    """
    if isinstance(config, dict):
        cfg = config
    else:
        path = Path(config)
        if not path.is_file():
            path = path / "config.json"
        try:
            cfg = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as exc:
            raise InvalidInputError(
                f"Cannot read the model config {str(path)!r}: {exc}"
            ) from exc
    sk = cfg.get("sklearn", {})
    task = sk.get("task")
    tags = ["sklearn", "skops"] + ([task] if task else [])
    if sk.get("use_intelex"):
        tags.append("scikit-learn-intelex")
    extra: dict[str, Any] = {}
    if sk.get("model_format"):
        extra["model_format"] = sk["model_format"]
    model_file = sk.get("model", {}).get("file")
    if model_file:
        extra["model_file"] = model_file
    widget = _widget(task, sk.get("example_input"))
    if widget:
        extra["widget"] = widget
    return ModelCardData(library_name="sklearn", tags=tags, pipeline_tag=task, **extra)


def _widget(task: str | None, example_input: dict | None) -> list[dict] | None:
    # What the Hub widget expects: https://huggingface.co/docs/hub/models-widgets-examples
    if not task or not example_input:
        return None
    if task.startswith("tabular"):
        return [{"structuredData": example_input}]
    texts = example_input.get("data") or []
    return [{"text": texts[0]}] if texts else None


def section_key(title: str) -> str:
    """A section title as a ``Card.add`` key: slashes escaped so they are not nesting."""
    return title.replace("/", "\\/")


__all__ = ["Card", "metadata_from_config", "section_key", "split_subsection_names"]
