"""parse_yaml: data, line spans, and clean SuiteErrors for broken YAML."""

from __future__ import annotations

import string

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from vftest.errors import SuiteError
from vftest.source import MAX_DEPTH, SourceMap, Span, _Loader, format_path, parse_yaml

TEXT = """\
# comment
name: x
cases:
  - name: a
    turns:
      - launch:
        expect:
          - text: hi

      # a comment between turns
      - text: "foo"
        expect: [a, b]
"""


def problems(text: str) -> list[tuple[int, str, str]]:
    with pytest.raises(SuiteError) as raised:
        parse_yaml(text, "s.yaml")
    return [(p.line, p.where, p.message) for p in raised.value.problems]


def test_data_is_plain_json() -> None:
    data, _ = parse_yaml(TEXT, "s.yaml")
    assert data == {
        "name": "x",
        "cases": [
            {
                "name": "a",
                "turns": [
                    {"launch": None, "expect": [{"text": "hi"}]},
                    {"text": "foo", "expect": ["a", "b"]},
                ],
            }
        ],
    }


def test_spans_use_key_lines_and_skip_trailing_blank_and_comment_lines() -> None:
    _, source = parse_yaml(TEXT, "s.yaml")
    assert source.spans[("name",)] == Span(2, 2)
    assert source.spans[("cases", 0)] == Span(4, 12)
    assert source.spans[("cases", 0, "turns", 0)] == Span(6, 8)
    assert source.spans[("cases", 0, "turns", 0, "launch")] == Span(6, 6)
    assert source.spans[("cases", 0, "turns", 1)] == Span(11, 12)
    assert source.spans[("cases", 0, "turns", 1, "expect", 1)] == Span(12, 12)


def test_unmapped_path_falls_back_to_nearest_ancestor() -> None:
    _, source = parse_yaml(TEXT, "s.yaml")
    assert source.line(("cases", 0, "turns", 1, "nope", 3)) == 11
    assert source.end_line(("cases", 0, "turns", 0, "expect")) == 8


def test_lines_and_snippet() -> None:
    _, source = parse_yaml(TEXT, "s.yaml")
    assert source.lines[1] == "name: x"
    assert source.snippet(11, 12, mark=11) == (
        '> 11 |       - text: "foo"\n  12 |         expect: [a, b]'
    )


def test_timestamps_stay_text() -> None:
    data, _ = parse_yaml("when: 2024-05-01\n", "s.yaml")
    assert data == {"when": "2024-05-01"}


def test_format_path() -> None:
    assert format_path(()) == ""
    assert format_path(("cases", 0, "turns", 1, "expect", 0)) == "cases[0].turns[1].expect[0]"
    assert format_path(("variables", "my var")) == 'variables["my var"]'


def test_empty_document_is_none() -> None:
    data, source = parse_yaml("# only a comment\n", "s.yaml")
    assert data is None
    assert source == SourceMap("s.yaml", ("# only a comment",), {})


def test_duplicate_keys_are_all_reported() -> None:
    assert problems("a: 1\nb: 2\na: 3\nc:\n  d: 1\n  d: 2\n") == [
        (3, "a", "duplicate key 'a' (first given on line 1)"),
        (6, "c.d", "duplicate key 'd' (first given on line 5)"),
    ]


def test_syntax_error_line_is_pyyaml_problem_line() -> None:
    assert problems("a: 1\nb: [1, 2\nc: 3\n") == [
        (
            3,
            "",
            "YAML syntax error: while parsing a flow sequence (line 2); "
            "expected ',' or ']', but got ':'",
        )
    ]


def test_tab_indentation() -> None:
    ((line, _, message),) = problems("a:\n\tb: 1\n")
    assert line == 2
    assert "found character '\\t' that cannot start any token" in message


def test_non_text_keys() -> None:
    assert problems("1: a\n") == [
        (
            1,
            "",
            "key '1' is not text (YAML reads yes/no/on/off, numbers and null as other types); "
            "put it in quotes",
        )
    ]


def test_binary_value_has_no_json_equivalent() -> None:
    assert problems("a:\n  b: !!binary aGVsbG8=\n") == [
        (2, "a.b", "this YAML value (binary, set or ordered map) has no JSON equivalent")
    ]


def test_bad_explicit_tag_value() -> None:
    ((line, where, message),) = problems("a: 1\nb: !!int abc\n")
    assert (line, where) == (2, "b")  # the value's own line and path
    assert message.startswith("a value cannot be read with its YAML tag: ")


def test_unknown_tag() -> None:
    ((line, _, message),) = problems("a: !shout hi\n")
    assert line == 1
    assert "could not determine a constructor for the tag '!shout'" in message


def test_alias_bomb_is_refused_quickly() -> None:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 9)]
    ((line, _, message),) = problems("\n".join(lines) + "\n")
    assert line == 1
    assert message == "aliases expand this document by more than 200000 values"


def test_aliases_that_expand_a_little_are_fine() -> None:
    text = "base: &b {x: 1, y: [1, 2, 3]}\n" + "".join(f"k{i}: *b\n" for i in range(1000))
    data, _ = parse_yaml(text, "s.yaml")
    assert data["k999"] == {"x": 1, "y": [1, 2, 3]}


def test_merge_keys_work() -> None:
    data, source = parse_yaml("base: &b {x: 1}\nderived:\n  <<: *b\n  y: 2\n", "s.yaml")
    assert data["derived"] == {"x": 1, "y": 2}
    # merged keys have no line of their own: the mapping that merges them stands in
    assert source.line(("derived", "x")) == 2


def test_deep_nesting_is_refused() -> None:
    text = "[" * (MAX_DEPTH + 5) + "]" * (MAX_DEPTH + 5) + "\n"
    assert problems(text)[0][2] == f"nesting is deeper than {MAX_DEPTH} levels"


def test_very_deep_nesting_does_not_crash_and_names_its_line() -> None:
    # Deep enough that the composer itself runs out of recursion before our walk starts.
    text = "a: 1\nb:\n  c: " + "[" * 5000 + "]" * 5000 + "\n"
    assert problems(text) == [(3, "", f"nesting is deeper than {MAX_DEPTH} levels")]


def test_very_deep_block_nesting_names_its_line() -> None:
    lines = ["top: 1"] + [" " * i + f"k{i}:" for i in range(3000)] + [" " * 3000 + "v"]
    ((line, _, message),) = problems("\n".join(lines) + "\n")
    assert message == f"nesting is deeper than {MAX_DEPTH} levels"
    assert line == MAX_DEPTH + 2  # the mapping that opens level MAX_DEPTH + 1


def test_control_character_is_reported_on_its_line() -> None:
    assert problems("a: 1\nb: \x1f\n") == [
        (2, "", "YAML does not allow the character U+001F in a file")
    ]


_SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**6), 10**6),
    st.floats(allow_nan=False, allow_infinity=False, width=32),
    st.text(string.ascii_letters + " :-#'\"!&*", max_size=12),
)
_DATA = st.recursive(
    _SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(st.text(string.ascii_lowercase, min_size=1, max_size=5), inner, max_size=4),
    ),
    max_leaves=20,
)


@settings(max_examples=300, suppress_health_check=list(HealthCheck), deadline=None)
@given(_DATA, st.booleans())
def test_values_are_what_pyyaml_makes(value: object, flow: bool) -> None:
    """The walk builds the values itself (one pass, not two); they must equal PyYAML's."""
    text = yaml.safe_dump({"root": value}, default_flow_style=flow)
    ours, _ = parse_yaml(text, "x.yaml")
    assert ours == yaml.load(text, Loader=_Loader)


def test_merges_aliases_and_tags_are_what_pyyaml_makes() -> None:
    text = (
        "base: &base {a: 1, b: 2}\nother: &other {b: 3, c: 4}\none: {<<: *base, c: 5}\n"
        "two:\n  <<: [*base, *other]\n  d: 6\nthree:\n  <<: *other\n  <<: *base\n"
        "shared: &s [1, 2]\nagain: *s\n"
        "tags: {i: !!int '7', s: !!str 8, t: 2024-05-01, f: !!float '1.5', n: ~, y: yes, o: 0o17}\n"
    )
    ours, _ = parse_yaml(text, "m.yaml")
    theirs = yaml.load(text, Loader=_Loader)
    assert ours == theirs
    assert [list(ours[k]) for k in ("one", "two", "three")] == [
        list(theirs[k]) for k in ("one", "two", "three")
    ]
    assert ours["shared"] is ours["again"]  # an alias is the same value, as in PyYAML
    assert ours["tags"]["t"] == "2024-05-01"  # timestamps stay text
