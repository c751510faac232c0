"""`vftest import`: suites from elsewhere.

    vftest import voiceflow-cli PATH [-o DIR] [--project AGENT.vfr]
    vftest import transcript FILE -o SUITE [--name NAME] [--project AGENT | --url URL] [--env E]

The conversion is in vftest.importers; this module reads and writes files and reports what
could not be converted (on stderr, and as comments in what it writes).
"""

from __future__ import annotations

import argparse
import io
import json
import sys
from pathlib import Path
from typing import Any

from ruamel.yaml.comments import CommentedMap, CommentedSeq

from vftest.baseline.store import UpdateSummary, baseline_path, write_updates
from vftest.errors import SuiteError, VftestError
from vftest.importers.transcript import import_transcript
from vftest.importers.voiceflow_cli import HOSTED_RUNTIME, import_voiceflow_cli
from vftest.roundtrip import round_trip_yaml
from vftest.suite import load_suite

__all__ = ["add_parser", "run"]


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Register the `import` subcommand and its two sources."""
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "import", help="convert voiceflow-cli suites or a Voiceflow transcript into vftest suites"
    )
    sources = parser.add_subparsers(dest="source", required=True, metavar="SOURCE")
    cli = sources.add_parser("voiceflow-cli", help="a voiceflow-cli suite.yaml and its tests")
    cli.add_argument("path", metavar="PATH", help="suite.yaml, its folder, or one test file")
    cli.add_argument("-o", "--output", metavar="DIR", default=".", help="where to write")
    cli.add_argument("--project", metavar="AGENT", help="run on this agent file, not Voiceflow")
    transcript = sources.add_parser(
        "transcript", help="a Voiceflow transcript (Transcripts API JSON) as a baseline case"
    )
    transcript.add_argument("file", metavar="FILE", help="the transcript's JSON")
    transcript.add_argument(
        "-o", "--output", metavar="SUITE", required=True, help="suite file (created or added to)"
    )
    transcript.add_argument("--name", metavar="NAME", help="the case's name")
    where = transcript.add_mutually_exclusive_group()
    where.add_argument("--project", metavar="AGENT", help="a new suite runs on this agent file")
    where.add_argument("--url", metavar="URL", help=f"a new suite's runtime ({HOSTED_RUNTIME})")
    transcript.add_argument("--env", metavar="ENV", default="development", help="environment")
    return parser


def run(args: argparse.Namespace) -> int:
    """Convert and write; 0 done, 1 when something was not converted, 2 on an error."""
    try:
        if args.source == "voiceflow-cli":
            return _voiceflow_cli(args)
        return _transcript(args)
    except VftestError as error:
        sys.stderr.write(f"vftest import: {error}\n")
        return 2


def _voiceflow_cli(args: argparse.Namespace) -> int:
    folder = Path(args.output)
    folder.mkdir(parents=True, exist_ok=True)
    status = 0
    for suite in import_voiceflow_cli(Path(args.path), project=args.project):
        target = folder / suite.file_name
        _check(target, suite.text)
        target.write_text(suite.text, encoding="utf-8")
        sys.stdout.write(f"wrote {target}\n")
        for note in suite.notes:
            sys.stderr.write(f"vftest import: {target}: {note}\n")
        status = 1 if suite.notes else status
    return status


def _transcript(args: argparse.Namespace) -> int:
    source = Path(args.file)
    try:
        data = json.loads(source.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        sys.stderr.write(f"vftest import: {source}: cannot read the transcript: {error}\n")
        return 2
    imported = import_transcript(data)
    name = args.name or _transcript_name(data, source)
    target = Path(args.output)
    yaml = round_trip_yaml()
    if target.exists():
        document = yaml.load(target.read_text(encoding="utf-8"))
        if any(case.get("name") == name for case in document.get("cases") or []):
            sys.stderr.write(f"vftest import: {target} already has a case {name!r}: use --name\n")
            return 2
    else:
        document = CommentedMap([("name", target.name.split(".")[0])])
        runtime = CommentedMap()
        if args.project:
            runtime["project"] = args.project
        else:
            runtime["url"] = args.url or HOSTED_RUNTIME
        runtime["environment"] = args.env
        document["target"] = runtime
        document["cases"] = CommentedSeq()
    case = CommentedMap([("name", name), ("baseline", True)])
    case["turns"] = CommentedSeq(CommentedMap(turn) for turn in imported.turns)
    case.yaml_set_start_comment(f"replayed from the Voiceflow transcript {source.name}", indent=2)
    document["cases"].append(case)
    out = io.StringIO()
    yaml.dump(document, out)
    suite = _check(target, out.getvalue())
    target.write_text(out.getvalue(), encoding="utf-8")
    environment = suite.target.environment
    write_updates(
        baseline_path(target, environment),
        suite_name=suite.name,
        environment=environment,
        case_order=[c.name for c in suite.cases],
        updates={name: imported.records},
        summary=UpdateSummary(),
    )
    sys.stdout.write(
        f"{target}: case {name!r} ({len(imported.turns)} turns), its baseline in "
        f"{baseline_path(target, environment)}\n"
    )
    for reason in imported.skipped:
        sys.stderr.write(f"vftest import: {source}: {reason}\n")
    return 1 if imported.skipped else 0


def _check(target: Path, text: str) -> Any:
    try:
        return load_suite(target, text=text)
    except SuiteError as error:  # a converter bug: say so rather than write a broken file
        raise VftestError(f"{target}: the converted suite does not load:\n{error}") from error


def _transcript_name(data: Any, source: Path) -> str:
    transcript = data.get("transcript") if isinstance(data, dict) else None
    ident = transcript.get("id") if isinstance(transcript, dict) else None
    return f"transcript {ident}" if ident else f"transcript {source.stem}"
