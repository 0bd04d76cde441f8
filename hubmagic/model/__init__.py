"""The model file: saving and loading it (skops or pickle), the trust policy every load goes
through, the metrics of the card, and the local modules a model needs to be loaded.
"""

from hubmagic.model._persist import dump, load, model_file_name, untrusted_types

__all__ = ["dump", "load", "model_file_name", "untrusted_types"]
