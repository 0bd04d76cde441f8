"""``python -m hubmagic.localhub --data-dir DIR [--host] [--port] [--user NAME:TOKEN[:FULL NAME]]...
[--org ORG:M1,M2[:FULL NAME]]... [--private-org ORG]...``"""

from __future__ import annotations

import argparse
import signal
import sys
import threading

from .owner import LocalHubError
from .server import LocalHub


def _pair(text: str, what: str) -> tuple[str, str]:
    name, sep, value = text.partition(":")
    if not sep or not name or not value:
        raise argparse.ArgumentTypeError(f"expected {what}, got {text!r}")
    return name, value


def _user(text: str) -> tuple[str, dict]:
    name, token = _pair(text, "NAME:TOKEN[:FULL NAME]")
    token, _, fullname = token.partition(":")
    if not token:
        raise argparse.ArgumentTypeError(f"expected NAME:TOKEN[:FULL NAME], got {text!r}")
    return name, {"token": token, "fullname": fullname.strip() or None}


def _org(text: str) -> tuple[str, dict]:
    name, value = _pair(text, "ORG:MEMBER[,MEMBER][:FULL NAME]")
    members, _, fullname = value.partition(":")
    return name, {"members": [m for m in members.split(",") if m], "fullname": fullname.strip() or None}


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m hubmagic.localhub",
                                     description="Serve a local Hugging Face Hub for huggingface_hub clients.")
    parser.add_argument("--data-dir", required=True, help="folder with repositories, LFS objects and accounts")
    parser.add_argument("--host", default="127.0.0.1", help="interface to bind (default: loopback only)")
    parser.add_argument("--port", type=int, default=0, help="TCP port; 0 picks a free one (default)")
    parser.add_argument("--user", action="append", default=[], type=_user,
                        help="an account NAME:TOKEN, optionally with a full name NAME:TOKEN:FULL NAME (repeatable)")
    parser.add_argument("--org", action="append", default=[], type=_org,
                        help="an organisation and its members ORG:MEMBER[,MEMBER], optionally with a full name "
                             "ORG:MEMBER[,MEMBER]:FULL NAME (repeatable)")
    parser.add_argument("--private-org", action="append", default=[], metavar="ORG",
                        help="new repos of this organisation are private unless created public (repeatable)")
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    users = dict(args.user)
    orgs: dict = dict(args.org)
    for org in args.private_org:
        orgs.setdefault(org, {"members": []})["private"] = True
    hub = LocalHub(args.data_dir, host=args.host, port=args.port, users=users or None, orgs=orgs or None)
    had_users = (hub.data_dir / "accounts.json").exists()
    try:
        hub.start()
    except LocalHubError as exc:  # a busy port or data folder: one line, not a traceback
        print(f"error: {exc}", file=sys.stderr, flush=True)
        return 2
    if not users and not had_users:
        name, token = next(iter(hub.users.items()))
        print(f"created user {name} with token {token}", flush=True)
    elif not users:
        print(f"accounts: {', '.join(hub.users)} (tokens in {hub.data_dir / 'accounts.json'})", flush=True)
    print(f"serving {hub.endpoint}", flush=True)
    done = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: done.set())
    try:
        while not done.wait(0.5):
            pass
    finally:
        hub.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
