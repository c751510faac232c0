"""load_suite on valid suites: the models built, defaults applied, paths resolved."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import jsonschema
import pytest

from vftest.errors import SuiteError
from vftest.models import (
    Action,
    ApiGeneration,
    ButtonMatch,
    ButtonsMatch,
    Capture,
    CardMatch,
    CarouselMatch,
    Location,
    SequenceMode,
    TextMatch,
    TextOp,
    ValueMatch,
)
from vftest.suite import load_suite, suite_schema

GOOD = Path(__file__).parent.parent / "data" / "good"
EVERY_KEY = GOOD / "every_key.vftest.yaml"


def eq(value: str, **kw: object) -> TextMatch:
    """A text matcher with the every_key suite's defaults (threshold 0.7, token_set_ratio, ic)."""
    base: dict[str, object] = {"threshold": 0.7, "scorer": "token_set_ratio", "ignore_case": True}
    base.update(kw)
    return TextMatch(op=TextOp(base.pop("op", "equals")), value=value, **base)  # type: ignore[arg-type]


def test_schema_is_valid_draft_2020_12() -> None:
    jsonschema.Draft202012Validator.check_schema(dict(suite_schema()))


def test_every_schema_property_has_title_and_description() -> None:
    missing: list[str] = []

    def visit(node: object, where: str) -> None:
        if isinstance(node, dict):
            for key, sub in node.get("properties", {}).items():
                if "title" not in sub or "description" not in sub:
                    missing.append(f"{where}.{key}")
            for key, sub in node.items():
                visit(sub, f"{where}/{key}")
        elif isinstance(node, list):
            for index, sub in enumerate(node):
                visit(sub, f"{where}[{index}]")

    visit(dict(suite_schema()), "#")
    assert missing == []


def test_every_object_schema_forbids_unknown_keys() -> None:
    loose: list[str] = []

    def visit(node: object, where: str) -> None:
        if isinstance(node, dict):
            if "properties" in node and node.get("additionalProperties") is not False:
                loose.append(where)
            for key, sub in node.items():
                visit(sub, f"{where}/{key}")
        elif isinstance(node, list):
            for index, sub in enumerate(node):
                visit(sub, f"{where}[{index}]")

    visit(dict(suite_schema()), "#")
    assert loose == []


def test_minimal_suite_takes_every_default() -> None:
    suite = load_suite(GOOD / "minimal.vftest.yaml")
    assert suite.name == "minimal"
    assert suite.target.project is None
    assert suite.target.api is ApiGeneration.V1
    assert suite.contract.spec == "auto"
    assert suite.defaults.threshold == 0.85
    (case,) = suite.cases
    assert case.name == "greets"
    assert case.location == Location(str(GOOD / "minimal.vftest.yaml"), 3)
    assert case.skip is None
    assert case.xfail is None
    (turn,) = case.turns
    assert turn.action == Action(kind="launch")
    assert turn.mode is SequenceMode.IN_ORDER
    assert turn.hidden_types == ("path", "debug", "flow", "block", "log")
    assert (turn.location.line, turn.end_line) == (5, 5)
    assert suite.lines[0].startswith("# The smallest valid suite")


def test_documented_example_loads() -> None:
    path = GOOD / "order_status.vftest.yaml"
    suite = load_suite(path)
    assert suite.name == "Order status"
    assert suite.target.project == str((GOOD / "agents" / "support.vfr").absolute())
    assert suite.tags == ("orders",)
    assert suite.variables == {"user_name": "Ada"}
    turns = suite.cases[0].turns
    assert [turn.action.kind for turn in turns] == ["launch", "button", "text", "text"]
    assert turns[1].action.label == "Order status"
    assert turns[3].action.text == "thanks, see you {{eta}}"
    assert [(t.location.line, t.end_line) for t in turns] == [
        (16, 19),
        (20, 22),
        (23, 30),
        (31, 35),
    ]
    choice = turns[0].expect[1]
    assert choice.trace_type == "choice"
    assert choice.spec is not None
    assert [b.label.value for b in choice.spec.buttons if b.label] == [
        "Order status",
        "FAQ",
        "Talk to a human",
    ]
    assert choice.spec.mode == "exact"
    assert turns[2].capture == (
        Capture(
            name="eta",
            location=Location(str(path), 30),
            trace_type="text",
            regex=r"arrives (\w+)",
        ),
    )
    assert turns[3].absent[0].spec == TextMatch(op=TextOp.CONTAINS, value="sorry")
    assert turns[3].expect[0].kind == "end"
    assert turns[3].expect[0].present is True


def test_every_key_suite_settings() -> None:
    suite = load_suite(EVERY_KEY)
    target = suite.target
    assert target.project == str((GOOD / "agents" / "support.vfr").absolute())
    assert Path(target.project).is_file()
    assert (target.url, target.api, target.stream) == ("http://127.0.0.1:3000", "v4", True)
    assert (target.environment, target.project_id, target.api_key_env) == (
        "production",
        "64f0c0ffee",
        "PIZZA_API_KEY",
    )
    contract = suite.contract
    assert contract.spec == str((GOOD / "contracts" / "my-openapi.yaml").absolute())
    assert (contract.on_violation, contract.unknown_traces) == ("warn", "fail")
    assert contract.custom_traces == ("escalate", "calendar")
    assert suite.variables == {"user_name": "Ada", "visits": 3}
    assert suite.tags == ("pizza", "regression")
    defaults = suite.defaults
    assert defaults.mode is SequenceMode.EXACT
    assert defaults.hidden_types == ("path", "debug")
    assert (defaults.threshold, defaults.scorer, defaults.ignore_case) == (
        0.7,
        "token_set_ratio",
        True,
    )
    assert defaults.timeout == 12.5


def test_every_key_case_settings() -> None:
    case = load_suite(EVERY_KEY).cases[0]
    assert case.name == "order a pizza"
    assert case.description == "From launch to the order summary."
    assert case.tags == ("smoke",)
    assert case.variables == {"size": "large"}
    assert case.skip == "runtime not ready"
    assert case.xfail == "expected to fail (xfail in the suite)"
    assert case.environments == ("production", "staging")
    assert len(case.turns) == 10


def test_every_key_actions() -> None:
    turns = load_suite(EVERY_KEY).cases[0].turns
    assert turns[0].action == Action(kind="launch", payload={"persona": "returning"})
    assert turns[1].action == Action(kind="button", label="Order", index=0)
    assert turns[2].action.text == "status of {{order}} for {{sized}} in {{channel}}"
    assert turns[3].action == Action(kind="intent", intent="order_status")
    # YAML read `number: 123` as an int; entities travel as text.
    assert turns[4].action == Action(
        kind="intent",
        intent="order_status",
        entities={"number": "123", "size": "large"},
        confidence=0.9,
    )
    assert turns[5].action == Action(kind="event", event="escalate")
    assert turns[6].action == Action(kind="no_reply")
    assert turns[7].action == Action(kind="no_reply")
    assert turns[8].action == Action(
        kind="raw", raw={"type": "success", "payload": {"ok": True}}, payload={"ok": True}
    )
    assert turns[9].action == Action(kind="launch")


def test_every_key_turn_settings_apply_defaults() -> None:
    turns = load_suite(EVERY_KEY).cases[0].turns
    assert turns[0].mode is SequenceMode.UNORDERED  # the turn's own mode wins
    assert turns[1].mode is SequenceMode.EXACT  # defaults.mode
    assert all(turn.hidden_types == ("path", "debug") for turn in turns)
    assert turns[0].set_variables == {"channel": "web"}


def test_every_key_first_turn_expectations() -> None:
    turn = load_suite(EVERY_KEY).cases[0].turns[0]
    text, speak, choice = turn.expect
    assert (text.kind, text.trace_type, text.spec) == ("text", "text", eq("Hi {{user_name}}!"))
    assert text.payload == {"ai": False}
    assert text.location == Location(str(EVERY_KEY), 42)
    assert speak.trace_type == "speak"
    assert speak.spec == eq("Welcome back")
    assert choice.spec == ButtonsMatch(
        buttons=(
            ButtonMatch(label=eq("Order")),
            ButtonMatch(label=eq("menu", op="contains")),
            ButtonMatch(label=eq("^Talk", op="regex"), request={"type": "path-1"}),
        ),
        mode="subset",
        count=3,
    )
    (absent,) = turn.absent
    assert absent.spec == eq("sorry", op="contains", negate=True)


def test_every_key_card_carousel_visual_and_variables() -> None:
    turn = load_suite(EVERY_KEY).cases[0].turns[1]
    card, carousel, visual = turn.expect
    assert card.trace_type == "cardV2"
    assert card.spec == CardMatch(
        title=eq("Your pizza", op="similar", threshold=0.9, scorer="ratio"),
        description=TextMatch(
            op=TextOp.ANY_OF,
            alternatives=(
                eq("Large", ignore_case=False),
                eq("big", op="contains", ignore_case=False),
            ),
            threshold=0.7,
            scorer="token_set_ratio",
            ignore_case=False,
        ),
        image=eq(r"\.png$", op="regex"),
        buttons=ButtonsMatch(
            buttons=(ButtonMatch(label=eq("Confirm")), ButtonMatch(label=eq("Cancel")))
        ),
    )
    assert carousel.spec == CarouselMatch(
        layout="List", count=2, cards=(CardMatch(title=eq("Margherita")), CardMatch())
    )
    assert (visual.trace_type, visual.spec) == ("visual", eq("pizza.jpg", op="contains"))
    matches = {v.name: v.match for v in turn.expect_variables}
    assert matches == {
        "size": ValueMatch(op="equals", value="large"),
        "visits": ValueMatch(op="equals", value=3),
        "order_id": ValueMatch(op="present", value=True),
        "note": ValueMatch(op="text", text=eq("error", op="contains"), negate=True),
        "total": ValueMatch(op="text", text=eq(r"^\d+\.\d\d$", op="regex")),
    }
    order, sized = turn.capture
    assert (order.trace_type, order.path, order.regex, order.group) == (
        "text",
        "$.payload.message",
        r"order (?P<id>\d+)",
        "id",
    )
    assert (sized.variable, sized.group) == ("size", 1)


def test_every_key_other_trace_types() -> None:
    turns = load_suite(EVERY_KEY).cases[0].turns
    completion, no_reply, custom, debug, anything, no_end = turns[2].expect
    assert (completion.trace_type, completion.spec) == (
        "completion",
        eq("on its way", op="contains"),
    )
    assert (no_reply.trace_type, no_reply.payload) == ("no-reply", {"timeout": 5})
    assert (custom.kind, custom.trace_type, custom.payload) == (
        "custom",
        "escalate",
        {"reason": "angry"},
    )
    assert (debug.kind, debug.trace_type, debug.payload) == ("trace", "debug", {"message": "hello"})
    assert (anything.trace_type, anything.payload) == (None, None)
    assert (no_end.trace_type, no_end.present) == ("end", False)
    plain_no_reply, end = turns[8].expect
    assert (plain_no_reply.trace_type, plain_no_reply.payload) == ("no-reply", None)
    assert end.present is True


def test_text_given_does_not_read_the_file(tmp_path: Path) -> None:
    path = tmp_path / "nowhere" / "x.vftest.yaml"
    path.parent.mkdir()
    shutil.copy(GOOD / "agents" / "support.vfr", path.parent / "a.vfr")  # checked when named
    suite = load_suite(
        path, text="target: {project: a.vfr}\ncases: [{name: c, turns: [{launch: }]}]"
    )
    assert suite.path == str(path)
    assert suite.target.project == str(tmp_path / "nowhere" / "a.vfr")
    assert suite.lines == ("target: {project: a.vfr}", "cases: [{name: c, turns: [{launch: }]}]")


def test_missing_file_is_a_suite_error(tmp_path: Path) -> None:
    with pytest.raises(SuiteError) as raised:
        load_suite(tmp_path / "missing.vftest.yaml")
    (problem,) = raised.value.problems
    assert problem.line == 0
    assert problem.message.startswith("cannot read the file: ")


def test_non_utf8_file_is_a_suite_error_on_the_line_of_the_bad_byte(tmp_path: Path) -> None:
    path = tmp_path / "latin1.vftest.yaml"
    path.write_bytes(b"name: latin\ncases:\n  - name: caf\xe9\n    turns: [{launch: }]\n")
    with pytest.raises(SuiteError) as raised:
        load_suite(path)
    assert [(p.line, p.message) for p in raised.value.problems] == [
        (3, "not UTF-8 text: byte 0xE9 at column 14 cannot be decoded (save the file as UTF-8)")
    ]
    assert str(raised.value).startswith(f"{path}:3: not UTF-8 text")


def test_twenty_thousand_cases_without_aliases_load(tmp_path: Path) -> None:
    # Issue 14.6: the alias cap counted every value, so a large plain suite was refused.
    case = (
        "  - name: case {0}\n    turns:\n      - text: hello {0}\n        expect: [{{text: hi}}]\n"
    )
    text = "name: big\ncases:\n" + "".join(case.format(i) for i in range(20_000))
    suite = load_suite(tmp_path / "big.vftest.yaml", text=text)
    assert len(suite.cases) == 20_000
    assert suite.cases[-1].turns[0].location.line == 5 + 4 * 19_999


def test_byte_order_mark_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "bom.vftest.yaml"
    path.write_bytes(b"\xef\xbb\xbfcases: [{name: c, turns: [{launch: }]}]\n")
    assert load_suite(path).cases[0].name == "c"


def test_all_problems_best_match_first_without_cascades() -> None:
    text = """\
cases:
  - name: a
    turns:
      - launch:
        expect:
          - text: {contains: a, regex: b}
          - choice: 5
  - name: b
    turns:
      - txt: hi
  - name: a
    turns:
      - text: "{{missing}}"
"""
    with pytest.raises(SuiteError) as raised:
        load_suite("x.vftest.yaml", text=text)
    assert [(p.line, p.where, p.message) for p in raised.value.problems] == [
        # best_match's pick (the shallowest error) first, then file order
        (10, "cases[1].turns[0]", "unknown key 'txt'; did you mean 'text'?"),
        (
            6,
            "cases[0].turns[0].expect[0].text",
            "a text matcher needs exactly one operator "
            "(equals, contains, regex, similar, semantic, any_of, not); found 2: contains, regex",
        ),
        (
            7,
            "cases[0].turns[0].expect[1].choice",
            "expected a list or a mapping (key: value), got the number 5",
        ),
        (
            10,
            "cases[1].turns[0]",
            "a turn needs exactly one action "
            "(launch, text, button, intent, event, no_reply, action); found none",
        ),
        (11, "cases[2].name", "duplicate case name 'a' (first used on line 2)"),
        (
            13,
            "cases[2].turns[0].text",
            "'{{missing}}' is neither captured in an earlier turn nor a case or suite variable",
        ),
    ]


def test_templates_may_use_variables_set_variables_and_earlier_captures() -> None:
    text = """\
variables: {shop: Pizza Co}
cases:
  - name: c
    variables: {size: large}
    turns:
      - launch:
        set_variables: {mood: happy}
        capture: {first: {trace: text}}
        expect: [{text: "{{shop}} {{size}} {{mood}}"}]
      - text: "{{ first }} {{shop}}"
        set_variables: {again: "{{first}}"}
        expect_variables: {again: "{{first}}"}
"""
    suite = load_suite("t.vftest.yaml", text=text)
    assert suite.cases[0].turns[1].set_variables == {"again": "{{first}}"}


def test_set_variables_of_a_turn_cannot_use_themselves() -> None:
    text = """\
cases:
  - name: c
    turns:
      - launch:
        set_variables: {a: "{{a}}"}
"""
    with pytest.raises(SuiteError) as raised:
        load_suite("t.vftest.yaml", text=text)
    assert [(p.line, p.where) for p in raised.value.problems] == [
        (5, "cases[0].turns[0].set_variables.a")
    ]


def test_template_hint_suggests_close_name() -> None:
    text = """\
variables: {user_name: Ada}
cases:
  - name: c
    turns:
      - text: "hi {{username}}"
"""
    with pytest.raises(SuiteError) as raised:
        load_suite("t.vftest.yaml", text=text)
    assert raised.value.problems[0].message.endswith("; did you mean 'user_name'?")


def test_regex_with_template_is_checked_with_the_template_filled() -> None:
    text = """\
variables: {n: "1"}
cases:
  - name: c
    turns:
      - launch:
        expect: [{text: {regex: 'order {{n}}\\d+'}}]
"""
    assert load_suite("t.vftest.yaml", text=text).cases[0].turns[0].expect[0].spec == TextMatch(
        op=TextOp.REGEX, value=r"order {{n}}\d+"
    )


def test_named_capture_group_must_exist() -> None:
    text = """\
cases:
  - name: c
    turns:
      - launch:
        capture: {x: {regex: '(?P<num>\\d+)', group: number}}
"""
    with pytest.raises(SuiteError) as raised:
        load_suite("t.vftest.yaml", text=text)
    assert [p.message for p in raised.value.problems] == [
        "group 'number' does not exist: the regex's named groups are: num"
    ]


def test_yes_as_label_gets_a_quoting_hint() -> None:
    text = "cases: [{name: c, turns: [{launch: , expect: [{choice: [yes]}]}]}]"
    with pytest.raises(SuiteError) as raised:
        load_suite("t.vftest.yaml", text=text)
    assert raised.value.problems[0].message == (
        "expected text or a mapping (key: value), got true "
        "(YAML reads yes/no/on/off as true/false); put it in quotes"
    )


def test_schema_file_matches_documented_example_header() -> None:
    first = (GOOD / "order_status.vftest.yaml").read_text().splitlines()[0]
    schema_ref = first.split("$schema=")[1]
    schema_path = (GOOD / schema_ref).resolve()
    assert json.loads(schema_path.read_text())["title"] == "vftest suite"


DOC = Path(__file__).parent.parent.parent / "docs" / "suite-format.md"


def test_documented_complete_example_is_a_valid_suite(tmp_path: Path) -> None:
    text = DOC.read_text()
    example = text.split("## A complete example", 1)[1].split("```yaml\n", 1)[1].split("```")[0]
    (tmp_path / "agents").mkdir()
    shutil.copy(GOOD / "agents" / "support.vfr", tmp_path / "agents" / "support.vfr")
    suite = load_suite(tmp_path / "example.vftest.yaml", text=example)
    assert suite.name == "Order status"
    assert [t.action.kind for t in suite.cases[0].turns] == ["launch", "button", "text", "text"]


def test_every_schema_key_is_documented() -> None:
    documented = DOC.read_text()
    keys: set[str] = set()

    def visit(node: object) -> None:
        if isinstance(node, dict):
            keys.update(node.get("properties", {}))
            for sub in node.values():
                visit(sub)
        elif isinstance(node, list):
            for sub in node:
                visit(sub)

    visit(dict(suite_schema()))
    assert (
        sorted(key for key in keys if f"`{key}" not in documented and f"{key}:" not in documented)
        == []
    )


def test_turns_know_whether_their_expectations_hold_templates() -> None:
    suite = load_suite(
        "t.vftest.yaml",
        text=(
            "target: {url: 'http://127.0.0.1:9'}\n"
            "cases:\n"
            "  - name: c\n"
            "    turns:\n"
            "      - text: hi\n"
            "        capture: {x: {trace: text}}\n"
            "        expect: [{text: plain}]\n"
            "      - text: '{{x}}'\n"
            "        expect_variables: {v: '{{x}}'}\n"
        ),
    )
    assert [t.templated_expectations for t in suite.cases[0].turns] == [False, True]


def test_a_bare_off_means_off_though_yaml_reads_it_as_false() -> None:
    suite = load_suite(
        "t.vftest.yaml",
        text=(
            "target: {url: 'http://127.0.0.1:9'}\n"
            "contract: {on_violation: off}\n"
            "cases: [{name: c, turns: [{launch: }]}]\n"
        ),
    )
    assert suite.contract.on_violation == "off"
    assert suite.contract.explicit == frozenset({"on_violation"})
