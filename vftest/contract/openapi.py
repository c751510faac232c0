"""OpenAPI documents -> JSON Schema: reading (YAML/JSON), errata patches and schema conversion.

Only schema positions are converted, keyword by keyword, so a property *named* `nullable` or
`example` is never mistaken for the keyword. The converted document keeps the original layout,
so `#/components/schemas/...` pointers still resolve in it.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any, Final

import yaml

from vftest.errors import ContractError

__all__ = [
    "NULLABLE_MARKER",
    "apply_patch",
    "convert_document",
    "openapi_version",
    "read_document",
    "to_json_schema",
]

NULLABLE_MARKER: Final = "x-vftest-nullable"
"""Set on the `anyOf` wrapper made from `nullable: true`, so schema pointers can skip it."""

# Keywords whose value is one sub-schema, a list of them, or a name -> sub-schema map.
_ONE: Final = frozenset(
    {
        "items",
        "additionalProperties",
        "additionalItems",
        "not",
        "contains",
        "propertyNames",
        "if",
        "then",
        "else",
        "unevaluatedItems",
        "unevaluatedProperties",
    }
)
_MANY: Final = frozenset({"allOf", "anyOf", "oneOf", "prefixItems"})
_MAP: Final = frozenset(
    {"properties", "patternProperties", "definitions", "$defs", "dependentSchemas"}
)

# OpenAPI-only or annotation keywords: never affect validity, dropped so that validators iterate
# over fewer keys on every trace and schema excerpts in messages stay short.
_DROP: Final = frozenset(
    {
        "description",
        "title",
        "example",
        "examples",
        "discriminator",
        "xml",
        "externalDocs",
        "deprecated",
        "readOnly",
        "writeOnly",
        "default",
        "$comment",
    }
)


def read_document(path: Path) -> dict[str, Any]:
    """Read an OpenAPI document (YAML or JSON, by content); ContractError when unusable."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ContractError(f"contract {path}: cannot read it ({exc.strerror or exc})") from exc
    try:
        # JSON is valid YAML, but json.loads is ~50x faster on the 50 kB pinned spec.
        data = json.loads(text) if text.lstrip().startswith("{") else yaml.safe_load(text)
    except yaml.MarkedYAMLError as exc:
        # One line: PyYAML's own text quotes the source over several lines.
        mark = exc.problem_mark
        at = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise ContractError(f"contract {path}: not valid YAML{at}: {exc.problem}") from exc
    except (ValueError, yaml.YAMLError) as exc:
        raise ContractError(f"contract {path}: not valid JSON or YAML: {exc}") from exc
    if not isinstance(data, dict):
        raise ContractError(f"contract {path}: expected an OpenAPI document (a mapping)")
    openapi_version(data, str(path))  # fail early on Swagger 2.0 and other documents
    return data


def openapi_version(document: dict[str, Any], name: str) -> str:
    """Return "3.0" or "3.1" for an OpenAPI document, or raise ContractError."""
    raw = document.get("openapi")
    if raw is None:
        if "swagger" in document:
            raise ContractError(f"contract {name}: Swagger 2.0 is not supported; use OpenAPI 3.x")
        raise ContractError(f"contract {name}: no `openapi` field; not an OpenAPI 3 document")
    version = str(raw)
    if version.startswith("3.0"):
        return "3.0"
    if version.startswith("3.1"):
        return "3.1"
    raise ContractError(f"contract {name}: OpenAPI {version} is not supported (3.0 or 3.1)")


def to_json_schema(schema: Any, version: str) -> Any:
    """Convert one OpenAPI schema object (and its sub-schemas) to JSON Schema; input untouched.

    * `nullable: true` -> `anyOf: [<schema>, {"type": "null"}]` (also in 3.1 documents, where it
      is not a keyword: authors carrying it over from 3.0 mean it, and it can only relax).
    * 3.0: siblings of `$ref` are ignored, as the 3.0 specification says.
    * `x-*`, `example(s)`, `discriminator` and other annotations are dropped.
    """
    if isinstance(schema, bool) or not isinstance(schema, dict):
        return schema
    if "$ref" in schema and version == "3.0":
        return {"$ref": schema["$ref"]}
    out: dict[str, Any] = {}
    for key, value in schema.items():
        if key in _DROP or key == "nullable" or key.startswith("x-"):
            continue
        if key in _ONE:
            # Draft 4 `items` may be a list (tuple validation).
            out[key] = (
                [to_json_schema(item, version) for item in value]
                if isinstance(value, list)
                else to_json_schema(value, version)
            )
        elif key in _MANY and isinstance(value, list):
            out[key] = [to_json_schema(item, version) for item in value]
        elif key in _MAP and isinstance(value, dict):
            out[key] = {name: to_json_schema(sub, version) for name, sub in value.items()}
        else:
            out[key] = copy.deepcopy(value)
    if schema.get("nullable") is True:
        return {"anyOf": [out, {"type": "null"}], NULLABLE_MARKER: True}
    return out


def convert_document(document: dict[str, Any], version: str) -> dict[str, Any]:
    """Return a copy of the document with every schema position converted to JSON Schema."""
    doc: dict[str, Any] = copy.deepcopy(document)
    convert: Callable[[Any], Any] = lambda schema: to_json_schema(schema, version)  # noqa: E731
    components = doc.get("components")
    if isinstance(components, dict):
        schemas = components.get("schemas")
        if isinstance(schemas, dict):
            components["schemas"] = {name: convert(s) for name, s in schemas.items()}
        for kind in ("parameters", "headers"):
            for item in _values(components.get(kind)):
                _convert_parameter(item, convert)
        for body in _values(components.get("requestBodies")):
            _convert_content(body, convert)
        for response in _values(components.get("responses")):
            _convert_content(response, convert)
    for path_item in _values(doc.get("paths")):
        for parameter in _list(path_item.get("parameters")):
            _convert_parameter(parameter, convert)
        for operation in _values(path_item):
            for parameter in _list(operation.get("parameters")):
                _convert_parameter(parameter, convert)
            request_body = operation.get("requestBody")
            if isinstance(request_body, dict):
                _convert_content(request_body, convert)
            for response in _values(operation.get("responses")):
                _convert_content(response, convert)
    return doc


def _values(node: Any) -> list[dict[str, Any]]:
    return [v for v in node.values() if isinstance(v, dict)] if isinstance(node, dict) else []


def _list(node: Any) -> list[dict[str, Any]]:
    return [v for v in node if isinstance(v, dict)] if isinstance(node, list) else []


def _convert_parameter(parameter: dict[str, Any], convert: Callable[[Any], Any]) -> None:
    if "schema" in parameter:
        parameter["schema"] = convert(parameter["schema"])
    _convert_content(parameter, convert)


def _convert_content(holder: dict[str, Any], convert: Callable[[Any], Any]) -> None:
    for media in _values(holder.get("content")):
        if "schema" in media:
            media["schema"] = convert(media["schema"])
        media.pop("examples", None)
        media.pop("example", None)
    for header in _values(holder.get("headers")):
        _convert_parameter(header, convert)


def apply_patch(document: dict[str, Any], patch: list[dict[str, Any]], name: str) -> None:
    """Apply a JSON Patch (RFC 6902: test, add, replace, remove) in place.

    A failing `test` means the pinned file changed under the errata: ContractError, never a
    silently half-patched contract. Entries without `op` (`{"why": ...}`) annotate the
    operations after them and are skipped.
    """
    for number, op in enumerate(patch):
        if "op" not in op:
            continue
        pointer = str(op["path"])
        parts = [p.replace("~1", "/").replace("~0", "~") for p in pointer.split("/")[1:]]
        parent: Any = document
        for part in parts[:-1]:
            parent = parent[int(part)] if isinstance(parent, list) else parent.get(part)
            if parent is None:
                raise ContractError(f"{name}: errata #{number}: {pointer} not found")
        last = parts[-1]
        kind = op["op"]
        if kind == "test":
            current = parent[int(last)] if isinstance(parent, list) else parent.get(last)
            if current != op["value"]:
                raise ContractError(
                    f"{name}: errata #{number} no longer applies: {pointer} is "
                    f"{json.dumps(current)}, expected {json.dumps(op['value'])}"
                )
        elif kind in ("add", "replace"):
            if isinstance(parent, list):
                index = len(parent) if last == "-" else int(last)
                if kind == "add":
                    parent.insert(index, copy.deepcopy(op["value"]))
                else:
                    parent[index] = copy.deepcopy(op["value"])
            else:
                parent[last] = copy.deepcopy(op["value"])
        elif kind == "remove":
            del parent[int(last) if isinstance(parent, list) else last]
        else:
            raise ContractError(f"{name}: errata #{number}: unsupported op {kind!r}")
