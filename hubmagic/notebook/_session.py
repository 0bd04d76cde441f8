"""``NotebookSession``: one per kernel, the state and actions every face of hubmagic shares.

The magics, the card editor widget and the JupyterLab panel are thin faces over it: they
call its actions (plain Python, no IPython magics machinery needed) and watch its traits
(``session.observe(handler, names=[...])``). The contract is documented in
``notes/session_spec.md``; in short:

* state: ``model_name``, ``repository``, ``repo_id``, ``files``, ``warnings``, ``figures``,
  ``script``, ``verdict``, ``push_state``, ``card_version`` (traits, JSON-like values);
* actions: ``init``, ``refresh``, ``include_cells`` / ``exclude_cells`` / ``reset_cells``,
  ``include_figures`` / ``exclude_figures``, ``verify``, ``push``, ``load``, ``status``,
  ``card_changed``; they raise ``HubMagicError`` subclasses whose message says what to do,
  and leave what a face should print in ``notes``.

>>> session = NotebookSession.for_shell(get_ipython())         # doctest: +SKIP
>>> session.observe(print, names=["push_state"])               # doctest: +SKIP
>>> session.init("model", data="X_test", labels="y_test")      # doctest: +SKIP
>>> session.push()                                             # doctest: +SKIP
"""

from __future__ import annotations

import contextlib
import hashlib
import weakref
from pathlib import Path

from traitlets import Bool, Dict, Enum, HasTraits, Instance, Int, List, Unicode

from hubmagic.errors import HubMagicError, InvalidInputError
from hubmagic.notebook import _build, _views
from hubmagic.notebook import _namespace as namespace
from hubmagic.notebook._folders import default_repo_name, folder_to_reopen
from hubmagic.notebook._notebook_file import notebook_stem

_SESSIONS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_IDLE = {"phase": "idle", "bytes_done": 0, "bytes_total": 0, "path": None, "result": None, "error": None}
_NO_REPOSITORY = "No model repository yet in this session: run `%hub_init MODEL --data X` first."
_NEEDS_DATA = ("Verification needs example input: run `%hub_init MODEL --data X --verify` (or `%hub_init "
               "MODEL --data X` first, then `%hub_script --verify`).")


class NotebookSession(HasTraits):
    """The model being published from one kernel: its repository, train script, figures and pushes."""

    # -- state ----------------------------------------------------------------------
    model_name = Unicode(None, allow_none=True, help="Variable name of the current model.")
    repository = Instance("hubmagic.repository._repository.ModelRepository", allow_none=True)
    repo_id = Unicode(None, allow_none=True, help="Target 'namespace/name' (the real namespace once known).")
    files = List(help='[{"path", "size", "lfs", "change"}] of the files a push would publish.')
    warnings = List(help="What the card or repository still lacks.")
    figures = List(help='[{"name", "execution_count", "caption", "include", "stale", "path"}].')
    script = Dict(help='{"text", "kept_cells", "kept_cell_ids", "summary"} of train.py.')
    verdict = Dict(default_value=_views.verdict_view(), help='{"verified", "reason", "added_cells"}.')
    push_state = Dict(default_value=dict(_IDLE), help="Phase, bytes done/total, path, result or error of the push.")
    card_version = Int(0, help="Bumped whenever the repository's README.md changes.")

    # -- settings (``%config HubMagics.*`` is linked to these) --------------------------------
    private = Bool(False, help="Create new Hub repositories as private.")
    model_format = Enum(["skops", "pickle"], default_value="skops", help="Default file format of the model.")
    dst_root = Unicode("hub", help="Folder (relative to the working directory) holding local repositories.")
    license = Unicode("", help="Default license identifier for new model cards.")
    verify_every_init = Bool(False, help="Verify train.py on every init that has example input.")
    verify_timeout = Int(300, help="Seconds train.py may take when it is verified.")

    def __init__(self, shell, **kwargs):
        super().__init__(**kwargs)
        self.shell = shell
        self.capture = None
        self.notes: list[str] = []  # what the last action has to tell the user, in order
        self._options: dict[str, dict] = {}  # the options given to the last init of each model
        self._places: dict[str, dict] = {}  # each model's repository name and folder
        self._hubs_started: list[Path] = []
        self._accounts: dict[tuple, str | None] = {}
        self._card_digest: str | None = None
        for name in ("files", "warnings", "figures", "script", "verdict", "push_state"):
            getattr(self, name)  # materialise the defaults: setting an equal value notifies nobody

    # -- lifecycle ------------------------------------------------------------------
    @classmethod
    def for_shell(cls, shell) -> NotebookSession:
        """The session of ``shell``, created (and its capture started) on first use."""
        session = _SESSIONS.get(shell)
        if session is None:
            session = _SESSIONS[shell] = cls(shell)
            session.start()
        return session

    def start(self) -> NotebookSession:
        """Record the cells and figures of the shell from now on (idempotent)."""
        from hubmagic import capture

        self.capture = capture.register(self.shell)
        if self._after_cell not in self.shell.events.callbacks["post_run_cell"]:
            self.shell.events.register("post_run_cell", self._after_cell)
        return self

    def close(self) -> None:
        """Stop recording, stop the local hubs this session started, forget the session."""
        from hubmagic import capture
        from hubmagic.hub._local import stop_local_hubs

        capture.unregister(self.shell)
        with contextlib.suppress(ValueError):  # already removed
            self.shell.events.unregister("post_run_cell", self._after_cell)
        stop_local_hubs(self._hubs_started)
        self._hubs_started.clear()
        if _SESSIONS.get(self.shell) is self:
            del _SESSIONS[self.shell]

    def _after_cell(self, result=None) -> None:
        """A cell that displayed a figure changes ``figures``."""
        captured = self.capture.figures.figures if self.capture is not None else []
        if len(captured) != len(self.figures):
            self._show_figures()

    # -- building -------------------------------------------------------------------
    def init(self, model: str | None = None, **options):
        """Build (or refresh) the repository of the fitted estimator named ``model``.

        ``options`` are ``%hub_init``'s: ``data``, ``labels`` (variable names or
        expressions), ``repo_id``, ``task``, ``model_format``, ``dst``, ``requirements``,
        ``license``, ``verify``, ``all_cells``. Those not given are taken from the last
        init of the same model.
        """
        self.notes = []
        name = namespace.pick_model_name(self.shell.user_ns, model)
        given = {key: value for key, value in options.items() if value is not None}
        merged, reused = _build.merge_options(self._options.get(name, {}), given)
        self._build(name, merged)
        if reused:
            shown = " ".join(f"--{key.replace('_', '-')}" for key in reused)
            self.notes.append(f"(kept from the last %hub_init of {name}: {shown})")
        return self.repository

    def refresh(self, why: str = "", *, verify: bool = False):
        """Rebuild the current repository with the same options (after a choice of cells or figures)."""
        self.notes = []
        return self._refresh(why, verify=verify)

    def _refresh(self, why: str, *, verify: bool = False, **changes):
        """Rebuild with the options of the last init of the current model, updated by ``changes``."""
        repository = self._current()
        if self.model_name is None:
            raise InvalidInputError(
                f"hubmagic reopened {repository.path} but does not know which variable holds its model in "
                "this kernel: run `%hub_init MODEL` once (your card edits and added files are kept)."
            )
        if why:
            self.notes.append(f"{why}: refreshing {repository.path}")
        self._build(self.model_name, {**self._options.get(self.model_name, {}), **changes, "verify": verify})
        return self.repository

    def _build(self, name: str, options: dict) -> None:
        place = self._places.get(name) or self._place_of(name)
        everything = {**place, "model_format": self.model_format, **options}
        verify = options.get("verify") or (self.verify_every_init and bool(options.get("data")))
        built = _build.build(self.shell, self.capture, name, everything, license=self.license or None,
                             verify_timeout=self.verify_timeout, verify=verify)
        self._places[name] = place
        self._options[name] = {key: value for key, value in options.items() if key != "verify"}
        self.model_name = name
        if built.reproduction is not None:
            self.notes.append(built.reproduction.summary())
        self._show(built.repository, built.script, built.reproduction)
        self.notes.append(self.summary())

    def _place_of(self, name: str) -> dict:
        """The repository name (``<notebook>-<model>``) and folder of a model built for the first time."""
        from hubmagic.repository._files import safe_name

        repo_name = default_repo_name(name, notebook_stem(self.shell.user_ns))
        return {"name": repo_name, "dst": str(Path(self.dst_root) / safe_name(repo_name))}

    # -- choices --------------------------------------------------------------------
    def include_cells(self, *cells):
        """Force cells (execution counts or cell ids) into train.py; refresh the repository."""
        return self.train_script(include=cells)

    def exclude_cells(self, *cells):
        """Force cells out of train.py; refresh the repository."""
        return self.train_script(exclude=cells)

    def reset_cells(self):
        """Forget the forced cells; refresh the repository."""
        return self.train_script(reset=True)

    def train_script(self, *, include=(), exclude=(), reset: bool = False, all_cells: bool = False,
                     verify: bool = False) -> str:
        """Apply cell choices and return train.py: the repository's, refreshed (and verified
        if asked) when there is one, else a preview (``all_cells``: every executed cell)."""
        self.notes = []
        recorder = self.capture.recorder
        if reset:
            recorder.reset_choices()
        recorder.include(*(_cell(c) for c in include))
        recorder.exclude(*(_cell(c) for c in exclude))
        changed = bool(reset or include or exclude)
        if self.repository is not None and not all_cells and (changed or verify):
            self._refresh("cells chosen" if changed else "verifying", verify=verify)
            return self.script["text"]
        if verify:
            raise InvalidInputError(_NEEDS_DATA)
        if self.repository is not None:
            name, model_format = self.model_name, self.repository.model_format
        else:
            name, model_format = namespace.pick_model_name(self.shell.user_ns, None), self.model_format
        script = _build.train_script(self.capture, name, model_format, all_cells=all_cells)
        if self.repository is None and not all_cells:
            self.script = _views.script_view(script)
        self.notes.append(script.summary())
        return script.text

    def include_figures(self, *names):
        """Publish these captured figures (refreshes the repository)."""
        return self.choose_figures(include=names)

    def exclude_figures(self, *names):
        """Leave these captured figures out (refreshes the repository)."""
        return self.choose_figures(exclude=names)

    def choose_figures(self, *, include=(), exclude=()) -> list[dict]:
        """Include and exclude figures by name; returns ``figures``."""
        self.notes = []
        self.capture.figures.include(*include)
        self.capture.figures.exclude(*exclude)
        note = self.capture.figures_note()  # also leaves out figures drawn before a refit
        if note:
            self.notes.append(note)
        if (include or exclude) and self.repository is not None:
            self._refresh("figures chosen")
        self._show_figures()
        return self.figures

    def verify(self) -> dict:
        """Run train.py as a clone of the repository would and compare predictions; returns ``verdict``."""
        self.notes = []
        if self._current(required=False) is None:
            raise InvalidInputError(_NEEDS_DATA)
        self._refresh("verifying", verify=True)
        return self.verdict

    # -- the repository and the Hub -----------------------------------------------
    def add_files(self, *paths) -> list[str]:
        """Copy files into the repository (they survive refreshes)."""
        self.notes = []
        repository = self._current()
        added = repository.add_files(*paths)
        self.notes += [f"added {path}" for path in added]
        self.files = _views.files_view(repository)
        return added

    def push(self, **kwargs):
        """Publish the repository in one commit; ``push_state`` follows the upload.

        Keyword arguments as ``ModelRepository.push`` (``repo_id``, ``private``,
        ``create_pr``, ``revision``, ``commit_message``, ``token``, ``dry_run``, ``redact``,
        ``overwrite``) plus ``notebook``: a notebook path to publish with the model
        (``""``: the one this kernel runs).
        """
        from hubmagic.notebook._notebook_file import find_notebook

        self.notes = []
        repository = self._current()
        notebook = kwargs.pop("notebook", None)
        if notebook is not None:
            found = find_notebook(notebook or None, self.shell.user_ns)
            repository = self._refresh(f"adding the notebook {found.name} (as last saved)",
                                       notebook=str(found.resolve()))
        kwargs["private"] = True if (kwargs.get("private") or self.private) else None
        self.push_state = dict(_IDLE)
        try:
            result = repository.push(progress=self._progress, **kwargs)
        except BaseException as exc:
            self.push_state = {**self.push_state, "phase": "error", "error": str(exc) or type(exc).__name__}
            self._card_touched()
            raise
        self.push_state = {**self.push_state, "phase": "done", "result": {
            "repo_id": result.repo_id, "commit_url": result.commit_url, "pr_url": result.pr_url,
            "commit": result.commit_oid,
        }}
        if not result.dry_run:
            self.repo_id = result.repo_id
        files = _views.files_view(repository)
        on_branch = not (result.dry_run or kwargs.get("create_pr"))
        self.files = _views.mark_unchanged(files) if on_branch else files
        self._card_touched()  # the push names the repository in the card, or redacts it
        self.notes.append(str(result))
        return result

    def _progress(self, event: dict) -> None:
        fields = ("phase", "bytes_done", "bytes_total", "path")
        self.push_state = {**self.push_state, **{key: event.get(key) for key in fields}}

    def load(self, repo_id: str | None = None, *, revision: str | None = None, trusted=None,
             token: str | None = None, name: str | None = None):
        """Download a published model (default: this repository's) and return it; bound to
        the notebook variable ``name`` when given."""
        from hubmagic._api import load

        self.notes = []
        if name is not None and not name.isidentifier():
            raise InvalidInputError(f"--as {name!r} is not a valid Python variable name.")
        if repo_id is None:
            repository = self._current(required=False)
            repo_id = repository.repo_id if repository is not None else None
            if not repo_id:
                raise InvalidInputError("Which model? `%hub_load OWNER/NAME`, e.g. `%hub_load me/iris-classifier`.")
        model = load(repo_id, revision=revision, token=token, trusted=trusted)
        if name is not None:
            self.shell.push({name: model})
            self.notes.append(f"loaded {repo_id} into `{name}`: {type(model).__name__}")
        return model

    def status(self) -> str:
        """Files, card warnings and, after a push, what differs from the remote."""
        self.notes = []
        repository = self._current()
        status = repository.status()
        self.files = _views.files_view(repository, status.diff)
        self.warnings = list(status.card_warnings)
        return str(status)

    def summary(self) -> str:
        """The repository in a few lines, naming the real namespace once it is known."""
        repository = self._current()
        text = repository.summary()
        if not repository.repo_id and self.repo_id and "/" in self.repo_id:
            text = text.replace(f"<your namespace>/{repository.name}", self.repo_id, 1)
        return text

    def card_changed(self) -> None:
        """Call after writing README.md outside the session: editors reload, warnings are re-read."""
        self.card_version += 1
        self._card_digest = _digest(self.repository.path / "README.md") if self.repository else None
        if self.repository is not None:
            self.warnings = self.repository.card_warnings()

    def use_local_hub(self, data_dir=None):
        """Publish to a local hub on this machine (started if needed, stopped by ``close``)."""
        from hubmagic.hub._local import use_local_hub

        self.notes = []
        hub = use_local_hub(data_dir)
        if hub.started:
            self._hubs_started.append(hub.data_dir)
        self._accounts.clear()
        self.notes.append(f"local hub: {hub}")
        return hub

    def login(self, token: str | None = None) -> str:
        """Log in to the Hub (token from ``token``, ``HF_TOKEN`` or a hidden prompt)."""
        from hubmagic.hub._local import login

        self.notes = []
        self._accounts.clear()
        who = login(token)
        self.notes.append(who)
        return who

    # -- state ----------------------------------------------------------------------
    def _current(self, *, required: bool = True):
        """The repository, reopened from ``dst_root`` after a kernel restart if needed."""
        if self.repository is None:
            from hubmagic.repository._repository import ModelRepository

            folder = folder_to_reopen(self.dst_root, notebook_stem(self.shell.user_ns))
            if folder is not None:
                self._show(ModelRepository.open(folder))
                self.notes.append(f"(reopened {folder})")
        if self.repository is None and required:
            raise InvalidInputError(_NO_REPOSITORY)
        return self.repository

    def _show(self, repository, script=None, reproduction=None) -> None:
        """Set the traits from a (re)built or reopened repository, in a fixed order."""
        self.repository = repository
        self.repo_id = self._target(repository)
        self.files = _views.files_view(repository)
        self.warnings = repository.card_warnings()
        self._show_figures()
        train = repository.path / "train.py"
        text = train.read_text(encoding="utf-8") if train.is_file() else ""
        self.script = _views.script_view(script, text) if script is not None else {**self.script, "text": text}
        self.verdict = _views.verdict_view(reproduction)
        self._card_touched()

    def _show_figures(self) -> None:
        if self.capture is None:
            return
        self.capture.figures.refresh()  # tells the stale ones
        folder = self.repository.path if self.repository is not None else None
        self.figures = _views.figures_view(self.capture.figures.figures, folder)

    def _card_touched(self) -> None:
        """Bump ``card_version`` if README.md changed since the session last saw it."""
        if self.repository is None:
            return
        digest = _digest(self.repository.path / "README.md")
        if digest != self._card_digest:
            self._card_digest = digest
            self.card_version += 1
            self.warnings = self.repository.card_warnings()

    def _target(self, repository) -> str:
        """``namespace/name`` the repository publishes to (the bare name while the namespace is unknown)."""
        if repository.repo_id:
            return repository.repo_id
        user = self._account()
        return f"{user}/{repository.name}" if user else repository.name

    def _account(self) -> str | None:
        """Whose namespace a push goes to, when a token is at hand (one whoami per hub and token)."""
        from hubmagic.hub._endpoint import get_endpoint, hf_api
        from hubmagic.hub._identity import account, resolve_token

        token = resolve_token(None, required=False)
        if not token:
            return None
        key = (get_endpoint(), token)
        if key not in self._accounts:
            try:
                self._accounts[key] = account(hf_api(token), token)["name"]
            except HubMagicError:
                self._accounts[key] = None  # told at push time, with what to do
        return self._accounts[key]


def _cell(cell):
    """An execution count given as text becomes a number; a cell id stays text."""
    return int(cell) if isinstance(cell, str) and cell.isdigit() else cell


def _digest(path: Path) -> str | None:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None
