"""Errors in Kestra's shapes (§3.4, §3.5, §1.2): message text, `.name`/`.root`/`.key`."""

from __future__ import annotations

import re

import pytest

from kestra_nb import RenderError
from kestra_nb.errors import SecretNotFound
from kestra_nb.pebble import (
    NotAvailableError,
    PebbleError,
    PebbleParseError,
    SecretNotFoundError,
    UndefinedError,
)

PEBBLE = "io.pebbletemplates.pebble.error.PebbleException"


@pytest.mark.parametrize(
    ("template", "variables", "name", "root"),
    [
        ("{{ x }}", {}, "x", "x"),
        ("{{inputs.invalid}}", {"inputs": {}}, "invalid", "inputs"),
        ("{{ outputs.t1.value }}", {}, "outputs", "outputs"),
        ("{{ outputs.t1.value }}", {"outputs": {"t1": {}}}, "value", "outputs"),
        # attribute of a null root: Pebble names the root variable
        ("{{ a.b }}", {"a": None}, "a", "a"),
        # attribute of a null value deeper down: the missing attribute
        ("{{ a.b.c }}", {"a": {"b": None}}, "c", "a"),
        ("{{ l[3] }}", {"l": [1]}, "3", "l"),
        ("{{ m[k] }}", {"m": {}, "k": "key"}, "key", "m"),
        ("{{ 1 + y }}", {}, "y", "y"),
        ("{{ 'abc'.nope }}", {}, "nope", None),
    ],
)
def test_undefined_error(render, template: str, variables: dict, name: str, root) -> None:
    with pytest.raises(UndefinedError) as info:
        render(template, variables)
    err = info.value
    assert str(err) == f"Unable to find `{name}` used in the expression `{template}` at line 1"
    assert err.name == name
    if root is not None:
        assert err.root == root
    assert isinstance(err, RenderError)


def test_undefined_error_line_number(render) -> None:
    template = "line 1\nline 2 {{ ok }}\n\n{{ missing }}"
    with pytest.raises(UndefinedError) as info:
        render(template, {"ok": 1})
    assert str(info.value).endswith("at line 4")


@pytest.mark.parametrize(
    ("template", "variables", "line"),
    [
        ("{{ 'a'\n ~ b }}", {}, 2),
        ("{{ inputs\n.missing }}", {"inputs": {}}, 2),
        ("{{ inputs\n['missing'] }}", {"inputs": {}}, 2),
    ],
)
def test_undefined_line_is_the_tokens_line(render, template: str, variables: dict, line) -> None:
    with pytest.raises(UndefinedError) as info:
        render(template, variables)
    assert str(info.value).endswith(f"at line {line}")


def test_undefined_in_a_tag(render) -> None:
    template = "{% for x in [1] %}\n{{ x }}{% for y in nope %}{% endfor %}{% endfor %}"
    with pytest.raises(UndefinedError) as info:
        render(template)
    assert str(info.value) == f"Unable to find `nope` used in the expression `{template}` at line 2"


def test_undefined_in_an_if_condition_is_wrapped_but_keeps_the_root(render) -> None:
    template = "a\n{% if outputs.t1.value %}x{% endif %}"
    with pytest.raises(PebbleError) as info:
        render(template)
    err = info.value
    assert str(err) == (f"{PEBBLE}: Wrong operand(s) type in conditional expression ({template}:2)")
    assert isinstance(err, UndefinedError)  # still tells run-time context from a typo
    assert err.root == "outputs"
    assert err.name == "outputs"
    assert "Root attribute [outputs] does not exist" in err.detail


def test_server_function_in_an_if_condition_stays_not_available(render) -> None:
    with pytest.raises(NotAvailableError) as info:
        render("{% if kv('K') %}x{% endif %}")
    assert "Wrong operand(s) type in conditional expression" in str(info.value)
    assert "The 'kv' function is not available" in info.value.detail


def test_kestra_exception_test(render) -> None:
    # PebbleVariableRendererTest.exception / firstDefined
    with pytest.raises(UndefinedError, match="missing2"):
        render("{{ missing is defined ? missing : missing2 }}")


def test_missing_secret(render) -> None:
    with pytest.raises(SecretNotFoundError) as info:
        render("{{ secret('NON_EXISTING_KEY') }}", secrets={})
    err = info.value
    assert str(err) == (
        f"{PEBBLE}: Cannot find secret for key 'NON_EXISTING_KEY'. "
        "({{ secret('NON_EXISTING_KEY') }}:1)"
    )
    assert err.key == "NON_EXISTING_KEY"
    assert isinstance(err, SecretNotFound)  # callers catching the store's error still work
    assert isinstance(err, RenderError)


@pytest.mark.parametrize(
    ("template", "message"),
    [
        ("{{ nope() }}", "Function or Macro [nope] does not exist."),
        ("{{ 'a' | nope }}", "Filter [nope] does not exist."),
        ("{{ 1 is nope }}", "Test [nope] does not exist."),
        ("{% if null %}{% endif %}", "Wrong operand(s) type in conditional expression"),
        ("{{ secret() }}", "The 'secret' function expects an argument 'key'."),
    ],
)
def test_pebble_exception_shape(render, template: str, message: str) -> None:
    with pytest.raises(PebbleError) as info:
        render(template)
    text = str(info.value)
    assert text.startswith(f"{PEBBLE}: {message}")
    assert text.endswith(f"({template}:1)")


def test_unknown_named_argument(render) -> None:
    # Pebble's ArgumentsNode: "The following named argument does not exist: WRONG"
    with pytest.raises(PebbleError, match="The following named argument does not exist: WRONG"):
        render("{{ 'This is a test' | abbreviate(WRONG=16) }}")


def test_error_line_is_the_failing_line(render) -> None:
    template = "a\nb\n{{ 'x' | nope }}\n"
    with pytest.raises(PebbleError) as info:
        render(template)
    assert str(info.value) == f"{PEBBLE}: Filter [nope] does not exist. ({template}:3)"


def test_server_function_not_available(render) -> None:
    with pytest.raises(NotAvailableError) as info:
        render("{{ kv('KEY') }}")
    assert "The 'kv' function is not available outside a Kestra server" in str(info.value)
    assert isinstance(info.value, RenderError)


def test_parse_error_shape(render) -> None:
    with pytest.raises(PebbleParseError) as info:
        render("{{ get missing }}")
    assert str(info.value) == (
        "io.pebbletemplates.pebble.error.ParserException: Unexpected token of value "
        '"missing" and type NAME, expected token of type PRINT_END ({{ get missing }}:1)'
    )


def test_errors_are_single_line_for_single_line_templates(render) -> None:
    for template in ("{{ x }}", "{{ 'a' | nope }}", "{{ (1 }}"):
        with pytest.raises(RenderError) as info:
            render(template)
        assert "\n" not in str(info.value)


def test_raw_blocks_are_swapped_out_in_the_error_template(render) -> None:
    # Kestra renders the raw-substituted template (a UUID per block), so the error quotes it
    with pytest.raises(UndefinedError) as info:
        render("{% raw %}{{ y }}{% endraw %} {{ x }}")
    assert re.fullmatch(
        r"Unable to find `x` used in the expression `[0-9a-f-]{36} \{\{ x \}\}` at line 1",
        str(info.value),
    )


def test_no_python_traceback_chain(render) -> None:
    with pytest.raises(UndefinedError) as info:
        render("{{ x }}")
    assert info.value.__cause__ is None
    assert info.value.__context__ is None


@pytest.mark.parametrize(
    "template",
    [
        "{{ m[secret('TOKEN')] }}",
        "{{ secret('TOKEN') | nope }}",
        "{{ secret('TOKEN') * 2 }}",
        "{{ secret('TOKEN') < 1 }}",
        "{% for x in secret('TOKEN') %}{% endfor %}",
        "{{ secret('JSON', subkey='t') ~ m[secret('JSON', subkey='t')] }}",
    ],
)
def test_errors_never_contain_a_secret_value(render, template: str) -> None:
    secrets = {"TOKEN": "tok-5ecret-value", "JSON": '{"t": "sub-5ecret"}'}
    with pytest.raises(RenderError) as info:
        render(template, {"m": {}}, secrets=secrets)
    err = info.value
    text = " ".join([str(err), repr(err), str(getattr(err, "name", ""))])
    assert "5ecret" not in text
    assert err.__context__ is None
