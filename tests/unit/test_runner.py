"""`run_case` end to end: the in-process local runtime, scripted faults, reruns, breaker, contract.

Every conversation goes through `httpx.ASGITransport` over the pizza demo project (launch ->
"Welcome to Pizza Place, friend!", a speak, a choice [Order a pizza, See the menu]); faults are
scripted with `vftest.testing` in front of it, so the number of requests that reached each
endpoint can be counted.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, Literal

import httpx
import pytest

from vftest.client import ClientSettings
from vftest.contract import load_contract
from vftest.models import ApiGeneration, CaseResult, ContractSettings, Suite
from vftest.runner import AuthBreaker, CaseContext, run_case
from vftest.runtime.app import create_app
from vftest.runtime.options import Latency, RuntimeOptions
from vftest.runtime.project import load_project
from vftest.suite import load_suite
from vftest.testing import (
    FaultTransport,
    Step,
    connect_error,
    malformed_json,
    ok_json,
    passthrough,
    read_timeout,
    remote_disconnect,
    sse_cut,
    sse_events,
    status,
    with_faults,
)

pytestmark = pytest.mark.anyio

ContractMode = Literal["fail", "warn", "off"]
CANARY = "VF.DM.000000000000000000000000.canary-runner"
CANARY_TAIL = "canary-runner"
PIZZA = Path(__file__).parents[1] / "data" / "projects" / "pizza-demo.vfr"
RUN_ID = "a1b2c3"
WELCOME = "Welcome to Pizza Place, friend!"


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


# --------------------------------------------------------------------------- helpers


def pizza_app(**options: Any) -> Any:
    return create_app(load_project(PIZZA), RuntimeOptions(**options))


def is_interact(request: httpx.Request) -> bool:
    """Turn requests of every generation (v1 `/interact`, v2 `/interact/stream`)."""
    return "/interact" in request.url.path


def interacts(transport: FaultTransport) -> list[httpx.Request]:
    return [r for r in transport.requests if is_interact(r)]


def user_of(request: httpx.Request) -> str:
    """The user id in a v1 state path or a v2 user path."""
    match = re.search(r"/user/([^/]+)", request.url.path)
    assert match is not None, request.url.path
    return match[1]


def settings(**overrides: Any) -> ClientSettings:
    values: dict[str, Any] = {
        "base_url": "http://runtime.test",
        "api_key": CANARY,
        "timeout": 2.0,
        "max_429_wait": 2.0,
        "connect_retries": 1,
        "connect_backoff": 0.001,
    }
    values.update(overrides)
    return ClientSettings(**values)


@asynccontextmanager
async def context_for(
    transport: httpx.AsyncBaseTransport,
    *,
    client: ClientSettings | None = None,
    contract_mode: ContractMode = "fail",
    with_contract: bool = False,
    **overrides: Any,
) -> AsyncIterator[CaseContext]:
    """A CaseContext over `transport`; its HTTP client is closed on exit."""
    client = client or settings()
    async with httpx.AsyncClient(transport=transport) as http:
        yield CaseContext(
            client=client,
            http=http,
            run_id=RUN_ID,
            contract=load_contract("dm-1.1", client.api) if with_contract else None,
            contract_settings=ContractSettings(on_violation=contract_mode),
            **overrides,
        )


def suite_of(cases: str, header: str = "") -> Suite:
    """A suite from YAML text (the file need not exist)."""
    return load_suite("runner.vftest.yaml", text=f"name: runner\n{header}cases:\n{cases}")


async def play(suite: Suite, context: CaseContext, index: int = 0) -> CaseResult:
    return await run_case(suite.cases[index], suite, context)


MENU_CASE = """\
  - name: "Menu, please!"
    turns:
      - launch:
        expect:
          - text: "Welcome to Pizza Place, friend!"
          - choice: [Order a pizza, See the menu]
      - button: See the menu
        expect:
          - carousel: {count: 2}
      - text: "order a pizza"
        expect:
          - text: {contains: pizza coming up}
"""


# --------------------------------------------------------------------------- passing / failing


async def test_passing_case_runs_every_turn_with_a_fresh_readable_user() -> None:
    suite = suite_of(MENU_CASE)
    transport = with_faults(pizza_app())
    async with context_for(transport) as context:
        first = await play(suite, context)
        second = await play(suite, context)

    assert first.outcome == "passed", first
    assert (first.error, first.error_kind, first.attempts) == (None, None, 1)
    assert len(first.turns) == 3
    assert all(turn.ok and turn.exchange is not None for turn in first.turns)
    assert first.turns[0].exchange is not None
    assert first.turns[0].exchange.traces[0]["payload"]["message"] == WELCOME
    # the button was resolved from the first turn's choice, and sent as its request
    assert first.turns[1].request["type"] == "path-menu1"
    assert first.version == "development"

    pattern = re.compile(rf"^vftest-{RUN_ID}-menu-please-[0-9a-f]{{6}}$")
    assert pattern.match(first.user_id), first.user_id
    assert pattern.match(second.user_id), second.user_id
    assert first.user_id != second.user_id
    # every request of the first case was made as its user, and only 3 turns were sent
    first_requests = [r for r in transport.requests if user_of(r) == first.user_id]
    assert [r.method for r in first_requests] == ["DELETE", "POST", "POST", "POST"]
    # the second case's user is new: no state to clear, no reset round trip
    second_requests = [r for r in transport.requests if user_of(r) == second.user_id]
    assert [r.method for r in second_requests] == ["POST", "POST", "POST"]
    assert len(interacts(transport)) == 6


async def test_concurrent_cases_wait_for_the_first_contact_to_check_access() -> None:
    suite = suite_of(MENU_CASE)
    transport = with_faults(pizza_app(latency=Latency(fixed_ms=50)))
    async with context_for(transport) as context:
        results = await asyncio.gather(*(play(suite, context) for _ in range(5)))

    assert [result.outcome for result in results] == ["passed"] * 5
    methods = [r.method for r in transport.requests]
    # one reset, sent before any turn: the check of key and URL happens once, first
    assert methods.count("DELETE") == 1
    assert methods[0] == "DELETE"
    assert methods.count("POST") == 15


async def test_a_wrong_key_seen_by_the_first_contact_stops_cases_that_waited_for_it() -> None:
    suite = suite_of(MENU_CASE)
    transport = with_faults(pizza_app(api_keys=("VF.DM.good.key",), latency=Latency(fixed_ms=50)))
    async with context_for(transport) as context:
        results = await asyncio.gather(*(play(suite, context) for _ in range(4)))

    assert [result.error_kind for result in results] == ["auth"] * 4
    assert len(transport.requests) == 1  # only the first contact was sent
    first, *waited = results
    assert first.error is not None
    assert "refused the API key" in first.error
    assert {result.error for result in waited} == {f"not run: {first.error}"}


async def test_failing_expectation_stops_the_conversation_at_that_turn() -> None:
    suite = suite_of(
        """\
  - name: wrong welcome
    turns:
      - launch:
        expect:
          - text: "Welcome to Burger Barn, friend!"
          - choice: [Order a pizza, See the menu]
      - button: See the menu
      - text: "order a pizza"
"""
    )
    transport = with_faults(pizza_app())
    async with context_for(transport) as context:
        result = await play(suite, context)

    assert result.outcome == "failed"
    assert result.error is None
    assert len(result.turns) == 1
    verdicts = [e.ok for e in result.turns[0].expectations]
    assert verdicts == [False, True]  # every expectation of the failing turn is reported
    assert len(interacts(transport)) == 1  # turns 2 and 3 were never sent


async def test_missing_button_fails_the_turn_without_sending_it() -> None:
    suite = suite_of(
        """\
  - name: no such button
    turns:
      - launch:
      - button: Nope
      - text: "order a pizza"
"""
    )
    transport = with_faults(pizza_app())
    async with context_for(transport) as context:
        result = await play(suite, context)

    assert result.outcome == "failed"
    assert result.error is None
    assert len(result.turns) == 2
    unsent = result.turns[1]
    assert unsent.exchange is None
    assert not unsent.ok
    (failure,) = unsent.expectations
    assert failure.where == "action"
    assert any('"Nope"' in d and '"See the menu"' in d for d in failure.details), failure
    assert len(interacts(transport)) == 1


async def test_captures_feed_later_actions_and_expectations() -> None:
    suite = suite_of(
        """\
  - name: captures
    variables: {user_name: Ada}
    turns:
      - launch:
        capture:
          who: {trace: text, regex: 'Welcome to Pizza Place, (\\w+)!'}
          size: {variable: size}
      - text: "i want a {{size}} pizza"
        expect:
          - text: "Great, one {{size}} pizza coming up."
          - card: {description: {contains: "{{size}}"}}
        expect_variables:
          size: "{{size}}"
          user_name: "{{who}}"
        capture:
          ordered: {trace: text, regex: 'one (\\w+) pizza'}
      - launch:
        expect:
          - text: "Welcome to Pizza Place, {{who}}!"
        absent:
          - text: {contains: "{{ordered}}"}
"""
    )
    transport = with_faults(pizza_app())
    async with context_for(transport) as context:
        result = await play(suite, context)

    assert result.outcome == "passed", [e for t in result.turns for e in t.expectations]
    second = result.turns[1]
    assert second.request == {"type": "text", "payload": "i want a medium pizza"}
    sent = json.loads(interacts(transport)[1].content)
    assert sent["action"] == {"type": "text", "payload": "i want a medium pizza"}
    # the expectations as checked carry the captured values, not the templates
    assert second.turn.expect[0].spec is not None
    assert second.turn.expect[0].spec.value == "Great, one medium pizza coming up."
    assert [v.match.value for v in second.turn.expect_variables] == ["medium", "Ada"]
    third = result.turns[2].turn
    assert third.expect[0].spec is not None
    assert third.expect[0].spec.value == "Welcome to Pizza Place, Ada!"
    assert third.absent[0].spec is not None
    assert third.absent[0].spec.value == "medium"


async def test_a_capture_that_finds_nothing_fails_the_turn_and_stops() -> None:
    suite = suite_of(
        """\
  - name: capture misses
    turns:
      - launch:
        capture:
          order: {trace: text, regex: 'order (\\d+)'}
      - text: "status of {{order}}"
"""
    )
    transport = with_faults(pizza_app())
    async with context_for(transport) as context:
        result = await play(suite, context)

    assert result.outcome == "failed"
    assert len(result.turns) == 1
    (failure,) = [e for e in result.turns[0].expectations if not e.ok]
    assert failure.label == "capture order"
    assert len(interacts(transport)) == 1


# --------------------------------------------------------------------------- infrastructure faults


async def test_503_mid_case_is_a_server_error_and_the_turn_is_not_resent() -> None:
    suite = suite_of(MENU_CASE)
    transport = with_faults(
        pizza_app(),
        [passthrough(), status(503, "<h1>503 Service Unavailable</h1>")],
        when=is_interact,
    )
    async with context_for(transport) as context:
        result = await play(suite, context)

    assert result.outcome == "error"
    assert result.error_kind == "server"
    assert result.error is not None
    assert "-> 503" in result.error
    assert result.attempts == 1
    assert len(result.turns) == 1  # the launch completed; the menu turn never did
    assert len(interacts(transport)) == 2  # launch + the one 503: no resend, no turn 3
    assert transport.remaining == 0


async def test_read_timeout_mid_case_is_a_transport_error_not_resent() -> None:
    suite = suite_of(MENU_CASE)
    transport = with_faults(pizza_app(), [passthrough(), read_timeout()], when=is_interact)
    async with context_for(transport) as context:
        result = await play(suite, context)

    assert (result.outcome, result.error_kind) == ("error", "transport")
    assert result.error is not None
    assert "no answer within 2s" in result.error
    assert len(result.turns) == 1
    assert len(interacts(transport)) == 2


V2_STREAM_CASE = """\
  - name: streamed
    turns:
      - launch:
        expect:
          - text: {contains: Welcome}
      - button: See the menu
        expect:
          - carousel: {count: 2}
"""
CUT_BODY = sse_events(("trace", {"type": "text", "payload": {"message": "half a menu"}}))


@pytest.mark.parametrize(
    "error",
    [httpx.RemoteProtocolError, httpx.ReadTimeout, None],
    ids=["dropped", "silent", "closed-before-end"],
)
async def test_cut_sse_stream_mid_case_is_an_error(
    error: type[httpx.TransportError] | None,
) -> None:
    project = load_project(PIZZA)
    suite = suite_of(V2_STREAM_CASE)
    client = settings(api=ApiGeneration.V2, stream=True, project_id=project.project_id)
    cut = sse_cut(CUT_BODY, at=CUT_BODY.index(b"event: end"), error=error)
    transport = with_faults(create_app(project), [passthrough(), cut], when=is_interact)
    async with context_for(transport, client=client) as context:
        result = await play(suite, context)

    assert result.outcome == "error", result
    assert result.error_kind == "transport"
    assert len(result.turns) == 1  # the streamed launch passed before the cut
    assert result.turns[0].ok
    paths = [r.url.path for r in interacts(transport)]
    assert len(paths) == 2
    assert all(p.endswith("/interact/stream") for p in paths)


async def test_429_is_waited_out_and_the_turn_sent_exactly_twice() -> None:
    suite = suite_of(
        """\
  - name: throttled
    turns:
      - launch:
        expect:
          - text: "Welcome to Pizza Place, friend!"
"""
    )
    transport = with_faults(
        pizza_app(),
        [status(429, {"data": "Too Many Requests"}, headers={"retry-after": "0.05"})],
        when=is_interact,
    )
    async with context_for(transport) as context:
        result = await play(suite, context)

    assert result.outcome == "passed", result.error
    assert result.attempts == 1
    sent = interacts(transport)
    assert len(sent) == 2
    assert sent[0].url == sent[1].url
    assert sent[0].content == sent[1].content


# --------------------------------------------------------------------------- reruns


ONE_TURN = """\
  - name: rerun me
    turns:
      - launch:
        expect:
          - text: "Welcome to Pizza Place, friend!"
"""


async def test_rerun_after_a_fault_passes_with_a_fresh_user() -> None:
    suite = suite_of(ONE_TURN)
    transport = with_faults(pizza_app(), [status(503)], when=is_interact)
    async with context_for(transport, reruns=2) as context:
        result = await play(suite, context)

    assert result.outcome == "passed", result.error
    assert result.attempts == 2
    assert result.error is None
    faulted, answered = interacts(transport)
    assert user_of(answered) == result.user_id
    assert user_of(faulted) != result.user_id
    # only the first contact with the runtime resets a user's state (it checks access);
    # the rerun's fresh user has none to clear
    deletes = [user_of(r) for r in transport.requests if r.method == "DELETE"]
    assert deletes == [user_of(faulted)]


async def test_reruns_exhausted_is_an_error_after_every_attempt() -> None:
    suite = suite_of(ONE_TURN)
    transport = with_faults(pizza_app(), [status(503)] * 3, when=is_interact)
    async with context_for(transport, reruns=2) as context:
        result = await play(suite, context)

    assert result.outcome == "error"
    assert result.error_kind == "server"
    assert result.attempts == 3
    sent = interacts(transport)
    assert len(sent) == 3
    assert len({user_of(r) for r in sent}) == 3  # each attempt as a new user
    assert result.user_id == user_of(sent[-1])


async def test_a_failure_is_not_rerun() -> None:
    suite = suite_of(
        """\
  - name: agent regression
    turns:
      - launch:
        expect:
          - text: "Welcome to Burger Barn, friend!"
"""
    )
    transport = with_faults(pizza_app())
    async with context_for(transport, reruns=2) as context:
        result = await play(suite, context)

    assert (result.outcome, result.attempts) == ("failed", 1)
    assert len(interacts(transport)) == 1


# --------------------------------------------------------------------------- auth breaker


async def test_auth_error_trips_the_breaker_and_later_cases_send_nothing() -> None:
    suite = suite_of(ONE_TURN + ONE_TURN.replace("rerun me", "second case"))
    transport = FaultTransport([status(401, {"data": "Auth Key Required"})], fallback=None)
    breaker = AuthBreaker()
    async with context_for(transport, reruns=2, breaker=breaker) as context:
        first = await play(suite, context, 0)
        seen = len(transport.requests)
        second = await play(suite, context, 1)

    assert (first.outcome, first.error_kind, first.attempts) == ("error", "auth", 1)
    assert first.error is not None
    assert "Auth Key Required" in first.error
    assert breaker.message == first.error
    assert seen == 1  # reruns do not retry a refused key

    assert (second.outcome, second.error_kind) == ("error", "auth")
    assert second.error == f"not run: {first.error}"
    assert second.turns == ()
    assert len(transport.requests) == seen  # nothing was sent for the second case


async def test_wrong_key_on_a_runtime_with_keys_trips_the_breaker() -> None:
    suite = suite_of(ONE_TURN + ONE_TURN.replace("rerun me", "second case"))
    transport = with_faults(pizza_app(api_keys=("VF.DM.good.key",)))
    async with context_for(transport) as context:
        first = await play(suite, context, 0)
        second = await play(suite, context, 1)

    assert (first.outcome, first.error_kind) == ("error", "auth")
    assert first.error is not None
    assert "refused the API key" in first.error
    assert second.error == f"not run: {first.error}"
    assert len(transport.requests) == 1
    assert CANARY_TAIL not in repr(first) + repr(second)


# --------------------------------------------------------------------------- contract modes

BAD_CHOICE = [
    {"type": "text", "payload": {"message": "hi"}},
    # dm-1.1: ChoiceTrace buttons require `name`
    {"type": "choice", "payload": {"buttons": [{"request": {"type": "path-1"}}]}},
]
GOOD_CHOICE = [
    {"type": "text", "payload": {"message": "hi"}},
    {"type": "choice", "payload": {"buttons": [{"name": "A", "request": {"type": "path-1"}}]}},
]
SAYS_HI = """\
  - name: says hi
    turns:
      - launch:
        expect:
          - text: hi
      - text: "order a pizza"
"""


def contract_transport(traces: list[dict[str, Any]]) -> FaultTransport:
    """The first turn answers `traces`; everything else is the real runtime."""
    return with_faults(pizza_app(), [ok_json(traces)], when=is_interact)


@pytest.mark.parametrize(
    ("mode", "outcome", "turns_played"),
    [("fail", "failed", 1), ("warn", "passed", 2), ("off", "passed", 2)],
)
async def test_contract_mode_decides_what_a_violation_does(
    mode: ContractMode, outcome: str, turns_played: int
) -> None:
    suite = suite_of(SAYS_HI)
    transport = contract_transport(BAD_CHOICE)
    async with context_for(transport, contract_mode=mode, with_contract=True) as context:
        result = await play(suite, context)

    assert result.outcome == outcome
    assert result.contract_mode == mode
    assert result.turns[0].ok  # the expectations held: only the contract decides
    assert len(result.turns) == turns_played
    assert len(interacts(transport)) == turns_played
    if mode == "off":
        assert result.violations == 0
    else:
        (violation,) = result.turns[0].violations
        assert violation.keyword == "required"
        assert violation.json_path == "$.payload.buttons[0]"
        assert "'name' is a required property" in violation.message
        assert result.violations == 1


async def test_contract_fail_mode_passes_a_conforming_turn() -> None:
    suite = suite_of(SAYS_HI)
    transport = contract_transport(GOOD_CHOICE)
    async with context_for(transport, contract_mode="fail", with_contract=True) as context:
        result = await play(suite, context)

    assert result.outcome == "passed"
    assert result.violations == 0
    assert len(interacts(transport)) == 2


# --------------------------------------------------------------------------- the key never leaks

LEAKY_SSE = sse_events(("trace", {"type": "text", "payload": {"message": f"echo {CANARY}"}}))


def _v2_stream() -> ClientSettings:
    return settings(api=ApiGeneration.V2, stream=True, project_id=load_project(PIZZA).project_id)


# (id, scripted interact steps, client settings factory, expected error kind)
LEAK_PATHS: list[tuple[str, list[Step], Callable[[], ClientSettings], str]] = [
    ("503-echo", [status(503, f"upstream said: bad key {CANARY}")], settings, "server"),
    ("500-json-echo", [status(500, {"data": f"key {CANARY} exploded"})], settings, "server"),
    ("401-echo", [status(401, {"data": f"Invalid key {CANARY}"})], settings, "auth"),
    (
        "400-bad-key-echo",
        [status(400, {"message": f"Cannot resolve project version: API key {CANARY}"})],
        settings,
        "auth",
    ),
    ("read-timeout", [read_timeout()], settings, "transport"),
    ("dropped", [remote_disconnect()], settings, "transport"),
    ("refused", [connect_error()] * 2, settings, "transport"),
    ("malformed", [malformed_json()], settings, "transport"),
    (
        "malformed-echo",
        [
            status(
                200,
                f'[{{"type": "text", "payload": "{CANARY}',
                headers={"content-type": "application/json"},
            )
        ],
        settings,
        "transport",
    ),
    (
        "not-a-list-echo",
        [ok_json({"error": CANARY})],
        settings,
        "transport",
    ),
    (
        "429-forever",
        [status(429, headers={"retry-after": "0.05"})] * 100,
        lambda: settings(max_429_wait=0.2),
        "rate-limited",
    ),
    (
        "sse-cut-echo",
        [sse_cut(LEAKY_SSE, at=LEAKY_SSE.index(b"event: end"))],
        _v2_stream,
        "transport",
    ),
    (
        "sse-closed-echo",
        [sse_cut(LEAKY_SSE, at=LEAKY_SSE.index(b"event: end"), error=None)],
        _v2_stream,
        "transport",
    ),
]


@pytest.mark.parametrize(
    ("steps", "client", "kind"),
    [pytest.param(steps, client, kind, id=name) for name, steps, client, kind in LEAK_PATHS],
)
async def test_api_key_appears_in_no_result_on_any_fault_path(
    steps: list[Step], client: Callable[[], ClientSettings], kind: str
) -> None:
    suite = suite_of(ONE_TURN + ONE_TURN.replace("rerun me", "after"))
    transport = with_faults(pizza_app(), steps, when=is_interact)
    async with context_for(transport, client=client()) as context:
        results = [await play(suite, context, 0), await play(suite, context, 1)]

    first = results[0]
    assert (first.outcome, first.error_kind) == ("error", kind), first
    # the key really went out on the wire: the redaction is what keeps it out of the result
    assert any(CANARY in r.headers.get("authorization", "") for r in transport.requests)
    for result in results:
        for text in (repr(result), str(result.error), *(str(t) for t in result.turns)):
            assert CANARY not in text
            assert CANARY_TAIL not in text


async def test_a_rejected_request_is_an_error_of_that_case_only() -> None:
    # A 4xx that is neither auth, rate limiting nor an unknown route: the runtime refused what
    # this case sent. An error (not the agent's answer), redacted, and other cases still run.
    suite = suite_of(ONE_TURN)
    transport = with_faults(
        pizza_app(), [status(400, {"data": f"bad action for {CANARY}"})], when=is_interact
    )
    async with context_for(transport) as context:
        result = await play(suite, context)

    assert (result.outcome, result.error_kind) == ("error", "request")
    assert "-> 400: the runtime rejected the request" in (result.error or "")
    assert CANARY_TAIL not in repr(result)
    assert context.breaker.message is None


async def test_an_unknown_route_trips_the_breaker() -> None:
    # Express's "Cannot POST" 404: a wrong URL or API generation; every case would get it.
    suite = suite_of(ONE_TURN)
    transport = with_faults(pizza_app(), [status(404, b"Cannot POST /nowhere")], when=is_interact)
    async with context_for(transport) as context:
        first = await play(suite, context)
        second = await play(suite, context)

    assert (first.outcome, first.error_kind) == ("error", "config")
    assert "unknown route" in (first.error or "")
    assert second.error == f"not run: {first.error}"
