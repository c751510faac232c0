"""The transcript: the one record of a played case that reports, baselines and coverage read."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

from vftest.client import ClientSettings
from vftest.models import ContractSettings
from vftest.runner import CaseContext, run_case
from vftest.runtime.app import create_app
from vftest.runtime.options import RuntimeOptions
from vftest.runtime.project import load_project
from vftest.suite import load_suite
from vftest.transcript import Transcript

pytestmark = pytest.mark.anyio

PIZZA = Path(__file__).parents[1] / "data" / "projects" / "pizza-demo.vfr"

SUITE = """\
name: transcript
cases:
  - name: menu then a wrong claim
    tags: [smoke]
    turns:
      - launch:
        expect:
          - text: "Welcome to Pizza Place, friend!"
      - button: See the menu
        expect:
          - carousel: {count: 2}
      - text: "order a pizza"
        expect:
          - text: "this is not what the agent says"
      - text: "never sent: the case stops at the failing turn"
"""


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


async def played() -> Transcript:
    suite = load_suite("transcript.vftest.yaml", text=SUITE)
    app = create_app(load_project(PIZZA), RuntimeOptions())
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app)) as http:
        context = CaseContext(
            client=ClientSettings(
                base_url="http://runtime.test",
                api_key="VF.DM.0.transcript",
                environment="production",
            ),
            http=http,
            run_id="abc123",
            contract=None,
            contract_settings=ContractSettings(on_violation="off"),
        )
        result = await run_case(suite.cases[0], suite, context)
    return Transcript.from_result(result)


async def test_a_failed_case_records_what_was_sent_received_and_decided() -> None:
    transcript = await played()

    assert (transcript.case_name, transcript.outcome) == ("menu then a wrong claim", "failed")
    assert (transcript.environment, transcript.api) == ("production", "v1")
    assert transcript.tags == ("smoke",)
    assert transcript.user_id.startswith("vftest-abc123-menu-then-a-wrong-claim-")
    assert (len(transcript.turns), transcript.planned_turns) == (3, 4)
    launch, menu, claim = transcript.turns
    assert launch.action == {"type": "launch"}
    assert menu.action["type"].startswith("path-")  # the button's own request, as sent
    assert launch.visible[0]["payload"]["message"] == "Welcome to Pizza Place, friend!"
    assert [trace["type"] for trace in menu.visible] == ["carousel", "choice"]
    assert all(trace["type"] not in launch.hidden_types for trace in launch.visible)
    assert [turn.ok for turn in transcript.turns] == [True, True, False]
    assert transcript.failing_turn is claim
    assert claim.line == 12  # "- text: order a pizza"
    assert claim.status == 200
    assert claim.latency is not None
    assert claim.latency >= 0
    assert transcript.duration > 0


async def test_round_trips_through_json_unchanged() -> None:
    transcript = await played()
    data = json.loads(json.dumps(transcript.to_dict()))
    assert Transcript.from_dict(data) == transcript


async def test_a_record_of_another_schema_version_is_refused() -> None:
    data = (await played()).to_dict()
    data["schema_version"] = 99
    with pytest.raises(ValueError, match="schema version 99"):
        Transcript.from_dict(data)
