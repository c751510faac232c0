"""pytest's side of vftest's options: flags, ini keys, and the run's typed `Settings`.

Every `Option` of vftest.settings becomes a `--vftest-*` flag and a `vftest_*` ini key; they are
read once per run into the `Settings` the plugin uses.
"""

from __future__ import annotations

import pytest

from vftest.errors import ConfigError
from vftest.settings import OPTIONS, Option, Settings, read_settings

__all__ = ["OPTIONS", "Option", "add_options", "check_options", "settings_of"]

settings_key = pytest.StashKey[Settings]()


def add_options(parser: pytest.Parser) -> None:
    """Register every option as a flag (group `vftest`) and as an ini key."""
    group = parser.getgroup("vftest", "conversation tests for Voiceflow agents")
    for option in OPTIONS:
        env_note = f" [env {option.env}]" if option.env else ""
        if option.is_flag:
            group.addoption(
                option.flag,
                action="store_true",
                default=None,
                dest=option.dest,
                help=option.help + env_note,
            )
        else:
            group.addoption(
                option.flag,
                action="store",
                default=None,
                dest=option.dest,
                help=option.help + env_note,
            )
        parser.addini(option.dest, help=option.help, type="string", default=None)


def check_options(config: pytest.Config) -> Settings:
    """Read every option once, so a bad value stops the run before anything is collected.

    Raises:
        pytest.UsageError: naming the option as the user set it and what it accepts.
    """
    try:
        settings = read_settings(
            lambda option: config.getoption(option.dest),
            lambda option: config.getini(option.dest),
        )
    except ConfigError as error:
        raise pytest.UsageError(str(error)) from None
    config.stash[settings_key] = settings
    return settings


def settings_of(config: pytest.Config) -> Settings:
    """The run's settings (read by `check_options` at configure time)."""
    settings = config.stash.get(settings_key, None)
    return settings if settings is not None else check_options(config)
