"""Loading contracts: pinned profiles (`v4`, `dm-1.1`) or a user's file, and type -> schema maps.

At load time the spec is converted once, registered with `referencing`, and inspected for the
union of trace schemas (reached from 2xx response bodies) and of action schemas (the `action`
property of request bodies), each member keyed by the enum/const of its `type` property.
"""

from __future__ import annotations

import copy
import json
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from vftest.contract import validate
from vftest.contract.fastcheck import Check, compile_check
from vftest.contract.openapi import (
    NULLABLE_MARKER,
    apply_patch,
    convert_document,
    openapi_version,
    read_document,
)
from vftest.errors import ContractError
from vftest.models import ApiGeneration, Trace, Violation

if TYPE_CHECKING:
    # jsonschema and referencing cost ~100 ms to import; valid traces never need them (the
    # compiled checks answer), so they are imported when a trace fails and must be explained.
    from jsonschema.exceptions import ValidationError
    from jsonschema.protocols import Validator
    from referencing import Registry

__all__ = [
    "BUILTIN_TRACE_TYPES",
    "PINNED",
    "Contract",
    "load_contract",
    "resolve_spec",
]

PINNED: Final = {
    "v4": ("v4-interact.seed.openapi.yaml", None),
    "dm-1.1": ("voiceflow-dialog-management-api.json", "dm-1.1.errata.json"),
}
"""Profile name -> (pinned file, errata patch or None) in vftest/resources/contracts/."""

BUILTIN_TRACE_TYPES: Final = frozenset(
    # Voiceflow runtime types (API.md 3.2 and the v4 contract's AnyTrace)
    [
        "text",
        "speak",
        "choice",
        "cardV2",
        "carousel",
        "visual",
        "end",
        "path",
        "no-reply",
        "debug",
        "flow",
        "block",
        "log",
        "goto",
        "entity-filling",
        "channel-action",
        "stream",
        "knowledgeBase",
        "completion",
        "audio",
        "dtmf",
        "reasoning",
        "call-forward",
        "realtime-agent",
        "live-agent-handoff",
        "tool-call",
        # the OSS runtime's legacy LLM streaming traces (v2beta1)
        "completion-start",
        "completion-continue",
        "completion-end",
    ]
)
"""Trace types the runtime itself emits: a contract that lacks one does not cover it, but the
trace is not "unknown" (not a custom action) either, so no policy applies to it."""

_ANNOTATION_ONLY: Final = frozenset({"type", "payload"})


@dataclass(slots=True)
class _Entry:
    """The schema for one trace/action type; validators are built on first use, then kept."""

    pointers: tuple[str, ...]  # JSON pointers into the converted document ("/components/...")
    contract: Contract = field(repr=False)
    check: Check | None = None  # fast yes/no path; None: jsonschema only
    validator: Validator | None = None

    def errors(self, instance: Any) -> list[ValidationError]:
        if self.check is not None:
            if self.check(instance):
                return []
        elif self._validator().is_valid(instance):
            return []
        return list(self._validator().iter_errors(instance))

    def _validator(self) -> Validator:
        if self.validator is None:
            self.validator = self.contract._make_validator(self.root_schema())
        return self.validator

    def root_schema(self) -> dict[str, Any]:
        refs = [{"$ref": f"{self.contract.uri}#{p}"} for p in self.pointers]
        return refs[0] if len(refs) == 1 else {"anyOf": refs}


@dataclass(frozen=True, slots=True)
class _Member:
    pointer: str
    schema: dict[str, Any]
    types: tuple[str, ...] | None  # None: no enum/const on `type` -> a catch-all member


class Contract:
    """One loaded OpenAPI contract: validates traces (by type) and actions.

    Attributes:
        name: "v4", "dm-1.1", or the path of a user's file.
        title: the document's `info.title` and `info.version`.
        openapi: "3.0" (validated with Draft 4 semantics) or "3.1" (Draft 2020-12).
        trace_types: trace types with their own schema in this contract.
        action_types: action types with their own schema.
    """

    def __init__(self, name: str, document: dict[str, Any], *, errata: int = 0) -> None:
        self.name = name
        self.openapi = openapi_version(document, name)
        raw_info = document.get("info")
        info: dict[str, Any] = raw_info if isinstance(raw_info, dict) else {}
        self.title = f"{info.get('title', '?')} {info.get('version', '')}".strip()
        self.errata = errata
        self.uri = f"urn:vftest:contract:{name}"
        self.draft4 = self.openapi == "3.0"
        self.doc = convert_document(document, self.openapi)
        self.trace_union = ""
        self.action_union = ""
        self._traces: dict[str, _Entry] = {}
        self._actions: dict[str, _Entry] = {}
        self._custom: _Entry | None = None  # schema for declared custom traces
        self._custom_origin = ""
        self._generic: _Entry | None = None  # when there are no per-type trace schemas
        self._action_fallback: _Entry | None = None
        self._pointers: dict[int, str] | None = None
        self._envelope = _Entry(("/x-vftest/Trace",), self)
        self.doc["x-vftest"] = {
            "Trace": {
                "type": "object",
                "required": ["type"],
                "properties": {"type": {"type": "string"}},
            }
        }
        self._build_traces()
        self._build_actions()
        self._envelope.check = self._compile(self._envelope.pointers)
        self._registry: Registry[Any] | None = None  # built with the first validator

    # ----------------------------------------------------------------- public

    @property
    def trace_types(self) -> frozenset[str]:
        """Trace types with a schema of their own."""
        return frozenset(self._traces)

    @property
    def action_types(self) -> frozenset[str]:
        """Action types with a schema of their own."""
        return frozenset(self._actions)

    def covers(self, trace_type: str) -> bool:
        """True when traces of this type are checked against a schema of this contract."""
        return trace_type in self._traces or self._generic is not None

    def uncovered(self, traces: Iterable[Trace]) -> Counter[str]:
        """How many of `traces`, by type, are runtime built-ins this contract does not cover.

        They are not checked (and not "unknown" either): a gap in the contract that a run
        reports, so a pinned spec that lags behind the runtime does not pass silently.
        """
        return Counter(
            trace["type"]
            for trace in traces
            if isinstance(trace, dict)
            and trace.get("type") in BUILTIN_TRACE_TYPES
            and not self.covers(trace["type"])
        )

    def describe(self) -> str:
        """One paragraph: what this profile checks, for the CLI and docs."""
        lines = [f"{self.name}: {self.title} (OpenAPI {self.openapi})"]
        if self._traces:
            lines.append(
                f"  traces: {len(self._traces)} types from {self.trace_union}: "
                + ", ".join(sorted(self._traces))
            )
        elif self._generic is not None:
            lines.append(
                "  traces: no per-type schemas; every trace is checked against "
                f"#{self._generic.pointers[0]} only"
            )
        else:
            lines.append("  traces: no trace schema found in the responses; nothing is checked")
        lines.append(f"  custom traces: checked against {self._custom_origin or 'nothing'}")
        if self._actions or self._action_fallback:
            extra = (
                " (+ any other type via a generic request schema)"
                if (self._action_fallback)
                else ""
            )
            lines.append(
                f"  actions: {len(self._actions)} types from {self.action_union}: "
                + ", ".join(sorted(self._actions))
                + extra
            )
        else:
            lines.append("  actions: no request schema found; actions are not checked")
        if self.errata:
            lines.append(f"  errata: {self.errata} documented patches applied (PROVENANCE.md)")
        return "\n".join(lines)

    def validate_trace(self, trace: Trace, index: int, *, custom: bool = False) -> list[Violation]:
        """Violations of one trace (empty when it fits).

        A type without its own schema yields one `unknown-type` violation, unless `custom`
        (the suite declared it: checked against the contract's custom/envelope schema) or it is
        a runtime built-in this contract does not cover (not checked). `check_traces` turns
        `unknown-type` into a warning or a violation by policy.
        """
        trace_type = trace.get("type") if isinstance(trace, dict) else None
        subject = (
            f"trace #{index} ({trace_type})" if isinstance(trace_type, str) else (f"trace #{index}")
        )
        if not isinstance(trace_type, str):
            return self._report(self._envelope, trace, subject)
        entry = self._traces.get(trace_type) or self._generic
        if entry is None:
            if trace_type in BUILTIN_TRACE_TYPES:
                return []  # the runtime's own type, which this contract does not describe
            if custom:
                return self._report(self._custom, trace, subject) if self._custom else []
            return [validate.unknown_type_violation(self, trace_type, subject)]
        return self._report(entry, trace, subject)

    def validate_action(self, action: Any) -> list[Violation]:
        """Violations of an action (the `action` body field) about to be sent."""
        if not self._actions and self._action_fallback is None:
            return []  # this contract says nothing about requests
        action_type = action.get("type") if isinstance(action, dict) else None
        if not isinstance(action_type, str):
            return self._report(self._envelope, action, "action")
        entry = self._actions.get(action_type) or self._action_fallback
        if entry is None:
            return [validate.unknown_action_violation(self, action_type)]
        return self._report(entry, action, "action")

    # ----------------------------------------------------------------- internals

    def _report(self, entry: _Entry, instance: Any, subject: str) -> list[Violation]:
        errors = entry.errors(instance)
        if not errors:
            return []
        return validate.violations_from_errors(self, errors, subject, entry.root_schema())

    def pointer_of(self, schema: Any) -> str | None:
        """Where a (converted) sub-schema object sits in the spec, as a JSON pointer."""
        if self._pointers is None:
            self._pointers = {}
            self._index(self.doc, "")
        return self._pointers.get(id(schema))

    def _index(self, node: Any, pointer: str) -> None:
        if isinstance(node, dict):
            self._pointers.setdefault(id(node), pointer)  # type: ignore[union-attr]
            wrapper = bool(node.get(NULLABLE_MARKER))
            for key, value in node.items():
                if wrapper and key == "anyOf" and isinstance(value, list):
                    # the spec has no anyOf here: the wrapped schema *is* the spec's schema
                    for item in value:
                        self._index(item, pointer)
                else:
                    self._index(value, f"{pointer}/{_escape(key)}")
        elif isinstance(node, list):
            for i, item in enumerate(node):
                self._index(item, f"{pointer}/{i}")

    def _make_validator(self, schema: dict[str, Any]) -> Validator:
        from jsonschema import Draft4Validator, Draft202012Validator
        from referencing import Registry, Resource
        from referencing.jsonschema import DRAFT4, DRAFT202012

        if self._registry is None:
            # The whole converted document, synthesized schemas included, is one resource.
            spec = DRAFT4 if self.draft4 else DRAFT202012
            self._registry = Registry().with_resource(
                self.uri, Resource.from_contents(self.doc, default_specification=spec)
            )
        validator_class: Any = Draft4Validator if self.draft4 else Draft202012Validator
        validator: Validator = validator_class(schema, registry=self._registry)
        return validator

    def resolve(self, pointer: str) -> Any:
        """The converted schema at a JSON pointer ("/components/schemas/X" or "#/..." or URI)."""
        if "#" in pointer:
            pointer = pointer.split("#", 1)[1]
        node: Any = self.doc
        for raw in pointer.split("/")[1:] if pointer else []:
            part = raw.replace("~1", "/").replace("~0", "~")
            if isinstance(node, list):
                node = node[int(part)]
            elif isinstance(node, dict) and part in node:
                node = node[part]
            else:
                raise ContractError(f"contract {self.name}: $ref #{pointer} does not resolve")
        return node

    def _deref(self, pointer: str, node: Any) -> tuple[str, Any]:
        """Follow $ref, the nullable wrapper and single-item allOf to the schema that matters."""
        for _ in range(32):  # a chain longer than this is a cycle
            if not isinstance(node, dict):
                return pointer, node
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.startswith("#"):
                pointer, node = ref[1:], self.resolve(ref)
            elif node.get(NULLABLE_MARKER):
                pointer, node = f"{pointer}/anyOf/0", node["anyOf"][0]
            elif list(node) == ["allOf"] and len(node["allOf"]) == 1:
                pointer, node = f"{pointer}/allOf/0", node["allOf"][0]
            else:
                return pointer, node
        raise ContractError(f"contract {self.name}: $ref cycle at #{pointer}")

    def _member(self, pointer: str, node: Any) -> _Member | None:
        pointer, schema = self._deref(pointer, node)
        if not isinstance(schema, dict):
            return None
        props = schema.get("properties")
        if not isinstance(props, dict) or "type" not in props:
            return None
        _, kind = self._deref(f"{pointer}/properties/type", props["type"])
        types: tuple[str, ...] | None = None
        if isinstance(kind, dict):
            if isinstance(kind.get("const"), str):
                types = (kind["const"],)
            elif isinstance(kind.get("enum"), list):
                types = tuple(v for v in kind["enum"] if isinstance(v, str)) or None
        return _Member(pointer, schema, types)

    def _unions(self, starts: list[tuple[str, Any]]) -> list[tuple[str, list[_Member]]]:
        """Every oneOf/anyOf reachable from `starts` with its members (typed or catch-all)."""
        found: list[tuple[str, list[_Member]]] = []
        seen: set[str] = set()
        stack = list(reversed(starts))
        while stack:
            pointer, node = stack.pop()
            pointer, node = self._deref(pointer, node)
            if pointer in seen or not isinstance(node, dict):
                continue
            seen.add(pointer)
            for keyword in ("oneOf", "anyOf"):
                items = node.get(keyword)
                if isinstance(items, list):
                    members = [
                        self._member(f"{pointer}/{keyword}/{i}", s) for i, s in enumerate(items)
                    ]
                    real = [m for m in members if m is not None]
                    if any(m.types for m in real):
                        found.append((pointer, real))
                    stack.extend(
                        (f"{pointer}/{keyword}/{i}", s) for i, s in reversed(list(enumerate(items)))
                    )
            props = node.get("properties")
            if isinstance(props, dict):
                stack.extend(
                    (f"{pointer}/properties/{_escape(k)}", v) for k, v in reversed(props.items())
                )
            if "items" in node:
                stack.append((f"{pointer}/items", node["items"]))
            for i, sub in enumerate(node.get("allOf") or []):
                stack.append((f"{pointer}/allOf/{i}", sub))
        return found

    def _operations(self) -> list[tuple[str, dict[str, Any]]]:
        ops: list[tuple[str, dict[str, Any]]] = []
        paths = self.doc.get("paths")
        for path, item in paths.items() if isinstance(paths, dict) else []:
            if isinstance(item, dict):
                for method, op in item.items():
                    if isinstance(op, dict) and method in _METHODS:
                        ops.append((f"/paths/{_escape(path)}/{method}", op))
        return ops

    def _build_traces(self) -> None:
        starts: list[tuple[str, Any]] = []
        for pointer, op in self._operations():
            responses = op.get("responses")
            for code, response in responses.items() if isinstance(responses, dict) else []:
                if not str(code).startswith("2") or not isinstance(response, dict):
                    continue
                content = response.get("content")
                for media, body in content.items() if isinstance(content, dict) else []:
                    if "json" in media and isinstance(body, dict) and "schema" in body:
                        base = f"{pointer}/responses/{code}/content/{_escape(media)}/schema"
                        starts.append((base, body["schema"]))
        unions = self._unions(starts)
        if unions:
            where, members = max(unions, key=lambda u: sum(bool(m.types) for m in u[1]))
            self.trace_union = "#" + (self.pointer_of(self.resolve(where)) or where)
            self._traces = self._entries(members)
            catch_all = [m.pointer for m in members if not m.types]
            if catch_all:
                self._custom = self._entry(tuple(catch_all))
                self._custom_origin = " + ".join(f"#{p}" for p in catch_all)
            else:
                self._custom = self._envelope_entry(members)
            return
        generic = self._generic_trace(starts)
        if generic is not None:
            self._generic = self._entry((generic,))
            self._custom = self._generic
            self._custom_origin = f"#{generic}"

    def _envelope_entry(self, members: list[_Member]) -> _Entry:
        """A schema for custom traces: the properties every trace schema shares, as they are."""
        typed = [m for m in members if m.types]
        first = typed[0].schema.get("properties", {})
        common = {
            name: copy.deepcopy(sub)  # own objects, so pointer_of() finds this copy
            for name, sub in first.items()
            if name not in _ANNOTATION_ONLY
            and all(m.schema.get("properties", {}).get(name) == sub for m in typed[1:])
        }
        self.doc["x-vftest"]["CustomTrace"] = {
            "type": "object",
            "required": ["type"],
            "properties": {"type": {"type": "string"}, **common},
        }
        self._custom_origin = (
            "#/x-vftest/CustomTrace (the envelope every trace schema shares: "
            + ", ".join(["type", *common])
            + ")"
        )
        return self._entry(("/x-vftest/CustomTrace",))

    def _generic_trace(self, starts: list[tuple[str, Any]]) -> str | None:
        """With no union: the first array-of-objects-with-`type` in a 2xx response body."""
        stack = list(reversed(starts))
        seen: set[str] = set()
        while stack:
            pointer, node = stack.pop()
            pointer, node = self._deref(pointer, node)
            if pointer in seen or not isinstance(node, dict):
                continue
            seen.add(pointer)
            if "items" in node:
                item = self._member(f"{pointer}/items", node["items"])
                if item is not None:
                    return item.pointer
                stack.append((f"{pointer}/items", node["items"]))
            props = node.get("properties")
            if isinstance(props, dict):
                stack.extend(
                    (f"{pointer}/properties/{_escape(k)}", v) for k, v in reversed(props.items())
                )
            for keyword in ("allOf", "anyOf", "oneOf"):
                for i, sub in enumerate(node.get(keyword) or []):
                    stack.append((f"{pointer}/{keyword}/{i}", sub))
        return None

    def _build_actions(self) -> None:
        candidates: list[tuple[str, list[_Member]]] = []
        for pointer, op in self._operations():
            body = op.get("requestBody")
            content = body.get("content") if isinstance(body, dict) else None
            for media, value in content.items() if isinstance(content, dict) else []:
                if "json" not in media or not isinstance(value, dict):
                    continue
                base = f"{pointer}/requestBody/content/{_escape(media)}/schema"
                root_pointer, root = self._deref(base, value.get("schema"))
                props = root.get("properties") if isinstance(root, dict) else None
                if not isinstance(props, dict):
                    continue
                for name in ("action", "request"):
                    if name not in props:
                        continue
                    where = f"{root_pointer}/properties/{name}"
                    unions = self._unions([(where, props[name])])
                    if unions:
                        candidates.extend(unions[:1])  # the outermost union is the action
                    else:
                        member = self._member(where, props[name])
                        if member is not None:
                            candidates.append((member.pointer, [member]))
        if not candidates:
            return
        where, members = max(
            candidates, key=lambda u: (sum(bool(m.types) for m in u[1]), len(u[1]))
        )
        self.action_union = "#" + (self.pointer_of(self.resolve(where)) or where)
        self._actions = self._entries(members)
        catch_all = tuple(m.pointer for m in members if not m.types)
        if catch_all:
            self._action_fallback = self._entry(catch_all)

    def _entries(self, members: list[_Member]) -> dict[str, _Entry]:
        by_type: dict[str, list[str]] = {}
        for member in members:
            for name in member.types or ():
                by_type.setdefault(name, []).append(member.pointer)
        return {name: self._entry(tuple(pointers)) for name, pointers in by_type.items()}

    def _entry(self, pointers: tuple[str, ...]) -> _Entry:
        return _Entry(pointers, self, self._compile(pointers))

    def _compile(self, pointers: tuple[str, ...]) -> Check | None:
        refs = [{"$ref": f"#{p}"} for p in pointers]
        schema = refs[0] if len(refs) == 1 else {"anyOf": refs}
        return compile_check(schema, self.resolve, draft4=self.draft4)


_METHODS: Final = frozenset({"get", "put", "post", "delete", "options", "head", "patch", "trace"})


def _escape(key: str) -> str:
    return key.replace("~", "~0").replace("/", "~1")


def resolve_spec(spec: str, api: ApiGeneration) -> str:
    """The profile name (or path) that `spec` selects for an API generation."""
    if spec == "auto":
        return "v4" if api == ApiGeneration.V4 else "dm-1.1"
    return spec


def load_contract(spec: str = "auto", api: ApiGeneration = ApiGeneration.V1) -> Contract:
    """Load (once per process) the contract `spec` selects: auto | v4 | dm-1.1 | path.

    Raises:
        ContractError: the file is missing, not OpenAPI 3.0/3.1, or its `$ref`s do not resolve.
    """
    name = resolve_spec(spec, ApiGeneration(api))
    if name in PINNED:
        return _load_pinned(name)
    path = Path(name).expanduser()
    if not path.is_file():
        raise ContractError(
            f"contract {name!r}: no such file (use auto, v4, dm-1.1 or the path of an "
            "OpenAPI 3.0/3.1 file)"
        )
    resolved = path.resolve()
    return _load_file(str(resolved), resolved.stat().st_mtime_ns)


@cache
def _load_pinned(name: str) -> Contract:
    filename, errata = PINNED[name]
    folder = resources.files("vftest").joinpath("resources", "contracts")
    with resources.as_file(folder.joinpath(filename)) as path:
        document = read_document(path)
    patches: list[dict[str, Any]] = []
    if errata is not None:
        patches = json.loads(folder.joinpath(errata).read_text(encoding="utf-8"))
        apply_patch(document, patches, f"contract {name} ({errata})")
    return Contract(name, document, errata=sum(1 for p in patches if "why" in p))


@cache
def _load_file(path: str, mtime_ns: int) -> Contract:
    # mtime_ns is part of the cache key: an edited file is reloaded.
    del mtime_ns
    return Contract(path, read_document(Path(path)))
