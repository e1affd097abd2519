"""How values print in `{{ }}` (Kestra's `JsonWriter`, §3.3) and the final newline.

Expected outputs from Kestra's `PebbleVariableRendererTest.out`/`autoJson`.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

VARS = {
    "string": "string",
    "int": 1,
    "float": 1.123,
    "list": ["string", 1, 1.123],
    "bool": True,
    "date": dt.datetime(2013, 9, 8, 16, 19, tzinfo=dt.timezone(dt.timedelta(hours=2))),
    "map": {"string": "string", "int": 1, "float": 1.123},
    "none": None,
}


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ("{{ string }}", "string"),
        ("{{ int }}", "1"),
        ("{{ float }}", "1.123"),
        ("{{ list }}", '["string",1,1.123]'),
        ("{{ bool }}", "true"),
        ("{{ date }}", "2013-09-08T16:19+02:00"),
        ("{{ map }}", '{"string":"string","int":1,"float":1.123}'),
        ("{{ list }} // {{ map.int }}", '["string",1,1.123] // 1'),
        ("{{ list[3] is defined ? bla : null }}", ""),
        ('{{ "apple" ~ "pear" ~ "banana" }}', "applepearbanana"),
        ("[{{ none }}]", "[]"),
        ("{{ false }}", "false"),
        ("{{ 1.0 }}", "1.0"),
        ("{{ 10000000.0 }}", "1.0E7"),
        ("{{ 0.001 }}", "0.001"),
        ("{{ 0.0001 }}", "1.0E-4"),
        ("{{ 100 * 1.5 }}", "150.0"),
    ],
)
def test_values_print_like_kestra(render, template: str, expected: str) -> None:
    assert render(template, VARS) == expected


def test_collections_print_as_compact_json(render) -> None:
    variables = {
        "map": {"a": "1", "b": "2"},
        "collection": ["1", "2", "3"],
        "tuple": (1, 2, 3),
        "nested": {"k": [{"x": None, "y": "é\n"}]},
    }
    assert render("{{ map }}", variables) == '{"a":"1","b":"2"}'
    assert render("{{ collection }}", variables) == '["1","2","3"]'
    assert render("{{ tuple }}", variables) == "[1,2,3]"
    assert render("{{ nested }}", variables) == '{"k":[{"y":"é\\n"}]}'


def test_map_literal_prints_in_java_hashmap_order(render) -> None:
    # a HashMap iterates by String.hashCode bucket (16 buckets): "aa" (3104 -> 0) first,
    # then "a" (97 -> 1) and "b" (98 -> 2), whatever the order written
    assert render("{{ {'b': 1, 'aa': 2, 'a': 3} }}") == '{"aa":2,"a":3,"b":1}'


def test_map_entry_prints_key_equals_value(render) -> None:
    assert render("{% for e in m %}{{ e }};{% endfor %}", {"m": {"a": 1, "b": [1]}}) == (
        "a=1;b=[1];"
    )


def test_decimal_prints_plain(render) -> None:
    assert render("{{ d }}", {"d": Decimal("1E+3")}) == "1000"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (dt.date(2024, 1, 2), "2024-01-02"),
        (dt.datetime(2024, 1, 2, 3, 4, 5), "2024-01-02T03:04:05"),
        (dt.datetime(2024, 1, 2, 3, 4), "2024-01-02T03:04"),
        (dt.datetime(2024, 1, 2, 3, 4, 5, 120000, tzinfo=dt.UTC), "2024-01-02T03:04:05.120Z"),
        (dt.timedelta(hours=1, minutes=30), "PT1H30M"),
    ],
)
def test_java_time_values(render, value: object, expected: str) -> None:
    assert render("{{ v }}", {"v": value}) == expected


def test_trailing_newlines_are_kept(render) -> None:
    assert render("{{ 'a' }}\n\n") == "a\n\n"
    assert render("{% if true %}x{% endif %}\n") == "x\n"
