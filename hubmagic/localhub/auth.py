"""Users, organisations and access rules of the local Hub.

Accounts live in ``<data_dir>/accounts.json`` so a restart without ``--user`` keeps
them; users and orgs given on a later start are merged in (a given token replaces
the stored one).
"""

from __future__ import annotations

import json
import os
import secrets
import threading
from pathlib import Path

from .errors import invalid_credentials

DEFAULT_USER = "user"


def new_token() -> str:
    return "hf_" + secrets.token_hex(17)


class Accounts:
    """Tokens → users, org memberships, and who may read or write a namespace."""

    def __init__(self, path: Path):
        self.path = path
        self._lock = threading.Lock()
        self.users: dict[str, str] = {}
        self.fullnames: dict[str, str] = {}
        self.orgs: dict[str, list[str]] = {}
        self.private_orgs: set[str] = set()
        if path.exists():
            data = json.loads(path.read_text())
            self.users = dict(data.get("users", {}))
            self.fullnames = dict(data.get("fullnames", {}))
            self.orgs = {k: list(v) for k, v in data.get("orgs", {}).items()}
            self.private_orgs = set(data.get("private_orgs", []))

    def merge(self, users: dict | None, orgs: dict | None) -> None:
        """Add or update users and orgs, then make sure there is at least one user.

        ``users`` maps a name to its token, or to ``{"token": ..., "fullname": ...}``;
        ``orgs`` maps an org to its members, or to ``{"members": [...], "private": True, "fullname": ...}``
        (new repos of a private org are private unless asked otherwise).
        """
        with self._lock:
            for name, value in (users or {}).items():
                if isinstance(value, dict):
                    token, fullname = value.get("token"), value.get("fullname")
                else:
                    token, fullname = value, None
                if not isinstance(token, str) or not token:
                    raise ValueError(f"user {name!r} needs a token (a non-empty string)")
                self.users[name] = token
                if fullname:
                    self.fullnames[name] = str(fullname)
            for org, value in (orgs or {}).items():
                members = value.get("members", []) if isinstance(value, dict) else value
                known = self.orgs.setdefault(org, [])
                known.extend(m for m in members if m not in known)
                if isinstance(value, dict) and value.get("fullname"):
                    self.fullnames[org] = str(value["fullname"])
                if isinstance(value, dict) and "private" in value:
                    (self.private_orgs.add if value["private"] else self.private_orgs.discard)(org)
            if not self.users:
                self.users[DEFAULT_USER] = new_token()
            self._save()

    def _save(self) -> None:
        tmp = self.path.with_suffix(".tmp")
        data = {"users": self.users, "fullnames": self.fullnames, "orgs": self.orgs,
                "private_orgs": sorted(self.private_orgs)}
        tmp.write_text(json.dumps(data, indent=2))
        os.chmod(tmp, 0o600)
        os.replace(tmp, self.path)

    def user_for(self, authorization: str | None) -> str | None:
        """The user a ``Bearer`` header belongs to; ``None`` when anonymous.

        Raises:
            HubError: 401 when a token is given but unknown, as on the Hub.
        """
        if not authorization:
            return None
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise invalid_credentials()
        token = token.strip()
        for name, known in self.users.items():
            if secrets.compare_digest(known, token):
                return name
        raise invalid_credentials()

    def orgs_of(self, user: str) -> list[str]:
        return [org for org, members in self.orgs.items() if user in members]

    def namespace_exists(self, namespace: str) -> bool:
        lowered = namespace.lower()
        return any(n.lower() == lowered for n in list(self.users) + list(self.orgs))

    def canonical_namespace(self, namespace: str) -> str:
        lowered = namespace.lower()
        for n in list(self.users) + list(self.orgs):
            if n.lower() == lowered:
                return n
        return namespace

    def private_by_default(self, namespace: str) -> bool:
        """Whether new repos under ``namespace`` are private when the request does not say."""
        lowered = namespace.lower()
        return any(org.lower() == lowered for org in self.private_orgs)

    def can_write(self, user: str | None, namespace: str) -> bool:
        if user is None:
            return False
        lowered = namespace.lower()
        if user.lower() == lowered:
            return True
        return any(org.lower() == lowered for org in self.orgs_of(user))

    def whoami(self, user: str) -> dict:
        return {
            "type": "user",
            "id": user,
            "name": user,
            "fullname": self.fullnames.get(user, user),
            "email": f"{user}@localhub.invalid",
            "emailVerified": True,
            "isPro": False,
            "canPay": False,
            "orgs": [
                {"type": "org", "name": org, "fullname": self.fullnames.get(org, org), "roleInOrg": "write",
                 "isEnterprise": False}
                for org in self.orgs_of(user)
            ],
            "auth": {
                "type": "access_token",
                "accessToken": {"displayName": "localhub", "role": "write"},
            },
        }
