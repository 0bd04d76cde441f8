"""The notebook a model is published from: the kernel's ``NotebookSession`` (the state and
actions the magics, the card editor and the lab panel share), the notebook file (found and
stripped) and the user's variables."""

from hubmagic.notebook._session import NotebookSession

__all__ = ["NotebookSession"]
