"""The ``%hub_*`` magics: thin faces over the kernel's ``NotebookSession``.

Each magic parses its line, makes one call to the session and prints what the session
has to say. Any ``HubMagicError`` becomes a one-paragraph ``UsageError`` (no traceback).
"""

from __future__ import annotations

import functools

from IPython.core.error import UsageError
from IPython.core.magic import Magics, line_magic, magics_class
from IPython.core.magic_arguments import argument, magic_arguments
from traitlets import Bool, Enum, Int, Unicode, dlink

from hubmagic.errors import HubMagicError
from hubmagic.magics._args import expression, parse
from hubmagic.notebook import NotebookSession

# The settings ``%config HubMagics.X`` sets, and the session's traits they drive.
_SETTINGS = {
    "private": "private",
    "model_format": "model_format",
    "dst_root": "dst_root",
    "license": "license",
    "verify": "verify_every_init",
    "verify_timeout": "verify_timeout",
}


def _user_errors(method):
    """Show hubmagic's own errors as one paragraph, without a traceback."""

    @functools.wraps(method)
    def wrapper(self, *args, **kwargs):
        try:
            return method(self, *args, **kwargs)
        except HubMagicError as exc:
            raise UsageError(str(exc)) from None

    return wrapper


def _say(session) -> None:
    """Print what the session's last action has to tell the user."""
    for note in session.notes:
        print(note)


@magics_class
class HubMagics(Magics):
    """Publish the notebook's scikit-learn model to the Hugging Face Hub."""

    private = Bool(False, help="Create new Hub repositories as private.").tag(config=True)
    model_format = Enum(
        ["skops", "pickle"], default_value="skops", help="Default file format of the model."
    ).tag(config=True)
    dst_root = Unicode(
        "hub", help="Folder (relative to the working directory) holding local repositories."
    ).tag(config=True)
    license = Unicode("", help="Default license identifier for new model cards.").tag(config=True)
    verify = Bool(
        False, help="Run train.py in a fresh process on every %%hub_init to check it rebuilds the model."
    ).tag(config=True)
    verify_timeout = Int(300, help="Seconds train.py may take when it is verified.").tag(config=True)

    def __init__(self, shell):
        super().__init__(shell=shell)
        self.shell.configurables.append(self)
        self.session = NotebookSession.for_shell(shell)
        self._links = [dlink((self, mine), (self.session, theirs)) for mine, theirs in _SETTINGS.items()]

    def close(self) -> None:
        """Stop driving the session's settings (on ``%unload_ext``)."""
        for link in self._links:
            link.unlink()
        self._links = []
        if self in self.shell.configurables:
            self.shell.configurables.remove(self)

    @magic_arguments()
    @argument("model", nargs="?", help="Variable holding the fitted estimator (default: the only one).")
    @argument("--data", nargs="+",
              help="Variable (or expression) with example input, e.g. X_test: columns, example, metrics.")
    @argument("--labels", nargs="+",
              help="Variable (or expression) with the true labels of --data: metrics in the card.")
    @argument("--repo-id", help="Hub repository id, e.g. 'me/my-model' (default: your namespace/NOTEBOOK-MODEL).")
    @argument("--task", help="tabular-classification, tabular-regression, text-classification, text-regression.")
    @argument("--format", dest="model_format", choices=["skops", "pickle"], help="Model file format.")
    @argument("--dst", help="Local repository folder (default: ./hub/NOTEBOOK-MODEL).")
    @argument("--requirements", nargs="+", default=None, help="Extra packages for config.json's environment.")
    @argument("--license", help="License identifier for the card, e.g. mit, apache-2.0.")
    @argument("--verify", action="store_true", default=None, help="Check that train.py rebuilds the same model.")
    @argument("--all-cells", action="store_true", default=None, help="train.py holds every executed cell (no slicing).")
    @line_magic
    @_user_errors
    def hub_init(self, line=""):
        """Build (or refresh) the local model repository of a fitted estimator.

        Writes model.skops, config.json, README.md (the model card), train.py (the cells that
        made the model) and figures/*.png into ./hub/NOTEBOOK-MODEL (the Hub repository's
        default name: the notebook's name and the model's), and prints a summary. Running it
        again for the same model refreshes the folder (your card edits and added files are
        kept) and reuses the options of the last run that are not given again.

        Example::

            %hub_init model --data X_test --labels y_test --license mit
        """
        args = parse(self.hub_init, line)
        if args is None:
            return
        options = vars(args)
        model = options.pop("model")
        options["data"], options["labels"] = expression(args.data), expression(args.labels)
        self.session.init(model, **options)
        _say(self.session)

    @magic_arguments()
    @argument("paths", nargs="+", help="Files to copy into the repository.")
    @line_magic
    @_user_errors
    def hub_add(self, line=""):
        """Add files (data samples, extra code, images ...) to the current repository.

        Example::

            %hub_add utils.py data/sample.csv
        """
        args = parse(self.hub_add, line)
        if args is None:
            return
        self.session.add_files(*args.paths)
        _say(self.session)

    @magic_arguments()
    @line_magic
    @_user_errors
    def hub_status(self, line=""):
        """Show the repository's files, card warnings and, after a push, what differs remotely.

        After a kernel restart it reopens this notebook's repository folder.

        Example::

            %hub_status
        """
        if parse(self.hub_status, line) is None:
            return
        report = self.session.status()
        _say(self.session)
        print(report)

    @magic_arguments()
    @argument("--repo-id", help="Hub repository id (default: the one given to %%hub_init, else your namespace/NAME).")
    @argument("--private", action="store_true", default=None, help="Create the repository as private.")
    @argument("--create-pr", action="store_true", help="Open a pull request instead of committing to the branch.")
    @argument("--revision", help="Branch to push to (created from main if missing).")
    @argument("--commit-message", help="Commit message.")
    @argument("--token", help="Hub token (default: HF_TOKEN or the one saved by %%hub_login).")
    @argument("--dry-run", action="store_true", help="Show what would be published; change nothing.")
    @argument("--redact", action="store_true", help="Replace credentials found in the files by environment lookups.")
    @argument("--overwrite", action="store_true",
              help="Replace remote files this folder never pushed or pulled, on purpose.")
    @argument(
        "--notebook", nargs="?", const="", default=None, metavar="PATH",
        help="Also publish this notebook (outputs stripped); its path is found when Jupyter gives it to the kernel.",
    )
    @line_magic
    @_user_errors
    def hub_push(self, line=""):
        """Publish the current repository to the Hub in one commit.

        Refuses to overwrite a remote that changed since the last push (use --create-pr, or
        `%hub_load` the remote first; --overwrite replaces it on purpose), and refuses to
        publish credentials it finds. `--notebook` adds the notebook as last saved, without
        outputs, execution counts or widget state, linked from the card (give its path where
        Jupyter does not tell the kernel, e.g. in a plain IPython session); later `%hub_init`
        refreshes copy it again. After a kernel restart it reopens this notebook's repository.

        Example::

            %hub_push --repo-id me/iris-classifier --private
            %hub_push --notebook
        """
        from hubmagic.magics._progress import PushProgress

        args = parse(self.hub_push, line)
        if args is None:
            return
        with PushProgress(self.session, self.shell):
            self.session.push(**vars(args))
        _say(self.session)

    @magic_arguments()
    @argument("repo_id", nargs="?", help="Hub repository id, e.g. 'me/iris-classifier' (default: the one just pushed).")
    @argument("--revision", help="Branch, tag, PR ref (refs/pr/1) or commit.")
    @argument("--as", dest="name", default="model", help="Variable to bind the model to (default: model).")
    @argument(
        "--trust", dest="trusted", nargs="+", default=None,
        help="Types to trust beyond skops' defaults and scikit-learn/NumPy/SciPy classes (as the refusal "
        "lists them), or 'all' to trust the file entirely (a pickle this machine did not push needs it).",
    )
    @argument("--token", help="Hub token for private repositories.")
    @line_magic
    @_user_errors
    def hub_load(self, line=""):
        """Download a published model and bind it to a variable.

        Example::

            %hub_load me/iris-classifier --as clf
        """
        args = parse(self.hub_load, line)
        if args is None:
            return
        self.session.load(**vars(args))
        _say(self.session)

    @magic_arguments()
    @argument("--data-dir", help="Folder of the local hub's repositories (default ~/.cache/hubmagic/localhub).")
    @line_magic
    @_user_errors
    def hub_local(self, line=""):
        """Publish to a local hub on this machine: no account, no network.

        Starts (or reuses) hubmagic's local hub in the background and points this session at
        it; `%unload_ext hubmagic` stops the hub it started. Remove this line (and use
        `%hub_login`) to publish to huggingface.co.

        Example::

            %hub_local
        """
        args = parse(self.hub_local, line)
        if args is None:
            return
        self.session.use_local_hub(args.data_dir)
        _say(self.session)

    @magic_arguments()
    @line_magic
    @_user_errors
    def hub_login(self, line=""):
        """Log in to the Hub with a token (from HF_TOKEN, else asked for without echo).

        A token typed at the prompt is saved in the Hugging Face home folder (as `hf auth
        login` does), never in the notebook or a model repository.

        Example::

            %hub_login
        """
        if parse(self.hub_login, line) is None:
            return
        self.session.login()
        _say(self.session)

    @magic_arguments()
    @argument("--show", action="store_true", help="Print the script.")
    @argument("--all", dest="all_cells", action="store_true", help="Every executed cell, without slicing.")
    @argument("--verify", action="store_true", help="Run it in a fresh process and compare predictions.")
    @argument("--include", nargs="+", default=[], help="Cells (execution count or cell id) to force in.")
    @argument("--exclude", nargs="+", default=[], help="Cells (execution count or cell id) to force out.")
    @argument("--reset", action="store_true", help="Forget forced includes/excludes.")
    @line_magic
    @_user_errors
    def hub_script(self, line=""):
        """Preview train.py: the cells that rebuild the model, in execution order.

        With a repository, choosing cells (or --verify) refreshes its train.py at once.

        Example::

            %hub_script --show
            %hub_script --exclude 7 --verify
        """
        args = parse(self.hub_script, line)
        if args is None:
            return
        options = vars(args)
        show = options.pop("show")
        text = self.session.train_script(**options)
        _say(self.session)
        if show:
            print()
            print(text)

    @magic_arguments()
    @argument("--include", nargs="+", default=[], help="Figure names to publish.")
    @argument("--exclude", nargs="+", default=[], help="Figure names to leave out.")
    @line_magic
    @_user_errors
    def hub_figures(self, line=""):
        """List the figures the notebook has shown, and choose which ones are published.

        Example::

            %hub_figures --exclude scratch-plot
        """
        args = parse(self.hub_figures, line)
        if args is None:
            return
        figures = self.session.choose_figures(include=args.include, exclude=args.exclude)
        _say(self.session)
        for fig in figures:
            mark = "x" if fig["include"] else " "
            print(f"[{mark}] {fig['name']}  (In[{fig['execution_count']}]) {fig['caption']}".rstrip())
