"""`vftest check`: the output lines and the exit codes 0 / 1 / 2."""

from __future__ import annotations

import importlib.util
import shutil
from pathlib import Path

import pytest

from vftest import cli
from vftest.commands.check import find_suites

DATA = Path(__file__).parent.parent / "data"
GOOD_TEXT = "cases: [{name: c, turns: [{launch: }]}]\n"


@pytest.fixture(autouse=True)
def only_available_commands(monkeypatch: pytest.MonkeyPatch) -> None:
    # Sibling subcommands are written in parallel; the parser must not need them to exist.
    available = tuple(
        name for name in cli.COMMANDS if importlib.util.find_spec(f"vftest.commands.{name}")
    )
    monkeypatch.setattr(cli, "COMMANDS", available)


def test_clean_files_exit_0(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    shutil.copytree(DATA / "good", tmp_path / "good")
    assert cli.main(["check", str(tmp_path / "good")]) == 0
    out, err = capsys.readouterr()
    assert out == "checked 3 files: ok\n"
    assert err == ""


def test_problems_exit_1_one_line_each(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "ok.vftest.yaml").write_text(GOOD_TEXT)
    bad = tmp_path / "sub" / "bad.vftest.yml"
    bad.parent.mkdir()
    bad.write_text("cases:\n  - name: c\n    turns:\n      - txt: hi\n")
    (tmp_path / "ignored.yaml").write_text("not: a suite\n")
    assert cli.main(["check", str(tmp_path)]) == 1
    out, _ = capsys.readouterr()
    assert out.splitlines() == [
        f"{bad}:4: cases[0].turns[0]: unknown key 'txt'; did you mean 'text'?",
        f"{bad}:4: cases[0].turns[0]: a turn needs exactly one action "
        "(launch, text, button, intent, event, no_reply, action); found none",
        "checked 2 files: 2 problems",
    ]


def test_every_bad_file_reported(capsys: pytest.CaptureFixture[str]) -> None:
    bad = sorted((DATA / "bad").glob("*.vftest.yaml"))
    assert cli.main(["check", str(DATA / "bad")]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert lines[-1] == f"checked {len(bad)} files: {len(bad)} problems"
    assert sorted(line.split(":")[0] for line in lines[:-1]) == [str(path) for path in bad]


def test_explicit_file_is_checked_whatever_its_name(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "plain.yaml"
    path.write_text("cases: []\n")
    assert cli.main(["check", str(path)]) == 1
    assert capsys.readouterr().out.splitlines() == [
        f"{path}:1: cases: a suite needs at least one case",
        "checked 1 file: 1 problem",
    ]


def test_no_suite_found_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "other.yaml").write_text(GOOD_TEXT)
    assert cli.main(["check", str(tmp_path)]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err == "no suite files found (looked for *.vftest.yaml, *.vftest.yml)\n"


def test_missing_path_is_an_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "ok.vftest.yaml").write_text(GOOD_TEXT)
    missing = tmp_path / "missing"
    assert cli.main(["check", str(tmp_path / "ok.vftest.yaml"), str(missing)]) == 1
    out, err = capsys.readouterr()
    assert out == "checked 1 file: ok\n"
    assert err == f"{missing}: no such file or directory\n"
    assert cli.main(["check", str(missing)]) == 2


def test_find_suites_recurses_skips_hidden_and_dedupes(tmp_path: Path) -> None:
    for name in ["a.vftest.yaml", "d/b.vftest.yml", "d/e/c.vftest.yaml", ".git/x.vftest.yaml",
                 "node_modules/y.vftest.yaml", "d/not-a-suite.yaml"]:  # fmt: skip
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(GOOD_TEXT)
    found = find_suites([tmp_path, tmp_path / "d", tmp_path / "a.vftest.yaml", "nope"])
    assert found == [
        tmp_path / "a.vftest.yaml",
        tmp_path / "d" / "b.vftest.yml",
        tmp_path / "d" / "e" / "c.vftest.yaml",
    ]
