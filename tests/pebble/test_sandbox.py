"""The sandbox: templates reach data only (dict keys, list items, a few Java getters).

Python internals (`__class__`, `__globals__`, `mro`, `format` tricks, methods of Python
objects) are undefined attributes, as anything Pebble cannot resolve.
"""

from __future__ import annotations

import pytest

from kestra_nb.pebble import PebbleError, RenderError, UndefinedError


class Secretive:
    """An arbitrary Python object handed to a template."""

    password = "hunter2"

    def __init__(self) -> None:
        self.token = "t0k3n"

    def leak(self) -> str:
        return self.password


@pytest.mark.parametrize(
    "template",
    [
        "{{ ''.__class__ }}",
        "{{ ''.__class__.__mro__ }}",
        "{{ x.__init__ }}",
        "{{ x.__init__.__globals__ }}",
        "{{ x.__dict__ }}",
        "{{ x.__class__.__subclasses__() }}",
        "{{ x['__class__'] }}",
        "{{ obj.password }}",
        "{{ obj.token }}",
        "{{ obj.leak() }}",
        "{{ obj['token'] }}",
        "{{ 'x'.format }}",
        "{{ 'x'.format('{0.__class__}') }}",
        "{{ 'abc'.upper() }}",  # a Python method, not one of Java's
        "{{ m.items() }}",
        "{{ m.keys }}",
        "{{ l.append(1) }}",
        "{{ l.pop }}",
        "{{ (1).real }}",
        "{{ loop }}",
        "{{ range.__call__ }}",
        "{{ secret.__globals__ }}",
        "{{ _context.x.__class__ }}",
    ],
)
def test_python_internals_are_unreachable(render, template: str) -> None:
    variables = {"x": {"a": 1}, "obj": Secretive(), "m": {"a": 1}, "l": [1]}
    with pytest.raises(RenderError) as info:
        render(template, variables)
    assert "hunter2" not in str(info.value)
    assert "t0k3n" not in str(info.value)
    assert isinstance(info.value, (UndefinedError, PebbleError))


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        # the Java getters Pebble resolves on data
        ("{{ 'abc'.length }}", "3"),
        ("{{ s.empty }}", "false"),
        ("{{ l.size }}", "3"),
        ("{{ l.size() }}", "3"),
        ("{{ l.empty }}", "false"),
        ("{{ 'abc'.length() }}", "3"),
        ("{{ 'abc'.toUpperCase() }}", "ABC"),
        ("{{ 'a,b'.contains(',') }}", "true"),
        ("{{ m.containsKey('a') }}", "true"),
        ("{% for e in m %}{{ e.key }}{{ e.getValue() }}{% endfor %}", "a1"),
        ("{% for x in l %}{{ loop.index }}{% endfor %}", "012"),
        # a dict key named like a Python attribute is just a key
        ("{{ d.items }}", "its items"),
        ("{{ d['__class__'] }}", "a key"),
    ],
)
def test_data_stays_reachable(render, template: str, expected: str) -> None:
    variables = {
        "s": "text",
        "l": [1, 2, 3],
        "m": {"a": 1},
        "d": {"items": "its items", "__class__": "a key"},
    }
    assert render(template, variables) == expected


def test_objects_print_without_revealing_attributes(render) -> None:
    out = render("{{ obj }}", {"obj": Secretive()})
    assert "hunter2" not in out
    assert "t0k3n" not in out


def test_filters_are_only_kestras(render) -> None:
    # Jinja2's own filters and tests are not registered
    for template in (
        "{{ 'x' | safe }}",
        "{{ 1 | int }}",
        "{{ [1] | tojson }}",
        "{{ 1 | attr('real') }}",
    ):
        with pytest.raises(PebbleError, match=r"Filter \[\w+\] does not exist"):
            render(template)
    with pytest.raises(PebbleError, match=r"Test \[callable\] does not exist"):
        render("{{ x is callable }}", {"x": 1})
