"""Collection: one item per case, tags as markers, -k, broken files, offline --collect-only."""

from __future__ import annotations

import pytest

SUITE = """\
name: pizza
target: {url: "http://127.0.0.1:9", api: v1}
tags: [pizza]
cases:
  - name: welcome
    tags: [smoke]
    turns:
      - launch:
        expect:
          - text: {contains: Welcome}
  - name: menu button
    turns:
      - launch:
      - button: See the menu
"""

BROKEN = """\
cases:
  - name: typo
    turns:
      - launch:
        expectt: []
"""


def test_one_item_per_case_with_node_ids(pytester: pytest.Pytester) -> None:
    pytester.makefile(".vftest.yaml", orders=SUITE)
    result = pytester.runpytest("--collect-only", "-q")
    result.stdout.fnmatch_lines(
        ["orders.vftest.yaml::welcome", "orders.vftest.yaml::menu button", "2 tests collected*"]
    )
    assert result.ret == 0


def test_collect_only_needs_no_api_key_and_no_network(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("VOICEFLOW_API_KEY", raising=False)
    pytester.makefile(".vftest.yaml", orders=SUITE)
    result = pytester.runpytest("--collect-only", "-q")
    assert result.ret == 0
    result.stdout.no_fnmatch_line("*API key*")


def test_tags_are_registered_markers(pytester: pytest.Pytester) -> None:
    pytester.makefile(".vftest.yaml", orders=SUITE)
    result = pytester.runpytest("--collect-only", "-q", "--strict-markers", "-m", "smoke")
    result.stdout.fnmatch_lines(
        ["orders.vftest.yaml::welcome", "1/2 tests collected (1 deselected)*"]
    )


def test_k_selects_by_case_name(pytester: pytest.Pytester) -> None:
    pytester.makefile(".vftest.yaml", orders=SUITE)
    result = pytester.runpytest("--collect-only", "-q", "-k", "menu")
    result.stdout.fnmatch_lines(["orders.vftest.yaml::menu button", "1/2 tests collected*"])


def test_broken_suite_is_a_collection_error_and_other_files_still_run(
    pytester: pytest.Pytester,
) -> None:
    pytester.makefile(".vftest.yaml", broken=BROKEN)
    pytester.makepyfile(test_other="def test_ok():\n    assert True\n")
    result = pytester.runpytest()
    result.stdout.fnmatch_lines(
        [
            "*ERROR collecting broken.vftest.yaml*",
            "broken.vftest.yaml:5: cases[[]0].turns[[]0]: "
            "unknown key 'expectt'; did you mean 'expect'?",
        ]
    )
    result.assert_outcomes(passed=1, errors=1)
    assert result.ret == 1


def test_file_pattern_is_configurable(pytester: pytest.Pytester) -> None:
    pytester.makefile(".yaml", convo=SUITE)
    pytester.makeini("[pytest]\nvftest_file_pattern = convo.yaml\n")
    result = pytester.runpytest("--collect-only", "-q")
    result.stdout.fnmatch_lines(["convo.yaml::welcome", "convo.yaml::menu button"])


def test_case_line_is_reported_as_location(pytester: pytest.Pytester) -> None:
    pytester.makefile(".vftest.yaml", orders=SUITE)
    items, _ = pytester.inline_genitems()
    assert [item.location[1] for item in items] == [4, 10]  # 0-based lines of `- name:`


def test_shards_partition_the_cases_across_machines(pytester: pytest.Pytester) -> None:
    body = "cases:\n" + "".join(
        f"  - name: case {n}\n    turns:\n      - launch:\n" for n in range(20)
    )
    pytester.makefile(".vftest.yaml", many="target: {url: 'http://127.0.0.1:9'}\n" + body)
    shards = []
    for k in (1, 2, 3):
        result = pytester.runpytest("--collect-only", "-q", f"--vftest-shard={k}/3")
        shards.append({line for line in result.stdout.lines if "::case" in line})
    assert all(shards), "every shard gets some of 20 cases"
    assert set.union(*shards) == {f"many.vftest.yaml::case {n}" for n in range(20)}
    assert sum(len(s) for s in shards) == 20  # disjoint


def test_bad_shard_is_a_usage_error(pytester: pytest.Pytester) -> None:
    pytester.makefile(".vftest.yaml", orders=SUITE)
    result = pytester.runpytest("--collect-only", "--vftest-shard=4/3")
    result.stderr.fnmatch_lines(["*--vftest-shard wants K/N with 1 <= K <= N, got '4/3'*"])
    assert result.ret == pytest.ExitCode.USAGE_ERROR


@pytest.mark.parametrize(
    ("target", "make", "problem"),
    [
        ("project: agent.vfr", None, "agent file 'agent.vfr': file not found"),
        ("project: agent.vfr", "", "agent file 'agent.vfr': the file is empty*"),
        ("project: agent.vfr", '{"programs": {', "agent file 'agent.vfr': not valid JSON*"),
        (
            "project: agent.vf",
            '{"project": {}, "version": {}, "diagrams": {}}',
            "agent file 'agent.vf': this is a design export (.vf) without compiled programs*",
        ),
    ],
)
def test_a_suite_naming_a_broken_agent_file_fails_at_collection_with_its_line(
    pytester: pytest.Pytester, target: str, make: str | None, problem: str
) -> None:
    if make is not None:
        (pytester.path / target.split(": ")[1]).write_text(make)
    broken = SUITE.replace('target: {url: "http://127.0.0.1:9", api: v1}', f"target:\n  {target}")
    pytester.makefile(".vftest.yaml", broken=broken)
    pytester.makefile(".vftest.yaml", good=SUITE)
    pytester.makepyfile(test_other="def test_ok():\n    assert True\n")
    result = pytester.runpytest("--collect-only", "-q")
    result.stdout.fnmatch_lines([f"broken.vftest.yaml:3: target.project: {problem}"])
    result.stdout.fnmatch_lines(["good.vftest.yaml::*", "test_other.py::test_ok"])
