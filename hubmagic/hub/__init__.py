"""Everything that talks to the Hub (``HfApi``): the endpoint and login, publishing a folder
in one commit, the diff against the remote, downloads, and the embedded local hub session.

The public surface: ``use_local_hub``, ``login``, ``publish_folder``, ``PushResult``.
"""

from hubmagic.hub._local import HubSession, login, use_local_hub
from hubmagic.hub._publish import PushResult, publish_folder

__all__ = ["HubSession", "PushResult", "login", "publish_folder", "use_local_hub"]
