"""Tags Kestra leaves registered: if/elseif/else, for/else, set, macro, block, filter,
verbatim, and Kestra's single-line `{% raw %}` pre-processing (§3.1, §3.2, §3.9)."""

from __future__ import annotations

import pytest

from kestra_nb.pebble import PebbleError, PebbleParseError


@pytest.mark.parametrize(
    ("template", "variables", "expected"),
    [
        ("{% if x %}yes{% endif %}", {"x": True}, "yes"),
        ("{% if x %}yes{% else %}no{% endif %}", {"x": False}, "no"),
        ("{% if x == 1 %}a{% elseif x == 2 %}b{% else %}c{% endif %}", {"x": 2}, "b"),
        ("{% if x == 1 %}a{% elseif x == 2 %}b{% else %}c{% endif %}", {"x": 3}, "c"),
        ("{% if 'false' %}string is true{% endif %}", {}, "string is true"),
        ("{% if '' %}x{% else %}empty string is false{% endif %}", {}, "empty string is false"),
        ("{% if 0 %}x{% else %}zero{% endif %}", {}, "zero"),
        ("{% if x is defined %}d{% else %}u{% endif %}", {}, "u"),
        ("{% if not (1 > 2) %}ok{% endif %}", {}, "ok"),
    ],
)
def test_if(render, template: str, variables: dict, expected: str) -> None:
    assert render(template, variables) == expected


@pytest.mark.parametrize(
    ("template", "detail"),
    [
        ("{% if null %}x{% endif %}", "null value given to if statement"),
        ("{% if [] %}x{% endif %}", "Unsupported value type ArrayList"),
        ("{% if {} %}x{% endif %}", "Unsupported value type HashMap"),
        ("{% if 'a' < 1 %}x{% endif %}", "invalid operands for mathematical comparison"),
    ],
)
def test_if_wraps_condition_errors_like_pebble(render, template: str, detail: str) -> None:
    # Pebble's IfNode catches every RuntimeException of the condition and rethrows
    # "Wrong operand(s) type in conditional expression" (the detail is kept aside)
    with pytest.raises(PebbleError) as info:
        render(template)
    assert str(info.value) == (
        "io.pebbletemplates.pebble.error.PebbleException: Wrong operand(s) type in "
        f"conditional expression ({template}:1)"
    )
    assert detail in info.value.detail


def test_for_loop_variables_are_pebble_ones(render) -> None:
    template = (
        "{% for x in items %}{{ loop.index }}/{{ loop.revindex }}/{{ loop.length }}"
        "{% if loop.first %}F{% endif %}{% if loop.last %}L{% endif %}:{{ x }} {% endfor %}"
    )
    assert render(template, {"items": ["a", "b", "c"]}) == "0/2/3F:a 1/1/3:b 2/0/3L:c "


@pytest.mark.parametrize(
    ("template", "variables", "expected"),
    [
        ("{% for x in [] %}a{% else %}empty{% endfor %}", {}, "empty"),
        ("{% for x in items %}{{ x }}{% else %}empty{% endfor %}", {"items": [1]}, "1"),
        ("{% for x in none %}a{% endfor %}done", {"none": None}, "done"),
        ("{% for i in range(1, 3) %}{{ i }}{% endfor %}", {}, "123"),
        (
            "{% for e in m %}{{ e.key }}={{ e.value }},{% endfor %}",
            {"m": {"a": 1, "b": 2}},
            "a=1,b=2,",
        ),
        (
            "{% for row in rows %}{% for c in row %}{{ loop.index }}{{ c }}{% endfor %};"
            "{% endfor %}",
            {"rows": [["a", "b"], ["c"]]},
            "0a1b;0c;",
        ),
        ("{% for x in [1, 2] %}{% set y = x * 10 %}{{ y }}{% endfor %}", {}, "1020"),
    ],
)
def test_for(render, template: str, variables: dict, expected: str) -> None:
    assert render(template, variables) == expected


def test_for_over_a_non_iterable_fails(render) -> None:
    with pytest.raises(PebbleError, match="Not an iterable object"):
        render("{% for x in 5 %}{{ x }}{% endfor %}")


def test_set(render) -> None:
    assert render("{% set a = 'x' ~ 1 %}{{ a }}") == "x1"
    assert render("{% set l = [1, 2] %}{{ l | length }}") == "2"
    assert render("{% set a = 1 %}{% set a = a + 1 %}{{ a }}") == "2"
    assert render("{% set inputs = {'v': 'local'} %}{{ inputs.v }}", {"inputs": {}}) == "local"


def test_macro(render) -> None:
    template = (
        "{% macro greet(name, greeting='Hello') %}{{ greeting }}, {{ name }}!{% endmacro %}"
        "{{ greet('Ann') }} {{ greet('Bob', 'Hi') }} {{ greet(name='Cy', greeting='Yo') }}"
    )
    assert render(template) == "Hello, Ann! Hi, Bob! Yo, Cy!"


def test_macros_are_registered_at_parse_time(render) -> None:
    # Pebble's ParsingOdditiesTest / MacroTest: a macro can be called before its definition
    assert render("{{ input(1 + 1) }}{% macro input(value) %}{{value}}{% endmacro %}") == "2"
    template = (
        "{{ input(name='country') }}"
        "{% macro input(type='text', name) %}{{ type }} {{ name }}{% endmacro %}"
    )
    assert render(template) == "text country"
    assert render("{% if false %}{% macro m() %}M{% endmacro %}{% endif %}{{ m() }}") == "M"


def test_macro_gets_the_context_through_underscore_context(render) -> None:
    template = (
        "{% set foo = 'bar' %}{{ test(_context) }}"
        "{% macro test(_context) %}{% set foo = 'foo' %}{{ _context.foo }}{{ foo }}{% endmacro %}"
    )
    assert render(template) == "barfoo"


def test_macro_missing_arguments_are_null(render) -> None:
    assert render("{% macro m(a, b) %}[{{ a }}|{{ b }}]{% endmacro %}{{ m(1) }}") == "[1|]"


def test_block_and_block_function(render) -> None:
    # Kestra's PebbleVariableRendererTest.macro
    out = render('{% block "post" %} content {% endblock %}{{ block("post") }}')
    assert out == " content  content "
    assert render("{% block b %}X{% endblock b %}-{{ block('b') }}") == "X-X"
    # a block sees the variables around it
    assert render("{% for x in [1, 2] %}{% block i %}[{{ x }}]{% endblock %}{% endfor %}") == (
        "[1][2]"
    )


def test_filter_tag(render) -> None:
    assert render("{% filter upper %}abc {{ 'd' }}{% endfilter %}") == "ABC D"
    assert render("{% filter lower | upper %}aBc{% endfilter %}") == "ABC"


def test_verbatim_spans_lines(render) -> None:
    template = "a{% verbatim %}\n{{ not rendered }}\n{% endverbatim %}b"
    assert render(template) == "a\n{{ not rendered }}\nb"


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        # Kestra's PebbleVariableRendererTest.raw
        ("See some code {% raw %}{{ var }}{% endraw %}", "See some code {{ var }}"),
        ("See some code {%raw%}{{ var }}{%endraw%}", "See some code {{ var }}"),
        ("See some code {%-  raw%}{{ var }}{%endraw -%}", "See some code {{ var }}"),
        (
            "See some code {% raw %}{{ var }}{% endraw %} and some other code "
            "{% raw %}{{ var2 }}{% endraw %}",
            "See some code {{ var }} and some other code {{ var2 }}",
        ),
        ("{{ var }} {% raw %}{% if %}{% endraw %}", "1 {% if %}"),
    ],
)
def test_kestra_raw_preprocessing(render, template: str, expected: str) -> None:
    assert render(template, {"var": "1"}) == expected


def test_multiline_raw_is_a_parse_error(render) -> None:
    # no DOTALL in Kestra's RAW_PATTERN (issue kestra-io/kestra#13535)
    with pytest.raises(PebbleParseError, match='Unexpected tag name "raw"'):
        render("{% raw %}\n{{ x }}\n{% endraw %}")


def test_raw_survives_recursive_rendering(render) -> None:
    out = render("{% raw %}{{ a }}{% endraw %}{{ b }}", {"a": "A", "b": "B"}, recursive=True)
    assert out == "{{ a }}B"


@pytest.mark.parametrize(
    ("template", "variables", "expected"),
    [
        # Pebble's ScopeChain.set: a `set` in a loop updates the variable outside it
        (
            "{% set count = 0 %}{% for x in [1, 2, 3] %}{% set count = count + 1 %}"
            "{% endfor %}{{ count }}",
            {},
            "3",
        ),
        (
            "{% set c = 0 %}{% for x in [1, 2] %}{% for y in [1, 2] %}{% set c = c + 1 %}"
            "{% endfor %}{% endfor %}{{ c }}",
            {},
            "4",
        ),
        (
            "{% for x in [1, 2] %}{% set total = total + x %}{% endfor %}{{ total }}",
            {"total": 10},
            "13",
        ),
        # a variable first set inside the loop stays there
        ("{% for x in [1, 2] %}{% set z = x %}{% endfor %}{{ z ?? 'none' }}", {}, "none"),
        ("{% for x in [1, 2] %}{% set z = x %}{{ z }}{% endfor %}", {}, "12"),
        # macros have their own scope
        (
            "{% macro m() %}{% set c = 5 %}{{ c }}{% endmacro %}{% set c = 1 %}{{ m() }}{{ c }}",
            {},
            "51",
        ),
    ],
)
def test_set_scoping(render, template: str, variables: dict, expected: str) -> None:
    assert render(template, variables) == expected
