"""One Hub repository as a bare git repository (dulwich).

Files are stored exactly as on the Hub: regular files as blobs, LFS files as
pointer blobs whose content lives in the shared LFS store. Commits are real git
commits, so a ``git clone`` of the folder shows the Hub's history. Writers build
every object first and move the ref last (compare-and-swap), so an interrupted
commit leaves the branch where it was.
"""

from __future__ import annotations

import re
import stat
import time
from dataclasses import dataclass

from dulwich.objects import Blob, Commit, Tree
from dulwich.repo import Repo

from .errors import HubError, revision_not_found

LFS_POINTER_PREFIX = b"version https://git-lfs.github.com/spec/v1\n"
_POINTER_RE = re.compile(rb"^version https://git-lfs\.github\.com/spec/v1\noid sha256:([0-9a-f]{64})\nsize (\d+)\n?$")
_SHA_RE = re.compile(r"[0-9a-f]{4,40}")
FILE_MODE = 0o100644
DIR_MODE = stat.S_IFDIR


def lfs_pointer(oid: str, size: int) -> bytes:
    return LFS_POINTER_PREFIX + f"oid sha256:{oid}\nsize {size}\n".encode()


def parse_pointer(data: bytes) -> tuple[str, int] | None:
    """``(sha256, size)`` when ``data`` is an LFS pointer, else ``None``."""
    if len(data) > 200 or not data.startswith(LFS_POINTER_PREFIX):
        return None
    match = _POINTER_RE.match(data)
    return (match.group(1).decode(), int(match.group(2))) if match else None


@dataclass
class FileEntry:
    path: str
    blob_id: str
    size: int
    lfs: tuple[str, int] | None  # (sha256, size) of the content for LFS files
    pointer_size: int = 0


@dataclass
class CommitInfo:
    id: str
    title: str
    message: str
    author: str
    timestamp: int
    parents: list[str]


class GitRepo:
    """Read and write one bare repository."""

    def __init__(self, path):
        self.path = path
        self.repo = Repo(str(path))

    def close(self) -> None:
        self.repo.close()

    @classmethod
    def create(cls, path, files: dict[str, bytes], author: str = "system", message: str = "initial commit"):
        path.mkdir(parents=True, exist_ok=False)
        repo = Repo.init_bare(str(path))
        repo.refs.set_symbolic_ref(b"HEAD", b"refs/heads/main")
        repo.close()
        git = cls(path)
        blobs = {p: git.add_blob(data) for p, data in files.items()}
        commit_id = git.write_commit(blobs, parent=None, author=author, message=message)
        git.repo.refs.add_if_new(b"refs/heads/main", commit_id.encode())
        return git

    # -- references ---------------------------------------------------------

    def refs(self, prefix: str) -> dict[str, str]:
        """``{name: commit}`` of the refs under ``prefix`` (e.g. ``refs/heads/``)."""
        found = {}
        for ref, sha in self.repo.get_refs().items():
            name = ref.decode()
            if name.startswith(prefix):
                found[name[len(prefix) :]] = self._peel(sha).decode()
        return found

    def _peel(self, sha: bytes) -> bytes:
        obj = self.repo[sha]
        while obj.type_name == b"tag":
            obj = self.repo[obj.object[1]]
        return obj.id

    def ref_target(self, ref: str) -> str | None:
        try:
            return self._peel(self.repo.refs[ref.encode()]).decode()
        except KeyError:
            return None

    def set_ref(self, ref: str, old: str | None, new: str) -> bool:
        """Move ``ref`` to ``new`` only if it still points at ``old`` (``None``: must not exist)."""
        if old is None:
            return self.repo.refs.add_if_new(ref.encode(), new.encode())
        return self.repo.refs.set_if_equals(ref.encode(), old.encode(), new.encode())

    def delete_ref(self, ref: str) -> bool:
        return self.repo.refs.remove_if_equals(ref.encode(), None)

    def resolve(self, revision: str) -> tuple[str, str | None]:
        """``(commit id, ref name or None)`` for a branch, tag, PR ref, or (short) sha.

        Raises:
            HubError: ``RevisionNotFound`` when nothing matches.
        """
        candidates = []
        if revision.startswith("refs/"):
            candidates.append(revision)
        else:
            candidates += [f"refs/heads/{revision}", f"refs/tags/{revision}"]
        for ref in candidates:
            target = self.ref_target(ref)
            if target is not None:
                return target, ref
        lowered = revision.lower()
        if _SHA_RE.fullmatch(lowered) and len(lowered) >= 7:
            if len(lowered) == 40:
                try:
                    if self.repo[lowered.encode()].type_name == b"commit":
                        return lowered, None
                except KeyError:
                    pass
            else:
                matches = {c for c in self.all_commits() if c.startswith(lowered)}
                if len(matches) == 1:
                    return matches.pop(), None
        raise revision_not_found(revision)

    def all_commits(self) -> set[str]:
        seen: set[str] = set()
        for sha in set(self.refs("refs/").values()):
            for info in self.history(sha):
                if info.id in seen:
                    break
                seen.add(info.id)
        return seen

    def lfs_oids(self) -> set[str]:
        """The sha256 of every LFS pointer in any commit reachable from a ref.

        Walks the whole history once; the server keeps the result as the repo's LFS
        index (``lfs_store.RepoObjects``) and only appends to it afterwards.
        """
        oids: set[str] = set()
        seen: set[bytes] = set()
        stack = [self.tree_id(commit) for commit in self.all_commits()]
        while stack:
            tree_id = stack.pop()
            if tree_id in seen:
                continue
            seen.add(tree_id)
            for item in self.repo[tree_id].items():
                if item.sha in seen:
                    continue
                if stat.S_ISDIR(item.mode):
                    stack.append(item.sha)
                    continue
                seen.add(item.sha)
                blob = self.repo[item.sha]
                pointer = parse_pointer(blob.data) if blob.raw_length() <= 200 else None
                if pointer:
                    oids.add(pointer[0])
        return oids

    # -- reading ------------------------------------------------------------

    def commit_info(self, commit_id: str) -> CommitInfo:
        c = self.repo[commit_id.encode()]
        text = c.message.decode("utf-8", "replace")
        title, _, body = text.partition("\n")
        author = c.author.decode("utf-8", "replace").split(" <")[0]
        parents = [p.decode() for p in c.parents]
        return CommitInfo(commit_id, title.strip(), body.strip("\n"), author, c.author_time, parents)

    def history(self, commit_id: str):
        """Commits from ``commit_id`` back to the root, newest first (first parents)."""
        current: str | None = commit_id
        while current:
            info = self.commit_info(current)
            yield info
            current = info.parents[0] if info.parents else None

    def tree_id(self, commit_id: str) -> bytes:
        return self.repo[commit_id.encode()].tree

    def flat_files(self, commit_id: str) -> dict[str, str]:
        """``{path: blob id}`` of every file of a commit."""
        files: dict[str, str] = {}
        stack = [("", self.tree_id(commit_id))]
        while stack:
            prefix, tree_id = stack.pop()
            for item in self.repo[tree_id].items():
                path = prefix + item.path.decode()
                if stat.S_ISDIR(item.mode):
                    stack.append((path + "/", item.sha))
                else:
                    files[path] = item.sha.decode()
        return files

    def lookup(self, commit_id: str, path: str) -> tuple[int, str] | None:
        """``(mode, object id)`` of a path in a commit, or ``None``."""
        tree = self.repo[self.tree_id(commit_id)]
        if path in ("", "/"):
            return DIR_MODE, tree.id.decode()
        for part in path.strip("/").split("/"):
            if not isinstance(tree, Tree):
                return None
            try:
                mode, sha = tree[part.encode()]
            except KeyError:
                return None
            tree = self.repo[sha]
        return mode, tree.id.decode()

    def list_dir(self, tree_id: str) -> list[tuple[str, int, str]]:
        return [(i.path.decode(), i.mode, i.sha.decode()) for i in self.repo[tree_id.encode()].items()]

    def read_blob(self, blob_id: str) -> bytes:
        return self.repo[blob_id.encode()].data

    def file_entry(self, path: str, blob_id: str) -> FileEntry:
        blob = self.repo[blob_id.encode()]
        size = blob.raw_length()
        pointer = parse_pointer(blob.data) if size <= 200 else None
        if pointer:
            return FileEntry(path, blob_id, pointer[1], pointer, size)
        return FileEntry(path, blob_id, size, None)

    def last_changes(self, commit_id: str, paths: list[str]) -> dict[str, CommitInfo]:
        """For each path, the newest commit at or before ``commit_id`` that changed it."""
        remaining = set(paths)
        found: dict[str, CommitInfo] = {}
        for info in self.history(commit_id):
            if not remaining:
                break
            parent = info.parents[0] if info.parents else None
            for path in list(remaining):
                now = self.lookup(info.id, path)
                before = self.lookup(parent, path) if parent else None
                if now != before:
                    found[path] = info
                    remaining.discard(path)
        return found

    # -- writing ------------------------------------------------------------

    def add_blob(self, data: bytes) -> str:
        blob = Blob.from_string(data)
        self.repo.object_store.add_object(blob)
        return blob.id.decode()

    def write_commit(self, files: dict[str, str], parent: str | None, author: str, message: str) -> str:
        """Write the trees of ``{path: blob id}`` and a commit on top of ``parent``; returns its id."""
        root: dict = {}
        for path, blob_id in files.items():
            node = root
            *folders, name = path.split("/")
            for folder in folders:
                node = node.setdefault(folder, {})
            node[name] = blob_id
        commit = Commit()
        commit.tree = self._write_tree(root)
        commit.parents = [parent.encode()] if parent else []
        identity = f"{author} <{author}@users.noreply.localhub>".encode()
        commit.author = commit.committer = identity
        commit.author_time = commit.commit_time = int(time.time())
        commit.author_timezone = commit.commit_timezone = 0
        commit.encoding = b"UTF-8"
        commit.message = message.encode()
        self.repo.object_store.add_object(commit)
        return commit.id.decode()

    def _write_tree(self, node: dict) -> bytes:
        tree = Tree()
        for name, child in node.items():
            if isinstance(child, dict):
                tree.add(name.encode(), DIR_MODE, self._write_tree(child))
            else:
                tree.add(name.encode(), FILE_MODE, child.encode())
        self.repo.object_store.add_object(tree)
        return tree.id

    # -- rewriting history ----------------------------------------------------

    def without_lfs(self, oids: set[str]) -> dict[str, tuple[str, str]]:
        """Rewrite every ref's history without the LFS pointers to ``oids``.

        Every commit reachable from a ref (``refs/heads``, ``tags``, ``pr``, ``convert``) is
        rewritten with the files pointing to one of ``oids`` removed (folders left empty go
        too); commits keep their author, dates and message, and ones that change nothing
        keep their id. Only objects are written: returns ``{ref: (old value, new commit)}``
        for the refs that must move (``move_refs`` moves them).
        """
        commits: dict[bytes, bytes] = {}
        trees: dict[bytes, bytes] = {}
        pointers: dict[bytes, str | None] = {}
        changes = {}
        for ref, raw in self.repo.get_refs().items():
            if not ref.startswith(b"refs/"):
                continue
            head = self._peel(raw)
            new = self._rewrite_commit(head, oids, commits, trees, pointers)
            if new != head:
                changes[ref.decode()] = (raw.decode(), new.decode())
        return changes

    def move_refs(self, changes: dict[str, tuple[str, str]]) -> bool:
        """Move each ref from its old value to its new one, all or none (compare-and-swap).

        The caller holds the repo lock, so no commit of this server moves a ref meanwhile;
        should one have moved anyway, the refs already moved are put back and ``False`` is
        returned.
        """
        moved = []
        for ref, (old, new) in changes.items():
            if not self.set_ref(ref, old, new):
                for done in reversed(moved):
                    self.set_ref(done, changes[done][1], changes[done][0])
                return False
            moved.append(ref)
        return True

    def _rewrite_commit(self, head: bytes, oids: set[str], commits: dict, trees: dict, pointers: dict) -> bytes:
        stack = [head]  # iterative: a history may be deeper than Python's recursion limit
        while stack:
            sha = stack[-1]
            if sha in commits:
                stack.pop()
                continue
            commit = self.repo[sha]
            pending = [p for p in commit.parents if p not in commits]
            if pending:
                stack.extend(pending)
                continue
            stack.pop()
            tree = self._rewrite_tree(commit.tree, oids, trees, pointers) or self._empty_tree()
            parents = [commits[p] for p in commit.parents]
            if tree == commit.tree and parents == commit.parents:
                commits[sha] = sha
                continue
            new = Commit()
            new.tree, new.parents = tree, parents
            new.author, new.committer = commit.author, commit.committer
            new.author_time, new.commit_time = commit.author_time, commit.commit_time
            new.author_timezone, new.commit_timezone = commit.author_timezone, commit.commit_timezone
            new.encoding, new.message = commit.encoding, commit.message
            self.repo.object_store.add_object(new)
            commits[sha] = new.id
        return commits[head]

    def _rewrite_tree(self, tree_id: bytes, oids: set[str], trees: dict, pointers: dict) -> bytes | None:
        """The tree without the pointers to ``oids``; ``None`` when nothing is left of it."""
        if tree_id in trees:
            return trees[tree_id]
        tree, kept, changed = self.repo[tree_id], Tree(), False
        for item in tree.items():
            if stat.S_ISDIR(item.mode):
                sub = self._rewrite_tree(item.sha, oids, trees, pointers)
                changed |= sub != item.sha
                if sub is not None:
                    kept.add(item.path, item.mode, sub)
            elif self._pointer_oid(item.sha, pointers) in oids:
                changed = True
            else:
                kept.add(item.path, item.mode, item.sha)
        if not changed:
            result = tree_id
        elif not kept.items():
            result = None
        else:
            self.repo.object_store.add_object(kept)
            result = kept.id
        trees[tree_id] = result
        return result

    def _pointer_oid(self, blob_id: bytes, pointers: dict) -> str | None:
        if blob_id not in pointers:
            blob = self.repo[blob_id]
            pointer = parse_pointer(blob.data) if blob.raw_length() <= 200 else None
            pointers[blob_id] = pointer[0] if pointer else None
        return pointers[blob_id]

    def _empty_tree(self) -> bytes:
        tree = Tree()
        self.repo.object_store.add_object(tree)
        return tree.id


def commit_message(summary: str, description: str) -> str:
    summary = summary.strip() or "Update"
    description = description.strip()
    message = f"{summary}\n\n{description}\n" if description else f"{summary}\n"
    try:
        message.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate (JSON allows "\ud800"): git stores UTF-8
        raise HubError(400, "The commit message is not valid Unicode (it holds a lone surrogate): "
                            "send it as UTF-8 text.") from None
    return message

