"""Load a `*.vftest.yaml` suite: YAML -> JSON-Schema validation -> semantic checks -> models.

Every defect becomes one `SuiteProblem` with file, line and JSON path; all of them are raised
together in one `SuiteError`. Models are built only from a suite with no problem at all.
"""

from __future__ import annotations

import difflib
import functools
import json
import os
import re
from collections.abc import Iterator, Mapping
from dataclasses import replace
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import jsonschema_rs

from vftest import suite_cache
from vftest.capture import jsonpath_problem
from vftest.errors import SuiteError, SuiteProblem
from vftest.gcpause import gc_paused
from vftest.kinds.registry import added_kinds, kind_named
from vftest.models import (
    Action,
    ApiGeneration,
    BaselineSettings,
    ButtonMatch,
    ButtonsMatch,
    Capture,
    CardMatch,
    Case,
    ContractSettings,
    Defaults,
    Judgement,
    Location,
    Mask,
    SequenceMode,
    Suite,
    Target,
    TextMatch,
    TextOp,
    TraceExpectation,
    Turn,
    ValueMatch,
    VariableExpectation,
)
from vftest.references import contract_problem, project_problem
from vftest.source import JsonPath, SourceMap, Span, format_path, parse_yaml
from vftest.templating import TEMPLATE, names_in

if TYPE_CHECKING:
    from jsonschema import Draft202012Validator
    from jsonschema.exceptions import ValidationError

__all__ = ["load_suite", "schema_changed", "suite_schema"]

JSON = Any
Data = dict[str, Any]

ACTION_KEYS = ("launch", "text", "button", "intent", "event", "no_reply", "action")
TEXT_OPERATORS = ("equals", "contains", "regex", "similar", "semantic", "any_of", "not")
# `semantic:` scores by cosine similarity, whose useful range differs from the fuzzy scorers'
SEMANTIC_THRESHOLD = 0.8
SPEC_NAMES = ("auto", "v4", "dm-1.1")
SKIP_REASON = "skipped in the suite"
XFAIL_REASON = "expected to fail (xfail in the suite)"


@functools.cache
def suite_schema() -> Mapping[str, Any]:
    """The suite JSON Schema: `vftest/resources/suite.schema.json` plus the kinds plugins add."""
    text = resources.files("vftest").joinpath("resources", "suite.schema.json").read_text("utf-8")
    schema: dict[str, Any] = json.loads(text)
    expectation = schema["$defs"]["expectation"]
    for kind in added_kinds():
        described = {"title": kind.name, "description": kind.description or kind.name}
        expectation["properties"][kind.name] = {**described, **kind.schema}
        expectation["oneOf"].append({"required": [kind.name]})
    return schema


def schema_changed() -> None:
    """Forget the schema and its compiled validators (a plugin added an expectation kind)."""
    suite_schema.cache_clear()
    _validator.cache_clear()
    _fast_validator.cache_clear()


@functools.cache
def _validator() -> Draft202012Validator:
    # jsonschema explains what is wrong; it is imported only for files that have a problem
    # (~100 ms of every start otherwise).
    from jsonschema import Draft202012Validator

    return Draft202012Validator(suite_schema())


@functools.cache
def _fast_validator() -> Any:
    # jsonschema-rs compiles the schema to native code: ~250x faster than walking it in
    # Python, which was three quarters of collecting a large suite. It only says yes or no;
    # the explaining (slow) path runs on files it rejects, so messages stay jsonschema's.
    return jsonschema_rs.validator_for(dict(suite_schema()))


def load_suite(
    path: str | os.PathLike[str],
    *,
    text: str | None = None,
    file: str | os.PathLike[str] | None = None,
) -> Suite:
    """Read, validate and model one suite file.

    Args:
        path: the suite file; kept as given in problems and in `Suite.path`.
        text: the file's content; when given the file is not read (it need not exist).
        file: where the file really is, when `path` is only how to show it (pytest shows
            paths relative to its rootdir, which need not be the working directory). Files
            the suite names (`target.project`, `contract.spec`) are relative to it.

    Returns:
        The suite, with suite defaults already applied to every turn and matcher.

    Raises:
        SuiteError: with every problem found, best match first.
    """
    shown = os.fspath(path)
    real = Path(file if file is not None else shown)
    if text is None:
        text = _read(real, shown)
    try:
        with gc_paused():
            data, source = _checked_document(text, shown)
            problems = _reference_problems(data, source, real.parent)
            if problems:
                raise SuiteError(problems)
            return _Builder(source, real).suite(data)
    except RecursionError as error:
        # Defence in depth: depth is capped in parse_yaml, but no input may escape as a crash.
        problem = SuiteProblem(shown, 0, "", "the document is nested too deeply to check")
        raise SuiteError([problem]) from error


def _checked_document(text: str, shown: str) -> tuple[Any, SourceMap]:
    """The document's data and line map, after every check that depends on its text only.

    A document that passes is cached by content (`suite_cache`): parsing and validating are
    most of the cost of collecting a large, unchanged suite.
    """
    key = suite_cache.document_key(text, shown)
    cached = suite_cache.load(key)
    if cached is not None:
        data, spans = cached
        lines = tuple(text.splitlines())
        return data, SourceMap(shown, lines, {where: Span(*at) for where, at in spans.items()})
    data, source = parse_yaml(text, shown)
    problems = _problems(data, source)
    if problems:
        raise SuiteError(problems)
    spans = {where: (span.line, span.end_line) for where, span in source.spans.items()}
    suite_cache.store(key, data, spans)
    return data, source


def _read(file: Path, path: str) -> str:
    try:
        raw = file.read_bytes()
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = raw.count(b"\n", 0, error.start) + 1
        column = error.start - (raw.rfind(b"\n", 0, error.start) + 1) + 1
        message = (
            f"not UTF-8 text: byte 0x{raw[error.start]:02X} at column {column} cannot be "
            "decoded (save the file as UTF-8)"
        )
        raise SuiteError([SuiteProblem(path, line, "", message)]) from error
    except OSError as error:
        message = f"cannot read the file: {error.strerror or error}"
        raise SuiteError([SuiteProblem(path, 0, "", message)]) from error


# --------------------------------------------------------------------------- schema problems


def _problems(data: JSON, source: SourceMap) -> list[SuiteProblem]:
    """Schema problems (best match first, then in file order), then semantic problems."""
    if data is None:
        return [SuiteProblem(source.path, 1, "", "the suite is empty; it needs at least 'cases:'")]
    if _fast_validator().is_valid(data):
        errors = []
    else:
        errors = [error for error in _validator().iter_errors(data) if not _is_echo(error)]
    problems: list[SuiteProblem] = []
    if errors:
        from jsonschema.exceptions import best_match

        best = best_match(errors)
        # best_match descends into sub-errors; put its top-level error first.
        first = next((error for error in errors if _contains(error, best)), errors[0])
        ordered = [first, *sorted((e for e in errors if e is not first), key=_error_order(source))]
        for error in ordered:
            problems.extend(_schema_problems(error, source))
    broken = {tuple(error.absolute_path)[:2] for error in errors}
    problems.extend(_semantic_problems(data, source, broken))
    return _unique(problems)


def _reference_problems(data: Data, source: SourceMap, folder: Path) -> list[SuiteProblem]:
    """Problems with the files the suite names (agent, contract), at the key naming them."""
    named: list[tuple[JsonPath, str, str]] = []
    project = data.get("target", {}).get("project")
    if isinstance(project, str):
        named.append((("target", "project"), project, "agent"))
    elif isinstance(project, dict):  # one agent file per environment
        for environment, file in project.items():
            if isinstance(file, str):
                named.append((("target", "project", environment), file, "agent"))
    spec = data.get("contract", {}).get("spec")
    if isinstance(spec, str) and spec not in SPEC_NAMES:
        named.append((("contract", "spec"), spec, "contract"))
    problems = []
    for where, file, kind in named:
        path = os.path.abspath(folder / file)
        problem = project_problem(path) if kind == "agent" else contract_problem(path)
        if problem is not None:
            message = f"{kind} file {file!r}: {problem}"
            problems.append(
                SuiteProblem(source.path, source.line(where), format_path(where), message)
            )
    return problems


def _contains(error: ValidationError, wanted: ValidationError) -> bool:
    return error is wanted or any(_contains(sub, wanted) for sub in error.context or ())


def _error_order(source: SourceMap) -> Any:
    def key(error: ValidationError) -> tuple[int, int]:
        return source.line(_path(error)), len(error.absolute_path)

    return key


def _unique(problems: list[SuiteProblem]) -> list[SuiteProblem]:
    seen: set[SuiteProblem] = set()
    out = []
    for problem in problems:
        if problem not in seen:
            seen.add(problem)
            out.append(problem)
    return out


def _path(error: ValidationError) -> JsonPath:
    return tuple(error.absolute_path)


def _is_echo(error: ValidationError) -> bool:
    """An "exactly one key" check on a value that is not even a mapping (the type error says it)."""
    return _exactly_one_keys(error) is not None and not isinstance(error.instance, dict)


def _exactly_one_keys(error: ValidationError) -> list[str] | None:
    """The keys of a `oneOf: [{required: [a]}, {required: [b]}, ...]`, else None."""
    branches: Any = error.validator_value
    if error.validator != "oneOf" or not isinstance(branches, list):
        return None
    keys = []
    for branch in branches:
        if not (isinstance(branch, dict) and list(branch) == ["required"]):
            return None
        keys.extend(branch["required"])
    return keys


def _schema_of(error: ValidationError) -> dict[str, Any]:
    """The sub-schema holding the failed keyword (jsonschema also allows booleans there)."""
    return error.schema if isinstance(error.schema, dict) else {}


def _custom_message(error: ValidationError) -> str | None:
    """The schema's own wording for this keyword (`errorMessage`), with `{value}` filled in."""
    messages = _schema_of(error).get("errorMessage")
    message = messages.get(str(error.validator)) if isinstance(messages, dict) else messages
    if not isinstance(message, str):
        return None
    return message.replace("{value}", _show(error.instance))


def _schema_problems(error: ValidationError, source: SourceMap) -> list[SuiteProblem]:
    """One problem per defect; an unknown-keys error gives one problem per unknown key."""
    where = _path(error)
    instance = error.instance
    keyword = str(error.validator)

    def problem(message: str, at: JsonPath = where) -> SuiteProblem:
        return SuiteProblem(source.path, source.line(at), format_path(where), message)

    if keyword == "additionalProperties" and isinstance(instance, dict):
        known = sorted(_schema_of(error).get("properties", {}))
        extras = [key for key in instance if key not in known]
        return [problem(_unknown_key(key, known), (*where, key)) for key in extras]
    if "propertyNames" in error.relative_schema_path:
        key = str(instance)
        return [
            problem(_custom_message(error) or f"{_show(key)} is not allowed here", (*where, key))
        ]
    keys = _exactly_one_keys(error)
    if keys is not None and isinstance(instance, dict):
        return [_exactly_one(error, keys, instance, source)]
    custom = _custom_message(error)
    if custom is not None:
        return [problem(custom)]
    return [problem(_message(error, where))]


def _unknown_key(key: str, known: list[str]) -> str:
    close = difflib.get_close_matches(key, known, n=1, cutoff=0.6)
    if close:
        return f"unknown key '{key}'; did you mean '{close[0]}'?"
    return f"unknown key '{key}'; expected one of: {', '.join(known)}"


def _exactly_one(
    error: ValidationError, keys: list[str], instance: Data, source: SourceMap
) -> SuiteProblem:
    where = _path(error)
    messages = _schema_of(error).get("errorMessage", {})
    what = messages.get("oneOf", "exactly one key is needed") if isinstance(messages, dict) else ""
    found = [key for key in instance if key in keys]
    if found:
        detail = f"found {len(found)}: {', '.join(found)}"
        line = source.line((*where, found[1])) if len(found) > 1 else source.line(where)
    else:
        detail = "found none"
        line = source.line(where)
    return SuiteProblem(
        source.path, line, format_path(where), f"{what} ({', '.join(keys)}); {detail}"
    )


_TYPE_NAMES = {
    "string": "text",
    "object": "a mapping (key: value)",
    "array": "a list",
    "integer": "a whole number",
    "number": "a number",
    "boolean": "true or false",
    "null": "nothing",
}


def _message(error: ValidationError, where: JsonPath) -> str:
    """Plain words for a schema error: no Python type names or reprs."""
    value = error.instance
    rule: Any = error.validator_value
    keyword = str(error.validator)
    name = next((str(part) for part in reversed(where) if isinstance(part, str)), "the suite")
    if keyword == "type":
        wanted = [rule] if isinstance(rule, str) else list(rule)
        message = f"expected {_or(_TYPE_NAMES.get(t, t) for t in wanted)}, got {_describe(value)}"
        if "string" in wanted and isinstance(value, bool):
            message += " (YAML reads yes/no/on/off as true/false); put it in quotes"
        elif "string" in wanted and isinstance(value, int | float):
            message += "; put it in quotes to make it text"
        return message
    if keyword == "enum":
        options = [str(option) for option in rule]
        close = difflib.get_close_matches(str(value), options, n=1, cutoff=0.6)
        hint = f"; did you mean '{close[0]}'?" if close else ""
        return f"{_show(value)} is not one of: {', '.join(options)}{hint}"
    if keyword == "required":
        missing = [key for key in rule if isinstance(value, dict) and key not in value]
        plural = "s" if len(missing) > 1 else ""
        quoted = ", ".join(f"'{key}'" for key in missing)
        return f"missing required key{plural} {quoted}"
    if keyword in ("minimum", "maximum", "exclusiveMinimum"):
        schema = _schema_of(error)
        if "minimum" in schema and "maximum" in schema:
            bounds = f"between {_num(schema['minimum'])} and {_num(schema['maximum'])}"
        elif keyword == "exclusiveMinimum":
            bounds = f"greater than {_num(rule)}"
        else:
            bounds = f"at least {_num(rule)}" if keyword == "minimum" else f"at most {_num(rule)}"
        return f"{name} must be {bounds}, got {_show(value)}"
    if keyword in ("minItems", "minLength", "minProperties"):
        return f"{name} must not be empty"
    if keyword == "uniqueItems" and isinstance(value, list):
        repeated = next(
            (item for index, item in enumerate(value) if item in value[:index]), value[0]
        )
        return f"{name} lists {_show(repeated)} more than once"
    if keyword == "dependentRequired" and isinstance(value, dict):
        pairs = [(key, dep) for key, deps in rule.items() if key in value for dep in deps]
        missing = [(key, dep) for key, dep in pairs if dep not in value]
        return "; ".join(f"'{key}' needs '{dep}' as well" for key, dep in missing)
    if keyword == "pattern":
        return f"{_show(value)} does not match the pattern {rule}"
    if keyword == "const":
        return f"{_show(value)} is not allowed here; expected {_show(rule)}"
    # Only reached for keywords the shipped schema does not use.
    return error.message


def _or(words: Iterator[str] | list[str]) -> str:
    items = list(words)
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} or {items[-1]}"


def _num(value: JSON) -> str:
    return str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)


def _show(value: JSON) -> str:
    """A value as a person would write it in YAML (short)."""
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return _num(value)
    if isinstance(value, str):
        text = value if len(value) <= 60 else value[:57] + "..."
        return f"'{text}'"
    return "a mapping" if isinstance(value, dict) else "a list"


def _describe(value: JSON) -> str:
    if value is None:
        return "nothing (an empty value)"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return f"the number {_num(value)}"
    if isinstance(value, str):
        return f"the text {_show(value)}"
    return "a mapping" if isinstance(value, dict) else "a list"


# --------------------------------------------------------------------------- semantic problems


def _semantic_problems(data: JSON, source: SourceMap, broken: set[JsonPath]) -> list[SuiteProblem]:
    """Checks JSON Schema cannot express, on every case the schema found no fault in."""
    if not isinstance(data, dict) or not isinstance(data.get("cases"), list):
        return []
    checker = _Checker(source)
    _reserved_tags(data, (), checker)
    _baseline_masks(data, (), checker)
    suite_vars = data.get("variables")
    suite_names = set(suite_vars) if isinstance(suite_vars, dict) else set()
    first_lines: dict[str, int] = {}
    for index, case in enumerate(data["cases"]):
        where: JsonPath = ("cases", index)
        if not isinstance(case, dict):
            continue
        name = case.get("name")
        if isinstance(name, str):
            if name in first_lines:
                checker.add(
                    (*where, "name"),
                    f"duplicate case name '{name}' (first used on line {first_lines[name]})",
                )
            else:
                first_lines[name] = source.line((*where, "name"))
        _reserved_tags(case, where, checker)
        _baseline_masks(case, where, checker)
        if where not in broken:
            checker.case(case, where, suite_names)
    return checker.problems


# Tags become pytest markers; these names are markers pytest (or a common plugin) acts on, so a
# tag would silently skip, xfail, rerun or time out cases instead of labelling them.
RESERVED_TAGS = frozenset(
    {
        "skip",
        "skipif",
        "xfail",
        "parametrize",
        "usefixtures",
        "filterwarnings",
        "tryfirst",
        "trylast",
        "flaky",  # pytest-rerunfailures
        "repeat",  # pytest-repeat
        "timeout",  # pytest-timeout
    }
)


def _reserved_tags(owner: dict[str, Any], where: JsonPath, checker: _Checker) -> None:
    tags = owner.get("tags")
    if not isinstance(tags, list):
        return
    for index, tag in enumerate(tags):
        if isinstance(tag, str) and tag in RESERVED_TAGS:
            hint = f"use the `{tag}:` key of a case" if tag in ("skip", "xfail") else "rename it"
            checker.add(
                (*where, "tags", index),
                f"'{tag}' is a pytest marker that changes outcomes, not a label; {hint}",
            )


def _baseline_masks(owner: dict[str, Any], where: JsonPath, checker: _Checker) -> None:
    baseline = owner.get("baseline")
    if not isinstance(baseline, dict) or not isinstance(baseline.get("mask"), list):
        return
    for index, mask in enumerate(baseline["mask"]):
        at: JsonPath = (*where, "baseline", "mask", index)
        if not isinstance(mask, dict):
            continue
        if isinstance(mask.get("path"), str):
            problem = jsonpath_problem(mask["path"])
            if problem:
                checker.add((*at, "path"), problem)
        if isinstance(mask.get("regex"), str):
            try:
                re.compile(mask["regex"])
            except re.error as error:
                checker.add((*at, "regex"), f"regex {mask['regex']!r} does not compile: {error}")


def _placeholders(pattern: str) -> str:
    # Templates are filled in before a regex is used; check the pattern with a plain stand-in.
    return TEMPLATE.sub("x", pattern)


class _Checker:
    """Semantic checks of one schema-valid case; collects problems."""

    def __init__(self, source: SourceMap) -> None:
        self.source = source
        self.problems: list[SuiteProblem] = []

    def add(self, where: JsonPath, message: str, *, shown: JsonPath | None = None) -> None:
        self.problems.append(
            SuiteProblem(
                self.source.path,
                self.source.line(where),
                format_path(where if shown is None else shown),
                message,
            )
        )

    def case(self, case: Data, where: JsonPath, suite_names: set[str]) -> None:
        known = suite_names | set(case.get("variables", {}))
        turns: list[Data] = case["turns"]
        captured_at = {
            name: index for index, turn in enumerate(turns) for name in turn.get("capture", {})
        }
        for index, turn in enumerate(turns):
            at: JsonPath = (*where, "turns", index)
            if index == 0 and "button" in turn:
                self.add(
                    (*at, "button"),
                    "a case cannot start with a button turn: no earlier turn offered buttons",
                    shown=at,
                )
            set_variables: Data = turn.get("set_variables", {})
            self.templates(set_variables, (*at, "set_variables"), known, captured_at, index)
            known = known | set(set_variables)
            rest = {key: value for key, value in turn.items() if key != "set_variables"}
            self.templates(rest, at, known, captured_at, index)
            self.matchers(turn, at)
            self.captures(turn.get("capture", {}), (*at, "capture"))
            known = known | set(turn.get("capture", {}))

    def templates(
        self,
        value: JSON,
        where: JsonPath,
        known: set[str],
        captured_at: Mapping[str, int],
        turn: int,
    ) -> None:
        """Every `{{name}}` must be a variable or a capture of an earlier turn."""
        for at, text in _strings(value, where):
            for name in sorted(names_in(text) - known):
                later = captured_at.get(name)
                if later == turn:
                    hint = " (this turn captures it; captures are usable from the next turn)"
                elif later is not None:
                    hint = f" (it is captured later, in turn {later})"
                else:
                    close = difflib.get_close_matches(name, sorted(known), n=1, cutoff=0.6)
                    hint = f"; did you mean '{close[0]}'?" if close else ""
                self.add(
                    at,
                    f"'{{{{{name}}}}}' is neither captured in an earlier turn nor a case or suite "
                    f"variable{hint}",
                )

    def matchers(self, turn: Data, where: JsonPath) -> None:
        found: list[tuple[JsonPath, Data]] = []
        for key in ("expect", "absent"):
            for index, item in enumerate(turn.get(key, [])):
                found.extend(_item_matchers(item, (*where, key, index)))
                self.payload_twice(item, (*where, key, index))
        for name, value in turn.get("expect_variables", {}).items():
            found.extend(_text_matchers(value, (*where, "expect_variables", name)))
        for at, matcher in found:
            if isinstance(matcher.get("regex"), str):
                self.regex(matcher["regex"], (*at, "regex"), at)
            op = next((key for key in matcher if key in (*TEXT_OPERATORS, "present")), "equals")
            for modifier in ("threshold", "scorer"):
                scored = ("similar", "semantic") if modifier == "threshold" else ("similar",)
                if modifier in matcher and op not in (*scored, "any_of", "not"):
                    self.add(
                        (*at, modifier),
                        f"{modifier} only applies to {' and '.join(map(repr, scored))} "
                        f"(this matcher uses '{op}')",
                        shown=at,
                    )

    def payload_twice(self, item: Data, where: JsonPath) -> None:
        if "payload" not in item:
            return
        for key, inner in (("custom", "payload"), ("trace", "payload"), ("no_reply", "timeout")):
            if isinstance(item.get(key), dict) and inner in item[key]:
                self.add(
                    (*where, "payload"),
                    f"payload is given twice: beside '{key}' and inside it; keep one",
                    shown=where,
                )

    def regex(self, pattern: str, where: JsonPath, shown: JsonPath) -> re.Pattern[str] | None:
        try:
            return re.compile(_placeholders(pattern))
        except re.error as error:
            position = f" at position {error.pos}" if error.pos is not None else ""
            self.add(
                where,
                f"regex {_show(pattern)} does not compile: {error.msg}{position}",
                shown=shown,
            )
            return None

    def captures(self, captures: Data, where: JsonPath) -> None:
        for name, capture in captures.items():
            at: JsonPath = (*where, name)
            if "regex" not in capture:
                continue
            compiled = self.regex(capture["regex"], (*at, "regex"), at)
            if compiled is None:
                continue
            group = capture.get("group", 1)
            groups = compiled.groups
            if isinstance(group, int) and group > groups:
                plural = "group" if groups == 1 else "groups"
                fix = "" if "group" in capture else " (group defaults to 1: add parentheses)"
                self.add(
                    (*at, "group") if "group" in capture else (*at, "regex"),
                    f"group {group} does not exist: the regex has {groups} {plural}{fix}",
                    shown=at,
                )
            elif isinstance(group, str) and group not in compiled.groupindex:
                names = ", ".join(sorted(compiled.groupindex)) or "none"
                self.add(
                    (*at, "group"),
                    f"group '{group}' does not exist: the regex's named groups are: {names}",
                    shown=at,
                )


def _strings(value: JSON, where: JsonPath) -> Iterator[tuple[JsonPath, str]]:
    """Every string value below `value` with its path (keys are not templated)."""
    if isinstance(value, str):
        yield where, value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _strings(item, (*where, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _strings(item, (*where, index))


def _item_matchers(item: Data, where: JsonPath) -> Iterator[tuple[JsonPath, Data]]:
    """Every text-matcher mapping inside one (schema-valid) expectation item."""
    for key in ("text", "speak", "completion"):
        if key in item:
            yield from _text_matchers(item[key], (*where, key))
    if "choice" in item:
        yield from _buttons_matchers(item["choice"], (*where, "choice"))
    if "card" in item:
        yield from _card_matchers(item["card"], (*where, "card"))
    if "carousel" in item:
        for index, card in enumerate(item["carousel"].get("cards", [])):
            yield from _card_matchers(card, (*where, "carousel", "cards", index))
    if "visual" in item and "image" in item["visual"]:
        yield from _text_matchers(item["visual"]["image"], (*where, "visual", "image"))


def _text_matchers(value: JSON, where: JsonPath) -> Iterator[tuple[JsonPath, Data]]:
    if not isinstance(value, dict):
        return
    yield where, value
    for index, alternative in enumerate(value.get("any_of", [])):
        yield from _text_matchers(alternative, (*where, "any_of", index))
    if "not" in value:
        yield from _text_matchers(value["not"], (*where, "not"))


def _buttons_matchers(value: JSON, where: JsonPath) -> Iterator[tuple[JsonPath, Data]]:
    buttons, at = (
        (value, where)
        if isinstance(value, list)
        else (
            value.get("buttons", []),
            (*where, "buttons"),
        )
    )
    for index, button in enumerate(buttons):
        if isinstance(button, dict) and ("label" in button or "request" in button):
            if "label" in button:
                yield from _text_matchers(button["label"], (*at, index, "label"))
        else:
            yield from _text_matchers(button, (*at, index))


def _card_matchers(card: Data, where: JsonPath) -> Iterator[tuple[JsonPath, Data]]:
    for key in ("title", "description", "image"):
        if key in card:
            yield from _text_matchers(card[key], (*where, key))
    if "buttons" in card:
        yield from _buttons_matchers(card["buttons"], (*where, "buttons"))


# --------------------------------------------------------------------------- models


class _Builder:
    """Builds models from a suite that passed every check; applies the suite defaults."""

    def __init__(self, source: SourceMap, path: Path) -> None:
        self.source = source
        self.path = path
        self.defaults = Defaults()
        self.baseline = BaselineSettings()
        self.repeat = 1
        self.pass_rate = 1.0

    def at(self, where: JsonPath) -> Location:
        return Location(self.source.path, self.source.line(where))

    def relative(self, value: str) -> str:
        return os.path.abspath(self.path.parent / value)

    def suite(self, data: Data) -> Suite:
        self.defaults = self._defaults(data.get("defaults", {}))
        self.baseline = self._baseline(data.get("baseline"), BaselineSettings())
        self.repeat = int(data.get("repeat", 1))
        self.pass_rate = float(data.get("pass_rate", 1.0))
        name = data.get("name") or _display_name(self.path)
        return Suite(
            path=self.source.path,
            name=name,
            cases=tuple(self.case(case, index) for index, case in enumerate(data["cases"])),
            target=self._target(data.get("target", {})),
            contract=self._contract(data.get("contract", {})),
            defaults=self.defaults,
            variables=dict(data.get("variables", {})),
            tags=tuple(data.get("tags", ())),
            environments=tuple(data.get("environments", ())),
            lines=self.source.lines,
            file=os.path.abspath(self.path),
        )

    def _defaults(self, data: Data) -> Defaults:
        base = Defaults()
        return Defaults(
            mode=SequenceMode(data.get("mode", base.mode)),
            hidden_types=tuple(data.get("hidden_types", base.hidden_types)),
            threshold=float(data.get("threshold", base.threshold)),
            scorer=data.get("scorer", base.scorer),
            ignore_case=data.get("ignore_case", base.ignore_case),
            timeout=float(data.get("timeout", base.timeout)),
        )

    def _target(self, data: Data) -> Target:
        project = data.get("project")
        return Target(
            project=self.relative(project) if isinstance(project, str) else None,
            projects={env: self.relative(file) for env, file in project.items()}
            if isinstance(project, dict)
            else {},
            url=data.get("url"),
            api=ApiGeneration(data.get("api", "v1")),
            stream=data.get("stream", False),
            environment=data.get("environment", "development"),
            project_id=data.get("project_id"),
            api_key_env=data.get("api_key_env", "VOICEFLOW_API_KEY"),
            explicit=frozenset(data),
        )

    def _contract(self, data: Data) -> ContractSettings:
        spec: str = data.get("spec", "auto")
        return ContractSettings(
            spec=spec if spec in SPEC_NAMES else self.relative(spec),
            # YAML 1.1 reads a bare `off` as false: both mean "off".
            on_violation=data.get("on_violation", "fail") or "off",
            unknown_traces=data.get("unknown_traces", "warn"),
            custom_traces=tuple(data.get("custom_traces", ())),
            explicit=frozenset(data),
        )

    def case(self, data: Data, index: int) -> Case:
        where: JsonPath = ("cases", index)
        return Case(
            name=data["name"],
            location=self.at(where),
            turns=tuple(
                self.turn(turn, (*where, "turns", number), number)
                for number, turn in enumerate(data["turns"])
            ),
            description=data.get("description", ""),
            tags=tuple(data.get("tags", ())),
            variables=dict(data.get("variables", {})),
            skip=_reason(data.get("skip", False), SKIP_REASON),
            xfail=_reason(data.get("xfail", False), XFAIL_REASON),
            environments=tuple(data.get("environments", ())),
            baseline=self._baseline(data.get("baseline"), self.baseline),
            repeat=int(data.get("repeat", self.repeat)),
            pass_rate=float(data.get("pass_rate", self.pass_rate)),
            judge=self.judgement(data.get("judge"), (*where, "judge")),
        )

    def judgement(self, data: Any, where: JsonPath) -> Judgement | None:
        """`judge:` as a rubric, or `{rubric, min_score}`."""
        if data is None:
            return None
        line = self.at(where).line
        if isinstance(data, str):
            return Judgement(rubric=data, line=line)
        score = data.get("min_score")
        return Judgement(rubric=data["rubric"], line=line, min_score=_float_or_none(score))

    def _baseline(self, data: Any, base: BaselineSettings) -> BaselineSettings:
        """`baseline:` (true, false or settings) merged over `base` (the suite's)."""
        if data is None:
            return base
        if isinstance(data, bool):
            return replace(base, enabled=data)
        return BaselineSettings(
            enabled=True,
            threshold=float(data.get("threshold", base.threshold)),
            scorer=data.get("scorer", base.scorer),
            masks=tuple(
                Mask(path=m["path"], regex=m.get("regex"), replace=m.get("replace", "<masked>"))
                for m in data["mask"]
            )
            if "mask" in data
            else base.masks,
            variables=tuple(data.get("variables", base.variables)),
        )

    def turn(self, data: Data, where: JsonPath, index: int) -> Turn:
        defaults = self.defaults
        return Turn(
            index=index,
            action=_action(data),
            location=self.at(where),
            end_line=self.source.end_line(where),
            set_variables=dict(data.get("set_variables", {})),
            expect=self.items(data.get("expect", []), (*where, "expect")),
            mode=SequenceMode(data.get("mode", defaults.mode)),
            absent=self.items(data.get("absent", []), (*where, "absent")),
            expect_variables=tuple(
                VariableExpectation(
                    name=name,
                    match=self.value(value),
                    location=self.at((*where, "expect_variables", name)),
                )
                for name, value in data.get("expect_variables", {}).items()
            ),
            capture=tuple(
                self.capture(name, value, (*where, "capture", name))
                for name, value in data.get("capture", {}).items()
            ),
            hidden_types=defaults.hidden_types,
            templated_expectations=bool(
                names_in([data.get(key) for key in ("expect", "absent", "expect_variables")])
            ),
            judge=self.judgement(data.get("judge"), (*where, "judge")),
        )

    def items(self, items: list[Data], where: JsonPath) -> tuple[TraceExpectation, ...]:
        return tuple(self.item(item, (*where, index)) for index, item in enumerate(items))

    def item(self, item: Data, where: JsonPath) -> TraceExpectation:
        name = next(key for key in item if key != "payload")
        value = item[name]
        kind = kind_named(name)
        spec = kind.build(value, self)
        return TraceExpectation(
            kind=name,
            trace_type=kind.wire_type(value),
            location=self.at(where),
            payload=kind.payload(value, item.get("payload")),
            present=kind.present(spec),
            spec=spec,
        )

    def text(self, value: JSON, base: TextMatch | None = None) -> TextMatch:
        """A text matcher; modifiers are inherited from `base` (the enclosing matcher)."""
        defaults = self.defaults
        inherited = base or TextMatch(
            op=TextOp.EQUALS,
            threshold=defaults.threshold,
            scorer=defaults.scorer,
            ignore_case=defaults.ignore_case,
        )
        if isinstance(value, str):
            return replace(inherited, op=TextOp.EQUALS, value=value, negate=False)
        settings = replace(
            inherited,
            threshold=float(value.get("threshold", inherited.threshold)),
            scorer=value.get("scorer", inherited.scorer),
            ignore_case=value.get("ignore_case", inherited.ignore_case),
            negate=False,
            alternatives=(),
            value="",
        )
        if "not" in value:
            inner = self.text(value["not"], settings)
            return replace(inner, negate=not inner.negate)
        if "any_of" in value:
            alternatives = tuple(self.text(item, settings) for item in value["any_of"])
            return replace(settings, op=TextOp.ANY_OF, alternatives=alternatives)
        op = next(
            key for key in ("equals", "contains", "regex", "similar", "semantic") if key in value
        )
        if op == "semantic" and "threshold" not in value:
            settings = replace(settings, threshold=SEMANTIC_THRESHOLD)
        return replace(settings, op=TextOp(op), value=value[op])

    def value(self, value: JSON, negate: bool = False) -> ValueMatch:
        if not isinstance(value, dict):
            return ValueMatch(op="equals", value=value, negate=negate)
        if "not" in value:
            return self.value(value["not"], not negate)
        if "equals" in value:
            return ValueMatch(op="equals", value=value["equals"], negate=negate)
        if "present" in value:
            return ValueMatch(op="present", value=value["present"], negate=negate)
        return ValueMatch(op="text", text=self.text(value), negate=negate)

    def buttons(self, value: JSON) -> ButtonsMatch:
        if isinstance(value, list):
            return ButtonsMatch(buttons=tuple(self.button(item) for item in value))
        mode: Literal["exact", "subset", "in_order"] = value.get("match", "exact")
        return ButtonsMatch(
            buttons=tuple(self.button(item) for item in value.get("buttons", [])),
            mode=mode,
            count=value.get("count"),
        )

    def button(self, value: JSON) -> ButtonMatch:
        if isinstance(value, dict) and ("label" in value or "request" in value):
            label = self.text(value["label"]) if "label" in value else None
            return ButtonMatch(label=label, request=value.get("request"))
        return ButtonMatch(label=self.text(value))

    def card(self, value: Data) -> CardMatch:
        return CardMatch(
            title=self.text(value["title"]) if "title" in value else None,
            description=self.text(value["description"]) if "description" in value else None,
            image=self.text(value["image"]) if "image" in value else None,
            buttons=self.buttons(value["buttons"]) if "buttons" in value else None,
        )

    def capture(self, name: str, value: Data, where: JsonPath) -> Capture:
        return Capture(
            name=name,
            location=self.at(where),
            variable=value.get("variable"),
            trace_type=value.get("trace"),
            path=value.get("path"),
            regex=value.get("regex"),
            group=value.get("group", 1),
        )


def _action(turn: Data) -> Action:
    kind = next(key for key in turn if key in ACTION_KEYS)
    value = turn[kind]
    if kind == "launch":
        payload = value.get("payload") if isinstance(value, dict) else None
        return Action(kind="launch", payload=payload)
    if kind == "text":
        return Action(kind="text", text=value)
    if kind == "button":
        if isinstance(value, str):
            return Action(kind="button", label=value)
        return Action(kind="button", label=value.get("label"), index=value.get("index"))
    if kind == "intent":
        if isinstance(value, str):
            return Action(kind="intent", intent=value)
        entities = {name: _as_text(item) for name, item in value.get("entities", {}).items()}
        confidence = value.get("confidence")
        return Action(
            kind="intent",
            intent=value["name"],
            entities=entities,
            confidence=float(confidence) if confidence is not None else None,
        )
    if kind == "event":
        return Action(kind="event", event=value)
    if kind == "no_reply":
        return Action(kind="no_reply")
    return Action(kind="raw", raw=value, payload=value.get("payload"))


def _as_text(value: JSON) -> str:
    # Entity values travel as strings; YAML may have read `number: 123` as an int.
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _reason(value: bool | str, default: str) -> str | None:
    """`true` or a reason -> the reason; `false` -> None (not skipped / not expected to fail)."""
    if value is False:
        return None
    return value if isinstance(value, str) and value else default


def _display_name(path: Path) -> str:
    name = path.name
    for suffix in (".vftest.yaml", ".vftest.yml", ".yaml", ".yml"):
        if name.endswith(suffix) and len(name) > len(suffix):
            return name[: -len(suffix)]
    return name


def _float_or_none(value: Any) -> float | None:
    return None if value is None else float(value)
