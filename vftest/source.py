"""YAML text -> plain JSON-like data plus a `SourceMap` from JSON paths to file lines.

The data stays plain dicts/lists (validated later by JSON Schema); the map lets every error
and every failure point at the line a person wrote. Broken YAML raises `SuiteError`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import yaml

from vftest.errors import SuiteError, SuiteProblem

__all__ = ["JsonPath", "SourceMap", "Span", "format_path", "parse_yaml"]

JsonPath = tuple[str | int, ...]
"""A path into the loaded data, e.g. `("cases", 0, "turns", 1)`."""

# Aliases share nodes, so a few lines of YAML can expand into billions of values
# ("billion laughs"); validation would walk every one of them, so what aliases add beyond the
# values written out is capped. A large suite without aliases expands to nothing more.
MAX_ALIAS_EXPANSION = 200_000
# Deep nesting exhausts Python's recursion in the parser, the schema validator and our walks.
MAX_DEPTH = 64

_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


@dataclass(frozen=True, slots=True)
class Span:
    """The 1-based first and last line of a node (the key's line, for a mapping value)."""

    line: int
    end_line: int


@dataclass(frozen=True, slots=True)
class SourceMap:
    """Where each JSON path of a loaded document sits in its file."""

    path: str
    lines: tuple[str, ...]
    spans: Mapping[JsonPath, Span] = field(default_factory=dict)

    def span(self, where: JsonPath) -> Span:
        """The span of `where`, or of its nearest mapped ancestor (aliases, merged keys)."""
        for size in range(len(where), -1, -1):
            found = self.spans.get(where[:size])
            if found is not None:
                return found
        return Span(1, max(1, len(self.lines)))

    def line(self, where: JsonPath) -> int:
        """The 1-based line of `where` (of its nearest mapped ancestor when unmapped)."""
        return self.span(where).line

    def end_line(self, where: JsonPath) -> int:
        """The 1-based last line of the node at `where`."""
        return self.span(where).end_line

    def snippet(self, first: int, last: int, *, mark: int | None = None) -> str:
        """Numbered source lines `first..last` (1-based, inclusive), `>` before line `mark`."""
        last = min(last, len(self.lines))
        width = len(str(last))
        out = []
        for number in range(max(1, first), last + 1):
            pointer = ">" if number == mark else " "
            out.append(f"{pointer} {number:>{width}} | {self.lines[number - 1]}".rstrip())
        return "\n".join(out)


def format_path(where: JsonPath) -> str:
    """Render a JSON path the way people read it: `cases[0].turns[1].expect[0]`."""
    out = ""
    for part in where:
        if isinstance(part, int):
            out += f"[{part}]"
        elif _IDENTIFIER.fullmatch(part):
            out += f".{part}" if out else part
        else:
            out += f"[{json.dumps(part, ensure_ascii=False)}]"
    return out


class _Loader(yaml.SafeLoader):
    """SafeLoader whose values are all JSON types: timestamps stay text as written."""


def _construct_as_text(loader: yaml.SafeLoader, node: yaml.Node) -> str:
    # `text: 2024-05-01` is a message to send, not a date object JSON Schema cannot type.
    return str(node.value)


_Loader.add_constructor("tag:yaml.org,2002:timestamp", _construct_as_text)

# libyaml composes several times faster (half of loading a large suite was composition); its
# marks carry the same lines. Its error wording differs, so errors are re-read with _Loader.
_FastLoader: type[Any] | None = None
if getattr(yaml, "__with_libyaml__", False):

    class _CLoader(yaml.CSafeLoader):
        """libyaml-backed twin of `_Loader`."""

    _CLoader.add_constructor("tag:yaml.org,2002:timestamp", _construct_as_text)
    _FastLoader = _CLoader


def _mark_line(mark: Any) -> int:
    return mark.line + 1 if mark is not None else 0


def _end_line(node: yaml.Node, lines: tuple[str, ...]) -> int:
    """The last line holding this node's own text (not the blank lines or comments after it)."""
    start = node.start_mark.line
    end = node.end_mark.line
    # Block collections end where the next token starts, i.e. at the start of a later line.
    if end > start and (end >= len(lines) or not lines[end][: node.end_mark.column].strip()):
        end -= 1
    while end > start and (not lines[end].strip() or lines[end].lstrip().startswith("#")):
        end -= 1
    return end + 1


_STR = "tag:yaml.org,2002:str"
_MAP = "tag:yaml.org,2002:map"
_SEQ = "tag:yaml.org,2002:seq"


class _Walker:
    """Walks composed nodes once: spans, duplicate keys, non-text keys, expansion size, values.

    It also builds the document's values (what PyYAML's constructor would make), so a document
    is not walked a second time to construct it. Plain text, mappings and lists are built here;
    any other tag (numbers, booleans, null, timestamps, `!!binary`...) is handed to `loader`.
    """

    def __init__(self, path: str, lines: tuple[str, ...], loader: yaml.SafeLoader) -> None:
        self.path = path
        self.lines = lines
        self.loader = loader
        self.spans: dict[JsonPath, Span] = {}
        self.problems: list[SuiteProblem] = []
        self.seen: set[int] = set()
        self.sizes: dict[int, int] = {}
        self.values: dict[int, Any] = {}  # node id -> its value (aliases share one object)

    def problem(self, line: int, where: JsonPath, message: str) -> None:
        self.problems.append(SuiteProblem(self.path, line, format_path(where), message))

    def walk(self, node: yaml.Node, where: JsonPath, line: int, depth: int) -> int:
        """Record spans below `node`; returns the node's expanded size (for alias bombs)."""
        if depth > MAX_DEPTH:
            # The first levels say where; all 64 would make a line nobody reads.
            shown = format_path(where[:4]) + "…"
            message = f"nesting is deeper than {MAX_DEPTH} levels"
            self.problems.append(SuiteProblem(self.path, line, shown, message))
            return 1
        if id(node) in self.sizes:  # an alias of a finished node: counted, not re-mapped
            return self.sizes[id(node)]
        if id(node) in self.seen:  # an alias of a node still being walked: a cycle
            self.problem(line, where, "an alias refers to its own anchor (recursive data)")
            return 1
        self.seen.add(id(node))
        self.spans.setdefault(where, Span(line, max(line, _end_line(node, self.lines))))
        size = 1
        if isinstance(node, yaml.MappingNode):
            size += self._walk_mapping(node, where, depth)
        elif isinstance(node, yaml.SequenceNode):
            items = []
            for index, item in enumerate(node.value):
                size += self.walk(item, (*where, index), _mark_line(item.start_mark), depth + 1)
                items.append(self.values.get(id(item)))
            self.values[id(node)] = items if node.tag == _SEQ else self._constructed(node, where)
        elif node.tag == _STR:
            self.values[id(node)] = node.value
        else:
            self.values[id(node)] = self._constructed(node, where)
        self.sizes[id(node)] = size
        return size

    def _constructed(self, node: yaml.Node, where: JsonPath) -> Any:
        """What PyYAML makes of a node vftest does not build itself (a tagged value)."""
        try:
            return self.loader.construct_object(node, deep=True)
        except yaml.YAMLError:
            raise
        except (ValueError, KeyError, TypeError, OverflowError) as error:
            # Explicit tags on values they cannot convert (`!!int abc`, `!!bool maybe`) raise
            # plain Python errors inside PyYAML's constructors.
            message = f"a value cannot be read with its YAML tag: {error}"
            line = _mark_line(node.start_mark)
            raise SuiteError(
                [SuiteProblem(self.path, line, format_path(where), message)]
            ) from error

    def _walk_mapping(self, node: yaml.MappingNode, where: JsonPath, depth: int) -> int:
        size = 0
        first_lines: dict[str, int] = {}
        merges = False  # PyYAML's own rules decide what merged keys become
        own_pairs: list[tuple[Any, Any]] = []
        for key_node, value_node in node.value:
            key_line = _mark_line(key_node.start_mark)
            if key_node.tag == "tag:yaml.org,2002:merge":
                # `<<: *base` merges keys into this mapping; their lines are the anchor's.
                merged = (
                    value_node.value if isinstance(value_node, yaml.SequenceNode) else [value_node]
                )
                for item in merged:
                    size += self.walk(item, where, key_line, depth + 1)
                merges = True
                continue
            if not isinstance(key_node, yaml.ScalarNode) or key_node.tag != _STR:
                shown = key_node.value if isinstance(key_node, yaml.ScalarNode) else "a collection"
                self.problem(
                    key_line,
                    where,
                    f"key {shown!r} is not text (YAML reads yes/no/on/off, numbers and null "
                    "as other types); put it in quotes",
                )
                continue
            key = str(key_node.value)
            if key in first_lines:
                self.problem(
                    key_line,
                    (*where, key),
                    f"duplicate key '{key}' (first given on line {first_lines[key]})",
                )
                continue
            first_lines[key] = key_line
            size += self.walk(value_node, (*where, key), key_line, depth + 1)
            own_pairs.append((key, self.values.get(id(value_node))))
        if node.tag == _MAP and not merges:
            self.values[id(node)] = dict(own_pairs)
        else:
            self.values[id(node)] = self._constructed(node, where)
        return size


def parse_yaml(text: str, path: str) -> tuple[Any, SourceMap]:
    """Load one YAML document into JSON-like data and map its paths to lines.

    Args:
        text: the YAML text.
        path: the file name, as it should appear in problems.

    Returns:
        The data (None for an empty document) and its `SourceMap`.

    Raises:
        SuiteError: the text is not YAML, holds several documents, repeats a key, uses a
            non-text key, nests too deeply or expands too far through aliases.
    """
    lines = tuple(text.splitlines())
    try:
        # The reader already rejects control characters in the constructor.
        loader = _Loader(text)
    except yaml.reader.ReaderError as error:
        raise SuiteError([_reader_problem(path, text, error)]) from error
    try:
        node = _compose_fast(text)
        if node is _FAILED:
            node = loader.get_single_node()  # raises the canonical message
        if node is None:
            return None, SourceMap(path, lines, {})
        walker = _Walker(path, lines, loader)
        size = walker.walk(node, (), _mark_line(node.start_mark), 0)
        if size - len(walker.sizes) > MAX_ALIAS_EXPANSION:
            walker.problem(
                _mark_line(node.start_mark),
                (),
                f"aliases expand this document by more than {MAX_ALIAS_EXPANSION} values",
            )
        if walker.problems:
            raise SuiteError(walker.problems)
        data = walker.values[id(node)]
    except yaml.MarkedYAMLError as error:
        raise SuiteError([_yaml_problem(path, error)]) from error
    except yaml.reader.ReaderError as error:
        raise SuiteError([_reader_problem(path, text, error)]) from error
    except yaml.YAMLError as error:  # any other unmarked error
        raise SuiteError([SuiteProblem(path, 0, "", f"not valid YAML: {error}")]) from error
    except RecursionError as error:  # the composer recurses per nesting level
        message = f"nesting is deeper than {MAX_DEPTH} levels"
        line = _too_deep_line(text)
        raise SuiteError([SuiteProblem(path, line, "", message)]) from error
    finally:
        loader.dispose()
    source = SourceMap(path, lines, walker.spans)
    problems = [
        SuiteProblem(path, source.line(where), format_path(where), message)
        for where, message in _non_json_values(data, ())
    ]
    if problems:
        raise SuiteError(problems)
    return data, source


_FAILED: Any = object()


def _too_deep_line(text: str) -> int:
    """The line where nesting first passes MAX_DEPTH (0 if the events never get there).

    PyYAML's event parser keeps its own stack (no recursion), so it can walk a document its
    composer cannot.
    """
    depth = 0
    try:
        for event in yaml.parse(text, Loader=_Loader):
            if isinstance(event, yaml.CollectionStartEvent):
                depth += 1
                if depth > MAX_DEPTH:
                    return _mark_line(event.start_mark)
            elif isinstance(event, yaml.CollectionEndEvent):
                depth -= 1
    except yaml.YAMLError:
        pass
    return 0


def _compose_fast(text: str) -> Any:
    """The document's node through libyaml, `_FAILED` to defer to the pure-Python loader."""
    if _FastLoader is None:
        return _FAILED
    fast = _FastLoader(text)
    try:
        return fast.get_single_node()
    except (yaml.YAMLError, RecursionError):
        return _FAILED
    finally:
        fast.dispose()


def _non_json_values(value: Any, where: JsonPath) -> list[tuple[JsonPath, str]]:
    """Paths of values JSON has no type for (`!!binary`, `!!set`, `!!omap`)."""
    if isinstance(value, dict):
        return [
            found
            for key, item in value.items()
            for found in _non_json_values(item, (*where, str(key)))
        ]
    if isinstance(value, list):
        return [
            found
            for index, item in enumerate(value)
            for found in _non_json_values(item, (*where, index))
        ]
    if value is None or isinstance(value, str | int | float | bool):
        return []
    return [(where, "this YAML value (binary, set or ordered map) has no JSON equivalent")]


def _reader_problem(path: str, text: str, error: yaml.reader.ReaderError) -> SuiteProblem:
    """A character YAML does not allow (control characters), on its line."""
    line = text.count("\n", 0, error.position) + 1
    message = f"YAML does not allow the character U+{error.character:04X} in a file"
    return SuiteProblem(path, line, "", message)


def _yaml_problem(path: str, error: yaml.MarkedYAMLError) -> SuiteProblem:
    """One problem for a YAML syntax error, on the line PyYAML blames."""
    mark = error.problem_mark or error.context_mark
    parts = [part for part in (error.context, error.problem) if part]
    if error.context_mark is not None and error.problem_mark is not None and error.context:
        # "while parsing a block mapping ... expected <block end>": the context has its own line.
        parts = [f"{error.context} (line {error.context_mark.line + 1})", error.problem or ""]
    message = "; ".join(part for part in parts if part) or "not valid YAML"
    return SuiteProblem(path, _mark_line(mark), "", f"YAML syntax error: {message}")
