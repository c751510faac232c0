"""Secrets never survive redaction, and nothing else is mangled."""

from __future__ import annotations

import logging

import pytest

from vftest.redact import (
    REDACTED,
    RedactingFilter,
    redact,
    redact_headers,
    redact_obj,
    secrets_of,
)

KEY = "VF.DM.000000000000000000000000.canary-secret"


def test_redact_replaces_every_occurrence() -> None:
    text = f"key={KEY} again {KEY}"
    assert redact(text, [KEY]) == f"key={REDACTED} again {REDACTED}"


def test_redact_ignores_empty_and_none_secrets() -> None:
    assert redact("plain text", ["", None]) == "plain text"


def test_secrets_of_covers_scheme_prefix_and_secret_part() -> None:
    found = secrets_of(f"Bearer {KEY}")
    assert KEY in found
    assert f"Bearer {KEY}" in found
    assert "canary-secret" in found
    # the secret alone (e.g. a message quoting a re-formatted key) is hidden too
    assert "canary-secret" not in redact("secret is canary-secret", found)
    assert found == tuple(sorted(found, key=len, reverse=True))


def test_secrets_of_skips_short_fragments_and_none() -> None:
    assert secrets_of(None, "") == ()
    assert secrets_of("VF.DM.x.abc") == ("VF.DM.x.abc",)


def test_longest_secret_wins() -> None:
    # the whole key is replaced in one piece, not its tail first
    assert redact(f"<{KEY}>", secrets_of(KEY)) == f"<{REDACTED}>"


def test_redact_obj_walks_json() -> None:
    value = {"a": [KEY, {"b": f"x{KEY}"}], KEY: 1, "n": 3, "t": (KEY,)}
    clean = redact_obj(value, [KEY])
    assert clean == {"a": [REDACTED, {"b": f"x{REDACTED}"}], REDACTED: 1, "n": 3, "t": [REDACTED]}
    assert value["a"][0] == KEY  # the input is untouched


def test_redact_headers_masks_authorization_whatever_its_value() -> None:
    headers = {"Authorization": "session-jwt", "versionID": "development", "X-Echo": KEY}
    assert redact_headers(headers, [KEY]) == {
        "Authorization": REDACTED,
        "versionID": "development",
        "X-Echo": REDACTED,
    }
    assert redact_headers([("cookie", "c=1")]) == {"cookie": REDACTED}


def test_redacting_filter_rewrites_records(caplog: pytest.LogCaptureFixture) -> None:
    logger = logging.getLogger("vftest.test_redact")
    logger.addFilter(RedactingFilter([KEY]))
    try:
        with caplog.at_level(logging.INFO, logger="vftest.test_redact"):
            logger.info("sending %s to %s", KEY, "/state")
    finally:
        logger.filters.clear()
    assert KEY not in caplog.text
    assert f"sending {REDACTED} to /state" in caplog.text
