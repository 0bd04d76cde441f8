"""A local model repository (``ModelRepository``): how it is built from a fitted estimator,
its state between pushes, its status against the remote, and the card merge on refresh.
"""

from hubmagic.repository._repository import ModelRepository

__all__ = ["ModelRepository"]
