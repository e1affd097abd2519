"""Number filters: `abs`, `number(type)`, `numberFormat` (DecimalFormat, HALF_EVEN),
`className` (Kestra's `NumberFilterTest`; Pebble's core filters)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from kestra_nb import RenderError
from kestra_nb.pebble import filters
from kestra_nb.pebble.numberformat import decimal_format, java_string_format
from kestra_nb.pebble.values import JavaFloat, JavaInteger

CASES = [
    # Kestra NumberFilterTest
    ('{{ "12.3" | number | className }}', "java.lang.Float"),
    ('{{ "2147483647" | number | className }}', "java.lang.Integer"),
    ('{{ "9223372036854775807" | number | className }}', "java.lang.Long"),
    ("{{ \"9223372036854775807\" | number('BIGDECIMAL') | className }}", "java.math.BigDecimal"),
    ("{{ \"9223372036854775807\" | number('BIGINTEGER') | className }}", "java.math.BigInteger"),
    ("{{ \"9223372036854775807\" | number('DOUBLE') | className }}", "java.lang.Double"),
    ('{{ "92233720368547758070" | number | className }}', "java.math.BigInteger"),
    ('{{ "12.3" | number }}', "12.3"),
    ("{{ \"12.3\" | number('DOUBLE') }}", "12.3"),
    ("{{ \"42\" | number('INT') + 1 }}", "43"),
    ("{{ \"42\" | number('LONG') | className }}", "java.lang.Long"),
    ("{{ \"1.5\" | number('FLOAT') | className }}", "java.lang.Float"),
    ('{{ "0x1F" | number }}', "31"),
    ('{{ "1.23456789012" | number | className }}', "java.lang.Double"),
    ('{{ "12" | number * 2 }}', "24"),
    ('{{ "12.5" | number * 2 }}', "25.0"),
    ("{{ null | number }}", ""),
    # className
    ("{{ 12 | className }}", "java.lang.Long"),
    ("{{ 1.5 | className }}", "java.lang.Double"),
    ("{{ 'a' | className }}", "java.lang.String"),
    ("{{ true | className }}", "java.lang.Boolean"),
    ("{{ [1] | className }}", "java.util.ArrayList"),
    ("{{ {'a': 1} | className }}", "java.util.HashMap"),
    ("{{ null | className }}", ""),
    # abs
    ("{{ -5 | abs }}", "5"),
    ("{{ -5.5 | abs }}", "5.5"),
    ("{{ 3 | abs }}", "3"),
    # numberFormat: DecimalFormat, HALF_EVEN on the exact binary value
    ('{{ 1234567.891 | numberFormat("#,##0.00") }}', "1,234,567.89"),
    ('{{ 3.141592 | numberFormat("#.##") }}', "3.14"),
    ('{{ 0.125 | numberFormat("0.00") }}', "0.12"),
    ('{{ 0.375 | numberFormat("0.00") }}', "0.38"),
    ('{{ 2.5 | numberFormat("0") }}', "2"),
    ('{{ 3.5 | numberFormat("0") }}', "4"),
    ('{{ 3 | numberFormat("000") }}', "003"),
    ('{{ 0.5 | numberFormat("#%") }}', "50%"),
    ('{{ 1234 | numberFormat("$#,##0.00") }}', "$1,234.00"),
    ('{{ -1234.5 | numberFormat("#,##0.0") }}', "-1,234.5"),
    ('{{ -0.001 | numberFormat("0.00") }}', "0.00"),
    ('{{ 0.5 | numberFormat("#.##") }}', ".5"),
    ('{{ 12345 | numberFormat("0.###E0") }}', "1.234E4"),
    ("{{ 1234567.891 | numberFormat }}", "1,234,567.891"),
    ("{{ 1.23456 | numberFormat }}", "1.235"),
    ('{{ 5 | numberFormat(format="0.0") }}', "5.0"),
    # Pebble CoreFiltersTest / Kestra PebbleVariableRendererTest
    ('{{ 10000.235166 | numberFormat("$#,###,###,##0.00") }}', "$10,000.24"),
    ("{{ 1000000 | numberFormat }}", "1,000,000"),
    ('{{ var | numberFormat("#.##") }}', "1.23"),
]


@pytest.mark.parametrize(("template", "expected"), CASES)
def test_number_filters(render, template: str, expected: str) -> None:
    assert render(template, {"var": JavaFloat(1.232654)}) == expected


@pytest.mark.parametrize(
    ("template", "message"),
    [
        (
            "{{ 12 | number }}",
            "'number' filter can only be applied to String. Actual type was: java.lang.Long",
        ),
        ("{{ null | abs }}", 'Can not pass null value to "abs" filter.'),
        ("{{ 'a' | abs }}", "The 'abs' filter does require as input a number."),
        ("{{ 'abc' | number }}", "abc"),
    ],
)
def test_number_filter_errors(render, template: str, message: str) -> None:
    with pytest.raises(RenderError) as info:
        render(template)
    assert message in str(info.value)


def test_number_types_directly() -> None:
    number = filters.FILTERS["number"]
    assert type(number("12.3")) is JavaFloat
    assert type(number("7")) is JavaInteger
    assert number("1.0e400") == Decimal("1.0e400")
    assert number("1L") == 1


def test_decimal_format_and_string_format() -> None:
    assert decimal_format(1e7, "#,###") == "10,000,000"
    assert decimal_format(0.0, "#.#") == "0"
    assert decimal_format(42, "'#'0") == "#42"
    assert java_string_format("%,d", 1234567) == "1,234,567"
    assert java_string_format("%b %c %S", None, "x", "up") == "false x UP"
    assert java_string_format("%.3e", 12345.678) == "1.235e+04"
    assert java_string_format("%2$s %1$s", "a", "b") == "b a"
