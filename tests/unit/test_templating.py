"""names_in / render: `{{name}}` templates in nested suite values."""

from __future__ import annotations

import pytest

from vftest.errors import VftestError
from vftest.templating import TemplateError, names_in, render


def test_names_in_nested_values_but_not_keys() -> None:
    value = {
        "text": "hi {{user}} and {{ other_1 }}",
        "list": ["{{a}}", 3, None, {"deep": "{{b}}{{a}}"}],
        "{{key}}": "plain",
    }
    assert names_in(value) == {"user", "other_1", "a", "b"}


@pytest.mark.parametrize("text", ["{{}}", "{{ 1abc }}", "{{a b}}", "{a}", "{{a-b}}", "{ {a} }"])
def test_not_templates(text: str) -> None:
    assert names_in(text) == set()


def test_render_substitutes_everywhere_and_keeps_structure() -> None:
    value = {"a": "x={{ x }}, y={{y}}", "b": ["{{x}}", 1, True], "{{x}}": None}
    assert render(value, {"x": "1", "y": "two"}) == {
        "a": "x=1, y=two",
        "b": ["1", 1, True],
        "{{x}}": None,
    }


def test_render_does_not_rescan_substituted_text() -> None:
    assert render("{{a}}", {"a": "{{b}}", "b": "no"}) == "{{b}}"


def test_unknown_name_raises_template_error() -> None:
    with pytest.raises(TemplateError) as raised:
        render(["ok {{known}}", "{{unknown}}"], {"known": "1"})
    assert isinstance(raised.value, VftestError)
    assert raised.value.name == "unknown"
    assert str(raised.value) == "'{{unknown}}' has no value (known names: known)"
