"""Context-free functions: range, min, max, uuid, id, ksuid, nanoId, randomInt, and the
server-only catalogue (Kestra's `BoundedRangeFunctionTest`, `IDFunctionTest`,
`KSUIDFunctionTest`, `NanoIDFuntionTest`, `RandomIntFunctionTest`)."""

from __future__ import annotations

import re
import uuid as _uuid

import pytest

from kestra_nb import RenderError
from kestra_nb.pebble import Renderer, functions


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ("{{ range(1, 5) }}", "[1,2,3,4,5]"),
        ("{{ range(0, 10, 5) }}", "[0,5,10]"),
        ("{{ range(5, 1, -2) }}", "[5,3,1]"),
        ("{{ range(3, 1) }}", "[]"),
        ("{{ range('a', 'e') }}", '["a","b","c","d","e"]'),
        ("{{ range(start=1, end=3, increment=2) }}", "[1,3]"),
        ("{% for i in range(1, 3) %}{{ i }}{% endfor %}", "123"),
        ("{{ min(3, 1, 2) }}", "1"),
        ("{{ max(3, 1.5, 2) }}", "3"),
        ("{{ max(1, 2.5) }}", "2.5"),
        ("{{ min() }}", ""),
        ("{{ randomInt(10, 10) }}", "10"),
        ("{{ randomInt(lower=-3, upper=-3) }}", "-3"),
    ],
)
def test_functions(render, template: str, expected: str) -> None:
    assert render(template) == expected


@pytest.mark.parametrize(
    ("template", "variables", "message"),
    [
        ("{{ range(0, 2000000000) }}", {}, "cannot produce more than"),
        ("{{ range(2000000000, 0, -1) }}", {}, "cannot produce more than"),
        ("{{ range(1, 2, 0) }}", {}, "must be different than 0"),
        ("{{ range('ab', 'c') }}", {}, "Number or String with a length of 1"),
        # Kestra's own messages (RandomIntFunction names itself `randomIn()`)
        (
            "{{ randomInt(lower) }}",
            {"lower": 10},
            "The 'randomIn()' function expects an argument upper",
        ),
        ("{{ randomInt(upper=1) }}", {}, "expects an argument lower"),
        ("{{ randomInt() }}", {}, "expects an argument lower"),
        ("{{ randomInt(lower, upper) }}", {"lower": "1", "upper": "10"}, "lower of type Long."),
        (
            "{{ randomInt(lower, upper) }}",
            {"lower": 10, "upper": 1},
            "In 'randomIn()' upper is less than lower",
        ),
        ("{{ min('a', 'b') }}", {}, "invalid operands for mathematical comparison [LESS_THAN]"),
    ],
)
def test_function_errors(render, template: str, variables: dict, message: str) -> None:
    with pytest.raises(RenderError) as info:
        render(template, variables)
    assert message in str(info.value)


def test_random_int_bounds(render) -> None:
    seen = {
        int(render("{{ randomInt(lower, upper) }}", {"lower": 1, "upper": 4})) for _ in range(60)
    }
    assert seen <= {1, 2, 3} and len(seen) > 1  # upper bound excluded
    neg = int(render("{{ randomInt(lower, upper) }}", {"lower": -10, "upper": -1}))
    assert -10 <= neg < -1


def test_ids(render) -> None:
    u = render("{{ uuid() }}")
    parsed = _uuid.UUID(u)
    assert str(parsed) == u and parsed.version == 7 and parsed.variant == _uuid.RFC_4122
    assert render("{{ uuid() }}") != u
    i = render("{{ id() }}")
    assert re.fullmatch(r"[0-9A-Za-z]{1,22}", i)
    k1, k2 = render("{{ ksuid() }}"), render("{{ ksuid() }}")
    assert re.fullmatch(r"[0-9A-Za-z]{27}", k1) and k1 != k2
    n = render("{{ nanoId() }}")
    assert len(n) == 21 and re.fullmatch(r"[A-Za-z0-9_-]+", n)
    assert len(render("{{ nanoId(length) }}", {"length": 8})) == 8
    custom = render("{{ nanoId(length, alphabet) }}", {"length": 21, "alphabet": ":;<=>?@"})
    assert len(custom) == 21 and all(":" <= c <= "@" for c in custom)


def test_server_functions_are_not_available(render) -> None:
    for name in ("kv", "read", "http", "fileURI", "errorLogs", "encrypt"):
        assert name in functions.SERVER_FUNCTIONS
    with pytest.raises(RenderError) as info:
        render("{{ kv('my_key') }}")
    assert "kv" in str(info.value) and "not available" in str(info.value)


def test_server_function_supplied_by_caller() -> None:
    r = Renderer(functions={"kv": lambda key, namespace=None, errorOnMissing=True: f"<{key}>"})
    assert r.render("{{ kv('k') }}") == "<k>"


def test_catalogue_is_callable_directly() -> None:
    assert functions.FUNCTIONS["range"](1, 3) == [1, 2, 3]
    assert functions.FUNCTIONS["max"](1, 5, 3) == 5
    assert functions.FUNCTIONS["fromJson"]('{"a": [1]}') == {"a": [1]}
    # `encrypt` checks its arguments locally (Kestra's message), then needs the server
    assert set(functions.FUNCTIONS) & functions.SERVER_FUNCTIONS == {"encrypt"}


CALENDAR = [
    # Kestra 2.0-dev calendar functions (DayOfWeekFunctionTest, MonthOfYearFunctionTest, ...)
    ("{{ dayOfWeek('2025-01-06') }}", "MONDAY"),
    ("{{ dayOfWeek('2025-01-05') }}", "SUNDAY"),
    ("{{ dayOfWeek('2025-01-06T10:00:00+02:00') }}", "MONDAY"),
    ("{{ dayOfMonth('2025-01-31') }}", "31"),
    ("{{ dayOfMonth('2025-01-15T10:00:00+02:00') }}", "15"),
    ("{{ monthOfYear('2025-12-31') }}", "12"),
    ("{{ monthOfYear('2025-03-10T08:00:00+01:00') }}", "3"),
    ("{{ hourOfDay('2025-01-06T14:30:00+02:00') }}", "14"),
    ("{{ hourOfDay('2025-01-06T14:30:00') }}", "14"),
    ("{{ isWeekend('2025-01-04') }}", "true"),
    ("{{ isWeekend('2025-01-04T15:30:00+05:00') }}", "true"),
    ("{{ isWeekend('2025-01-06') }}", "false"),
    ("{{ isDayWeekInMonth('2025-01-06', 'MONDAY', 'FIRST') }}", "true"),
    ("{{ isDayWeekInMonth('2025-01-13', 'MONDAY', 'SECOND') }}", "true"),
    ("{{ isDayWeekInMonth('2025-01-27', 'monday', 'LAST') }}", "true"),
    ("{{ isDayWeekInMonth('2025-01-20', 'MONDAY', 'LAST') }}", "false"),
    ("{{ isLastWorkingDay('2025-05-30') }}", "true"),
    ("{{ isLastWorkingDay('2025-05-31') }}", "false"),
    ("{{ isLastWorkingDay('2025-05-31', 'SATURDAY,SUNDAY') }}", "true"),
    ("{{ isDateBefore('2025-01-01', '2025-01-02') }}", "true"),
    ("{{ isDateAfter('2025-01-01T00:00:00-03:00', '2025-01-01T02:00:00Z') }}", "true"),
    (
        "{{ isDateBetween('2026-01-01T00:00:00-03:00', '2026-01-01T02:00:00Z', "
        "'2026-01-01T04:00:00Z') }}",
        "true",
    ),
    (
        "{{ isDateBetween('2025-12-31T23:59:59Z', '2025-12-31T23:59:59Z', "
        "'2026-06-30T23:59:59Z') }}",
        "false",
    ),
]


@pytest.mark.parametrize(("template", "expected"), CALENDAR)
def test_calendar_functions(render, template: str, expected: str) -> None:
    assert render(template) == expected


@pytest.mark.parametrize(
    ("template", "message"),
    [
        ("{{ dayOfWeek() }}", "The 'dayOfWeek()' function expects a 'date' argument."),
        ("{{ monthOfYear('not-a-date') }}", "could not parse 'date'"),
        ("{{ hourOfDay('2025-01-06') }}", "could not parse 'date'"),
        ("{{ isDayWeekInMonth('2025-01-06', 'MONDAY', 'FIFTH') }}", "invalid 'position' value"),
        (
            "{{ isDateBetween('2026-03-01T00:00:00', '2025-12-31T23:59:59Z', "
            "'2026-06-30T23:59:59Z') }}",
            "could not parse 'date'",
        ),
        (
            "{{ isDateBetween('2026-03-01T00:00:00Z', '2025-12-31T23:59:59Z') }}",
            "expects a 'before' argument",
        ),
        (
            "{{ isDateBetween('2026-03-01T00:00:00Z', 'not-a-date', '2026-06-30T23:59:59Z') }}",
            "could not parse 'after'",
        ),
    ],
)
def test_calendar_function_errors(render, template: str, message: str) -> None:
    with pytest.raises(RenderError) as info:
        render(template)
    assert message in str(info.value)


def test_aliases_of_older_versions(render) -> None:
    assert render("{{ jsonDecode('{\"test1\": 1}').test1 }}") == "1"
    assert render("{{ jsonDecode(null) }}") == ""
    assert render("{{ ionDecode('{title:\"Main_Page\"}').title }}") == "Main_Page"


def test_tasks_with_state_reads_the_tasks_variable(render) -> None:
    tasks = {"tasks": {"a": {"state": "success"}, "loop": {"v1": {"state": "SUCCESS"}}}}
    assert render("{{ tasksWithState('SUCCESS') }}", tasks) == (
        '[{"state":"SUCCESS","taskId":"a"},{"state":"SUCCESS","value":"v1","taskId":"loop"}]'
    )
    assert "tasksWithState" in functions.CONTEXT_FUNCTIONS
    # no `tasks` at all: a run-time value (a flow preview defers it), never a silent []
    with pytest.raises(RenderError, match="Unable to find `tasks`"):
        render("{{ tasksWithState('SUCCESS') }}")


def test_encrypt_checks_its_arguments_then_needs_the_server(render) -> None:
    with pytest.raises(RenderError, match="expects two arguments 'key' and 'plaintext'"):
        render("{{ encrypt('x') }}")
    with pytest.raises(RenderError, match="not available outside a Kestra server"):
        render("{{ encrypt('k', 'x') }}")
    supplied = Renderer(functions={"encrypt": lambda key, plaintext: f"<{plaintext}>"})
    assert supplied.render("{{ encrypt('k', 'x') }}") == "<x>"
