"""nutshell.files: whole files or none, and paths shown relative to the working directory."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from nutshell import files
from nutshell.files import shown_path, write_atomically


def test_bytes_are_written_into_new_folders(tmp_path):
    path = tmp_path / "new" / "deeper" / "record.json"
    assert write_atomically(path, b'{"a": 1}\n') == path
    assert path.read_bytes() == b'{"a": 1}\n'
    assert list(path.parent.iterdir()) == [path]  # no temporary file left beside it


def test_a_writer_gets_a_binary_file_it_may_read_back(tmp_path):
    def write_then_sign(file):
        file.write(b"payload")
        file.seek(0)
        file.write(b"P")  # goes back over what it wrote, as the checkpoint's checksum does
        file.seek(0, os.SEEK_END)
        file.write(b" " + str(len(b"payload")).encode())

    write_atomically(tmp_path / "out.bin", write_then_sign)
    assert (tmp_path / "out.bin").read_bytes() == b"Payload 7"


def test_a_failed_write_leaves_the_old_file_whole_and_no_temporary(tmp_path):
    path = tmp_path / "checkpoint.pt"
    write_atomically(path, b"old")

    def half_then_fail(file):
        file.write(b"half a fi")
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        write_atomically(path, half_then_fail)
    assert path.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["checkpoint.pt"]


def test_the_data_reaches_the_disk_before_the_rename(tmp_path, monkeypatch):
    events = []
    real_fsync, real_replace = os.fsync, os.replace
    monkeypatch.setattr(files.os, "fsync", lambda fd: (events.append("fsync"), real_fsync(fd))[1])
    monkeypatch.setattr(files.os, "replace", lambda a, b: (events.append("rename"), real_replace(a, b))[1])
    write_atomically(tmp_path / "x", b"data")
    assert events[:2] == ["fsync", "rename"]


def test_permissions_are_those_of_a_plain_open(tmp_path):
    write_atomically(tmp_path / "atomic", b"x")
    (tmp_path / "plain").write_bytes(b"x")
    mode = stat.S_IMODE((tmp_path / "atomic").stat().st_mode)
    assert mode == stat.S_IMODE((tmp_path / "plain").stat().st_mode)


def test_shown_path_is_relative_below_the_working_directory(tmp_path, monkeypatch):
    (tmp_path / "data").mkdir()
    monkeypatch.chdir(tmp_path)
    assert shown_path(tmp_path / "data" / "glossary.yaml") == str(Path("data") / "glossary.yaml")
    assert shown_path("data/glossary.yaml") == str(Path("data") / "glossary.yaml")
    assert shown_path("/somewhere/else.yaml") == "/somewhere/else.yaml"


def test_shown_path_without_a_working_directory(tmp_path, monkeypatch):
    gone = tmp_path / "gone"
    gone.mkdir()
    monkeypatch.chdir(gone)
    gone.rmdir()
    assert shown_path(tmp_path / "x.yaml") == str(tmp_path / "x.yaml")


def test_a_value_per_file_version_is_computed_again_only_when_the_file_changes(tmp_path):
    from nutshell.files import PerFileVersion

    path = tmp_path / "source.txt"
    path.write_text("one")
    calls = []
    kept = PerFileVersion()

    def read():
        calls.append(1)
        return path.read_text()

    assert kept.get(path, read) == kept.get(path, read) == "one" and len(calls) == 1
    assert kept.get(path, read, extra=("other",)) == "one" and len(calls) == 2  # another key of the same file
    write_atomically(path, b"two")  # a new inode, even within the same clock tick
    assert kept.get(path, read) == "two" and len(calls) == 3
    path.unlink()
    with pytest.raises(OSError):
        kept.get(path, read)
