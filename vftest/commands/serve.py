"""`vftest serve PROJECT.vfr`: run the local runtime over HTTP until interrupted.

`--env NAME=FILE.vfr` serves environments from their own agent files on the same address
(`vftest.runtime.dispatch`); PROJECT.vfr then serves whatever the mappings do not name.

Exit codes: 0 after a clean shutdown, 2 when the project file or an option is unusable.
"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, Any

from vftest.errors import ConfigError, ProjectError

if TYPE_CHECKING:
    from vftest.runtime.options import RuntimeOptions
    from vftest.runtime.project import Project

__all__ = ["add_parser", "build_options", "run"]


def add_parser(subparsers: Any) -> None:
    """Register `serve` on the CLI's subparsers (`argparse._SubParsersAction`)."""
    parser = subparsers.add_parser(
        "serve",
        help="serve a compiled project (.vfr) with the local Voiceflow-compatible runtime",
        description=(
            "Serve PROJECT (.vfr) over Voiceflow's Conversations API wire protocol "
            "(v1 state, v2 stream, v2beta1, v4 sessions). Knobs are off unless given."
        ),
    )
    parser.add_argument(
        "project",
        metavar="PROJECT.vfr",
        nargs="?",
        help="compiled Voiceflow project file (serves every environment --env does not map)",
    )
    parser.add_argument(
        "--env",
        action="append",
        default=[],
        metavar="NAME=FILE.vfr",
        help="serve environment NAME from its own agent file (repeatable), e.g. "
        "--env development=agents/dev.vfr --env production=agents/live.vfr",
    )
    parser.add_argument(
        "--host", default="127.0.0.1", help="interface to bind (default: %(default)s)"
    )
    parser.add_argument("--port", type=int, default=3000, help="port (default: %(default)s)")
    parser.add_argument(
        "--api-key",
        action="append",
        default=[],
        metavar="KEY",
        help="accepted API key (repeatable; also $VFTEST_RUNTIME_API_KEYS, comma-separated). "
        "Without any, every VF.DM. key is accepted.",
    )
    parser.add_argument("--latency", metavar="MS[+JITTER]", help="delay every request, e.g. 50+20")
    parser.add_argument(
        "--rate-limit", metavar="N/SECONDS", help="per-key budget answered with 429, e.g. 500/60"
    )
    parser.add_argument(
        "--fault-rate", type=float, default=0.0, metavar="SHARE", help="share of requests to fault"
    )
    parser.add_argument(
        "--fault-kinds",
        metavar="KINDS",
        help="comma-separated subset of 500,502,503,timeout,cut,malformed (default: all)",
    )
    parser.add_argument("--seed", type=int, help="seed for jitter and fault choice")
    parser.add_argument(
        "--public",
        action="store_true",
        help="serve the project on the keyless /public routes even if its API privacy is "
        "private (to preview it in Voiceflow's chat widget)",
    )


def build_options(
    args: argparse.Namespace, environ: dict[str, str] | None = None
) -> RuntimeOptions:
    """The `RuntimeOptions` the arguments ask for; raises `ConfigError` on malformed values."""
    from vftest.runtime.options import (
        FAULT_KINDS,
        Faults,
        RuntimeOptions,
        api_keys_from_env,
        parse_fault_kinds,
        parse_latency,
        parse_rate_limit,
    )

    faults = None
    if args.fault_rate or args.fault_kinds:
        kinds = parse_fault_kinds(args.fault_kinds) if args.fault_kinds else FAULT_KINDS
        faults = Faults(rate=args.fault_rate, kinds=kinds)
    return RuntimeOptions(
        api_keys=tuple(dict.fromkeys([*args.api_key, *api_keys_from_env(environ)])),
        latency=parse_latency(args.latency) if args.latency else None,
        rate_limit=parse_rate_limit(args.rate_limit) if args.rate_limit else None,
        faults=faults,
        seed=args.seed,
        public=bool(getattr(args, "public", False)),
    )


def _say(message: str) -> None:
    # stderr, so stdout stays free for whatever a wrapper script wants to print.
    sys.stderr.write(message + "\n")
    sys.stderr.flush()


def run(args: argparse.Namespace) -> int:
    """Load the project, then serve it until interrupted."""
    # Imported here so `vftest check` never pays for Starlette and uvicorn.
    from vftest.runtime.app import create_app
    from vftest.runtime.project import load_project
    from vftest.runtime.server import serve

    try:
        project = load_project(args.project) if args.project else None
        mapped = _mapped_projects(args.env)
        options = build_options(args)
    except (ProjectError, ConfigError) as error:
        _say(f"vftest serve: error: {error}")
        return 2
    if project is None and not mapped:
        _say("vftest serve: error: give PROJECT.vfr, or --env NAME=FILE.vfr for each environment")
        return 2
    if not 0 <= args.port <= 65535:
        _say(f"vftest serve: error: --port must be 0..65535, got {args.port}")
        return 2
    if mapped:
        from vftest.runtime.dispatch import create_environments_app

        app: Any = create_environments_app(mapped, project, options)
        served = [f"{name}: {p.source}" for name, p in mapped.items()]
        if project is not None:
            served.append(f"other environments: {project.source}")
        what = "; ".join(served)
    else:
        assert project is not None
        app = create_app(project, options)
        what = f"{project.name or project.project_id} ({project.source})"

    def announce(url: str) -> None:
        _say(f"vftest: serving {what} on {url}")

    try:
        serve(app, args.host, args.port, announce=announce)
    except OSError as error:  # port in use, unknown interface
        _say(f"vftest serve: error: cannot listen on {args.host}:{args.port}: {error}")
        return 2
    return 0


def _mapped_projects(pairs: list[str]) -> dict[str, Project]:
    """`["development=dev.vfr", ...]` loaded; raises `ConfigError` / `ProjectError`."""
    from vftest.runtime.project import load_project

    mapped: dict[str, Project] = {}
    loaded: dict[str, Project] = {}
    for pair in pairs:
        name, _, file = pair.partition("=")
        name, file = name.strip(), file.strip()
        if not name or not file:
            raise ConfigError(f"--env {pair!r}: use NAME=FILE.vfr, e.g. production=agents/live.vfr")
        if name in mapped:
            raise ConfigError(f"--env {name}: given twice")
        mapped[name] = loaded.get(file) or load_project(file)
        loaded[file] = mapped[name]
    return mapped
