"""Find the examples in README.md and docs/: fenced code blocks, with the directive before them.

A directive is an HTML comment on the line right before a fence (invisible when rendered):

    <!-- doc-example: output of pytest docs/examples/failing-order.vftest.yaml -->
    <!-- doc-example: fails -->            (a suite that must fail against the demo agent)
    <!-- doc-example: illustration -->     (text that is not a command's output, e.g. a layout)
    <!-- doc-example: skip: REASON -->     (never executed; the reason is required)

Blocks without one are executed by their language's default (see test_doc_examples.py).
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).parents[2]
DOCS = (ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md")))

_FENCE = re.compile(r"^```(?P<lang>[\w-]*)[^\n]*\n(?P<body>.*?)^```[ \t]*$", re.S | re.M)
_DIRECTIVE = re.compile(r"<!--\s*doc-example:\s*(?P<text>.*?)\s*-->\s*\n$")


@dataclass(frozen=True)
class Example:
    """One fenced block of a Markdown file."""

    path: Path
    line: int  # of the opening fence
    lang: str
    body: str
    directive: str  # "" when none

    @property
    def id(self) -> str:
        return f"{self.path.relative_to(ROOT)}:{self.line}"


def examples() -> list[Example]:
    """Every fenced block of README.md and docs/**/*.md, in file order."""
    found = []
    for path in DOCS:
        text = path.read_text(encoding="utf-8")
        for match in _FENCE.finditer(text):
            before = text[: match.start()]
            directive = _DIRECTIVE.search(before[-300:])
            found.append(
                Example(
                    path=path,
                    line=before.count("\n") + 1,
                    lang=match["lang"],
                    body=match["body"],
                    directive=directive["text"] if directive else "",
                )
            )
    return found


def commands(example: Example) -> list[list[str]]:
    """The commands of a shell example, as argument lists (comments dropped).

    `console` blocks (and untyped blocks whose lines start with `$ `) hold commands after a
    `$ ` prompt, the rest being output; `sh` and `bash` blocks are all commands. Backslash
    continuations are joined; `a && b` gives two commands.
    """
    prompt = example.lang == "console" or (
        example.lang == "" and example.body.lstrip().startswith("$ ")
    )
    lines: list[str] = []
    pending = ""
    for raw in example.body.splitlines():
        line = raw.rstrip()
        if pending:
            line = pending + " " + line.strip()
            pending = ""
        elif prompt:
            if not line.startswith("$ "):
                continue
            line = line[2:]
        if line.endswith("\\"):
            pending = line[:-1].rstrip()
            continue
        lines.append(line)
    result = []
    for line in lines:
        words = shlex.split(line, comments=True)
        command: list[str] = []
        for word in [*words, "&&"]:
            if word in ("&&", ";", "||"):
                if command:
                    result.append(command)
                command = []
            else:
                command.append(word)
    return result
