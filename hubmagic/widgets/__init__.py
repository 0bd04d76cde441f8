"""Notebook widgets of hubmagic: the model-card editor ``%hub_card`` shows.

Core ``ipywidgets`` only, so it renders in JupyterLab, Jupyter Notebook 7, VS Code and
Colab with no extension to install.
"""

from hubmagic.widgets._document import CardDocument
from hubmagic.widgets._editor import CardEditor

__all__ = ["CardDocument", "CardEditor"]
