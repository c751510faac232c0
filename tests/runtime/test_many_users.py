"""200 users at once on one local runtime, over real sockets: no crash, no state crossing users.

Each user asks about an order number only they use; every answer, and the state read back,
must carry that number and no other user's.
"""

from __future__ import annotations

import asyncio
import json
import re
from pathlib import Path

import httpx

from vftest.runtime.app import create_app
from vftest.runtime.project import load_project
from vftest.runtime.server import RunningServer

AGENT = Path(__file__).parents[2] / "suites" / "agents" / "support.vfr"
USERS = 200
KEY = {"authorization": "VF.DM.000000000000000000000000.many-users"}


async def _one_user(client: httpx.AsyncClient, url: str, n: int) -> tuple[int, str, object]:
    user = f"{url}/state/user/user-{n}"
    statuses = []
    launch = await client.post(f"{user}/interact", json={"action": {"type": "launch"}})
    statuses.append(launch.status_code)
    asked = await client.post(
        f"{user}/interact", json={"action": {"type": "text", "payload": f"where is my order {n}"}}
    )
    statuses.append(asked.status_code)
    state = await client.get(user)
    statuses.append(state.status_code)
    texts = " ".join(
        str(t.get("payload", {}).get("message", "")) for t in asked.json() if isinstance(t, dict)
    )
    variables = state.json().get("variables", {}) if state.status_code == 200 else {}
    return max(statuses), texts, variables.get("order_number")


def test_two_hundred_users_at_once_stay_apart() -> None:
    numbers = [10_000 + i for i in range(USERS)]

    async def everyone(url: str) -> list[tuple[int, str, object]]:
        limits = httpx.Limits(max_connections=USERS, max_keepalive_connections=USERS)
        async with httpx.AsyncClient(headers=KEY, limits=limits, timeout=60) as client:
            return await asyncio.gather(*(_one_user(client, url, n) for n in numbers))

    with RunningServer(create_app(load_project(AGENT))) as server:
        results = asyncio.run(everyone(server.url))
        assert httpx.get(server.url + "/health").status_code == 200  # still serving

    for n, (status, texts, stored) in zip(numbers, results, strict=True):
        assert status == 200, (n, status)
        assert f"Order {n} is" in texts, (n, texts)
        others = {int(m) for m in re.findall(r"\b(1\d{4})\b", texts)} - {n}
        assert not others, f"user {n} saw another user's order: {others}"
        assert json.dumps(stored) in (str(n), f'"{n}"'), (n, stored)
