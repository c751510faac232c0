"""Checked suite documents are cached by content: unchanged files skip parsing, edits do not."""

from __future__ import annotations

from pathlib import Path

import pytest

from vftest import suite as suite_module
from vftest import suite_cache
from vftest.errors import SuiteError
from vftest.suite import load_suite

SUITE = (
    "name: cached\ncases:\n  - name: c\n    turns:\n      - launch:\n"
    "        expect:\n          - text: hi\n"
)


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv(suite_cache.CACHE_ENV, str(folder))
    return folder


def forbid_parsing(monkeypatch: pytest.MonkeyPatch) -> None:
    def fail(*args: object, **kwargs: object) -> None:
        raise AssertionError("parsed again")

    monkeypatch.setattr(suite_module, "parse_yaml", fail)


def test_an_unchanged_suite_is_not_parsed_again(
    cache: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "s.vftest.yaml"
    path.write_text(SUITE)
    first = load_suite(path)
    assert list(cache.rglob("*"))  # something was stored
    forbid_parsing(monkeypatch)
    second = load_suite(path)
    assert second == first  # same models, same line numbers
    assert second.cases[0].turns[0].expect[0].location.line == 7


def test_an_edit_or_another_path_misses_the_cache(
    cache: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "s.vftest.yaml"
    path.write_text(SUITE)
    load_suite(path)
    path.write_text(SUITE.replace("hi", "hello"))
    forbid_parsing(monkeypatch)
    with pytest.raises(AssertionError, match="parsed again"):
        load_suite(path)
    with pytest.raises(AssertionError, match="parsed again"):
        load_suite(tmp_path / "other.vftest.yaml", text=SUITE)


def test_broken_suites_are_never_cached_and_a_corrupt_cache_is_ignored(
    cache: Path, tmp_path: Path
) -> None:
    broken = tmp_path / "b.vftest.yaml"
    broken.write_text(SUITE.replace("turns:", "turnz:"))
    for _ in range(2):
        with pytest.raises(SuiteError, match="unknown key 'turnz'"):
            load_suite(broken)
    assert not [p for p in cache.rglob("*") if p.is_file()]
    good = tmp_path / "s.vftest.yaml"
    good.write_text(SUITE)
    load_suite(good)
    for stored in (p for p in cache.rglob("*") if p.is_file()):
        stored.write_bytes(b"not marshal data")
    assert load_suite(good).name == "cached"


def test_the_cache_can_be_turned_off(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(suite_cache.CACHE_ENV, "off")
    assert suite_cache.cache_dir() is None
    path = tmp_path / "s.vftest.yaml"
    path.write_text(SUITE)
    load_suite(path)
    forbid_parsing(monkeypatch)
    with pytest.raises(AssertionError, match="parsed again"):
        load_suite(path)
