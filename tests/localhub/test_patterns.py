"""git's pattern rules, as the Hub applies them to .gitattributes and .gitignore."""

from __future__ import annotations

import pytest

from hubmagic.localhub.patterns import default_gitattributes, is_ignored, is_lfs_tracked


@pytest.mark.parametrize(("path", "tracked"), [
    ("model.bin", True), ("deep/er/model.bin", True), ("saved_model/a/b.pb", True),
    ("saved_model/x", True), ("events.out.tfevents.1", True), ("figure.png", False),
    ("a.tar.gz", True), ("README.md", False), ("notes.bin.txt", False),
])
def test_default_model_gitattributes(path, tracked):
    assert is_lfs_tracked(default_gitattributes("model"), path) is tracked


def test_dataset_repos_track_images_and_later_lines_win():
    assert is_lfs_tracked(default_gitattributes("dataset"), "imgs/cat.png")
    rules = "*.bin filter=lfs diff=lfs merge=lfs -text\nsmall.bin -filter\nmy[[:space:]]file.dat filter=lfs\n"
    assert not is_lfs_tracked(rules, "small.bin")
    assert is_lfs_tracked(rules, "other.bin")
    assert is_lfs_tracked(rules, "my file.dat")


@pytest.mark.parametrize(("rules", "path", "ignored"), [
    ("nested/*", "nested/file.txt", True),
    ("nested/*", "nested/deeper/file.txt", True),
    ("nested/*", "other/nested/file.txt", False),
    ("*.log\n!keep.log", "keep.log", False),
    ("*.log\n!keep.log", "sub/x.log", True),
    ("build/", "build/out.o", True),
    ("build/", "build", False),
    ("/top.txt", "sub/top.txt", False),
    ("**/cache/**", "a/cache/b/c", True),
])
def test_gitignore(rules, path, ignored):
    assert is_ignored(rules, path) is ignored
