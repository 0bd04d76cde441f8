"""A local Hugging Face Hub for the unmodified ``huggingface_hub`` client.

Try the publishing flow without an account, in CI, or air-gapped::

    from hubmagic.localhub import LocalHub

    with LocalHub("hub-data") as hub:
        # before importing huggingface_hub:
        os.environ["HF_ENDPOINT"] = hub.endpoint
        os.environ["HF_HUB_DISABLE_XET"] = "1"

or from a shell: ``python -m hubmagic.localhub --data-dir hub-data``.
This package does not import ``huggingface_hub`` (it is started before the client
reads its environment).
"""

from .owner import DataDirInUse, LocalHubError, serving
from .server import LocalHub

__all__ = ["DataDirInUse", "LocalHub", "LocalHubError", "serving"]
