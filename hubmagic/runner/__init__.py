"""A tool, not the core: run a publishing notebook headless against a local hub
(``python -m hubmagic.runner NOTEBOOK``) and say what it published."""

from hubmagic.runner._run import describe_hub, main, run_notebook

__all__ = ["describe_hub", "main", "run_notebook"]
