"""Operators: arithmetic, comparison, equality, `contains`, `isIn`, `??`, `???`, logic.

Expected values from `kestra-expressions.md` §3.6/§3.8 and Kestra's own tests
(`NullCoalescingExpressionTest`, `UndefinedCoalescingExpressionTest`, `InExpressionTest`).
"""

from __future__ import annotations

import pytest

from kestra_nb.pebble import PebbleError, UndefinedError

BLOCK = {"block": {"test": {"child": "awesome"}}, "inner": "test"}


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ("{{ 5 / 2 }}", "2"),
        ("{{ -7 / 2 }}", "-3"),
        ("{{ 7 % 3 }}", "1"),
        ("{{ -7 % 3 }}", "-1"),
        ("{{ 5.0 / 2 }}", "2.5"),
        ("{{ 1 + 1.5 }}", "2.5"),
        ("{{ 0.1 + 0.2 }}", "0.30000000000000004"),
        ("{{ 2 * 3 }}", "6"),
        ("{{ 2 - 5 }}", "-3"),
        ("{{ 'a' + 1 }}", "a1"),
        ("{{ 1 + 'a' }}", "1a"),
        ("{{ 1.0 / 0 }}", "Infinity"),
        ("{{ -(2) }}", "-2"),
        ("{{ +3 }}", "3"),
        # Pebble's LogicTest
        ("{{ 8 + 5 * 4 - (6 + 10 / 2)  + 44 }}-{{ 10%3 }}", "61-1"),
        ("{% if -2 == -+(5 - 3) %}yes{% else %}no{% endif %}", "yes"),
    ],
)
def test_arithmetic(render, template: str, expected: str) -> None:
    assert render(template) == expected


def test_integer_division_by_zero_fails(render) -> None:
    # Pebble's DivideExpression wraps the ArithmeticException ("/ by zero")
    with pytest.raises(PebbleError, match="Could not perform division"):
        render("{{ 1 / 0 }}")


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ("{{ 1 == 1.0 }}", "true"),
        ("{{ '1' == 1 }}", "false"),
        ("{{ null == null }}", "true"),
        ("{{ 'a' equals 'a' }}", "true"),
        ("{{ 'a' != 'b' }}", "true"),
        ("{{ [1, 2] == [1, 2] }}", "true"),
        ("{{ 1 < 2 }}|{{ 2 <= 2 }}|{{ 3 > 4 }}|{{ 4 >= 4 }}", "true|true|false|true"),
        ("{{ 1.5 > 1 }}", "true"),
        ("{{ null < 1 }}|{{ 1 > null }}", "false|false"),
    ],
)
def test_comparison_and_equality(render, template: str, expected: str) -> None:
    assert render(template) == expected


def test_string_comparison_is_an_error_in_1x(render) -> None:
    with pytest.raises(PebbleError, match=r"invalid operands for mathematical comparison"):
        render("{{ 'a' < 'b' }}")


@pytest.mark.parametrize(
    ("template", "variables", "expected"),
    [
        ("{{ [1, 2, 3] contains 2 }}", {}, "true"),
        ("{{ [1, 2, 3] contains [1, 3] }}", {}, "true"),
        ("{{ [1, 2] contains 5 }}", {}, "false"),
        ("{{ 'hello' contains 'ell' }}", {}, "true"),
        ("{{ m contains 'a' }}", {"m": {"a": 1}}, "true"),
        ("{{ m contains 1 }}", {"m": {"a": 1}}, "false"),
        ("{{ null contains 1 }}", {}, "false"),
        # Kestra's InExpressionTest
        ("{{ state isIn ['SUCCESS', 'WARNING'] }}", {"state": "SUCCESS"}, "true"),
        ("{{ state isIn ['FAILED', 'KILLED'] }}", {"state": "SUCCESS"}, "false"),
        ("{{ key isIn map }}", {"map": {"key": "value"}, "key": "key"}, "true"),
        ("{{ value isIn map }}", {"map": {"key": "value"}, "value": "value"}, "true"),
        ("{{ 1 isIn ['1'] }}", {}, "true"),
        ("{{ null isIn [null] }}", {}, "false"),
    ],
)
def test_contains_and_is_in(render, template: str, variables: dict, expected: str) -> None:
    assert render(template, variables) == expected


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ("{{ inner.bla ?? block.test.child }}", "awesome"),
        ("{{ block.test.child ?? inner.bla }}", "awesome"),
        ("{{ block.test.child ?? null }}", "awesome"),
        ("{{ block[inner].child ?? null }}", "awesome"),
        ("{{ block[missing].child ?? block[inner].child }}", "awesome"),
        ("{{ block[missing].child ?? block[missing2].child ?? block[inner].child }}", "awesome"),
        ("{{ missing ?? block.test.child }}", "awesome"),
        ("{{ null ?? 'x' }}", "x"),
        ("{{ '' ?? 'x' }}", ""),
        ("{{ false ?? 'x' }}", "false"),
        ("{{ {} ?? 'x' }}", "{}"),
        ("{{ block.test.missing.deeper ?? 'x' }}", "x"),
        # ??? only replaces undefined, never null
        ("{{ null ??? 'IS NULL' }}", ""),
        ("{{ undefined ??? 'IS UNDEFINED' }}", "IS UNDEFINED"),
        ("{{ block.nope ??? 'U' }}", "U"),
        ("{{ a ?? b ?? 'c' }}", "c"),
    ],
)
def test_coalescing(render, template: str, expected: str) -> None:
    assert render(template, BLOCK) == expected


def test_coalescing_is_lazy(render) -> None:
    # the right side is not evaluated when the left is defined (it would fail)
    assert render("{{ 'ok' ?? (1 / 0) }}") == "ok"
    assert render("{{ 'ok' ??? missing.thing }}") == "ok"


def test_coalescing_all_undefined_reports_the_last(render) -> None:
    with pytest.raises(UndefinedError) as info:
        render("{{ missing ?? missing2 }}", BLOCK)
    assert info.value.name == "missing2"
    assert str(info.value) == (
        "Unable to find `missing2` used in the expression `{{ missing ?? missing2 }}` at line 1"
    )


def test_coalescing_does_not_hide_other_errors(render) -> None:
    with pytest.raises(PebbleError, match="Filter \\[nope\\] does not exist"):
        render("{{ 'a' | nope ?? 'x' }}")


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ("{{ true and false }}", "false"),
        ("{{ true or false }}", "true"),
        ("{{ not false }}", "true"),
        ("{{ 'false' and true }}", "true"),
        ("{{ '' or false }}", "false"),
        ("{{ 0 or 1 }}", "true"),
        ("{{ false and missing }}", "false"),
        ("{{ true or missing }}", "true"),
        ("{{ 'x' ? 'yes' : 'no' }}", "yes"),
        ("{{ 0 ? 'yes' : 'no' }}", "no"),
        ("{{ null ? 'yes' : 'no' }}", "no"),
    ],
)
def test_logic_and_truthiness(render, template: str, expected: str) -> None:
    assert render(template) == expected


@pytest.mark.parametrize(
    "template",
    ["{{ null and true }}", "{{ not null }}", "{{ [1] and true }}", "{{ not {} }}"],
)
def test_logic_on_null_or_collections_fails(render, template: str) -> None:
    with pytest.raises(PebbleError):
        render(template)


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ("{{ 1..3 }}", "[1,2,3]"),
        ("{{ 3..1 }}", "[]"),
        ("{% for i in 0..2 %}{{ i }}{% endfor %}", "012"),
        # `..` (120) binds tighter than `+` (40): (n..n) + 2 appends to the list
        ("{{ n..n + 2 }}", "[2,2]"),
        ("{{ n..(n + 2) }}", "[2,3,4]"),
    ],
)
def test_range_operator_is_inclusive(render, template: str, expected: str) -> None:
    assert render(template, {"n": 2}) == expected


@pytest.mark.parametrize(
    ("template", "variables", "expected"),
    [
        ("{{ x is defined }}", {}, "false"),
        ("{{ x is defined }}", {"x": None}, "false"),
        ("{{ x is defined }}", {"x": 0}, "true"),
        ("{{ x is not defined }}", {}, "true"),
        ("{{ m.a.b is defined }}", {"m": {}}, "false"),
        ("{{ l[5] is defined }}", {"l": [1]}, "false"),
        ("{{ x is null }}", {"x": None}, "true"),
        ("{{ x is not null }}", {"x": 1}, "true"),
        ("{{ 4 is even }}|{{ 3 is odd }}|{{ 3 is not odd }}", {}, "true|true|false"),
    ],
)
def test_tests(render, template: str, variables: dict, expected: str) -> None:
    assert render(template, variables) == expected


def test_is_null_on_undefined_is_strict(render) -> None:
    with pytest.raises(UndefinedError):
        render("{{ x is null }}")


@pytest.mark.parametrize(
    ("template", "variables", "expected"),
    [
        ("{{ x | default('d') }}", {}, "d"),
        ("{{ x | default('d') }}", {"x": None}, "d"),
        ("{{ x | default('d') }}", {"x": "  "}, "d"),
        ("{{ x | default('d') }}", {"x": []}, "d"),
        ("{{ x | default('d') }}", {"x": "v"}, "v"),
        ("{{ m.a.b | default('d') }}", {"m": {}}, "d"),
        ("{{ x | default(default='named') }}", {}, "named"),
        ("{{ x | default('d') | upper }}", {}, "D"),
    ],
)
def test_default_filter_escape_hatch(render, template: str, variables: dict, expected: str) -> None:
    assert render(template, variables) == expected
