"""Tests (`is null`, `empty`, `even`, `odd`, `iterable`, `map`, Kestra's `json`)."""

from __future__ import annotations

import pytest

from kestra_nb import RenderError
from kestra_nb.pebble import tests as ptests


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ("{{ null is null }}", "true"),
        ("{{ 'a' is null }}", "false"),
        ("{{ x is null }}", "true"),
        ("{{ '' is empty }}", "true"),
        ("{{ '   ' is empty }}", "true"),
        ("{{ [] is empty }}", "true"),
        ("{{ {} is empty }}", "true"),
        ("{{ null is empty }}", "true"),
        ("{{ 0 is empty }}", "false"),
        ("{{ 'a' is not empty }}", "true"),
        ("{{ 2 is even }}", "true"),
        ("{{ 3 is even }}", "false"),
        ("{{ 3 is odd }}", "true"),
        ("{{ -3 is odd }}", "true"),
        ("{{ [1] is iterable }}", "true"),
        ("{{ 'abc' is iterable }}", "false"),
        ("{{ {'a': 1} is iterable }}", "false"),
        ("{{ {'a': 1} is map }}", "true"),
        ("{{ [1] is map }}", "false"),
        ("{{ '{\"a\":1}' is json }}", "true"),
        ("{{ '[1, 2]' is json }}", "true"),
        ("{{ 'abc' is json }}", "false"),
        ("{{ '{a:1}' is json }}", "false"),
        ("{{ '{\"a\":1} trailing' is json }}", "true"),
        ("{{ '' is json }}", "true"),
        ("{% if '{\"a\":1}' is json %}yes{% endif %}", "yes"),
        ("{% if 5 is not even %}odd{% endif %}", "odd"),
    ],
)
def test_tests(render, template: str, expected: str) -> None:
    assert render(template, {"x": None}) == expected


@pytest.mark.parametrize(
    ("template", "message"),
    [
        ("{{ null is even }}", 'Can not pass null value to "even" test.'),
        ("{{ null is odd }}", 'Can not pass null value to "odd" test.'),
        ("{{ 1.5 is even }}", "cannot be cast"),
        ("{{ 12 is json }}", "cannot be cast to class java.lang.String"),
    ],
)
def test_test_errors(render, template: str, message: str) -> None:
    with pytest.raises(RenderError) as info:
        render(template)
    assert message in str(info.value)


def test_catalogue() -> None:
    assert set(ptests.TESTS) == {"null", "empty", "even", "odd", "iterable", "map", "json"}
    assert ptests.is_empty("\t \n")
    assert not ptests.is_empty(False)
