"""Every file in tests/data/bad has exactly one defect; this table says where and how it reads."""

from __future__ import annotations

from pathlib import Path

import pytest

from vftest.errors import SuiteError
from vftest.suite import load_suite

BAD = Path(__file__).parent.parent / "data" / "bad"

# (file stem, line, where, message): written by hand from the defect each file holds.
CASES = [
    (
        "bad_api_generation",
        5,
        "target.api",
        "'v3' is not one of: v1, v2, v4",
    ),
    (
        "bad_capture_name",
        8,
        "cases[0].turns[0].capture",
        "'order-id' is not a valid name: use letters, digits and _, not starting with a digit",
    ),
    (
        "bad_choice_match",
        8,
        "cases[0].turns[0].expect[0].choice.match",
        "'all' is not one of: exact, subset, in_order",
    ),
    (
        "bad_regex",
        8,
        "cases[0].turns[0].expect[0].text",
        "regex 'order (\\d+' does not compile: missing ), unterminated subpattern at position 6",
    ),
    (
        "bad_sequence_mode",
        7,
        "cases[0].turns[0].mode",
        "'strict' is not one of: exact, in_order, unordered, any",
    ),
    (
        "bad_tag_name",
        3,
        "tags[0]",
        "'smoke-test' is not a valid name: use letters, digits and _, not starting with a digit",
    ),
    (
        "bad_url",
        4,
        "target.url",
        "a runtime URL starts with http:// or https://",
    ),
    (
        "button_first_turn",
        6,
        "cases[0].turns[0]",
        "a case cannot start with a button turn: no earlier turn offered buttons",
    ),
    (
        "button_index_negative",
        7,
        "cases[0].turns[1].button.index",
        "index must be at least 0, got -1",
    ),
    (
        "capture_bad_regex",
        8,
        "cases[0].turns[0].capture.order",
        "regex '[0-9' does not compile: unterminated character set at position 0",
    ),
    (
        "capture_group_out_of_range",
        8,
        "cases[0].turns[0].capture.order",
        "group 2 does not exist: the regex has 1 group",
    ),
    (
        "capture_group_without_regex",
        8,
        "cases[0].turns[0].capture.order",
        "'group' needs 'regex' as well",
    ),
    (
        "capture_regex_without_group",
        8,
        "cases[0].turns[0].capture.order",
        "group 1 does not exist: the regex has 0 groups (group defaults to 1: add parentheses)",
    ),
    (
        "capture_variable_with_regex",
        8,
        "cases[0].turns[0].capture.order",
        "a capture from a variable takes no other key (trace, path, regex, group)",
    ),
    (
        "cases_not_a_list",
        3,
        "cases",
        "expected a list, got a mapping",
    ),
    (
        "duplicate_case_names",
        7,
        "cases[1].name",
        "duplicate case name 'greets' (first used on line 4)",
    ),
    (
        "duplicate_key",
        9,
        "cases[0].turns[0].expect",
        "duplicate key 'expect' (first given on line 7)",
    ),
    (
        "duplicate_tag",
        5,
        "cases[0].tags",
        "tags lists 'smoke' more than once",
    ),
    (
        "empty_cases",
        3,
        "cases",
        "a suite needs at least one case",
    ),
    (
        "empty_file",
        1,
        "",
        "the suite is empty; it needs at least 'cases:'",
    ),
    (
        "empty_turns",
        5,
        "cases[0].turns",
        "a case needs at least one turn",
    ),
    (
        "end_not_boolean",
        8,
        "cases[0].turns[0].expect[0].end",
        "expected true or false, got the text 'yes please'",
    ),
    (
        "expectation_not_a_mapping",
        8,
        "cases[0].turns[0].expect[0]",
        "expected a mapping (key: value), got the text 'Hi there'",
    ),
    (
        "intent_without_name",
        6,
        "cases[0].turns[0].intent",
        "missing required key 'name'",
    ),
    (
        "launch_false",
        6,
        "cases[0].turns[0].launch",
        "launch takes nothing, true, or {payload: ...}",
    ),
    (
        "missing_case_name",
        4,
        "cases[0]",
        "missing required key 'name'",
    ),
    (
        "missing_cases",
        2,
        "",
        "missing required key 'cases'",
    ),
    (
        "multiple_documents",
        7,
        "",
        (
            "YAML syntax error: expected a single document in the stream (line 2); but found "
            "another document"
        ),
    ),
    (
        "no_action_in_turn",
        6,
        "cases[0].turns[0]",
        (
            "a turn needs exactly one action (launch, text, button, intent, event, no_reply, "
            "action); found none"
        ),
    ),
    (
        "no_type_in_expectation",
        8,
        "cases[0].turns[0].expect[0]",
        (
            "an expectation needs exactly one trace type (text, speak, completion, choice, "
            "card, carousel, visual, end, no_reply, custom, trace); found none"
        ),
    ),
    (
        "non_text_key",
        4,
        "variables",
        (
            "key 'yes' is not text (YAML reads yes/no/on/off, numbers and null as other types); "
            "put it in quotes"
        ),
    ),
    (
        "payload_twice",
        9,
        "cases[0].turns[0].expect[0]",
        "payload is given twice: beside 'custom' and inside it; keep one",
    ),
    (
        "recursive_alias",
        4,
        "variables.again",
        "an alias refers to its own anchor (recursive data)",
    ),
    (
        "template_captured_later",
        7,
        "cases[0].turns[1].text",
        (
            "'{{eta}}' is neither captured in an earlier turn nor a case or suite variable (it "
            "is captured later, in turn 2)"
        ),
    ),
    (
        "template_captured_same_turn",
        10,
        "cases[0].turns[0].expect[0].text",
        (
            "'{{greeting}}' is neither captured in an earlier turn nor a case or suite variable "
            "(this turn captures it; captures are usable from the next turn)"
        ),
    ),
    (
        "text_action_not_text",
        7,
        "cases[0].turns[1].text",
        "expected text, got the number 12345; put it in quotes to make it text",
    ),
    (
        "threshold_above_one",
        8,
        "cases[0].turns[0].expect[0].text.threshold",
        "threshold must be between 0 and 1, got 1.5",
    ),
    (
        "threshold_with_contains",
        8,
        "cases[0].turns[0].expect[0].text",
        "threshold only applies to 'similar' and 'semantic' (this matcher uses 'contains')",
    ),
    (
        "two_actions_in_turn",
        8,
        "cases[0].turns[1]",
        (
            "a turn needs exactly one action (launch, text, button, intent, event, no_reply, "
            "action); found 2: text, button"
        ),
    ),
    (
        "two_operators_in_text_matcher",
        8,
        "cases[0].turns[0].expect[0].text",
        (
            "a text matcher needs exactly one operator (equals, contains, regex, similar, "
            "semantic, any_of, not); found 2: contains, regex"
        ),
    ),
    (
        "two_types_in_expectation",
        9,
        "cases[0].turns[0].expect[0]",
        (
            "an expectation needs exactly one trace type (text, speak, completion, choice, "
            "card, carousel, visual, end, no_reply, custom, trace); found 2: text, speak"
        ),
    ),
    (
        "uncaptured_template",
        7,
        "cases[0].turns[1].text",
        "'{{order_id}}' is neither captured in an earlier turn nor a case or suite variable",
    ),
    (
        "unknown_expectation_key",
        9,
        "cases[0].turns[0].expect[0]",
        "unknown key 'paylod'; did you mean 'payload'?",
    ),
    (
        "unknown_scorer",
        4,
        "defaults.scorer",
        "'levenshtein' is not one of: ratio, partial_ratio, token_sort_ratio, token_set_ratio, wer",
    ),
    (
        "unknown_suite_key",
        3,
        "",
        "unknown key 'default'; did you mean 'defaults'?",
    ),
    (
        "unknown_turn_key",
        7,
        "cases[0].turns[0]",
        "unknown key 'expects'; did you mean 'expect'?",
    ),
    (
        "yaml_syntax_error",
        8,
        "",
        (
            "YAML syntax error: while parsing a flow sequence (line 7); expected ',' or ']', "
            "but got '-'"
        ),
    ),
    (
        "zero_timeout",
        4,
        "defaults.timeout",
        "timeout must be greater than 0, got 0",
    ),
    # Files the suite names (agent, contract) are checked when it loads (issue 14, item 5).
    ("project_missing", 2, "target.project", "agent file 'files/nowhere.vfr': file not found"),
    (
        "project_directory",
        2,
        "target.project",
        "agent file 'files/folder.vfr': is a directory, not a compiled agent file (.vfr)",
    ),
    (
        "project_empty",
        2,
        "target.project",
        "agent file 'files/empty.vfr': the file is empty; expected a compiled agent file (.vfr)",
    ),
    (
        "project_corrupt",
        2,
        "target.project",
        (
            "agent file 'files/corrupt.vfr': not valid JSON (line 1 column 41: Expecting ',' "
            "delimiter)"
        ),
    ),
    (
        "project_not_an_object",
        2,
        "target.project",
        "agent file 'files/list.vfr': a .vfr must be a JSON object, got an array",
    ),
    (
        "project_not_an_agent",
        2,
        "target.project",
        "agent file 'files/object.vfr': missing `project`",
    ),
    (
        "project_design_export",
        3,
        "target.project",
        (
            "agent file 'files/design.vf': this is a design export (.vf) without compiled "
            "programs, which the local runtime cannot run; get the compiled agent (.vfr) "
            "with `vftest pull`"
        ),
    ),
    (
        "contract_missing",
        2,
        "contract.spec",
        (
            "contract file 'files/nowhere.yaml': file not found (use auto, v4, dm-1.1 or the "
            "path of an OpenAPI 3.0/3.1 file)"
        ),
    ),
    (
        "contract_garbage",
        4,
        "contract.spec",
        (
            "contract file 'files/garbage.yaml': not valid YAML at line 2, column 5: "
            "expected ',' or ']', but got ':'"
        ),
    ),
    (
        "contract_swagger",
        2,
        "contract.spec",
        "contract file 'files/swagger.json': Swagger 2.0 is not supported; use OpenAPI 3.x",
    ),
    (
        "reserved_tag_suite",
        2,
        "tags[1]",
        (
            "'xfail' is a pytest marker that changes outcomes, not a label; use the `xfail:` "
            "key of a case"
        ),
    ),
    (
        "reserved_tag_case",
        4,
        "cases[0].tags[0]",
        "'skipif' is a pytest marker that changes outcomes, not a label; rename it",
    ),
    ("unknown_defaults_key", 3, "defaults", "unknown key 'treshold'; did you mean 'threshold'?"),
    ("unknown_target_key", 3, "target", "unknown key 'projet'; did you mean 'project'?"),
    (
        "unknown_contract_key",
        3,
        "contract",
        "unknown key 'on_violaton'; did you mean 'on_violation'?",
    ),
    ("unknown_case_key", 4, "cases[0]", "unknown key 'descripton'; did you mean 'description'?"),
    ("variables_not_a_mapping", 2, "variables", "expected a mapping (key: value), got a list"),
    (
        "null_turn",
        5,
        "cases[0].turns[0]",
        "expected a mapping (key: value), got nothing (an empty value)",
    ),
    (
        "tab_indentation",
        5,
        "",
        (
            "YAML syntax error: while scanning for the next token; found character '\\t' "
            "that cannot start any token"
        ),
    ),
    ("control_character", 3, "", "YAML does not allow the character U+0007 in a file"),
    (
        "not_utf8",
        3,
        "",
        "not UTF-8 text: byte 0xE9 at column 14 cannot be decoded (save the file as UTF-8)",
    ),
    ("too_deep", 3, "variables.x[0][0]…", "nesting is deeper than 64 levels"),
    ("billion_laughs", 2, "", "aliases expand this document by more than 200000 values"),
]


def test_every_bad_file_is_in_the_table() -> None:
    on_disk = {path.name.removesuffix(".vftest.yaml") for path in BAD.glob("*.vftest.yaml")}
    assert on_disk == {stem for stem, *_ in CASES}
    assert len(on_disk) >= 50


@pytest.mark.parametrize(
    ("stem", "line", "where", "message"), CASES, ids=[case[0] for case in CASES]
)
def test_bad_suite_reports_one_exact_problem(
    stem: str, line: int, where: str, message: str
) -> None:
    path = BAD / f"{stem}.vftest.yaml"
    with pytest.raises(SuiteError) as raised:
        load_suite(path)
    problems = raised.value.problems
    assert [(p.path, p.line, p.where, p.message) for p in problems] == [
        (str(path), line, where, message)
    ]


def test_problem_renders_compiler_style() -> None:
    path = BAD / "threshold_above_one.vftest.yaml"
    with pytest.raises(SuiteError) as raised:
        load_suite(path)
    assert str(raised.value) == (
        f"{path}:8: cases[0].turns[0].expect[0].text.threshold: "
        "threshold must be between 0 and 1, got 1.5"
    )
