"""Collection filters: join, keys, values, chunk, distinct, flatten, merge, sort, rsort,
reverse, first, last, length, default (Kestra's `KeysFilterTest`, `ValuesFilterTest`,
`ChunkFilterTest`, `DistinctFilterTest`, `FlattenFilterTest`; Pebble's core filters)."""

from __future__ import annotations

import datetime as dt

import pytest

from kestra_nb import RenderError
from kestra_nb.pebble import filters
from kestra_nb.pebble.values import JavaFloat, JavaInteger


@pytest.fixture
def kvars() -> dict:
    """The variables of Kestra's filter tests (`Map.of("string", ..., "int", 1, ...)`)."""
    date = dt.datetime(2013, 9, 8, 16, 19, tzinfo=dt.timezone(dt.timedelta(hours=2)))
    return {
        "vars": {
            "second": {
                "string": "string",
                "int": JavaInteger(1),
                "float": JavaFloat(1.123),
                "list": ["string", JavaInteger(1), JavaFloat(1.123)],
                "bool": True,
                "date": date,
                "map": {"string": "string", "int": JavaInteger(1), "float": JavaFloat(1.123)},
            }
        },
        "list": list(range(1, 10)),
        "nested": [
            "You're doing great! Keep it up!",
            ["You're awesome!", "Keep shining!"],
            "Believe in yourself!",
        ],
        "dupes": [
            "one",
            "two",
            "one",
            "three",
            "four",
            "five",
            "three",
            1,
            2,
            3,
            1,
            2,
            2,
            JavaFloat(1.123),
            JavaFloat(2.123),
            JavaFloat(1.123),
            JavaFloat(10.0),
            JavaFloat(10.0),
        ],
    }


CASES = [
    ("{{ vars.second.list | keys }}", "[0,1,2]"),
    ("{{ vars.second.map | keys }}", '["string","int","float"]'),
    ("{{ vars.second.map | values }}", '["string",1,1.123]'),
    ("{{ list | chunk(2) }}", "[[1,2],[3,4],[5,6],[7,8],[9]]"),
    ("{{ [1, 2, 3, 4] | chunk(size=3) }}", "[[1,2,3],[4]]"),
    ("{{ nested | flatten | first }}", "You're doing great! Keep it up!"),
    ("{{ nested | flatten | length }}", "4"),
    (
        "{{ dupes | distinct }}",
        '["one","two","three","four","five",1,2,3,1.123,2.123,10.0]',
    ),
    ("{{ [] | distinct }}", "[]"),
    ("{{ null | distinct }}", "null"),
    ("{{ [1, 1.0, '1'] | distinct }}", '[1,1.0,"1"]'),
    ("{{ [1, 2, 3] | join }}", "123"),
    ("{{ [1, 2, 3] | join(', ') }}", "1, 2, 3"),
    (
        "{{ [1, null, 'a', [1, 2], {'k': 'v'}, 1.5, true] | join('|') }}",
        "1|null|a|[1, 2]|{k=v}|1.5|true",
    ),
    ("{{ ['a', 'b'] | join(separator='-') }}", "a-b"),
    ("{{ [3, 1, 2] | sort }}", "[1,2,3]"),
    ("{{ ['b', 'a', 'C'] | sort }}", '["C","a","b"]'),
    ("{{ [3, 1, 2] | rsort }}", "[3,2,1]"),
    ("{{ [1, 2, 3] | reverse }}", "[3,2,1]"),
    ("{{ [1, 2, 3] | first }}", "1"),
    ("{{ [1, 2, 3] | last }}", "3"),
    ("{{ [] | first }}", ""),
    ("{{ [1, 2, 3] | length }}", "3"),
    ("{{ {'a': 1, 'b': 2} | length }}", "2"),
    ("{{ 42 | length }}", "0"),
    ("{{ [1, 2] | merge([3]) }}", "[1,2,3]"),
    ("{{ {'a': 1} | merge({'b': 2}) }}", '{"a":1,"b":2}'),
    ("{{ {'a': 1} | merge(['x']) }}", '{"a":1,"x":"x"}'),
    ("{{ null | merge([1]) }}", "[1]"),
    ("{{ [1, 2, 3] | slice(1) }}", "[2,3]"),
    ("{{ [1, 2, 3] | slice(0, 2) }}", "[1,2]"),
    ("{{ null | default('x') }}", "x"),
    ("{{ '' | default('x') }}", "x"),
    ("{{ '   ' | default('x') }}", "x"),
    ("{{ [] | default('x') }}", "x"),
    ("{{ {} | default('x') }}", "x"),
    ("{{ 0 | default('x') }}", "0"),
    ("{{ false | default('x') }}", "false"),
    ("{{ missing | default('fallback') }}", "fallback"),
    ("{{ ['a', 'b'] | keys | first | className }}", "java.lang.Integer"),
]


@pytest.mark.parametrize(("template", "expected"), CASES)
def test_collection_filters(render, kvars, template: str, expected: str) -> None:
    assert render(template, kvars) == expected


def test_keys_of_a_map_has_every_key(render, kvars) -> None:
    out = render("{{ vars.second | keys }}", kvars)
    assert '"string"' in out and '"map"' in out
    assert len(out.split(",")) == 7


def test_values_of_nested_map(render, kvars) -> None:
    out = render("{{ vars.second | values }}", kvars)
    assert '"string"' in out and "true," in out


def test_sort_is_in_place(render) -> None:
    """Pebble sorts the list it is given (Collections.sort), so the variable changes too."""
    v = {"items": [3, 1, 2]}
    assert render("{{ items | sort }} {{ items }}", v) == "[1,2,3] [1,2,3]"
    assert v["items"] == [1, 2, 3]


@pytest.mark.parametrize(
    ("template", "message"),
    [
        (
            "{{ 1 | chunk(2) }}",
            "'chunk' filter can only be applied to List. Actual type was: java.lang.Long",
        ),
        ("{{ [1] | chunk }}", "'chunk' filter expects an argument 'size'."),
        ('{{ "string" | distinct }}', "Input must be a list, but received : java.lang.String"),
        (
            "{{ {'key': 'value'} | distinct }}",
            "Input must be a list, but received : java.util.HashMap",
        ),
        ("{{ 'a' | flatten }}", "The 'flatten' filter can only be applied to lists."),
        (
            "{{ 1 | keys }}",
            "'keys' filter can only be applied to List, Map, Array. "
            "Actual type was: java.lang.Long",
        ),
        (
            "{{ [1] | values }}",
            "'values' filter can only be applied to Map. Actual type was: java.util.ArrayList",
        ),
        ("{{ null | merge(null) }}", "The two arguments to be merged are null"),
        ("{{ 'a' | merge([1]) }}", "The object being filtered is not a Map/List/Array"),
        ("{{ [1, 2] | slice(1, 5) }}", "toIndex must be smaller than input size: 2"),
        (
            "{{ {'a': 1} | slice(0) }}",
            "Slice filter can only be applied to String, List and array inputs",
        ),
        ("{{ [1, 'a'] | sort }}", "cannot be cast"),
        (
            "{{ 'abc' | join(',') }}",
            "The 'join' filter expects that the input is either a collection",
        ),
    ],
)
def test_collection_filter_errors(render, template: str, message: str) -> None:
    with pytest.raises(RenderError) as info:
        render(template)
    assert message in str(info.value)


def test_direct_calls() -> None:
    assert filters.FILTERS["chunk"]([1, 2, 3], 2) == [[1, 2], [3]]
    assert filters.FILTERS["join"](["a", None, 1.0], ",") == "a,null,1.0"
    assert filters.FILTERS["first"](None) is None
    assert filters.FILTERS["keys"]({"b": 1, "a": 2}) == ["b", "a"]
    assert filters.FILTERS["flatten"]([[1], [2, [3]]]) == [1, 2, [3]]
