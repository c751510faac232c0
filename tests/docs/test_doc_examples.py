"""Every example in README.md and docs/ is executed or checked, so the docs cannot drift.

By language (a directive before the fence can say more; see tests/docs/examples.py):
- yaml: parsed; a suite is loaded (with the demo agent at `agents/support.vfr` next to it) and,
  when it runs on an agent file, run with pytest: it must pass (or fail, when marked `fails`);
  a fragment of suite keys is loaded inside a minimal suite.
- sh, bash, console: every command is checked: `vftest ...` parses with vftest's own parser,
  `pytest` flags exist, benchmark scripts accept their flags, `pip install -e ".[x]"` names an
  extra that exists; `pytest` on the example suites and `vftest check` / `vftest contract` run
  for real in a copy of the repository's suites, and the output a console block shows after a
  command must appear in the real output, in order.
- python: run in a subprocess; json: parsed.
- text: `output of COMMAND` runs the command and finds the block in its output; `synopsis` checks
  that every flag shown exists; `layout` that every path listed exists; `illustration` marks text
  that is neither (nothing to execute).
"""

from __future__ import annotations

import importlib
import json
import os
import re
import shutil
import subprocess
import sys
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from pytest_vftest.options import OPTIONS
from tests.docs.examples import ROOT, Example, commands, examples
from tests.openai_standin import running
from vftest.cli import build_parser
from vftest.suite import load_suite

EXAMPLES = examples()
DEMO_AGENT = ROOT / "suites" / "agents" / "support.vfr"
SUITE_KEYS = {"name", "target", "contract", "variables", "tags", "defaults", "baseline", "cases"}
# Commands the docs may show that belong to other tools: checked to be spelled as such, not run.
EXTERNAL = {".", "source", "export", "ruff", "mypy", "apt-get", "cd", "python3", "git", "npm"}
EXTERNAL |= {"cat"}
DIRECTIVES = ("output of ", "fails", "illustration", "synopsis", "layout", "skip:")


def test_the_docs_have_examples_to_check() -> None:
    assert len(EXAMPLES) >= 20
    assert {e.path.name for e in EXAMPLES} >= {"README.md", "suite-format.md", "local-runtime.md"}


@pytest.fixture(scope="module", autouse=True)
def model_api() -> Iterator[None]:
    """Examples with `semantic:` or `judge:` talk to the OpenAI stand-in on 127.0.0.1."""
    with running() as standin, pytest.MonkeyPatch.context() as patch:
        patch.setenv("OPENAI_BASE_URL", standin.url)
        patch.setenv("OPENAI_API_KEY", standin.key or "")
        yield


@pytest.mark.parametrize("example", EXAMPLES, ids=[e.id for e in EXAMPLES])
def test_doc_example(example: Example, tmp_path: Path) -> None:
    directive = example.directive
    assert not directive or directive.startswith(DIRECTIVES), (
        f"{example.id}: unknown directive {directive!r}; use one of {DIRECTIVES}"
    )
    if directive.startswith("skip:"):
        reason = directive.removeprefix("skip:").strip()
        assert reason, f"{example.id}: a skipped example says why"
        pytest.skip(reason)
    sandbox = _sandbox(tmp_path)
    lang = example.lang
    if lang in ("yaml", "yml"):
        _check_yaml(example, sandbox)
    elif lang in ("sh", "bash", "shell", "console"):
        _check_shell(example, sandbox)
    elif lang == "python":
        _run_python(example, sandbox)
    elif lang == "json":
        json.loads(example.body)
    elif directive.startswith("output of "):
        _check_output(example, sandbox)
    elif directive == "synopsis":
        _check_synopsis(example)
    elif directive == "layout":
        _check_layout(example)
    else:
        assert directive == "illustration", (
            f"{example.id}: a ```{lang or '(no language)'} block is neither executed nor "
            "checked: give it a language (yaml, sh, console, python, json) or a directive "
            f"before the fence, e.g. <!-- doc-example: illustration --> ({DIRECTIVES})"
        )


# --------------------------------------------------------------------------- yaml


def _check_yaml(example: Example, sandbox: Path) -> None:
    data = yaml.safe_load(example.body)
    if isinstance(data, dict) and {"suite", "environment", "cases"} <= set(data):
        _check_baseline_excerpt(example, data)
    elif isinstance(data, dict) and "cases" in data:
        suite_file = sandbox / "suites" / "doc-example.vftest.yaml"
        suite_file.write_text(example.body)
        suite = load_suite(suite_file)
        if suite.target.project and not suite.target.url:
            _run_suite(example, sandbox, suite_file)
    elif isinstance(data, dict) and set(data) <= SUITE_KEYS:
        # A fragment of suite keys: it must load inside a minimal suite.
        fragment = dict(data)
        fragment.setdefault("cases", [{"name": "c", "turns": [{"launch": None}]}])
        suite_file = sandbox / "suites" / "doc-fragment.vftest.yaml"
        suite_file.write_text(yaml.safe_dump(fragment))
        load_suite(suite_file)
    else:
        assert data is not None or example.body.strip().startswith("#"), f"{example.id}: empty"


def _check_baseline_excerpt(example: Example, data: dict[str, Any]) -> None:
    """A baseline file shown in the docs is an excerpt of one committed in suites/."""
    files = [yaml.safe_load(p.read_text()) for p in (ROOT / "suites").rglob("__baselines__/*")]
    real = next(
        (
            f
            for f in files
            if (f["suite"], f["environment"]) == (data["suite"], data["environment"])
        ),
        None,
    )
    assert real is not None, f"{example.id}: no committed baseline of {data['suite']!r}"
    for case, turns in data["cases"].items():
        assert case in real["cases"], f"{example.id}: {case!r} is not in the baseline"
        for shown, recorded in zip(turns, real["cases"][case], strict=False):
            assert shown["user"] == recorded["user"], example.id
            for item in shown["agent"]:
                if item.get("buttons"):  # an excerpt may shorten a button list
                    [actual] = [i for i in recorded["agent"] if "buttons" in i]
                    assert all(b in actual["buttons"] for b in item["buttons"]), example.id
                else:
                    assert item in recorded["agent"], f"{example.id}: {item} not recorded"
            assert shown.get("variables") == recorded.get("variables"), example.id


def _run_suite(example: Example, sandbox: Path, suite_file: Path) -> None:
    done = _run([sys.executable, "-m", "pytest", str(suite_file.relative_to(sandbox))], sandbox)
    summary = done.stdout.strip().splitlines()[-1]
    if example.directive == "fails":
        assert done.returncode == 1, done.stdout
        assert " failed" in summary, done.stdout
    else:
        assert done.returncode == 0, done.stdout
        assert " passed" in summary, done.stdout


# --------------------------------------------------------------------------- shell


def test_every_python_api_the_readme_names_imports() -> None:
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## Using vftest from Python", 1)[1].split("\n## ", 1)[0]
    names = re.findall(r"`(vftest(?:\.\w+)+)`", section)
    assert len(names) >= 6, names
    for name in names:
        module, _, attribute = name.rpartition(".")
        assert hasattr(importlib.import_module(module), attribute), f"README names {name}"


def test_the_ci_recipe_installs_vftest_and_uses_real_flags(tmp_path: Path) -> None:
    workflow = yaml.safe_load((ROOT / "docs" / "ci" / "github-actions.yml").read_text())
    steps = [
        step["run"] for job in workflow["jobs"].values() for step in job["steps"] if "run" in step
    ]
    script = "\n".join(" ".join(run.split()) for run in steps)
    runs = commands(Example(ROOT, 0, "sh", script, ""))
    installs = [words for words in runs if words[:2] == ["pip", "install"]]
    # Not on a package index yet: a bare `pip install vftest` would install something else.
    assert installs
    assert all("vftest" not in words[2:] for words in installs), installs
    assert any(w.startswith("vftest @ git+") for words in installs for w in words)
    for words in runs:
        if words[0] == "pytest":
            _check_pytest([*words[1:], "--vftest-url", "$VFTEST_URL"], tmp_path)  # flags only
        elif words[0] == "vftest":
            build_parser().parse_args(words[1:])


def _check_shell(example: Example, sandbox: Path) -> None:
    runs = commands(example)
    assert runs, f"{example.id}: no command found"
    shown_output = _shown_output(example)
    for words in runs:
        while words and re.fullmatch(r"[A-Z_][A-Z0-9_]*=.*", words[0]):
            words = words[1:]  # VAR=value prefixes
        program = words[0] if words[0] in EXTERNAL else Path(words[0]).name
        args = words[1:]
        if program == "pytest":
            output = _check_pytest(args, sandbox)
        elif program == "vftest":
            output = _check_vftest(args, sandbox)
        elif program in ("python", "python3") and args and args[0].startswith("benchmarks/"):
            output = _check_script(args)
        elif program == "pip":
            output = _check_pip(args)
        else:
            assert program in EXTERNAL, (
                f"{example.id}: the docs run {words[0]!r}, which this test does not know: "
                "teach tests/docs/test_doc_examples.py what to check, or mark the block"
            )
            output = None
        if output is not None and shown_output.get(" ".join(words)):
            _assert_in_order(shown_output[" ".join(words)], output, example)


def _check_pytest(args: list[str], sandbox: Path) -> str | None:
    known = {option.flag: option for option in OPTIONS}
    values = set()
    for index, arg in enumerate(args):
        if arg.startswith("--vftest-"):
            flag = arg.split("=", 1)[0]
            assert flag in known, f"pytest flag {flag} does not exist"
            option = known[flag]
            if not option.is_flag and "=" not in arg:
                values.add(index + 1)
                value = args[index + 1]
                if option.choices and not value.startswith("$"):
                    assert value in option.choices, f"{flag} {value}: not one of {option.choices}"
    paths = [a for i, a in enumerate(args) if i not in values and not a.startswith("-")]
    offline = "--vftest-url" not in args and paths
    if not offline or not all(p.startswith(("suites", "docs/examples")) for p in paths):
        return None  # a hosted runtime, or the project's own tests: flags checked only
    done = _run([sys.executable, "-m", "pytest", *args], sandbox)
    failing = any("failing" in path for path in paths)
    assert done.returncode == (1 if failing else 0), done.stdout + done.stderr
    return done.stdout


def _check_vftest(args: list[str], sandbox: Path) -> str | None:
    try:
        parsed = build_parser().parse_args(args)
    except SystemExit as exit:
        raise AssertionError(f"vftest {' '.join(args)}: not accepted (exit {exit.code})") from None
    if parsed.command not in ("check", "contract", "record", "import"):
        return None  # serve runs until stopped; parsing is what the docs can promise
    done = _run([sys.executable, "-m", "vftest.cli", *args], sandbox)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def _check_script(args: list[str]) -> str | None:
    script = ROOT / args[0]
    assert script.is_file(), f"{args[0]} does not exist"
    done = _run([sys.executable, str(script), "--help"], ROOT)
    assert done.returncode == 0, done.stderr
    for flag in (a.split("=", 1)[0] for a in args[1:] if a.startswith("--")):
        assert flag in done.stdout, f"{args[0]} has no flag {flag}"
    return None


def _check_pip(args: list[str]) -> str | None:
    extras = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"][
        "optional-dependencies"
    ]
    for arg in args:
        match = re.fullmatch(r"\.\[([\w,-]+)\]", arg)
        if match:
            for extra in match[1].split(","):
                assert extra in extras, f"pip install {arg}: pyproject.toml has no extra {extra}"
    return None


def _shown_output(example: Example) -> dict[str, list[str]]:
    """For a console block: the lines shown after each command (`...` elides lines)."""
    if example.lang != "console":
        return {}
    shown: dict[str, list[str]] = {}
    current: list[str] | None = None
    for line in example.body.splitlines():
        if line.startswith("$ "):
            # Output follows the last command of the line (`a && b`).
            words = (commands(Example(example.path, 0, "console", line, "")) or [[]])[-1]
            current = shown.setdefault(" ".join(words), [])
        elif current is not None and line.strip() and line.strip() != "...":
            current.append(line.rstrip())
    return shown


# --------------------------------------------------------------------------- text


def _check_output(example: Example, sandbox: Path) -> None:
    words = example.directive.removeprefix("output of ").split()
    program, args = words[0], words[1:]
    if program == "pytest":
        done = _run([sys.executable, "-m", "pytest", *args], sandbox)
    else:
        assert program == "vftest", f"{example.id}: cannot run {program!r}"
        done = _run([sys.executable, "-m", "vftest.cli", *args], sandbox)
    expected = [_volatile(line.rstrip()) for line in example.body.splitlines()]
    actual = [_volatile(line.rstrip()) for line in (done.stdout + done.stderr).splitlines()]
    for start in range(len(actual) - len(expected) + 1):
        if actual[start : start + len(expected)] == expected:
            return
    raise AssertionError(
        f"{example.id}: the block is not the output of `{' '.join(words)}`; "
        "real output:\n" + done.stdout + done.stderr
    )


def _check_synopsis(example: Example) -> None:
    parser = build_parser()
    subparsers = next(a for a in parser._actions if a.choices and isinstance(a.choices, dict))
    found = re.findall(r"^vftest (\w+)(?: ([a-z][\w-]*))?", example.body, re.M)
    shown = [name for name, _ in found]
    assert shown, f"{example.id}: a synopsis shows `vftest COMMAND` lines"
    flags: set[str] = set(parser._option_string_actions)  # --version, --help
    for name, second in found:
        assert name in subparsers.choices, f"vftest {name}: no such command"
        command = subparsers.choices[name]
        flags.update(command._option_string_actions)
        nested = [a for a in command._actions if a.choices and isinstance(a.choices, dict)]
        if nested and second:  # `vftest import voiceflow-cli ...`: the source's own flags
            assert second in nested[0].choices, f"vftest {name} {second}: no such command"
            flags.update(nested[0].choices[second]._option_string_actions)
    for flag in re.findall(r"(?<![\w-])(--?[a-z][\w-]*)", example.body):
        assert flag in flags, f"{example.id}: {flag} is not an option of {shown}"


def _check_layout(example: Example) -> None:
    for line in example.body.splitlines():
        path = line.split()[0]
        assert (ROOT / path).exists(), f"{example.id}: {path} does not exist"


# --------------------------------------------------------------------------- python


def _run_python(example: Example, sandbox: Path) -> None:
    shutil.copy(DEMO_AGENT, sandbox / "agent.vfr")
    script = sandbox / "example.py"
    script.write_text(example.body)
    done = _run([sys.executable, str(script)], sandbox)
    assert done.returncode == 0, done.stderr


# --------------------------------------------------------------------------- helpers


def _sandbox(tmp_path: Path) -> Path:
    """A copy of what the examples name: the example suites (with the demo agent), docs/examples."""
    shutil.copytree(ROOT / "suites", tmp_path / "suites")
    shutil.copytree(ROOT / "docs" / "examples", tmp_path / "docs" / "examples")
    for data in ("traces", "voiceflow-cli-demo", "transcripts"):
        shutil.copytree(ROOT / "tests" / "data" / data, tmp_path / "tests" / "data" / data)
    shutil.copy(DEMO_AGENT, tmp_path / "agent.vfr")
    return tmp_path


def _run(argv: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    env_argv = [*argv]
    if argv[1:3] == ["-m", "pytest"]:
        env_argv[3:3] = ["-p", "no:cacheprovider", "-p", "no:randomly", "--color=no"]
    # the docs show an 80-column terminal, whatever the terminal running the tests is
    env = {**os.environ, "COLUMNS": "80"}
    return subprocess.run(env_argv, cwd=cwd, capture_output=True, text=True, timeout=300, env=env)


def _volatile(line: str) -> str:
    line = re.sub(r"user_id=\S+", "user_id=*", line)
    return re.sub(r" in \d+\.\d+s", " in *s", line)


def _assert_in_order(shown: list[str], output: str, example: Example) -> None:
    actual = [line.rstrip() for line in output.splitlines()]
    position = 0
    for line in shown:
        try:
            position = actual.index(line, position) + 1
        except ValueError:
            raise AssertionError(
                f"{example.id}: {line!r} is not in the command's output (in order):\n{output}"
            ) from None


def test_every_option_and_ini_key_is_documented() -> None:
    docs = (ROOT / "README.md").read_text() + "".join(
        path.read_text() for path in (ROOT / "docs").rglob("*.md")
    )
    for option in OPTIONS:
        assert option.flag in docs, f"{option.flag} is in no README/docs page"
        assert option.dest in docs, f"ini key {option.dest} is in no README/docs page"
