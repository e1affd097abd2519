"""Pebble's grammar as Kestra 1.x configures it: literals, strings, precedence, delimiters.

Expected outputs come from `kestra-expressions.md` §3.7/§3.9 and Pebble's own tests
(`LogicTest`, `StringInterpolationTest`, `WhitespaceControlTest`).
"""

from __future__ import annotations

import contextlib

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kestra_nb.pebble import PebbleParseError, Renderer, RenderError


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        # numbers: Long and Double literals
        ("{{ 1 }}", "1"),
        ("{{ 1.5 }}", "1.5"),
        ("{{ 10L }}", "10"),
        ("{{ 007 }}", "7"),
        # constants in both cases
        ("{{ true }}|{{ TRUE }}|{{ false }}|{{ FALSE }}", "true|true|false|false"),
        ("[{{ null }}][{{ NULL }}][{{ none }}][{{ NONE }}]", "[][][][]"),
        # lists and maps
        ("{{ [] }}", "[]"),
        ("{{ [1, 'a', true, null] }}", '[1,"a",true,null]'),
        ("{{ {} }}", "{}"),
        ("{{ {'a': 1} }}", '{"a":1}'),
        ("{{ [[1, 2], [3]] }}", "[[1,2],[3]]"),
        # map literal keys are expressions
        ("{% set k = 'key' %}{{ {k: 'v'} }}", '{"key":"v"}'),
    ],
)
def test_literals(render, template: str, expected: str) -> None:
    assert render(template) == expected


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        # only the quote character is escapable; everything else stays as written
        (r"{{ 'it\'s' }}", "it's"),
        (r'{{ "say \"hi\"" }}', 'say "hi"'),
        (r'{{ "a\nb" }}', r"a\nb"),
        (r"{{ 'a\tb' }}", r"a\tb"),
        (r"{{ '\d+' }}", r"\d+"),
        (r'{{ "double \' quote" }}', r"double \' quote"),
        ('{{ "it\'s" }}', "it's"),
        ("{{ '\"' }}", '"'),
        ("{{ '' }}|{{ \"\" }}", "|"),
        ("{{ 'a }} b' }}", "a }} b"),
        ('{{ "{{ x }}" }}', "{{ x }}"),
    ],
)
def test_string_literals(render, template: str, expected: str) -> None:
    assert render(template) == expected


@pytest.mark.parametrize(
    ("template", "variables", "expected"),
    [
        ('{{ "Hello #{name}" }}', {"name": "Bob"}, "Hello Bob"),
        ('{{ "#{1 + 2} apples" }}', {}, "3 apples"),
        ('{{ "a#{ "b#{ "c" }d" }e" }}', {}, "abcde"),
        ('{{ "x #{ n } y #{ n * 2 }" }}', {"n": 3}, "x 3 y 6"),
        # a lone interpolation keeps its value; concatenation uses Java's toString
        ('{{ "#{ [1, 2] }" }}', {}, "[1,2]"),
        ('{{ "x#{ [1, 2] }" }}', {}, "x[1, 2]"),
        ('{{ "a#{ null }b" }}', {}, "ab"),
        # single quotes never interpolate; a lone `#` is plain text
        ("{{ 'Hello #{name}' }}", {"name": "Bob"}, "Hello #{name}"),
        ('{{ "a # b" }}', {}, "a # b"),
        ('{{ "#{ name | upper }" }}', {"name": "bob"}, "BOB"),
    ],
)
def test_string_interpolation(render, template: str, variables: dict, expected: str) -> None:
    assert render(template, variables) == expected


@pytest.mark.parametrize(
    ("template", "variables", "expected"),
    [
        # `~` (110) binds tighter than `|` (100): Pebble LogicTest.testStringConcatenation
        (
            "{{ name1 ~ name2 ~ name3 | lower }}",
            {"name1": "Bob", "name2": "Maria", "name3": "John"},
            "bobmariajohn",
        ),
        # `|` (100) binds tighter than arithmetic
        ("{{ 1 + -2 | abs }}", {}, "3"),
        ("{{ 2 * 3 + 1 }}", {}, "7"),
        ("{{ 1 + 2 * 3 }}", {}, "7"),
        ("{{ (1 + 2) * 3 }}", {}, "9"),
        ("{{ 10 - 2 - 3 }}", {}, "5"),
        ("{{ 12 / 2 / 3 }}", {}, "2"),
        # unary operators take a single primary: (not true) == false
        ("{{ not true == false }}", {}, "true"),
        ("{{ not false and false }}", {}, "false"),
        ("{{ -2 + 5 }}", {}, "3"),
        ("{{ - 2 * 3 }}", {}, "-6"),
        # comparisons (30) before `is` and `contains` (20)
        ("{{ 1 + 1 == 2 }}", {}, "true"),
        ("{{ 1 == 1 is null }}", {}, "false"),
        ("{{ [1, 2] contains 1 and true }}", {}, "true"),
        # `and` (15) before `or` (10)
        ("{{ true or false and false }}", {}, "true"),
        ("{{ false and true or true }}", {}, "true"),
        # `??` (120) binds tighter than `|` (Kestra <= 1.3)
        ("{{ missing ?? 'abc' | upper }}", {}, "ABC"),
        ("{{ x ?? 'y' ~ 'z' }}", {"x": "a"}, "az"),
        # `..` (120) before `|`
        ("{{ 1..3 | length }}", {}, "3"),
        # ternary: lowest, right side nests
        ("{{ true ? 'a' : 'b' }}", {}, "a"),
        ("{{ false ? 'a' : true ? 'b' : 'c' }}", {}, "b"),
        ("{{ 1 == 2 ? 'a' : 'b' ~ 'c' }}", {}, "bc"),
        ("{{ [1, 2] contains 3 ? 'y' : 'n' }}", {}, "n"),
        # word operators need a word boundary: `organization`, `andy`, `notes` are names
        (
            "{{ organization }}-{{ andy }}-{{ notes }}-{{ isInside }}",
            {"organization": "o", "andy": "a", "notes": "n", "isInside": "i"},
            "o-a-n-i",
        ),
    ],
)
def test_precedence(render, template: str, variables: dict, expected: str) -> None:
    assert render(template, variables) == expected


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ("a {{- 'b' -}} c", "abc"),
        ("a\n  {{- 'b' }}  \n", "ab  \n"),
        ("a  {% if true -%}  \n b {%- endif %}  c", "a  b  c"),
        ("a {#- comment -#} b", "ab"),
        ("a {# comment #} b", "a  b"),
        ("{# {{ not parsed }} #}x", "x"),
        # the newline after a tag is kept (newLineTrimming=false), as is the final newline
        ("{% if true %}\nyes\n{% endif %}\n", "\nyes\n\n"),
        ("line\n", "line\n"),
        ("{{ 'a' }}\n", "a\n"),
        # line endings are kept as written
        ("a\r\n{{ 'b' }}\r\n", "a\r\nb\r\n"),
    ],
)
def test_whitespace_and_comments(render, template: str, expected: str) -> None:
    assert render(template) == expected


def test_text_without_brace_is_untouched(render) -> None:
    # Kestra short-circuits strings without '{': Pebble never sees them
    assert render("no expression here %} #} }}") == "no expression here %} #} }}"


@pytest.mark.parametrize(
    "template",
    [
        "{{ x in [1] }}",  # `in` is Jinja2's; Pebble has `contains` / Kestra `isIn`
        "{{ 'a' not in ['a'] }}",
        "{% include 'x' %}",
        "{% import 'x' as y %}",
        "{% extends 'x' %}",
        "{% with a = 1 %}{% endwith %}",
        "{% call m() %}{% endcall %}",
        "{% for k, v in m %}{% endfor %}",
        "{% autoescape %}{% endautoescape %}",
        "{{ 2 ** 3 }}",
        "{{ 7 // 2 }}",
        "{{ [1, 2].size }}",  # no postfix on a list or map literal
        "{{ {'a': 1}['a'] }}",
        "{{ x if y else z }}",
        "{{ }}",
        "{{ 'unclosed }}",
        "{{ (1 + 2 }}",
        "{{ [1, 2 }}",
        "{% if true %}never closed",
        "{% elif %}",
        "{% set true = 1 %}",
        "{% raw %}\nmulti-line raw is not Kestra's{% endraw %}",
    ],
)
def test_jinja_only_and_invalid_syntax_is_a_parse_error(render, template: str) -> None:
    with pytest.raises(PebbleParseError) as info:
        render(template, {"x": 1, "y": 2, "z": 3, "m": {}})
    assert str(info.value).startswith("io.pebbletemplates.pebble.error.ParserException: ")


def test_parse_error_names_template_and_line(render) -> None:
    with pytest.raises(PebbleParseError) as info:
        render("line one\n{% include 'x' %}")
    assert str(info.value) == (
        'io.pebbletemplates.pebble.error.ParserException: Unexpected tag name "include" '
        "(line one\n{% include 'x' %}:2)"
    )


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        # named arguments that are Python keywords, or given twice (the last one wins)
        (
            "{% macro m(for, class) %}{{ for }}{{ class }}{% endmacro %}{{ m(for=1, class=2) }}",
            "12",
        ),
        ("{{ 'abcdefgh' | abbreviate(length=4, length=6) }}", "abc..."),
        ("{{ x | default(default=1, default=2) }}", "2"),
    ],
)
def test_named_argument_spelling(render, template: str, expected: str) -> None:
    assert render(template) == expected


def test_deep_nesting_is_a_render_error(render) -> None:
    with pytest.raises(RenderError):
        render("{{ " + "(" * 5000 + "1" + ")" * 5000 + " }}")


def test_named_arguments_after_positional_only(render) -> None:
    with pytest.raises(PebbleParseError, match="Positional arguments must be declared"):
        render("{{ [1] | join(separator=',', 'x') }}")


def test_attribute_chains_and_subscripts(render) -> None:
    data = {"a": {"b": {"c": [10, 20, {"d": "deep"}]}}, "key": "b", "n": 1}
    assert render("{{ a.b.c[2].d }}", data) == "deep"
    assert render("{{ a[key]['c'][n] }}", data) == "20"
    assert render("{{ a.b.c.0 }}", data) == "10"
    assert render("{{ a['b'].c[1 + 1]['d'] }}", data) == "deep"
    assert render("{{ m['k-1'] }}", {"m": {"k-1": "v"}}) == "v"
    assert render("{% set m = {'k': 'v'} %}{{ m.k }}") == "v"


def test_duplicate_macro_or_block_is_a_parse_error(render) -> None:
    with pytest.raises(PebbleParseError, match="same name: m"):
        render("{% macro m() %}1{% endmacro %}{% macro m(a) %}2{% endmacro %}")
    with pytest.raises(PebbleParseError, match="defined twice"):
        render("{% block b %}1{% endblock %}{% block b %}2{% endblock %}")


_PIECES = [
    "{{",
    "}}",
    "{%",
    "%}",
    "{#",
    "#}",
    " if ",
    " for ",
    " in ",
    " endif ",
    " endfor ",
    " set ",
    " = ",
    "x",
    "y.a",
    "1",
    "2.5",
    "'s'",
    '"d#{x}"',
    "(",
    ")",
    "[",
    "]",
    "{",
    "}",
    ",",
    ":",
    "?",
    ".",
    "|",
    "upper",
    "default",
    "~",
    "+",
    "-",
    "*",
    "/",
    "??",
    "???",
    "not",
    "and",
    "is",
    "defined",
    "null",
    "..",
    "contains",
    "isIn",
    "==",
    "<",
    "macro",
    "endmacro",
    "block",
    "endblock",
    "filter",
    "endfilter",
    "else",
    "loop",
    "secret",
    "render",
    "-}}",
    "{{-",
    "raw",
    "endraw",
    "verbatim",
    "endverbatim",
    "\n",
    " ",
    "_context",
    "__class__",
    "for=",
    "None=",
    "a=",
    "default(",
    "m(",
    "kv(",
]


@given(st.lists(st.sampled_from(_PIECES), max_size=14))
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_any_input_renders_or_raises_a_render_error(pieces: list[str]) -> None:
    # never a bare Python exception (KeyError, TypeError, Jinja2's own...) out of the engine
    template = "".join(pieces)
    with contextlib.suppress(RenderError):
        _FUZZ.render(template, {"x": [1, 2], "y": {"a": 1}})


_FUZZ = Renderer(secrets={"A": "x"})


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        # Pebble's WhitespaceControlTest
        ("<li>    \t{{- foo }}</li>", "<li>bar</li>"),
        ("<li>{{ foo -}}   \t</li>", "<li>bar</li>"),
        ("{{- foo -}}", "bar"),
        ("{{ foo }} <li>   {{- foo -}}   \t</li> {{ foo }}", "bar <li>bar</li> bar"),
        ("<li>\n{{- foo -}}\n</li>", "<li>bar</li>"),
        (
            "<li>    \t{%- if true %} success {% else %} fail {% endif -%}   \t</li>",
            "<li> success </li>",
        ),
        ("<li>    \t{#- comment #}</li>", "<li></li>"),
        ("<li>{# comment -#}   \t</li>", "<li></li>"),
        ("<li> {%- verbatim %}{{ bar }} {%- endverbatim %}</li>", "<li>{{ bar }}</li>"),
        ("<li>{% verbatim -%} {{ bar }}{% endverbatim -%} </li>", "<li>{{ bar }}</li>"),
    ],
)
def test_pebble_whitespace_control(render, template: str, expected: str) -> None:
    assert render(template, {"foo": "bar"}) == expected
