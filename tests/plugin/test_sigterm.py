"""CI cancels a job with SIGTERM: the run stops promptly and still writes its reports."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from pathlib import Path

SUITE = "name: stuck\ncases:\n" + "".join(
    f"  - name: case {n}\n    turns:\n      - launch:\n" for n in range(5)
)


def test_sigterm_writes_junit_and_json_with_the_cases_not_run(
    tmp_path: Path,
    silent_url: str,
) -> None:
    (tmp_path / "stuck.vftest.yaml").write_text(SUITE)
    env = {**os.environ, "VOICEFLOW_API_KEY": "VF.DM.000000000000000000000000.sigterm"}
    process = subprocess.Popen(
        [
            sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-p", "no:randomly",
            "--vftest-url", silent_url, "--vftest-timeout", "60", "--vftest-max-timeouts", "0",
            "--junitxml", "junit.xml", "--vftest-json", "results.json",
        ],
        cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    time.sleep(4)  # collected, the first case waiting on a runtime that never answers
    process.send_signal(signal.SIGTERM)
    output, _ = process.communicate(timeout=30)
    assert process.returncode == 2, output  # interrupted, like Ctrl-C
    assert "vftest: stopped by SIGTERM; 5 tests not run, marked so in the reports" in output
    cases = list(ET.parse(tmp_path / "junit.xml").iter("testcase"))
    assert [case.get("name") for case in cases] == [f"case {n}" for n in range(5)]
    for case in cases:
        skipped = case.find("skipped")
        assert skipped is not None
        assert "not run: the run was stopped (SIGTERM)" in skipped.get("message", "")
    results = json.loads((tmp_path / "results.json").read_text())
    assert results["counts"]["not run"] == 5
    assert {case["outcome"] for case in results["cases"]} == {"not run"}
