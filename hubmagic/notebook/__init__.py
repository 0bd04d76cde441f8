"""The notebook a model is published from: the kernel's notebook file (found and stripped)."""
