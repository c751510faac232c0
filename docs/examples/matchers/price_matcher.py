"""An expectation kind of your own: `price:` checks that a text trace states a price.

    - price: {currency: "$"}             # any "$12.99"-style amount in the message
    - price: {currency: "$", max: 20}    # and none above 20

Register it from a conftest.py (`pytest_vftest_matchers`) or an entry point in the
`vftest.matchers` group (docs/matchers.md).
"""

from __future__ import annotations

import re
from typing import Any, ClassVar

from vftest.kinds import Check, Kind
from vftest.models import Trace


class PriceKind(Kind):
    """A text trace whose message states a price in the given currency."""

    name = "price"
    trace_type = "text"
    description = "A text trace that states a price (currency symbol, two decimals)."
    schema: ClassVar[dict[str, Any]] = {
        "type": "object",
        "required": ["currency"],
        "additionalProperties": False,
        "properties": {
            "currency": {"enum": ["$", "€", "£"]},
            "max": {"type": "number", "minimum": 0},
        },
    }

    def check(self, spec: dict[str, Any], trace: Trace) -> list[Check]:
        """The amounts in the message, in the currency, none above `max`."""
        payload = trace.get("payload")
        message = payload.get("message", "") if isinstance(payload, dict) else ""
        currency = spec["currency"]
        amounts = [float(a) for a in re.findall(re.escape(currency) + r"(\d+\.\d\d)", message)]
        if not amounts:
            return [Check(False, 0.0, (f"no {currency} price in {message!r}",))]
        too_high = [a for a in amounts if "max" in spec and a > spec["max"]]
        if too_high:
            return [Check(False, 0.5, (f"{currency}{too_high[0]:.2f} is above {spec['max']}",))]
        return [Check(True, 1.0)]

    def describe(self, spec: dict[str, Any], trace_type: str | None) -> str:
        """`in $ up to 20`."""
        limit = f" up to {spec['max']}" if "max" in spec else ""
        return f"in {spec['currency']}{limit}"


PRICE = PriceKind()
