"""`semantic:` matchers and `judge:` end to end: a suite on the demo agent, the model API a
stand-in on 127.0.0.1 (tests/openai_standin.py), pytest in a subprocess."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.openai_standin import StandIn, running

ROOT = Path(__file__).parents[2]

SUITE = """\
name: meaning
target: {project: support.vfr}
cases:
  - name: a paraphrase of the welcome means the same
    turns:
      - launch:
        expect:
          - text: {semantic: "Hello, welcome to Acme support"}
  - name: an unrelated sentence does not
    turns:
      - launch:
        expect:
          - text: {semantic: "We are closed on Sundays", threshold: 0.6}
  - name: the judge reads the reply
    turns:
      - launch:
        judge: "must: welcome, acme"
  - name: the judge fails a reply that misses the rubric
    turns:
      - launch:
        judge: "must: refund"
  - name: the judge reads the whole conversation
    judge: "must: faq, shipping"
    turns:
      - launch:
      - button: FAQ
      - button: Shipping cost
"""


@pytest.fixture
def standin() -> Iterator[StandIn]:
    with running() as state:
        yield state


@pytest.fixture
def suite(pytester: pytest.Pytester, standin: StandIn, monkeypatch: pytest.MonkeyPatch) -> Path:
    shutil.copy(ROOT / "suites" / "agents" / "support.vfr", pytester.path / "support.vfr")
    monkeypatch.setenv("OPENAI_BASE_URL", standin.url)
    monkeypatch.setenv("OPENAI_API_KEY", standin.key or "")
    return pytester.makefile(".vftest.yaml", meaning=SUITE)


def test_semantic_and_judge_verdicts(
    pytester: pytest.Pytester, suite: Path, standin: StandIn
) -> None:
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-p", "no:randomly", "-vv")
    result.assert_outcomes(passed=3, failed=2)
    out = result.stdout.str()
    result.stdout.fnmatch_lines(
        [
            "*an unrelated sentence does not*FAILED*",
            '*expected text means "We are closed on Sundays" (meaning >= 0.6), closest was 0.*',
        ]
    )
    result.stdout.fnmatch_lines(
        [
            '*FAIL judge*judge (reply) "must: refund"*',
            "*verdict: fail, score 0.20*",
            "*reason: the agent never says 'refund'*",
        ]
    )
    assert "the judge reads the whole conversation PASSED" in out
    paths = standin.paths()
    assert paths.count("/v1/chat/completions") == 3
    # every distinct text is embedded once for the run, in one call per turn
    embedded = [r["json"]["input"] for r in standin.requests if r["path"] == "/v1/embeddings"]
    flat = [text for call in embedded for text in call]
    assert len(flat) == len(set(flat))
    # the whole-conversation judge saw every turn
    last = [r for r in standin.requests if r["path"] == "/v1/chat/completions"][-1]
    prompt = last["json"]["messages"][1]["content"]
    assert "Judge: the whole conversation" in prompt
    assert "user: (presses the button 'FAQ')" in prompt
    assert "Standard shipping costs $4.99" in prompt
    assert (standin.key or "?") not in out


def test_verdicts_are_cached_on_disk(
    pytester: pytest.Pytester, suite: Path, standin: StandIn
) -> None:
    args = ["-p", "no:randomly", "-k", "judge", "--vftest-judge-cache", "verdicts"]
    pytester.runpytest_subprocess(*args).assert_outcomes(passed=2, failed=1)
    asked = standin.paths().count("/v1/chat/completions")
    assert asked == 3
    again = pytester.runpytest_subprocess(*args)
    again.assert_outcomes(passed=2, failed=1)
    assert standin.paths().count("/v1/chat/completions") == asked  # nothing asked again
    again.stdout.fnmatch_lines(["*verdict: fail, score 0.20 (cached verdict)*"])


@pytest.mark.parametrize(
    "fault",
    [
        ("verdict", "Looks good to me!"),
        ("verdict", json.dumps({"verdict": "pass", "score": 0.9})),
        ("status", 500, {}),
        ("status", 401, {}),
    ],
)
def test_a_judge_that_cannot_answer_is_an_error_never_a_pass(
    pytester: pytest.Pytester, suite: Path, standin: StandIn, fault: tuple[object, ...]
) -> None:
    standin.script = [fault] * 4
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-k", "reads and reply")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*infrastructure error (llm):*not a failure of the agent*"])


def test_the_model_key_never_appears_in_any_output(
    pytester: pytest.Pytester, suite: Path, standin: StandIn, monkeypatch: pytest.MonkeyPatch
) -> None:
    wrong = "sk-proj-wrongwrongwrong0123456789"
    monkeypatch.setenv("OPENAI_API_KEY", wrong)
    result = pytester.runpytest_subprocess(
        "-p", "no:cacheprovider", "-vv", "--junitxml", "junit.xml",
        "--vftest-json", "results.json", "--vftest-html", "report.html",
    )  # fmt: skip
    result.assert_outcomes(errors=5)
    result.stdout.fnmatch_lines(["*HTTP 401*invalid_api_key*(check OPENAI_API_KEY)*"])
    written = [result.stdout.str(), result.stderr.str()] + [
        (pytester.path / name).read_text() for name in ("junit.xml", "results.json", "report.html")
    ]
    for text in written:
        assert wrong not in text
        assert "0123456789" not in text


def test_without_an_embedding_api_semantic_is_an_error(
    pytester: pytest.Pytester, suite: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.net import closed_port_url

    monkeypatch.setenv("OPENAI_BASE_URL", closed_port_url() + "/v1")
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-k", "paraphrase")
    result.assert_outcomes(errors=1)
