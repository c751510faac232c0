"""Writing YAML into a user's suite without losing what they wrote (ruamel.yaml round trip).

One configuration for everything that rewrites or creates suites (`vftest record`,
`vftest import`): vftest's own layout (`cases:` then `  - name:`), quotes kept, no folding.
"""

from __future__ import annotations

from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq

__all__ = ["flow_map", "flow_seq", "round_trip_yaml"]


def round_trip_yaml() -> YAML:
    """A ruamel.yaml loader/dumper that keeps comments, order and quoting."""
    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True
    yaml.width = 4096  # never fold a long expected text
    yaml.indent(mapping=2, sequence=4, offset=2)
    return yaml


def flow_map(values: dict[str, Any]) -> CommentedMap:
    """A mapping written on one line: `{contains: order}`."""
    mapping = CommentedMap(values)
    mapping.fa.set_flow_style()
    return mapping


def flow_seq(items: list[Any]) -> CommentedSeq:
    """A list written on one line: `[FAQ, Back]`."""
    seq = CommentedSeq(items)
    seq.fa.set_flow_style()
    return seq
