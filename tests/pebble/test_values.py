"""Java-like values: printing, `toString`, arithmetic, comparison, equality, `contains`,
`isIn`, truthiness and HashMap literal order (Pebble `OperatorUtils`, Kestra `JsonWriter`)."""

from __future__ import annotations

import datetime as dt
import math
import re
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kestra_nb import RenderError
from kestra_nb.pebble import values as v
from kestra_nb.pebble.exceptions import PebbleError


@pytest.mark.parametrize(
    ("value", "printed"),
    [
        (None, ""),
        (True, "true"),
        (False, "false"),
        (1, "1"),
        (1.0, "1.0"),
        (1e7, "1.0E7"),
        (0.1 + 0.2, "0.30000000000000004"),
        (1e-5, "1.0E-5"),
        (0.001, "0.001"),
        (123456.789, "123456.789"),
        (9999999.0, "9999999.0"),
        (-0.0, "-0.0"),
        (math.inf, "Infinity"),
        (math.nan, "NaN"),
        (v.JavaFloat(1.123), "1.123"),
        (Decimal("1.50"), "1.50"),
        (["a", 1, None, 1.5], '["a",1,null,1.5]'),
        ({"a": 1, "b": [True]}, '{"a":1,"b":[true]}'),
        ({"a": None}, "{}"),
        ("x\ny", "x\ny"),
        (
            dt.datetime(2013, 9, 8, 16, 19, tzinfo=dt.timezone(dt.timedelta(hours=2))),
            "2013-09-08T16:19+02:00",
        ),
        (dt.datetime(2013, 9, 8, 16, 19, 5, tzinfo=dt.UTC), "2013-09-08T16:19:05Z"),
        (
            dt.datetime(2013, 9, 8, 16, 19, 5, 123000, tzinfo=ZoneInfo("Europe/Paris")),
            "2013-09-08T16:19:05.123+02:00[Europe/Paris]",
        ),
        (dt.datetime(2013, 9, 8, 16, 19), "2013-09-08T16:19"),
        (dt.date(2013, 9, 8), "2013-09-08"),
        (dt.time(16, 19, 0, 500), "16:19:00.000500"),
        (dt.timedelta(hours=1, minutes=30), "PT1H30M"),
        (dt.timedelta(days=2, seconds=5), "PT48H5S"),
        (dt.timedelta(seconds=-1.5), "PT-1.5S"),
        (dt.timedelta(0), "PT0S"),
        (v.JavaChar("K"), "K"),
        (v.MapEntry("k", 1), "k=1"),
    ],
)
def test_output(value, printed: str) -> None:
    assert v.output(value) == printed


def test_to_string_is_java_to_string() -> None:
    assert v.to_string(None) == "null"
    assert v.to_string([1, "a", None, [2]]) == "[1, a, null, [2]]"
    assert v.to_string({"a": 1, "b": None}) == "{a=1, b=null}"
    assert v.to_string(True) == "true"
    assert v.to_string(Decimal("1E-7")) == "1E-7"


def test_to_json_is_compact_jackson() -> None:
    assert v.to_json({"a": [1, 2.5, "x\u0001"]}) == '{"a":[1,2.5,"x\\u0001"]}'
    assert v.to_json("é/") == '"é/"'
    assert v.to_json(dt.datetime(2013, 9, 8, 16, 19, tzinfo=dt.UTC)) == '"2013-09-08T16:19:00Z"'
    assert v.to_json({"a": None}, drop_null_values=False) == '{"a":null}'


@pytest.mark.parametrize(
    ("expr", "expected"),
    [
        (lambda: v.add(1, 2), 3),
        (lambda: v.add("a", 1), "a1"),
        (lambda: v.add(1, "a"), "1a"),
        (lambda: v.add(None, "a"), "nulla"),
        (lambda: v.add(1, 2.5), 3.5),
        (lambda: v.sub(5, 7), -2),
        (lambda: v.mul(3, 2.0), 6.0),
        (lambda: v.div(5, 2), 2),
        (lambda: v.div(-7, 2), -3),
        (lambda: v.div(7.0, 2), 3.5),
        (lambda: v.mod(-7, 2), -1),
        (lambda: v.mod(7, -2), 1),
        (lambda: v.mod(7.5, 2), 1.5),
        (lambda: v.neg(5), -5),
        (lambda: v.neg(2.5), -2.5),
        (lambda: v.pos(3), 3),
        (lambda: v.add(2**63 - 1, 1), -(2**63)),
        (lambda: v.concat("a", None), "a"),
        (lambda: v.concat([1, 2], {"a": 1}), "[1, 2]{a=1}"),
        (lambda: v.concat(1.0, True), "1.0true"),
    ],
)
def test_arithmetic(expr, expected) -> None:
    result = expr()
    assert result == expected and type(result) is type(expected)


def test_arithmetic_edge_cases() -> None:
    assert v.div(1.0, 0) == math.inf
    assert v.div(-1, 0.0) == -math.inf
    assert math.isnan(v.div(0.0, 0))
    with pytest.raises(PebbleError, match="/ by zero"):
        v.div(1, 0)
    with pytest.raises(
        PebbleError,
        match=r"^invalid operands for mathematical operation \[SUBTRACT\]$",
    ):
        v.sub("a", 1)
    with pytest.raises(PebbleError, match=r"\[MULTIPLICATION\]"):
        v.neg("a")
    assert type(v.add(v.JavaInteger(1), v.JavaInteger(2))) is int  # Pebble returns a long
    assert isinstance(v.add(v.JavaFloat(1.5), 1), v.JavaFloat)
    assert v.add(Decimal("1.1"), 1) == Decimal("2.1")
    items = [1]
    assert v.add(items, 2) == [1, 2] and items == [1, 2]  # Pebble 1.x mutates the list


def test_equality_and_comparison() -> None:
    assert v.equals(1, 1.0)
    assert v.equals(v.JavaInteger(1), 1)
    assert not v.equals("1", 1)
    assert v.equals(None, None)
    assert not v.equals(True, 1)
    assert not v.equals(v.JavaChar("a"), "a")  # Character.equals(String) is false
    assert v.equals([1, "a"], [1, "a"])
    assert not v.equals([1], [1.0])  # List.equals uses element equals: Long vs Double
    assert v.compare("<", 1, 2.5)
    assert v.compare(">=", 2, 2.0)
    assert not v.compare("<", None, 1)
    assert not v.compare(">", 1, None)
    with pytest.raises(
        PebbleError, match=r"invalid operands for mathematical comparison \[LESS_THAN\]"
    ):
        v.compare("<", "a", "b")
    assert v.compare("<", "a", "b", strings=True)


def test_contains_and_is_in() -> None:
    assert v.contains([1, 2, 3], 2)
    assert v.contains([1, 2, 3], [1, 3])
    assert not v.contains([v.JavaInteger(1)], 1)  # Integer element, Long literal
    assert v.contains({"a": 1}, "a")
    assert not v.contains({"a": 1}, 1)
    assert v.contains("hello", "ell")
    assert v.contains("a1", 1)
    assert not v.contains(None, 1)
    with pytest.raises(PebbleError, match="Contains operator can only be used on Collections"):
        v.contains(5, 1)
    assert v.is_in(1, ["1", "2"])
    assert v.is_in("a", {"a": 1})
    assert v.is_in(1, {"x": 1})
    assert not v.is_in(None, [None])
    assert not v.is_in("a", None)
    assert not v.is_in("a", "abc")


def test_truthiness() -> None:
    assert v.truthy("false", "if") is True
    assert v.truthy("", "if") is False
    assert v.truthy(0, "if") is False
    assert v.truthy(0.1, "if") is True
    assert v.truthy(math.nan, "if") is False
    assert v.truthy(None, "ternary") is False
    with pytest.raises(PebbleError, match="null value given to if statement and strict variables"):
        v.truthy(None, "if")
    with pytest.raises(PebbleError, match=r"null value given to not\(\)"):
        v.truthy(None, "not")
    with pytest.raises(PebbleError, match="null value used in and operator"):
        v.truthy(None, "or")
    with pytest.raises(
        PebbleError,
        match=re.escape(
            'Unsupported value type ArrayList. Expected Boolean, String, Number in "if" statement'
        ),
    ):
        v.truthy([1], "if")
    with pytest.raises(PebbleError, match="Unsupported value type HashMap"):
        v.truthy({}, "not")
    with pytest.raises(PebbleError, match=r"cannot be cast to class java\.lang\.Boolean"):
        v.truthy([1], "and")


def test_map_literal_hashmap_order() -> None:
    assert list(v.map_literal([("b", 1), ("a", 2)])) == ["a", "b"]
    # capacity 4: "bar" and "baz" share bucket 2 (insertion order), "foo" is in bucket 3
    assert list(v.map_literal([("foo", 1), ("bar", 2), ("baz", 3)])) == ["bar", "baz", "foo"]
    assert list(v.map_literal([(10, "x"), (2, "y"), (1, "z")])) == [1, 10, 2]
    assert v.map_literal([("k", 1), ("k", 2)]) == {"k": 2}
    assert v.java_string_hash("hello") == 99162322
    assert v.java_string_hash("polygenelubricants") == -(2**31)


def test_end_to_end_printing(render) -> None:
    assert render("{{ {'b': 1, 'a': 2} }}") == '{"a":2,"b":1}'
    assert render("{{ 5 / 2 }} {{ -7 / 2 }} {{ 5.0 / 2 }} {{ -7 % 2 }}") == "2 -3 2.5 -1"
    assert render("{{ 'a' + 1 }} {{ 1 ~ 2 }} {{ 0.1 + 0.2 }}") == "a1 12 0.30000000000000004"
    assert render("{{ 1 == 1.0 }} {{ '1' == 1 }} {{ null == null }}") == "true false true"
    assert render("{{ [1, 2] contains 2 }} {{ 'x' isIn ['x'] }}") == "true true"
    assert render("{% if 'false' %}t{% endif %}") == "t"
    assert render("{{ null ? 'y' : 'n' }}") == "n"
    with pytest.raises(RenderError):
        render("{{ 1 / 0 }}")
    with pytest.raises(RenderError):
        render("{{ 'a' < 'b' }}")


@given(st.floats(allow_nan=False, allow_infinity=False))
def test_java_double_str_round_trips_and_follows_java_layout(x: float) -> None:
    text = v.java_double_str(x)
    assert float(text) == x
    magnitude = abs(x)
    if magnitude == 0 or 1e-3 <= magnitude < 1e7:
        assert "E" not in text and "." in text
    else:
        mantissa, _, exponent = text.partition("E")
        assert "." in mantissa and 1 <= abs(float(mantissa)) < 10 and int(exponent) != 0


@given(st.text(max_size=20))
def test_json_string_is_valid_json(s: str) -> None:
    import json

    assert json.loads(v.json_string(s)) == s


def test_instant_prints_like_java_instant() -> None:
    """Kestra's execution.startDate and DATETIME inputs are Instants: seconds always shown."""
    import datetime as dt

    from kestra_nb.pebble.values import Instant, class_name, output, to_string

    paris = dt.timezone(dt.timedelta(hours=1))
    instant = Instant.of(dt.datetime(2024, 1, 31, 11, 0, tzinfo=paris))
    assert output(instant) == "2024-01-31T10:00:00Z"
    assert to_string(Instant.of(dt.datetime(2024, 1, 31, 10, 0, 0, 123000))) == (
        "2024-01-31T10:00:00.123Z"
    )
    assert class_name(instant) == "java.time.Instant"
    # a ZonedDateTime at the same moment drops the zero seconds, as Java does
    assert output(dt.datetime(2024, 1, 31, 10, 0, tzinfo=dt.UTC)) == "2024-01-31T10:00Z"
