"""`vftest contract`: the four dump formats, exit codes and output."""

from __future__ import annotations

import argparse
import io
import json
from pathlib import Path
from typing import Any

import pytest

from vftest.commands import contract as command
from vftest.contract import read_dump

DATA = Path(__file__).parents[1] / "data"
CONTRACT = DATA / "contract"


def run(*argv: str) -> tuple[int, str, str]:
    parser = argparse.ArgumentParser()
    command.add_parser(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["contract", *argv])
    out, err = io.StringIO(), io.StringIO()
    code = command.run(args, out, err)
    return code, out.getvalue(), err.getvalue()


# --------------------------------------------------------------------------- formats


def test_json_array_of_traces() -> None:
    traces = read_dump(DATA / "captures" / "01-launch.response.json")
    assert [t["type"] for t in traces] == ["text", "speak", "choice"]


def test_json_object_with_traces() -> None:
    traces = read_dump(CONTRACT / "interact.v4.json")
    assert [t["type"] for t in traces] == ["text", "choice", "end"]


def test_jsonl() -> None:
    traces = read_dump(CONTRACT / "launch.v1.jsonl")
    assert [t["type"] for t in traces] == ["text", "speak", "choice"]


def test_sse_v2beta1_envelope_without_spaces() -> None:
    traces = read_dump(CONTRACT / "stream-v2beta1-launch.sse")
    # what the OSS runtime streamed for a launch (capture 40): no excludeTypes filter there
    assert [t["type"] for t in traces] == [
        "flow", "block", "debug", "block", "text", "block", "speak", "block", "choice",
    ]  # fmt: skip
    assert all("trace" not in t for t in traces)  # unwrapped


def test_sse_hosted_bare_traces_comments_and_multiline_data() -> None:
    traces = read_dump(CONTRACT / "stream.v4.sse")
    assert [t["type"] for t in traces] == ["text", "choice", "end"]
    assert traces[1]["payload"]["buttons"][0]["name"] == "Yes"  # the multi-line data event


def test_v1_verbose_response() -> None:
    traces = read_dump(DATA / "captures" / "08-intent-request-verbose.response.json")
    assert traces
    assert all("type" in t for t in traces)


# --------------------------------------------------------------------------- exit codes


def test_clean_v1_files_exit_0() -> None:
    code, out, err = run(
        str(CONTRACT / "launch.v1.jsonl"), str(CONTRACT / "stream-v2beta1-launch.sse")
    )
    assert (code, err) == (0, "")
    assert "not covered by dm-1.1 (not checked): block x4, debug x1, flow x1" in out
    assert out.rstrip().endswith("0 violation(s), 0 warning(s)")
    assert out.splitlines()[-1].startswith("ok: 12 traces in 2 file(s) checked against dm-1.1")


def test_clean_v4_files_exit_0() -> None:
    code, out, _ = run(
        "--api", "v4", str(CONTRACT / "interact.v4.json"), str(CONTRACT / "stream.v4.sse")
    )
    assert code == 0, out


def test_v1_traces_against_v4_exit_1_and_name_the_field() -> None:
    code, out, _ = run("--contract", "v4", str(CONTRACT / "launch.v1.jsonl"))
    assert code == 1
    assert "FAIL trace #1 (text) at $.payload: 'messageID' is a required property" in out
    assert "required by the v4 contract only" in out
    assert "schema: #/components/schemas/TextTrace/properties/payload" in out
    assert out.splitlines()[-1].startswith("FAILED: 3 traces")


def test_custom_actions_warn_fail_or_pass() -> None:
    dump = str(DATA / "captures" / "27-custom-action-stoptypes.response.json")
    code, out, _ = run(dump)
    assert code == 0
    assert "warn trace" in out
    assert "'Pay Credit Card'" in out
    code, out, _ = run("--strict", dump)
    assert code == 1
    assert "FAIL trace" in out
    code, out, _ = run("--strict", "--custom", "Pay Credit Card", dump)
    assert code == 0
    assert "warn trace" not in out


def test_json_output() -> None:
    code, out, _ = run("--contract", "v4", "--format", "json", str(CONTRACT / "launch.v1.jsonl"))
    assert code == 1
    records: list[dict[str, Any]] = json.loads(out)
    assert [(r["severity"], r["subject"], r["json_path"], r["keyword"]) for r in records] == [
        ("violation", "trace #1 (text)", "$.payload", "required")
    ]
    assert records[0]["file"].endswith("launch.v1.jsonl")
    assert records[0]["count"] == 1


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("", "empty"),
        ("hello world", "not a trace dump"),
        ('{"a": 1}\n{"b": \n', "not JSON"),
        ('event: trace\ndata: {"type": "text", oops}\n\n', "data is not JSON"),
        ("[1, 2]", "not a JSON object"),
        ('{"status": "ok"}', "without `traces`"),
    ],
)
def test_unreadable_input_exit_2(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "dump.txt"
    path.write_text(content)
    code, out, err = run(str(path), str(CONTRACT / "launch.v1.jsonl"))
    assert code == 2
    assert message in err
    assert str(path) in err
    assert "3 traces in 2 file(s)" in out  # the readable file was still checked


def test_missing_file_exit_2(tmp_path: Path) -> None:
    code, _, err = run(str(tmp_path / "nope.json"))
    assert code == 2
    assert "cannot read it" in err


def test_bad_contract_exit_2(tmp_path: Path) -> None:
    code, _, err = run("--contract", str(tmp_path / "spec.yaml"), str(CONTRACT / "stream.v4.sse"))
    assert code == 2
    assert "no such file" in err
