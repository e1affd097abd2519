"""JSON / YAML / Ion / jq filters and the parsing functions (Kestra's `ToJsonFilterTest`,
`YamlFilterTest`, `ToIonFilterTest`, `JqFilterTest`, `FromJsonFunctionTest`,
`FromIonFunctionTest`)."""

from __future__ import annotations

import datetime as dt

import pytest

from kestra_nb import RenderError
from kestra_nb.pebble import jsonyaml
from kestra_nb.pebble.values import JavaFloat, JavaInteger

DATE = dt.datetime(2013, 9, 8, 16, 19, tzinfo=dt.timezone(dt.timedelta(hours=2)))


@pytest.fixture
def kvars() -> dict:
    return {
        "vars": {
            "second": {
                "string": "string",
                "int": JavaInteger(1),
                "float": JavaFloat(1.123),
                "list": ["string", JavaInteger(1), JavaFloat(1.123)],
                "bool": True,
                "date": DATE,
                "map": {"string": "string", "int": JavaInteger(1), "float": JavaFloat(1.123)},
                "null": None,
            }
        }
    }


TO_JSON = [
    ("{{ vars.second.string | toJson }}", '"string"'),
    ("{{ vars.second.int | toJson }}", "1"),
    ("{{ vars.second.float | toJson }}", "1.123"),
    ("{{ vars.second.list | toJson }}", '["string",1,1.123]'),
    ("{{ vars.second.bool | toJson }}", "true"),
    ("{{ vars.second.date | toJson }}", '"2013-09-08T16:19:00+02:00"'),
    ("{{ vars.second.map | toJson }}", '{"string":"string","int":1,"float":1.123}'),
    ('{{ {"empty_object":{}} | toJson }}', '{"empty_object":{}}'),
    ("{{ null | toJson }}", "null"),
    ("{{ vars.second.string | json }}", '"string"'),
    ("{{ [1, 2, 3] | toJson }}", "[1,2,3]"),
    ("{{ 'a\"b' | toJson }}", '"a\\"b"'),
    ("{{ 10000000.0 | toJson }}", "1.0E7"),
    ("{{ {'a': null, 'b': 1} | toJson }}", '{"b":1}'),
    ("{{ [null] | toJson }}", "[null]"),
]


@pytest.mark.parametrize(("template", "expected"), TO_JSON)
def test_to_json(render, kvars, template: str, expected: str) -> None:
    assert render(template, kvars) == expected


YAML = [
    ("{{ vars.second.string | yaml }}", "string\n"),
    ("{{ vars.second.int | yaml }}", "1\n"),
    ("{{ vars.second.float | yaml }}", "1.123\n"),
    ("{{ vars.second.list | yaml }}", " - string\n - 1\n - 1.123\n"),
    ("{{ vars.second.bool | yaml }}", "true\n"),
    ("{{ vars.second.date | yaml }}", "2013-09-08T16:19:00+02:00\n"),
    ("{{ vars.second.map | yaml }}", "string: string\nint: 1\nfloat: 1.123\n"),
    ("{{ null | yaml }}", "null"),
    ("{{ {'a': {'b': [1, 'x']}} | yaml }}", "a:\n  b:\n   - 1\n   - x\n"),
    ("{{ ['true', '1', '', 'a: b', 'x'] | yaml }}", ' - "true"\n - "1"\n - ""\n - "a: b"\n - x\n'),
    ("{{ {} | yaml }}", "{}\n"),
]


@pytest.mark.parametrize(("template", "expected"), YAML)
def test_yaml_filter(render, kvars, template: str, expected: str) -> None:
    assert render(template, kvars) == expected


TO_ION = [
    ("{{ vars.second.string | toIon }}", '"string"'),
    ("{{ vars.second.int | toIon }}", "1"),
    ("{{ vars.second.float | toIon }}", "1.1230000257492065e0"),
    ("{{ vars.second.list | toIon }}", '["string",1,1.1230000257492065e0]'),
    ("{{ vars.second.bool | toIon }}", "true"),
    ('{{ {"empty_object":{}} | toIon }}', "{empty_object:{}}"),
    ("{{ null | toIon }}", "null"),
]


@pytest.mark.parametrize(("template", "expected"), TO_ION)
def test_to_ion(render, kvars, template: str, expected: str) -> None:
    assert render(template, kvars) == expected


def test_to_ion_map_and_date(render, kvars) -> None:
    out = render("{{ vars.second.map | toIon }}", kvars)
    assert out.startswith("{") and out.endswith("}")
    assert "int:1" in out and "float:1.1230000257492065e0" in out and 'string:"string"' in out
    assert render("{{ vars.second.date | toIon }}", kvars).startswith(
        'ZonedDateTime::"2013-09-08T16:19:00+02:00'
    )


JQ = [
    ('{{ [1, 2, 3] | jq(".[0]") | first }}', "1"),
    ('{{ my_vars | jq(".test[0]") }}', "[1]"),
    ('{{ vars | jq(".second.string") }}', '["string"]'),
    ('{{ vars | jq(".second.string") | first }}', "string"),
    ('{{ vars | jq(".second.int") | first }}', "1"),
    ('{{ vars | jq(".second.float") | first }}', "1.123"),
    ('{{ vars | jq(".second.list") | first }}', '["string",1,1.123]'),
    ('{{ vars | jq(".second.bool") | first }}', "true"),
    ('{{ vars | jq(".second.date") | first }}', "2013-09-08T16:19:00+02:00"),
    ('{{ vars | jq(".second.list[]") }}', '["string",1,1.123]'),
    ('{{ vars | jq(".second.string") | first | className }}', "java.lang.String"),
    ('{{ vars | jq(".second.int") | first | className }}', "java.lang.Integer"),
    ('{{ vars | jq(".second.bool") | first | className }}', "java.lang.Boolean"),
    ('{{ vars | jq(".second.null") | first | className }}', ""),
    ('{% set object = vars | jq(".second.map") %}{{ object[0].string }}', "string"),
    ("{{ '{\"a\": [1, 2]}' | jq('.a | length') | first }}", "2"),
    ("{{ null | jq('.') }}", ""),
]


@pytest.mark.parametrize(("template", "expected"), JQ)
def test_jq(render, kvars, template: str, expected: str) -> None:
    kvars["my_vars"] = {"test": [1, 2, 3]}
    assert render(template, kvars) == expected


def test_jq_map_result(render, kvars) -> None:
    out = render('{{ vars | jq(".second.map") | first }}', kvars)
    assert out.startswith("{") and out.endswith("}")
    assert '"int":1' in out and '"float":1.123' in out and '"string":"string"' in out


FUNCTIONS = [
    ('{{ fromJson(\'{"test1": 1, "test2": 2, "test3": 3}\').test1 }}', "1"),
    (
        '{{ fromJson(\'{"test1": [{"test1": 666}, 2, 3], "test2": 2}\').test1[0].test1 }}',
        "666",
    ),
    ("{{ fromJson('[1, 2, 3]')[0] }}", "1"),
    ("{{ fromJson('{\"empty_object\":{}}') }}", '{"empty_object":{}}'),
    ("{{ fromJson(null) }}", ""),
    ("{{ json('{\"test1\": 1}').test1 }}", "1"),
    ("{{ fromJson('{\"a\": 1}').a | className }}", "java.lang.Integer"),
    ("{{ fromJson('{\"a\": 12345678901}').a | className }}", "java.lang.Long"),
    ("{{ fromJson('{\"a\": 1.5}').a | className }}", "java.lang.Double"),
    ("{{ fromJson('[1, 2]') contains 1 }}", "false"),  # Integer elements, Long literal
    (
        "{{ fromIon('{date:2024-04-21T23:00:00.000Z, title:\"Main_Page\",views:109787}').title }}",
        "Main_Page",
    ),
    ("{{ fromIon(null) }}", ""),
    ("{{ fromIon('{id:0} {id:1}', allRows=true) }}", '[{"id":0},{"id":1}]'),
    ("{{ fromIon('{id:0} {id:1}') }}", '{"id":0}'),
    ("{{ yaml('a: 1') }}", '{"a":1}'),
    ("{{ yaml(text).b[1] }}", "y"),
    ("{{ yaml(text).c.x }}", "1"),
    ("{{ yaml(null) }}", ""),
]


@pytest.mark.parametrize(("template", "expected"), FUNCTIONS)
def test_parsing_functions(render, template: str, expected: str) -> None:
    text = "a: 1\nb: [x, y]\nbase: &base\n  x: 1\nc:\n  <<: *base\n"
    assert render(template, {"text": text}) == expected


@pytest.mark.parametrize(
    ("template", "message"),
    [
        ("{{ fromJson() }}", "The 'fromJson' function expects an argument 'json'."),
        ("{{ fromJson('{not: json}') }}", "Invalid json:"),
        ("{{ fromIon() }}", "The 'fromIon' function expects an argument 'ion'."),
        ("{{ fromIon('{not: ion') }}", "Invalid ion:"),
        ("{{ yaml('a: [') }}", "Invalid yaml:"),
        ("{{ 'x' | jq }}", "The 'jq' filter expects an argument 'expression'."),
        (
            "{{ 'not json' | jq('.') }}",
            "Unable to parse jq value 'not json' with type 'java.lang.String'",
        ),
    ],
)
def test_parsing_errors(render, template: str, message: str) -> None:
    with pytest.raises(RenderError) as info:
        render(template)
    assert message in str(info.value)


def test_yaml_round_trip_of_nested_structures() -> None:
    value = {"tasks": [{"id": "a", "type": "x"}, {"id": "b"}], "n": 1, "s": "yes"}
    text = jsonyaml.to_yaml(value)
    assert text.endswith("\n") and not text.startswith("---")
    assert jsonyaml.parse_yaml(text) == value
    assert " - id: a\n" in text and 's: "yes"' in text


def test_yaml_multiline_strings_use_literal_blocks(render) -> None:
    v = {"script": "echo hi\n\necho bye", "one": "a\nb\n", "items": ["x\ny"]}
    out = render("{{ v | yaml }}", {"v": v})
    assert (
        out == "script: |-\n  echo hi\n\n  echo bye\none: |\n  a\n  b\nitems:\n - |-\n   x\n   y\n"
    )
    assert jsonyaml.parse_yaml(out) == v


def test_yaml_function_resolves_scalars_like_jackson() -> None:
    parsed = jsonyaml.parse_yaml("a: yes\nb: 10:30\nc: 2024-01-01\nd: 12\ne: 1.5\nf: true\ng: ~")
    assert parsed == {
        "a": "yes",
        "b": "10:30",
        "c": "2024-01-01",
        "d": 12,
        "e": 1.5,
        "f": True,
        "g": None,
    }


def test_json_parsing_ignores_trailing_content_like_jackson() -> None:
    assert jsonyaml.parse_json(' {"a": 1} trailing') == {"a": 1}
    with pytest.raises(ValueError, match="No content"):
        jsonyaml.parse_json("  ")
