"""The ``%hub_*`` magics: thin faces over hubmagic's plain-Python API.

Each magic parses its arguments, looks up the user's variables, calls the API and prints
a short result. Any ``HubMagicError`` becomes a one-line ``UsageError``.
"""

from __future__ import annotations

import functools
import os
import shlex
from pathlib import Path

from IPython.core.error import UsageError
from IPython.core.magic import Magics, line_magic, magics_class
from IPython.core.magic_arguments import argument, magic_arguments, parse_argstring
from traitlets import Bool, Enum, Int, Unicode

from hubmagic.errors import HubMagicError
from hubmagic.notebook import _namespace as namespace


def _parse(magic, line: str):
    """Parse a magic's arguments as a shell would: quotes removed, a trailing ``# comment`` dropped.

    (IPython's ``parse_argstring`` keeps the quotes on POSIX: ``--commit-message "Tuned C"``
    would become the title ``"Tuned C"`` with its quotes.)
    """
    line = _strip_comment(line)
    if os.name == "nt":  # backslashes are path separators there
        return parse_argstring(magic, line)
    try:
        argv = shlex.split(line)
    except ValueError as exc:
        raise UsageError(f"Could not read the arguments ({exc}): close the quote you opened.") from None
    return magic.parser.parse_args(argv)


def _strip_comment(line: str) -> str:
    """``line`` without a ``# comment`` that starts a word outside quotes (``a#b`` is kept)."""
    quote = None
    for i, char in enumerate(line):
        if quote:
            if char == quote:
                quote = None
        elif char in "'\"":
            quote = char
        elif char == "#" and (i == 0 or line[i - 1].isspace()):
            return line[:i]
    return line


def _expression(words) -> str | None:
    """A Python expression typed after an option, possibly split at spaces by the parser."""
    return " ".join(words) if words else None


def _user_errors(method):
    """Show hubmagic's own errors as one paragraph, without a traceback."""

    @functools.wraps(method)
    def wrapper(self, *args, **kwargs):
        try:
            return method(self, *args, **kwargs)
        except HubMagicError as exc:
            raise UsageError(str(exc)) from None

    return wrapper


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
        self.repository = None
        self.model_name = None
        self.capture = None
        self._options: dict[str, dict] = {}  # the last %hub_init options of each model

    # -- recording -------------------------------------------------------------------
    def start_recording(self) -> None:
        from hubmagic import capture

        self.capture = capture.register(self.shell)

    def stop_recording(self) -> None:
        from hubmagic import capture

        capture.unregister(self.shell)

    # -- helpers ---------------------------------------------------------------------
    def _current(self):
        if self.repository is None:
            raise UsageError(
                "No model repository yet in this session: run `%hub_init MODEL --data X` first."
            )
        return self.repository

    def _train_script(self, model_name: str, model_format: str, *, all_cells: bool = False):
        from hubmagic.capture import build_train_script
        from hubmagic.model._persist import model_file_name

        return build_train_script(
            self.capture.recorder.records,
            model_name,
            model_file=model_file_name(model_format),
            model_format=model_format,
            all_cells=all_cells,
        )

    def _reproduce(self, name: str, model, data, model_format: str, repository, all_cells: bool):
        """Verify train.py as a clone of ``repository`` runs it; widen the slice if it does not reproduce."""
        from hubmagic.capture.widen import reproduce
        from hubmagic.model._persist import model_file_name

        return reproduce(
            self.capture.recorder.records,
            name,
            model=model,
            example_input=data,
            repository=repository,
            workdir=os.getcwd(),
            timeout=self.verify_timeout,
            model_file=model_file_name(model_format),
            model_format=model_format,
            all_cells=all_cells,
        )

    # -- magics ----------------------------------------------------------------------
    @magic_arguments()
    @argument("model", nargs="?", help="Variable holding the fitted estimator (default: the only one).")
    @argument("--data", nargs="+", help="Variable (or expression) with example input, e.g. X_test: columns, example, metrics.")
    @argument("--labels", nargs="+", help="Variable (or expression) with the true labels of --data: metrics in the card.")
    @argument("--repo-id", help="Hub repository id, e.g. 'me/my-model' (default: your namespace/MODEL).")
    @argument("--task", help="tabular-classification, tabular-regression, text-classification, text-regression.")
    @argument("--format", dest="model_format", choices=["skops", "pickle"], help="Model file format.")
    @argument("--dst", help="Local repository folder (default: ./hub/MODEL).")
    @argument("--requirements", nargs="+", default=None, help="Extra packages for config.json's environment.")
    @argument("--license", help="License identifier for the card, e.g. mit, apache-2.0.")
    @argument("--verify", action="store_true", default=None, help="Check that train.py rebuilds the same model.")
    @argument("--all-cells", action="store_true", default=None, help="train.py holds every executed cell (no slicing).")
    @line_magic
    @_user_errors
    def hub_init(self, line=""):
        """Build (or refresh) the local model repository of a fitted estimator.

        Writes model.skops, config.json, README.md (the model card), train.py (the cells that
        made the model) and figures/*.png into ./hub/MODEL, and prints a summary. Running it
        again for the same model refreshes the folder (your card edits and added files are
        kept) and reuses the options of the last run that are not given again.

        Example::

            %hub_init model --data X_test --labels y_test --license mit
        """
        args = _parse(self.hub_init, line)
        args.data, args.labels = _expression(args.data), _expression(args.labels)
        name = namespace.pick_model_name(self.shell.user_ns, args.model)
        given = {key: value for key, value in vars(args).items() if key != "model" and value is not None}
        options = dict(self._options.get(name, {}))
        reused = sorted(key for key in options if key not in given and key != "verify")
        options.update(given)
        options["verify"] = bool(args.verify)  # verifying is asked for each time
        self._build(name, options)
        if reused:
            shown = " ".join(f"--{key.replace('_', '-')}" for key in reused)
            print(f"(kept from the last %hub_init of {name}: {shown})")

    def _build(self, name: str, options: dict) -> None:
        """Evaluate the variables named in ``options`` and build the repository of ``name``."""
        model = namespace.evaluate(self.shell, name, "model")
        data = namespace.evaluate(self.shell, options["data"], "data") if options.get("data") else None
        labels = namespace.evaluate(self.shell, options["labels"], "labels") if options.get("labels") else None
        model_format = options.get("model_format") or self.model_format
        verify = options.get("verify") or self.verify
        if options.get("verify") and data is None:
            raise UsageError(
                "Verifying train.py compares predictions on example input: give it with "
                f"`%hub_init {name} --data X_test --verify`."
            )

        all_cells = bool(options.get("all_cells"))
        script = self._train_script(name, model_format, all_cells=all_cells)
        script_info = {
            "file": "train.py",
            "verified": None,
            "note": "",
            "custom_objects": list(getattr(script, "custom_objects", []) or []),
        }
        dst = options.get("dst") or str(Path(self.dst_root) / name.replace(".", "_"))
        self.repository = self._init_repository(model, data, labels, dst, name, options, model_format,
                                                script, script_info)
        if verify and data is not None:
            # Verified where a clone of the built repository runs, then rebuilt with the
            # script that reproduces (possibly widened) and the verdict in its card.
            outcome = self._reproduce(name, model, data, model_format, self.repository.path, all_cells)
            print(outcome.summary())
            script, script_info = outcome.script, outcome.script_info()
            self.repository = self._init_repository(model, data, labels, dst, name, options, model_format,
                                                    script, script_info)
        self.model_name = name
        self._options[name] = {key: value for key, value in options.items() if key != "verify"}
        print(self.repository.summary())

    def _init_repository(self, model, data, labels, dst, name, options, model_format, script, script_info):
        from hubmagic.repository._repository import ModelRepository

        return ModelRepository.init(
            model,
            data=data,
            labels=labels,
            dst=dst,
            name=name,
            repo_id=options.get("repo_id"),
            task=options.get("task"),
            model_format=model_format,
            requirements=options.get("requirements"),
            license=options.get("license") or self.license or None,
            train_script=script.text,
            script_info=script_info,
            figures=self.capture.figures.included,
            notebook=options.get("notebook"),
        )

    def _rebuild(self, why: str, *, verify: bool = False) -> None:
        """Rebuild the current repository (same options) after the user changed what goes into it."""
        print(f"{why}: refreshing {self.repository.path}")
        self._build(self.model_name, {**self._options.get(self.model_name, {}), "verify": verify})

    @magic_arguments()
    @argument("paths", nargs="+", help="Files to copy into the repository.")
    @line_magic
    @_user_errors
    def hub_add(self, line=""):
        """Add files (data samples, extra code, images ...) to the current repository.

        Example::

            %hub_add utils.py data/sample.csv
        """
        args = _parse(self.hub_add, line)
        repo = self._current()
        added = repo.add_files(*args.paths)
        for path in added or args.paths:
            print(f"added {path}")

    @line_magic
    @_user_errors
    def hub_status(self, line=""):
        """Show the repository's files, card warnings and, after a push, what differs remotely.

        Example::

            %hub_status
        """
        print(self._current().status())

    @magic_arguments()
    @argument("--repo-id", help="Hub repository id (default: the one given to %%hub_init, else your namespace/MODEL).")
    @argument("--private", action="store_true", default=None, help="Create the repository as private.")
    @argument("--create-pr", action="store_true", help="Open a pull request instead of committing to the branch.")
    @argument("--revision", help="Branch to push to (created from main if missing).")
    @argument("--commit-message", help="Commit message.")
    @argument("--token", help="Hub token (default: HF_TOKEN or the one saved by %%hub_login).")
    @argument("--dry-run", action="store_true", help="Show what would be published; change nothing.")
    @argument("--redact", action="store_true", help="Replace credentials found in the files by environment lookups.")
    @argument(
        "--notebook", nargs="?", const="", default=None, metavar="PATH",
        help="Also publish this notebook (outputs stripped); its path is found when Jupyter gives it to the kernel.",
    )
    @line_magic
    @_user_errors
    def hub_push(self, line=""):
        """Publish the current repository to the Hub in one commit.

        Refuses to overwrite a remote that changed since the last push (use --create-pr, or
        `%hub_load` the remote first), and refuses to publish credentials it finds.
        `--notebook` adds the notebook as last saved, without outputs, execution counts or
        widget state, linked from the card (give its path where Jupyter does not tell the
        kernel, e.g. in a plain IPython session); later `%hub_init` refreshes copy it again.

        Example::

            %hub_push --repo-id me/iris-classifier --private
            %hub_push --notebook
        """
        args = _parse(self.hub_push, line)
        repo = self._current()
        if args.notebook is not None:
            from hubmagic.notebook._notebook_file import find_notebook

            found = find_notebook(args.notebook or None, self.shell.user_ns)
            self._options.setdefault(self.model_name, {})["notebook"] = str(found.resolve())
            self._rebuild(f"adding the notebook {found.name} (as last saved)")
            repo = self.repository
        private = True if (args.private or self.private) else None
        result = repo.push(
            repo_id=args.repo_id,
            private=private,
            create_pr=args.create_pr,
            revision=args.revision,
            commit_message=args.commit_message,
            token=args.token,
            dry_run=args.dry_run,
            redact=args.redact,
        )
        print(result)

    @magic_arguments()
    @argument("repo_id", nargs="?", help="Hub repository id, e.g. 'me/iris-classifier' (default: the one just pushed).")
    @argument("--revision", help="Branch, tag, PR ref (refs/pr/1) or commit.")
    @argument("--as", dest="name", help="Variable to bind the model to (default: model).")
    @argument(
        "--trust", nargs="+", default=None,
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
        from hubmagic._api import load

        args = _parse(self.hub_load, line)
        if args.repo_id is None:
            args.repo_id = getattr(self.repository, "repo_id", None)
            if not args.repo_id:
                raise UsageError("Which model? `%hub_load OWNER/NAME`, e.g. `%hub_load me/iris-classifier`.")
        model = load(args.repo_id, revision=args.revision, token=args.token, trusted=args.trust)
        name = args.name or "model"
        if not name.isidentifier():
            raise UsageError(f"--as {name!r} is not a valid Python variable name.")
        self.shell.push({name: model})
        print(f"loaded {args.repo_id} into `{name}`: {type(model).__name__}")

    @magic_arguments()
    @argument("--data-dir", help="Folder of the local hub's repositories (default ~/.cache/hubmagic/localhub).")
    @line_magic
    @_user_errors
    def hub_local(self, line=""):
        """Publish to a local hub on this machine: no account, no network.

        Starts (or reuses) hubmagic's local hub in the background and points this session at
        it. Remove this line (and use `%hub_login`) to publish to huggingface.co.

        Example::

            %hub_local
        """
        from hubmagic.hub._local import use_local_hub

        args = _parse(self.hub_local, line)
        session = use_local_hub(args.data_dir)
        print(f"local hub: {session}")

    @line_magic
    @_user_errors
    def hub_login(self, line=""):
        """Log in to the Hub with a token (from HF_TOKEN, else asked for without echo).

        Example::

            %hub_login
        """
        from hubmagic.hub._local import login

        print(login())

    @magic_arguments()
    @argument("--show", action="store_true", help="Print the script.")
    @argument("--all", action="store_true", help="Every executed cell, without slicing.")
    @argument("--verify", action="store_true", help="Run it in a fresh process and compare predictions.")
    @argument("--include", nargs="+", default=[], help="Cells (execution count or cell id) to force in.")
    @argument("--exclude", nargs="+", default=[], help="Cells (execution count or cell id) to force out.")
    @argument("--reset", action="store_true", help="Forget forced includes/excludes.")
    @line_magic
    @_user_errors
    def hub_script(self, line=""):
        """Preview train.py: the cells that rebuild the model, in execution order.

        Example::

            %hub_script --show
            %hub_script --exclude 7 --verify
        """
        args = _parse(self.hub_script, line)
        recorder = self.capture.recorder
        if args.reset:
            recorder.reset_choices()
        recorder.include(*(int(c) if c.isdigit() else c for c in args.include))
        recorder.exclude(*(int(c) if c.isdigit() else c for c in args.exclude))
        changed = bool(args.reset or args.include or args.exclude)
        if self.repository is not None and not args.all and (changed or args.verify):
            # The repository's train.py (and its verification in the card) follow the choice.
            self._rebuild("cells chosen" if changed else "verifying", verify=args.verify)
            if args.show:
                print()
                print((self.repository.path / "train.py").read_text(encoding="utf-8"))
            return
        if self.repository is not None:
            name = self.model_name
            model_format = self.repository.model_format
        else:
            name = namespace.pick_model_name(self.shell.user_ns, None)
            model_format = self.model_format
        script = self._train_script(name, model_format, all_cells=args.all)
        print(script.summary())
        if args.show:
            print()
            print(script.text)
        if args.verify:
            raise UsageError(
                "Verification needs example input: run `%hub_init MODEL --data X --verify` "
                "(or `%hub_init MODEL --data X` first, then `%hub_script --verify`)."
            )

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
        args = _parse(self.hub_figures, line)
        self.capture.figures.include(*args.include)
        self.capture.figures.exclude(*args.exclude)
        figures = self.capture.figures.figures
        note = self.capture.figures_note()  # also leaves out figures drawn before a refit
        if note:
            print(note)
        for fig in figures:
            mark = "x" if fig.include else " "
            print(f"[{mark}] {fig.name}  (In[{fig.execution_count}]) {fig.caption or ''}".rstrip())
        if (args.include or args.exclude) and self.repository is not None:
            self._rebuild("figures chosen")
