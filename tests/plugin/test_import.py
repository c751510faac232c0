"""`vftest import`: voiceflow-cli suites (the upstream examples and one for the demo agent) and
Voiceflow transcripts, converted and then run, so the meaning is tested, not just the text."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from tests.commands import run_pytest, run_vftest
from vftest.importers.transcript import import_transcript
from vftest.models import SequenceMode, TextOp
from vftest.suite import load_suite

ROOT = Path(__file__).parents[2]
DATA = ROOT / "tests" / "data"
AGENT = ROOT / "suites" / "agents" / "support.vfr"


def test_the_upstream_examples_convert_with_their_meaning(tmp_path: Path) -> None:
    done = run_vftest(
        "import", "voiceflow-cli", str(DATA / "voiceflow-cli"), "-o", "out", cwd=tmp_path
    )
    assert done.returncode == 1, done.stderr  # converted, with things it could not convert
    [written] = (tmp_path / "out").glob("*.vftest.yaml")
    assert run_vftest("check", str(written), cwd=tmp_path).returncode == 0
    suite = load_suite(written)
    assert suite.target.environment == "production"
    [case] = suite.cases  # newSessionPerTest: one case per test; the agent tests are not cases
    first, second, third = case.turns
    assert first.action.kind == "launch"
    assert first.set_variables == {"user_name": "John Doe", "account_type": "premium"}
    assert first.mode is SequenceMode.ANY
    assert [(e.kind, e.spec.op, e.spec.value) for e in first.expect] == [
        ("text", TextOp.CONTAINS, "Hey there"),
        ("text", TextOp.CONTAINS, "Isla"),
    ]
    assert (second.expect[0].kind, second.expect[0].trace_type) == ("trace", "text")
    regex, similar = third.expect
    assert (regex.spec.op, regex.spec.value) == (TextOp.REGEX, "classic")
    assert [a.op for a in similar.spec.alternatives] == [TextOp.SEMANTIC, TextOp.SEMANTIC]
    assert {v.name: v.match.text.value for v in third.expect_variables} == {
        "test_1": "^ok$",
        "test_2": "^3$",
    }
    text = written.read_text()
    assert "# not imported: variable 'hi' name=test_3 jsonPath=$.hello" in text
    assert text.count("# Not imported: test ") == 2  # the two agent-to-agent tests
    assert "agent_test" in done.stderr
    assert "jsonPath" in done.stderr
    assert "similarity" in done.stderr


def test_a_converted_suite_passes_and_fails_like_the_original(tmp_path: Path) -> None:
    shutil.copy(AGENT, tmp_path / "support.vfr")
    source = DATA / "voiceflow-cli-demo"
    done = run_vftest(
        "import", "voiceflow-cli", str(source), "-o", ".", "--project", "support.vfr", cwd=tmp_path
    )
    assert done.returncode == 0, done.stderr
    [written] = tmp_path.glob("*.vftest.yaml")
    # without newSessionPerTest the tests share one user: one case, the FAQ after the order
    [case] = load_suite(written).cases
    assert [t.action.kind for t in case.turns] == ["launch", "text", "button", "text"]
    run = run_pytest(written.name, cwd=tmp_path)
    assert run.returncode == 0, run.stdout
    # two rules on one message ("Welcome", "Acme") pass, as in voiceflow-cli (mode: any)
    broken = tmp_path / "broken"
    shutil.copytree(source, broken)
    faq = broken / "tests" / "faq.yaml"
    faq.write_text(faq.read_text().replace("free on orders over", "free on every order"))
    run_vftest("import", "voiceflow-cli", "broken", "-o", "again", "--project", "../support.vfr",
            cwd=tmp_path)  # fmt: skip
    [again] = (tmp_path / "again").glob("*.vftest.yaml")
    failed = run_pytest(str(again.relative_to(tmp_path)), cwd=tmp_path)
    assert failed.returncode == 1
    assert 'turn 4 of 4: expected text contains "free on every order"' in failed.stdout


def test_a_transcript_replays_as_a_case_under_a_baseline(tmp_path: Path) -> None:
    shutil.copy(AGENT, tmp_path / "support.vfr")
    transcript = DATA / "transcripts" / "order-then-returns.json"
    done = run_vftest(
        "import", "transcript", str(transcript), "-o", "replay.vftest.yaml",
        "--project", "support.vfr", cwd=tmp_path,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    [case] = load_suite(tmp_path / "replay.vftest.yaml").cases
    assert case.baseline.enabled is True
    assert [t.action.kind for t in case.turns] == ["launch", "text", "button", "text"]
    assert case.turns[3].action.text == "what is your return policy"  # the user's own words
    assert (tmp_path / "__baselines__" / "replay.development.yaml").exists()
    assert run_pytest("replay.vftest.yaml", cwd=tmp_path).returncode == 0
    # the agent changes its return policy: the replay fails at that turn
    agent = tmp_path / "support.vfr"
    agent.write_text(agent.read_text().replace("within 30 days", "within 14 days"))
    changed = run_pytest("replay.vftest.yaml", cwd=tmp_path)
    assert changed.returncode == 1
    assert "turn 4" in changed.stdout
    assert "30 days" in changed.stdout
    assert "14 days" in changed.stdout
    # a second transcript case goes into the same suite; a name already there is refused
    again = run_vftest("import", "transcript", str(transcript), "-o", "replay.vftest.yaml",
                    cwd=tmp_path)  # fmt: skip
    assert again.returncode == 2
    assert "already has a case" in again.stderr


def test_the_legacy_dialog_export_reads_too() -> None:
    legacy = [
        {"turnID": "1", "type": "launch", "payload": {"type": "launch"}},
        {"turnID": "1", "type": "text", "payload": {"type": "text", "payload": {"message": "Hi!"}}},
        {"turnID": "2", "type": "request",
         "payload": {"type": "intent", "payload": {"query": "track it", "intent": {"name": "t"}}}},
        {"turnID": "2", "type": "text", "payload": {"type": "text", "payload": {"message": "Ok."}}},
        {"turnID": "3", "type": "user-text", "payload": {"type": "text", "payload": "thanks"}},
    ]  # fmt: skip
    imported = import_transcript(legacy)
    assert imported.turns == [{"launch": None}, {"text": "track it"}, {"text": "thanks"}]
    assert [r["agent"] for r in imported.records] == [[{"text": "Hi!"}], [{"text": "Ok."}], []]
    assert json.dumps(imported.records[1]["user"]) == '{"text": "track it"}'


def test_one_test_file_converts_on_its_own(tmp_path: Path) -> None:
    test_file = DATA / "voiceflow-cli" / "tests" / "test_1.yaml"
    done = run_vftest("import", "voiceflow-cli", str(test_file), "-o", "out", cwd=tmp_path)
    assert done.returncode == 1, done.stderr  # the jsonPath rule is reported
    [written] = (tmp_path / "out").glob("*.vftest.yaml")
    assert run_vftest("check", str(written), cwd=tmp_path).returncode == 0
    suite = load_suite(written)
    assert suite.target.environment == "development"  # no suite.yaml to name one
    [case] = suite.cases
    assert [t.action.kind for t in case.turns] == ["launch", "text", "text"]
    assert case.turns[0].set_variables == {"user_name": "John Doe", "account_type": "premium"}
