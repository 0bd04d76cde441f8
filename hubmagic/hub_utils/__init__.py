"""skops 0.8's ``hub_utils`` API, running on hubmagic.

Code written for skops 0.8 runs with one changed line::

    from skops import hub_utils, card      # before
    from hubmagic import hub_utils, card   # now

Same functions, signatures, defaults, return values, exception types and messages.
What differs: ``push`` publishes in one commit through hubmagic (secret scan, stale
remote check, the remote mirrors the folder) and accepts ``create_pr``, ``revision``,
``allow_patterns``, ``ignore_patterns``; ``get_model_output`` runs the model locally
(the Hub's hosted inference no longer serves scikit-learn models), under hubmagic's
one trust policy (``hubmagic.model._trust``); ``init`` never unpickles the model file.

>>> from hubmagic import hub_utils
>>> hub_utils.init(model="model.pkl", requirements=["scikit-learn"], dst="my-repo",
...                task="tabular-classification", data=X_test)  # doctest: +SKIP
>>> hub_utils.push(repo_id="alice/my-model", source="my-repo", create_remote=True)  # doctest: +SKIP
"""

from hubmagic.hub_utils._local import (
    add_files,
    get_config,
    get_requirements,
    init,
    update_env,
)
from hubmagic.hub_utils._remote import download, get_model_output, push

__all__ = [
    "add_files",
    "download",
    "get_config",
    "get_model_output",
    "get_requirements",
    "init",
    "push",
    "update_env",
]
