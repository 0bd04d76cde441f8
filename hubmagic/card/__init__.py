"""Model cards for scikit-learn models on the Hugging Face Hub.

``Card`` is :class:`skops.card.Card` (sections, tables, plots, hyperparameters,
model diagram, chainable ``add``/``select``/``delete``) plus the Hub's YAML
metadata, as skops <= 0.8 had it::

    from hubmagic import card
    meta = card.metadata_from_config("hub/my-model")        # config.json -> metadata
    model_card = card.Card(model, metadata=meta)
    model_card.add(**{"Model description": "Predicts iris species."})
    model_card.save("hub/my-model/README.md")
    same = card.parse_modelcard("hub/my-model/README.md")    # or card.Card.load(...)

``build_default_card`` writes the complete card of a hubmagic repository.
"""

from skops.card._model_card import PlotSection, Section, TableSection
from skops.card._templates import CONTENT_PLACEHOLDER

from hubmagic.card._default_card import build_default_card
from hubmagic.card._model_card import Card, metadata_from_config
from hubmagic.card._parser import parse_modelcard, parse_modelcard_text
from hubmagic.card._snippets import get_started_code

__all__ = [
    "CONTENT_PLACEHOLDER",
    "Card",
    "PlotSection",
    "Section",
    "TableSection",
    "build_default_card",
    "get_started_code",
    "metadata_from_config",
    "parse_modelcard",
    "parse_modelcard_text",
]
