"""The public `Renderer` API: secrets, masking, envs, flow, server functions, recursion,
the compiled-template cache, `render()`/`renderOnce()`/`printContext()`, and the helpers
`template_segments`, `referenced_names`, `referenced_secrets`."""

from __future__ import annotations

import json

import pytest

from kestra_nb import Renderer as TopLevelRenderer
from kestra_nb import SecretStore
from kestra_nb.pebble import (
    NotAvailableError,
    PebbleError,
    PebbleParseError,
    Renderer,
    RenderError,
    SecretNotFoundError,
    Segment,
    referenced_names,
    referenced_secrets,
    template_segments,
)


def test_exported_from_the_package() -> None:
    assert TopLevelRenderer is Renderer


def test_secret_from_a_secret_store_is_case_insensitive() -> None:
    store = SecretStore({"MY_SECRET": '{"secretKey":"secretValue"}', "PASSWORD": "password"})
    r = Renderer(secrets=store)
    assert r.render("{{ secret('password') }}") == "password"
    assert r.render("{{ secret('my_secret') }}") == '{"secretKey":"secretValue"}'
    assert r.render("{{ fromJson(secret('MY_SECRET')).secretKey }}") == "secretValue"


def test_secret_from_a_mapping_upper_cases_the_key() -> None:
    r = Renderer(secrets={"API_KEY": "k3y"})
    assert r.render("{{ secret('api_key') }}") == "k3y"
    assert r.render("{{ secret(key='API_KEY') }}") == "k3y"
    with pytest.raises(SecretNotFoundError) as info:
        r.render("{{ secret('other') }}")
    assert info.value.key == "other"


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ("{{ secret('JSON', subkey='f1') }}", "value1"),
        ("{{ secret('JSON', null, 'n') }}", "42"),
        ("{{ secret('JSON', subkey='b') }}", "true"),
        ("{{ secret('JSON', subkey='o') }}", '{"x":[1,2]}'),
        ("{{ secret('JSON', namespace='other.ns', subkey='f1') }}", "value1"),
    ],
)
def test_secret_subkey(template: str, expected: str) -> None:
    secret = json.dumps({"f1": "value1", "n": 42, "b": True, "o": {"x": [1, 2]}})
    assert Renderer(secrets={"JSON": secret}).render(template) == expected


def test_secret_subkey_errors() -> None:
    r = Renderer(secrets={"JSON": '{"a": 1}', "PLAIN": "not json"})
    with pytest.raises(PebbleError, match=r"Cannot find secret sub-key 'b' in secret 'JSON'\."):
        r.render("{{ secret('JSON', subkey='b') }}")
    with pytest.raises(PebbleError, match="Failed to read secret sub-key 'a' from secret 'PLAIN'"):
        r.render("{{ secret('PLAIN', subkey='a') }}")


def test_masked_rendering_hides_secret_results() -> None:
    r = Renderer(secrets={"API_KEY": "k3y", "MY_SECRET": "s3cr3t"})
    assert r.render("{{ 'API Key: ' ~ secret('API_KEY') }}", masked=True) == "API Key: ******"
    assert r.render("{{ render('{{s' ~ 'ecret(\"MY_SECRET\")}}') }}", masked=True) == "******"
    # a missing secret still fails when masked
    with pytest.raises(SecretNotFoundError):
        r.render("{{ secret('NOPE') }}", masked=True)
    # masking is per call, not sticky
    assert r.render("{{ secret('API_KEY') }}") == "k3y"


def test_render_with_secrets_reports_the_values_used() -> None:
    r = Renderer(secrets={"A": "alpha", "B": '{"k": "beta"}', "C": "gamma"})
    out, used = r.render_with_secrets(
        "{{ secret('A') }} {{ secret('b', subkey='k') }} {{ secret('a') }}"
    )
    assert out == "alpha beta alpha"
    assert used == ["alpha", "beta"]
    assert r.render_with_secrets("no secrets {{ 1 }}") == ("no secrets 1", [])


def test_envs_come_from_environ_with_the_env_prefix() -> None:
    r = Renderer(environ={"ENV_TEST1": "true", "ENV_TEST2": "Pass by env", "OTHER": "x"})
    assert r.render("{{envs.test1}} {{envs.test2}}") == "true Pass by env"
    assert r.render("{{ envs }}") == '{"test1":"true","test2":"Pass by env"}'


def test_secrets_from_environ_when_no_store_is_given() -> None:
    # Kestra reads `SECRET_*` (base64) from its environment
    environ = {"SECRET_PASSWORD": "cGFzc3dvcmQ=", "ENV_A": "1"}
    assert Renderer(environ=environ).render("{{ secret('password') }}") == "password"
    # an explicit store wins
    r = Renderer(secrets={"PASSWORD": "other"}, environ=environ)
    assert r.render("{{ secret('password') }}") == "other"


def test_default_context_and_caller_overrides() -> None:
    r = Renderer(secrets={"K": "v"})
    assert r.render("{{ flow.namespace is defined }}") == "true"
    assert r.render("{{ envs }}|{{ globals }}") == "{}|{}"
    out = r.render("{{ flow.id }}", {"flow": {"id": "mine", "namespace": "ns"}})
    assert out == "mine"


def test_server_functions_use_the_callers_implementation() -> None:
    calls: list[tuple] = []

    def kv(key, namespace=None, errorOnMissing=True):
        calls.append((key, namespace, errorOnMissing))
        return {"K": "stored"}[key]

    r = Renderer(functions={"kv": kv})
    assert r.render("{{ kv('K') }}") == "stored"
    assert r.render("{{ kv('K', errorOnMissing=false) }}") == "stored"
    assert calls[:2] == [("K", None, True), ("K", None, False)]
    # the masked (debug) rendering masks kv() too, as Kestra's secure renderer does
    assert r.render("{{ kv('K') }}", masked=True) == "******"
    with pytest.raises(NotAvailableError):
        Renderer().render("{{ kv('K') }}")
    with pytest.raises(NotAvailableError):
        Renderer().render("{{ read('file.txt') }}")


def test_recursive_rendering() -> None:
    variables = {"first": "1", "second": "{{first}}", "third": "{{second}}"}
    assert Renderer().render("{{ third }}", variables) == "{{second}}"
    assert Renderer(recursive=True).render("{{ third }}", variables) == "1"
    loop = {"first": "{{second}}", "second": "{{first}}"}
    with pytest.raises(RenderError, match="Too many rendering attempts"):
        Renderer(recursive=True).render("{{ first }}", loop)


def test_recursive_mode_like_kestra() -> None:
    # Kestra's RecursivePebbleVariableRendererTest
    variables = {
        "first": "1",
        "second": "{{first}}",
        "third": "{{second}}",
        "map": {"third": "{{third}}"},
        "list": ["{{third}}"],
    }
    r = Renderer(recursive=True)
    assert r.render("{{ third }}", variables) == "1"
    assert r.render("{{ map }}", variables) == '{"third":"1"}'
    assert r.render("{{ list }}", variables) == '["1"]'
    assert r.render("{% raw %}{{first}}{% endraw %}") == "{{first}}"
    with pytest.raises(PebbleError, match=r"Function or Macro \[render\] does not exist"):
        r.render("{{ render(first) }}", variables)


def test_render_function() -> None:
    # Kestra's PebbleVariableRendererTest.recursive
    variables = {
        "first": "1",
        "second": "{{first}}",
        "third": "{{second}}",
        "fourth": "{{render(third, recursive=false)}}",
        "map": {"third": "{{third}}"},
        "list": ["{{third}}"],
        "set": frozenset({"{{third}}"}),
    }
    r = Renderer()
    assert r.render("{{ third }}", variables) == "{{second}}"
    assert r.render("{{ render(third, recursive=false) }}", variables) == "{{first}}"
    assert r.render("{{ render(third) }}", variables) == "1"
    assert r.render("{{ render(fourth) }}", variables) == "1"
    assert r.render("{{ map }}", variables) == '{"third":"{{third}}"}'
    assert r.render("{{ render(map, recursive=false) }}", variables) == '{"third":"{{second}}"}'
    assert r.render("{{ render(map) }}", variables) == '{"third":"1"}'
    assert r.render("{{ render(list, recursive=false) }}", variables) == '["{{second}}"]'
    assert r.render("{{ render(list) }}", variables) == '["1"]'
    assert r.render("{{ render(set) }}", variables) == '["1"]'
    assert r.render("{{ renderOnce(third) }}", variables) == "{{first}}"
    assert r.render("{{ render(42) }}|{{ render(null) }}") == "42|"
    # Kestra's RenderFunctionTest
    assert r.render("{{ render(input) }}", {"input": "test"}) == "test"
    assert r.render("{{ render(input) }}", {"input": True}) == "true"
    with pytest.raises(PebbleError, match=r"Maximum render\(\) nesting depth"):
        r.render("{{ render(input) }}", {"input": "{{ render(input) }}"})


def test_render_amount_limit() -> None:
    with pytest.raises(RenderError, match="Too many rendering attempts"):
        Renderer().render("{{ render(first) }}", {"first": "{{second}}", "second": "{{first}}"})


def test_render_object_walks_maps_and_lists() -> None:
    r = Renderer(secrets={"K": "v"})
    value = {"{{ 'a' ~ 1 }}": ["{{ x }}", 2, {"k": "{{ secret('K') }}"}], "n": None, "d": 1.5}
    assert r.render_object(value, {"x": "X"}) == {"a1": ["X", 2, {"k": "v"}], "n": None, "d": 1.5}
    assert r.render_object({"k": "{{ secret('K') }}"}, masked=True) == {"k": "******"}
    assert list(r.render_object({"b": 1, "a": 2})) == ["b", "a"]


def test_print_context() -> None:
    r = Renderer(environ={"ENV_A": "1"})
    out = json.loads(r.render("{{ printContext() }}", {"inputs": {"x": 1}}))
    assert out["inputs"] == {"x": 1}
    assert out["envs"] == {"a": "1"}
    assert "flow" in out
    assert json.loads(r.render("{{ fetchContext() }}", {"v": 2}))["v"] == 2


def test_compiled_templates_are_cached_lru() -> None:
    r = Renderer(cache_size=2)
    first = r.compile("{{ a }}")
    assert r.compile("{{ a }}") is first
    r.compile("{{ b }}")
    r.compile("{{ a }}")  # refreshes `a`
    r.compile("{{ c }}")  # evicts `b`, the least recently used
    assert r.compile("{{ a }}") is first
    assert len(r._cache) == 2
    assert "{{ b }}" not in r._cache


def test_raw_blocks_do_not_defeat_the_cache() -> None:
    r = Renderer()
    template = "{% raw %}{{ a }}{% endraw %} {{ b }}"
    assert r.render(template, {"b": 1}) == "{{ a }} 1"
    assert r.render(template, {"b": 2}) == "{{ a }} 2"
    assert len(r._cache) == 1


def test_parse_errors_are_not_cached_as_templates() -> None:
    r = Renderer()
    for _ in range(2):
        with pytest.raises(PebbleParseError):
            r.render("{{ (1 }}")


def test_non_template_strings_are_returned_as_is() -> None:
    r = Renderer()
    assert r.render("") == ""
    assert r.render("plain") == "plain"


def test_template_segments() -> None:
    source = "a {{ 'x }} y' }} b {% if true %}c{% endif %}{# note #}{% raw %}{{ r }}{% endraw %}"
    segments = template_segments(source)
    assert [(s.kind, s.text) for s in segments] == [
        ("text", "a "),
        ("print", "{{ 'x }} y' }}"),
        ("text", " b "),
        ("tag", "{% if true %}"),
        ("text", "c"),
        ("tag", "{% endif %}"),
        ("comment", "{# note #}"),
        ("raw", "{% raw %}{{ r }}{% endraw %}"),
    ]
    assert "".join(s.text for s in segments) == source
    assert all(source[s.start : s.end] == s.text for s in segments)
    assert isinstance(segments[0], Segment)


def test_template_segments_verbatim_and_trim() -> None:
    source = 'x {{- 1 -}} y{% verbatim %}{{ v }}{% endverbatim %}\n{{ "#{ a }" }}'
    segments = template_segments(source)
    kinds = [s.kind for s in segments]
    assert kinds == ["text", "print", "text", "verbatim", "text", "print"]
    assert segments[3].text == "{% verbatim %}{{ v }}{% endverbatim %}"
    assert segments[5].text == '{{ "#{ a }" }}'
    assert "".join(s.text for s in segments) == source


def test_template_segments_unclosed() -> None:
    with pytest.raises(PebbleParseError):
        template_segments("{{ 'open")


def test_referenced_names_and_secrets() -> None:
    template = (
        "{{ inputs.name }} {{ outputs.t1.value ?? vars.x }} {{ envs['home'] }} "
        "{% for i in items %}{{ i }}{{ loop.index }}{% endfor %}{% set s = 1 %}{{ s }}"
        "{{ secret('DB_PASS') }} {{ secret(key='api') }} {{ now() }} {{ m[k].z }}"
    )
    assert referenced_names(template) == {
        ("inputs", "name"),
        ("outputs", "t1", "value"),
        ("vars", "x"),
        ("envs", "home"),
        ("items",),
        ("m",),
        ("k",),
    }
    assert referenced_secrets(template) == {"DB_PASS", "API"}


def test_referenced_names_of_an_invalid_template() -> None:
    with pytest.raises(PebbleParseError):
        referenced_names("{{ (1 }}")
    with pytest.raises(PebbleParseError):
        referenced_secrets("{% include 'x' %}")


@pytest.mark.parametrize(
    ("template", "v1", "v2"),
    [
        # `??` at 120 (1.x: binds tighter than `|`) or 30 (2.0-dev: looser than `|` and `~`)
        ("{{ missing ?? 'abc' | upper }}", "ABC", "ABC"),
        ("{{ 'x' ?? 'abc' | upper }}", "X", "x"),
        ("{{ a ?? 'b' ~ 'c' }}", "ac", "a"),
        ("{{ one ?? 2 * 3 }}", "3", "1"),
        ("{{ 'a' isIn ['a'] ~ '' }}", "true", "false"),
    ],
)
def test_kestra_version_switch_for_coalescing_precedence(template: str, v1: str, v2: str) -> None:
    variables = {"a": "a", "one": 1}
    assert Renderer().render(template, variables) == v1
    assert Renderer(kestra_version="2").render(template, variables) == v2


def test_kestra_version_2_compares_strings() -> None:
    # Kestra 2.0-dev GreaterThanExpressionTest
    variables = {"left": "b", "right": "a"}
    r = Renderer(kestra_version="2")
    assert r.render("{{ left > right }}", variables) == "true"
    assert r.render("{{ right > left }}", variables) == "false"
    assert r.render("{{ left > left }}", variables) == "false"
    with pytest.raises(PebbleError, match="invalid operands for mathematical comparison"):
        Renderer().render("{{ left > right }}", variables)
    with pytest.raises(ValueError, match="kestra_version"):
        Renderer(kestra_version="3")
