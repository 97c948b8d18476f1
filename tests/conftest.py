"""Shared fixtures: the small, valid data set in tests/fixtures and a writable copy of it."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).resolve().parent / "fixtures"


@pytest.fixture
def data_copy(tmp_path: Path) -> Path:
    """A writable copy of the fixture project (data/ and demos/); returns its data/ directory."""
    shutil.copytree(FIXTURES / "data", tmp_path / "data")
    shutil.copytree(FIXTURES / "demos", tmp_path / "demos")
    return tmp_path / "data"


def replace_in(path: Path, old: str, new: str) -> None:
    """Edit a fixture file in place; fails loudly if the text to replace is not there."""
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
