"""voiceflow-cli test suites as vftest suites with the same meaning.

voiceflow-cli (github.com/xavidop/voiceflow-cli) keeps a `suite.yaml` (name, description,
`environmentName`, `newSessionPerTest`, `tests: [{id, file}]`) and one file per test, with
`interactions` (a user action, optional `variables`, `agent.validate` rules) or an `agent`
(agent-to-agent) block. It passes a validation when *any* trace of the turn satisfies it, each
rule on its own, which is vftest's `mode: any`. The mapping:

| voiceflow-cli | vftest |
|---|---|
| `user: {type: launch, text, event, intent, button}` | `launch:`, `text:`, `event:`... |
| interaction `variables` | `set_variables` |
| `equals`, `exact_match` | `text: "..."` |
| `contains` / `regexp` | `text: {contains: ...}` / `text: {regex: ...}` |
| `traceType` | `trace: {type: ...}` |
| `similarity` (an LLM's score) | `text: {any_of: [{semantic: ...}]}` (vftest's threshold) |
| `variable` (compared as text) | `expect_variables: {name: {regex: '^value$'}}` |
| `newSessionPerTest: true` | one case per test (vftest always starts a case as a new user) |
| `newSessionPerTest: false` (default) | one case: the tests share one user, in order |

What has no equivalent (agent-to-agent tests, `variable` with a `jsonPath`, unknown rules) is
kept as a YAML comment where it was and reported, never silently dropped.
"""

from __future__ import annotations

import io
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from ruamel.yaml.comments import CommentedMap, CommentedSeq

from vftest.errors import ConfigError
from vftest.roundtrip import flow_map, round_trip_yaml

__all__ = ["HOSTED_RUNTIME", "ImportedSuite", "import_voiceflow_cli"]

HOSTED_RUNTIME = "https://general-runtime.voiceflow.com"


@dataclass
class ImportedSuite:
    """One converted suite: its file name, text, and what could not be converted."""

    file_name: str
    text: str
    notes: list[str] = field(default_factory=list)


def import_voiceflow_cli(path: Path, *, project: str | None = None) -> list[ImportedSuite]:
    """Convert `path` (a `suite.yaml`, a folder holding one, or one test file) into vftest suites.

    `project` (an agent file) makes the suites run on the local runtime instead of Voiceflow's.
    """
    suite_file = path / "suite.yaml" if path.is_dir() else path
    if not suite_file.is_file():
        raise ConfigError(f"{path}: no voiceflow-cli suite.yaml here")
    suite = _read(suite_file)
    if isinstance(suite, Mapping) and "tests" not in suite and _is_test(suite):
        # one test file on its own: a suite of that test (voiceflow-cli's defaults otherwise)
        name = str(suite.get("name") or suite_file.stem)
        suite = {"name": name, "tests": [{"id": suite_file.stem, "file": suite_file.name}]}
    if not isinstance(suite, Mapping) or not isinstance(suite.get("tests"), list):
        raise ConfigError(f"{suite_file}: not a voiceflow-cli suite (no `tests:` list)")
    converter = _Converter(suite_file, suite)
    text = converter.convert(project)
    return [ImportedSuite(f"{_slug(str(suite.get('name') or 'imported'))}.vftest.yaml", text,
                          converter.notes)]  # fmt: skip


class _Converter:
    def __init__(self, suite_file: Path, suite: Mapping[str, Any]) -> None:
        self.suite_file = suite_file
        self.suite = suite
        self.notes: list[str] = []
        self.header: list[str] = []

    def convert(self, project: str | None) -> str:
        document = CommentedMap()
        document["name"] = str(self.suite.get("name") or self.suite_file.parent.name)
        target = CommentedMap()
        if project:
            target["project"] = project
        else:
            target["url"] = HOSTED_RUNTIME
        target["environment"] = str(self.suite.get("environmentName") or "development")
        document["target"] = target
        tests = [self._test(entry) for entry in self.suite["tests"]]
        playable = [(name, turns) for name, turns in tests if turns]
        cases = CommentedSeq()
        if self.suite.get("newSessionPerTest"):
            for name, turns in playable:
                cases.append(CommentedMap([("name", name), ("turns", turns)]))
        elif playable:
            # voiceflow-cli plays every test of the suite as one user, one after the other
            joined = CommentedSeq(turn for _, turns in playable for turn in turns)
            cases.append(CommentedMap([("name", document["name"]), ("turns", joined)]))
        document["cases"] = cases
        head = [f"Imported from voiceflow-cli ({self.suite_file}): `vftest import voiceflow-cli`."]
        if self.suite.get("description"):  # vftest suites have no description; cases do
            head.append(f"Suite description: {self.suite['description']}")
        head += [f"Not imported: {line}" for line in self.header]
        document.yaml_set_start_comment("\n".join(head))
        out = io.StringIO()
        round_trip_yaml().dump(document, out)
        return out.getvalue()

    def _test(self, entry: Any) -> tuple[str, CommentedSeq]:
        if not isinstance(entry, Mapping) or not entry.get("file"):
            self._note(f"test entry {entry!r}: no `file`")
            return "", CommentedSeq()
        file = (self.suite_file.parent / str(entry["file"])).resolve()
        test = _read(file)
        name = str(test.get("name") or entry.get("id") or file.stem)
        if isinstance(test.get("agent"), Mapping):
            goal = str(test["agent"].get("goal", ""))
            self._note(
                f"test {entry.get('id')!r} ({entry['file']}) is an agent-to-agent test (goal: "
                f"{goal!r}); vftest has no equivalent: write its conversation as a case, or "
                "judge it with `judge:`",
                header=True,
            )
            return name, CommentedSeq()
        turns = CommentedSeq()
        for interaction in test.get("interactions") or []:
            turn = self._turn(interaction, name)
            if turn is not None:
                turns.append(turn)
        return name, turns

    def _turn(self, interaction: Mapping[str, Any], test: str) -> CommentedMap | None:
        where = f"{test} / {interaction.get('id', '?')}"
        user = interaction.get("user") or {}
        turn = CommentedMap()
        kind = user.get("type")
        if kind == "launch":
            turn["launch"] = None
        elif kind == "text":
            turn["text"] = str(user.get("text", ""))
        elif kind == "event":
            turn["event"] = str(user.get("event", ""))
        elif kind == "button":
            turn["button"] = str(user.get("value", ""))
        elif kind == "intent" and isinstance(user.get("intent"), Mapping):
            intent = user["intent"]
            entities = {str(e["name"]): str(e["value"]) for e in intent.get("entities") or []}
            turn["intent"] = (
                CommentedMap([("name", intent["name"]), ("entities", entities)])
                if entities
                else str(intent["name"])
            )
        else:
            self._note(f"{where}: user type {kind!r} has no vftest action; interaction skipped")
            return None
        if isinstance(interaction.get("variables"), Mapping):
            turn["set_variables"] = dict(interaction["variables"])
        expect, variables, kept = CommentedSeq(), CommentedMap(), []
        for rule in (interaction.get("agent") or {}).get("validate") or []:
            converted = self._rule(rule, where)
            if converted is None:
                kept.append(_rule_text(rule))
            elif "variable" in converted:
                variables[converted["variable"]] = converted["match"]
            else:
                expect.append(converted)
        if expect:
            turn["mode"] = "any"  # each rule passes on any trace, as voiceflow-cli checks them
            turn["expect"] = expect
        if variables:
            turn["expect_variables"] = variables
        if kept:
            last = list(turn.keys())[-1]
            turn.yaml_add_eol_comment("not imported: " + "; ".join(kept), last)
        return turn

    def _rule(self, rule: Any, where: str) -> dict[str, Any] | None:
        if not isinstance(rule, Mapping):
            return None
        kind, value = rule.get("type"), rule.get("value")
        if kind in ("equals", "exact_match") and value is not None:
            return {"text": str(value)}
        if kind == "contains" and value is not None:
            return {"text": flow_map({"contains": str(value)})}
        if kind == "regexp" and value is not None:
            return {"text": flow_map({"regex": str(value)})}
        if kind == "traceType" and value is not None:
            return {"trace": flow_map({"type": str(value)})}
        if kind == "similarity" and rule.get("values"):
            config = rule.get("similarityConfig") or {}
            self._note(
                f"{where}: `similarity` (an LLM's score, threshold "
                f"{config.get('similarityThreshold')}) became `semantic` (embedding cosine, "
                "vftest's default threshold 0.8): check the threshold"
            )
            options = [flow_map({"semantic": str(v)}) for v in rule["values"]]
            return {"text": flow_map({"any_of": options}) if len(options) > 1 else options[0]}
        if kind == "variable" and isinstance(rule.get("variableConfig"), Mapping):
            config = rule["variableConfig"]
            if config.get("jsonPath"):
                name = config.get("name")
                self._note(f"{where}: `variable` {name!r} with a jsonPath: no equivalent")
                return None
            pattern = "^" + re.escape(str(value)) + "$"  # voiceflow-cli compares as text
            return {"variable": str(config["name"]), "match": flow_map({"regex": pattern})}
        self._note(f"{where}: validation {kind!r} has no equivalent")
        return None

    def _note(self, text: str, *, header: bool = False) -> None:
        self.notes.append(text)
        if header:
            self.header.append(text)


def _is_test(document: Mapping[str, Any]) -> bool:
    return isinstance(document.get("interactions"), list) or isinstance(
        document.get("agent"), Mapping
    )


def _read(path: Path) -> Any:
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as error:
        raise ConfigError(f"{path}: cannot read: {error}") from error


def _rule_text(rule: Any) -> str:
    if not isinstance(rule, Mapping):
        return repr(rule)
    parts = [str(rule.get("type"))]
    if rule.get("value") is not None:
        parts.append(repr(rule["value"]))
    config = rule.get("variableConfig")
    if isinstance(config, Mapping):
        parts.append(" ".join(f"{k}={v}" for k, v in config.items()))
    return " ".join(parts)


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "imported"
