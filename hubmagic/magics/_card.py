"""``%hub_card``: the model-card editor of the current repository, or of a published card."""

from __future__ import annotations

from pathlib import Path

from IPython.core.magic import Magics, line_magic, magics_class
from IPython.core.magic_arguments import argument, magic_arguments

from hubmagic.magics._args import parse
from hubmagic.magics.core import _user_errors
from hubmagic.notebook import NotebookSession


@magics_class
class CardMagics(Magics):
    """The ``%hub_card`` magic (registered by ``%load_ext hubmagic``)."""

    @magic_arguments()
    @argument(
        "--from", dest="repo_id", help="Edit the card of a published repository, e.g. alice/iris (downloaded to --dst)."
    )
    @argument("--revision", help="Branch, tag or commit of --from to start from (default: main).")
    @argument("--dst", help="Folder for --from (default: ./hub/NAME).")
    @argument("--token", help="Hub token for --from (default: HF_TOKEN or your login).")
    @line_magic
    @_user_errors
    def hub_card(self, line=""):
        """Edit the model card in the notebook: metadata, sections, figures, metrics, preview.

        Without arguments it edits the card of the repository ``%hub_init`` built; what you
        Save is what ``%hub_push`` (or the editor's Push button) publishes. With ``--from``
        it downloads a published repository and its Push opens a pull request with your
        commit message. In a terminal it prints the card's state and how to edit it in Python.

        Examples::

            %hub_card
            %hub_card --from alice/iris-classifier --revision main
            editor = %hub_card      # then editor.set_field("license", "mit").save(); show it with `editor`
        """
        args = parse(self.hub_card, line)
        if args is None:
            return None
        session = NotebookSession.for_shell(self.shell)
        if args.repo_id:
            editor_args = _published(args)
        else:
            if session.repository is None:
                session.summary()  # reopens this notebook's folder after a restart, else says to %hub_init
            editor_args = {"session": session}
        folder = Path(editor_args.get("repository", session.repository).path)
        if getattr(self.shell, "kernel", None) is None:
            from hubmagic.widgets._summary import card_summary

            print(card_summary(folder))  # a terminal: no widgets to show
            return None
        from hubmagic.widgets import CardEditor

        # Returned, not displayed: `%hub_card` at the end of a cell shows it, and
        # `editor = %hub_card` keeps it for edits in code (`editor.set_field(...)`).
        return CardEditor(**editor_args)


def _published(args) -> dict:
    """Download (or reopen) a published repository; the editor's Push then opens a PR."""
    from hubmagic.hub._identity import check_repo_id
    from hubmagic.repository import ModelRepository
    from hubmagic.repository._files import safe_name

    repo_id = check_repo_id(args.repo_id)
    dst = Path(args.dst) if args.dst else Path("hub") / safe_name(repo_id.split("/")[-1])
    if dst.is_dir() and any(dst.iterdir()):
        repository = ModelRepository.open(dst)
        if repository.repo_id != repo_id:
            from hubmagic.errors import InvalidInputError

            raise InvalidInputError(
                f"{dst} already holds another repository ({repository.repo_id or 'not published'}): "
                f"choose a folder with `%hub_card --from {repo_id} --dst FOLDER`."
            )
        print(f"(editing your copy in {dst}: delete it to start again from the Hub)")
    else:
        repository = ModelRepository.from_hub(repo_id, dst, revision=args.revision, token=args.token)
        _read_card(repository, repo_id, dst)
        print(f"Downloaded {repo_id} into {dst}: Push opens a pull request.")
    token = args.token

    def push(**kwargs):
        return repository.push(repo_id, token=token, **kwargs)

    return {"repository": repository, "push": push, "create_pr": True}


def _read_card(repository, repo_id: str, dst: Path) -> None:
    """Read the downloaded card before anything says it is ready to edit; a card that
    cannot be read is refused with what happened to the download."""
    from hubmagic.errors import InvalidInputError

    if not (Path(dst) / "README.md").is_file():
        return
    try:
        repository.card  # noqa: B018 - parsed here, so its refusal comes first
    except InvalidInputError as exc:
        raise InvalidInputError(
            f"{repo_id}'s model card cannot be edited here. {exc} The repository was downloaded into {dst} as "
            "published; nothing was changed there or on the Hub."
        ) from exc
