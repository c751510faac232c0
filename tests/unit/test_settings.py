"""The typed settings read once from the option table, and target resolution in the library."""

from __future__ import annotations

from dataclasses import fields
from pathlib import Path

import pytest

from vftest.errors import ConfigError
from vftest.models import ApiGeneration
from vftest.runtime.project import Project, load_project
from vftest.settings import OPTIONS, Chosen, Settings, read_settings
from vftest.suite import load_suite
from vftest.targets import EMBEDDED_KEY, resolve_target

ROOT = Path(__file__).parents[2]


def test_the_table_and_the_typed_fields_name_the_same_options() -> None:
    assert [o.name.replace("-", "_") for o in OPTIONS] == [f.name for f in fields(Settings)]


def test_precedence_and_types() -> None:
    settings = read_settings(
        lambda option: {"timeout": "5", "stream": True}.get(option.name),
        lambda option: {"concurrency": "3", "url": "http://ini"}.get(option.name),
        {"VFTEST_URL": "http://env", "VFTEST_REPEAT": "4"},
    )
    assert settings.timeout == Chosen(5.0, "cli")
    assert settings.stream == Chosen(True, "cli")
    assert settings.url == Chosen("http://env", "env")  # the environment beats the ini file
    assert settings.repeat == Chosen(4, "env")
    assert settings.concurrency == Chosen(3, "ini")
    assert settings.api_key_env == Chosen("VOICEFLOW_API_KEY", "default")


def test_a_suite_value_beats_ini_and_default_but_not_cli_or_env() -> None:
    assert Chosen("cli", "cli").over("suite", set_in_suite=True) == "cli"
    assert Chosen("env", "env").over("suite", set_in_suite=False) == "env"
    assert Chosen("ini", "ini").over("suite", set_in_suite=True) == "suite"
    assert Chosen("ini", "ini").over("model default", set_in_suite=False) == "ini"
    assert Chosen(None, "default").over("model default", set_in_suite=False) == "model default"


@pytest.mark.parametrize(
    ("option", "text", "message"),
    [
        ("api", "v9", "--vftest-api='v9' is not valid: use one of v1, v2, v4"),
        ("timeout", "0", "--vftest-timeout='0' is not valid: use a number of seconds above 0"),
        ("concurrency", "abc", "--vftest-concurrency='abc' is not valid: use a whole number"),
    ],
)
def test_a_bad_value_names_the_option_and_what_it_accepts(
    option: str, text: str, message: str
) -> None:
    with pytest.raises(ConfigError) as raised:
        read_settings(lambda o: text if o.name == option else None, environ={})
    assert str(raised.value).startswith(message)


def test_the_environment_is_named_when_it_is_the_culprit() -> None:
    with pytest.raises(ConfigError, match=r"^VFTEST_API='v9' is not valid"):
        read_settings(lambda _o: None, environ={"VFTEST_API": "v9"})


def _suite(tmp_path: Path, target: str) -> Path:
    path = tmp_path / "s.vftest.yaml"
    path.write_text(
        f"name: s\ntarget: {target}\ncases:\n  - name: c\n    turns:\n      - launch:\n"
    )
    return path


def test_resolution_against_a_url_needs_a_key_from_the_environment(tmp_path: Path) -> None:
    suite = load_suite(_suite(tmp_path, "{url: 'http://127.0.0.1:9', api: v2, project_id: p1}"))
    settings = read_settings(lambda o: "v1" if o.name == "api" else None, environ={})

    def no_runtime(_path: str, _envs: tuple[str, ...]) -> tuple[str, Project]:
        raise AssertionError("a URL target starts no embedded runtime")

    with pytest.raises(ConfigError, match="set the environment variable VOICEFLOW_API_KEY"):
        resolve_target(suite, "development", settings, no_runtime, environ={})
    target = resolve_target(
        suite,
        "production",
        settings,
        no_runtime,
        environ={"VOICEFLOW_API_KEY": "VF.DM.x.y"},
    )
    assert target.client.api is ApiGeneration.V1  # the command line beats the suite's v2
    assert (target.client.base_url, target.client.environment) == (
        "http://127.0.0.1:9",
        "production",
    )
    assert target.client.api_key == "VF.DM.x.y"


def test_resolution_of_an_agent_file_starts_its_embedded_runtime(tmp_path: Path) -> None:
    agent = ROOT / "suites" / "agents" / "support.vfr"
    suite = load_suite(_suite(tmp_path, f"{{project: {agent}}}"))
    started: list[str] = []

    def embedded(path: str, environments: tuple[str, ...]) -> tuple[str, Project]:
        started.append(path)
        return "http://127.0.0.1:1", load_project(path)

    target = resolve_target(suite, "development", Settings.defaults(), embedded, environ={})
    assert started == [str(agent)]
    assert target.client.api_key == EMBEDDED_KEY
    with pytest.raises(ConfigError, match="staging"):
        resolve_target(suite, "staging", Settings.defaults(), embedded, environ={})
