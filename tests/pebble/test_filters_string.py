"""String filters, with Kestra's and Pebble's expected outputs (Kestra's filter tests:
`SubstringFilterTest`, `SlugifyFilterTest`, `ReplaceFilterTest`, `EscapeCharFilterTest`,
`IndentFilterTest`, `NindentFilterTest`, `StartsWithFilterTest`, Pebble `CoreFiltersTest`)."""

from __future__ import annotations

import pytest

from kestra_nb import RenderError
from kestra_nb.pebble import filters
from kestra_nb.pebble.exceptions import PebbleError
from kestra_nb.pebble.javaregex import java_replace_all, java_split

CASES = [
    # substring*
    ("{{ 'a.b.c' | substringBefore('.') }}", "a"),
    ("{{ 'a.b.c' | substringAfter(separator='.') }}", "b.c"),
    ("{{ 'a.b.c' | substringBeforeLast(separator='.') }}", "a.b"),
    ("{{ 'a.b.c' | substringBeforeLast('.') }}", "a.b"),
    ("{{ 'a.b.c' | substringAfterLast('.') }}", "c"),
    ("{{ 'abc' | substringBefore('x') }}", "abc"),
    ("{{ 'abc' | substringAfter('x') }}", ""),
    ("{{ 'abc' | substringAfterLast('c') }}", ""),
    # replace (Kestra: a map of pairs, regexp with $1 groups)
    ("{{ 'john doe is john doe' | replace({'john': 'jane'}) }}", "jane doe is jane doe"),
    (
        "{{ 'aa1bb2cc3dd4ee5' | replace({'(\\d)': '-$1-'}, regexp=true) }}",
        "aa-1-bb-2-cc-3-dd-4-ee-5-",
    ),
    ("{{ 'a.b' | replace({'.': '-'}) }}", "a-b"),
    ("{{ 'a.b' | replace({'.': '-'}, regexp=true) }}", "---"),
    ("{{ 12 | replace({'1': 'x'}) }}", "x2"),
    ("{{ ['ab', 'cb'] | replace({'b': 'd'}) }}", '["ad","cd"]'),
    # escapeChar
    ("{{ \"L'eau c'est la vie\" | escapeChar('single') }}", "L\\'eau c\\'est la vie"),
    ("{{ '\"Hello\"' | escapeChar('double') }}", '\\"Hello\\"'),
    ("{{ \"L'eau c'est la vie\" | escapeChar('shell') }}", "L'\\''eau c'\\''est la vie"),
    ("{{ '' | escapeChar('single') }}", ""),
    ("{{ \"it's\" | escapeChar(type='SINGLE') }}", "it\\'s"),
    # startsWith / endsWith
    ('{{ "Hello World" | startsWith("Hello") }}', "true"),
    ('{{ "Hello World" | startsWith(value="World") }}', "false"),
    ('{{ "Hello World" | endsWith("World") }}', "true"),
    ("{{ 123 | endsWith(3) }}", "true"),
    # abbreviate (the docs' example is wrong: the code gives "LEMONS ...")
    ('{{ "Lemons to lemonade." | upper | abbreviate(10) }}', "LEMONS ..."),
    ("{{ 'Kestra' | abbreviate(6) }}", "Kes..."),
    ("{{ 'Kestra' | abbreviate(7) }}", "Kestra"),
    ("{{ 'Kestra' | abbreviate(2) }}", "Ke"),
    ("{{ 'abc' | abbreviate(1) }}", "abc"),
    # capitalize / title / lower / upper / trim
    ("{{ 'hello world' | capitalize }}", "Hello world"),
    ("{{ '  hello' | capitalize }}", "  Hello"),
    ("{{ 'hELLO' | capitalize }}", "HELLO"),
    ("{{ 'hello wORLD  foo' | title }}", "Hello WORLD  Foo"),
    ("{{ 'ABC' | lower }}", "abc"),
    ("{{ 'abc' | upper }}", "ABC"),
    ("{{ true | upper }}", "TRUE"),
    ("{{ '  x \\t' | trim }}", "x \\t"),
    ("{{ '  x  ' | trim }}", "x"),
    # Pebble CoreFiltersTest
    ("{{ 'This is a test of the abbreviate filter' | abbreviate(16) }}", "This is a tes..."),
    ("{{ 'This is a test of the abbreviate filter' | abbreviate(length=16) }}", "This is a tes..."),
    ("{{ null | abbreviate(16) }}", ""),
    ("{{ 'this should be capitalized.' | capitalize }}", "This should be capitalized."),
    ("{{ '' | capitalize }}", ""),
    (
        "{{ null | title }} {{ 'test' | title }} {{ 'test test' | title }} "
        "{{ 'TEST TEST' | title }}",
        " Test Test Test TEST TEST",
    ),
    ("{{ null | upper | lower }}", ""),
    ("{{ 'The string ü@foo-bar' | urlencode }}", "The+string+%C3%BC%40foo-bar"),
    (
        "{{ \"I like %this% and %that%.\" | replace({'%this%': 'foo', '%that%': \"bar\"}) }}",
        "I like foo and bar.",
    ),
    ("{{ null | replace({'%this%': 'x'}) }}", ""),
    ("{{ null | slice }}", ""),
    ("{{ 'Alex' | slice }}", "Alex"),
    ("{{ 'Alexander' | slice(2, 5) }}", "exa"),
    # first / last on strings give characters
    ("{{ 'Kestra' | first }}", "K"),
    ("{{ 'Kestra' | last }}", "a"),
    ("{{ 'Kestra' | first | className }}", "java.lang.Character"),
    # slugify
    ("{{ 'Hello World!' | slugify }}", "hello-world"),
    ("{{ 'Crème Brûlée' | slugify }}", "creme-brulee"),
    ("{{ 'a_b--c ' | slugify }}", "a-b-c"),
    # split: Java regex, trailing empties dropped, limit
    ("{{ 'a,b,,c,,' | split(',') }}", '["a","b","","c"]'),
    ("{{ 'a.b.c' | split('.') }}", "[]"),
    ("{{ 'a.b.c' | split('\\.') }}", '["a","b","c"]'),
    ("{{ 'a1b22c' | split('\\d+') }}", '["a","b","c"]'),
    ("{{ 'a,b,c' | split(',', 2) }}", '["a","b,c"]'),
    ("{{ 'a,b,,' | split(',', -1) }}", '["a","b","",""]'),
    ("{{ ',a' | split(',') }}", '["","a"]'),
    ("{{ 'abc' | split('') }}", '["a","b","c"]'),
    ("{{ 'a b' | split(delimiter=' ') | length }}", "2"),
    # length counts UTF-16 units, like Java
    ("{{ 'héllo' | length }}", "5"),
    ("{{ null | length }}", "0"),
    # slice
    ("{{ 'hello' | slice(1, 3) }}", "el"),
    ("{{ 'hello' | slice(2) }}", "llo"),
    ("{{ 'hello' | slice(toIndex=2) }}", "he"),
    # indent / nindent (first line never indented by indent)
    ("{{ null | indent(2) }}", ""),
    ("{{ '' | indent(2) }}", ""),
    ("{{ 'string' | indent(2) }}", "string"),
    ("{{ 1 | indent(2) }}", "1"),
    ("{{ '' | nindent(2) }}", ""),
    ("{{ 'string' | nindent(2) }}", "\n  string"),
    ("{{ 1 | nindent(2) }}", "\n  1"),
    # urlencode / urldecode
    ("{{ 'a b&c=d/é~*' | urlencode }}", "a+b%26c%3Dd%2F%C3%A9%7E*"),
    ("{{ 'a+b%26c' | urldecode }}", "a b&c"),
    # string, format, nl2br
    ("{{ 12.3 | string | className }}", "java.lang.String"),
    ('{{ {"field":"hello"} | string | className }}', "java.lang.String"),
    ("{{ [1, 'a'] | string }}", "[1, a]"),
    ("{{ '%s is %d years, %.2f%%' | format('Bob', 42, 3.14159) }}", "Bob is 42 years, 3.14%"),
    ("{{ '%05d|%-4s|%x' | format(42, 'ab', 255) }}", "00042|ab  |ff"),
    ("{{ '%.1f' | format(0.25) }}", "0.3"),
    ("{{ 'no newline' | nl2br }}", "no newline"),
]


@pytest.mark.parametrize(("template", "expected"), CASES)
def test_string_filters(render, template: str, expected: str) -> None:
    assert render(template) == expected


def test_real_newlines_in_variables(render) -> None:
    """Kestra's IndentFilterTest / NindentFilterTest / SlugifyFilterTest use real control chars."""
    v = {
        "lf": "first line\nsecond line",
        "crlf": "first line\r\nsecond line",
        "cr": "first line\rsecond line",
        "empty_lines": "\n\n",
        "slug": "Test\t\t\ntest*",
        "br": "a\r\nb\nc\rd",
    }
    assert render("{{ lf | indent(2) }}", v) == "first line\n  second line"
    assert render("{{ crlf | indent(2) }}", v) == "first line\r\n  second line"
    assert render("{{ cr | indent(2) }}", v) == "first line\r  second line"
    assert render("{{ empty_lines | indent(2) }}", v) == "\n  \n  "
    assert render('{{ lf | indent(2, "-") }}', v) == "first line\n--second line"
    assert render("{{ lf | nindent(2) }}", v) == "\n  first line\n  second line"
    assert render("{{ crlf | nindent(2) }}", v) == "\r\n  first line\r\n  second line"
    assert render("{{ slug | slugify }}", v) == "test-test"
    assert render("{{ br | nl2br }}", v) == "a<br />b<br />c<br />d"


@pytest.mark.parametrize(
    ("template", "message"),
    [
        ("{{ 'Hello' | escapeChar('foo') }}", "either 'single', 'double', or 'shell'"),
        ("{{ 'Hello' | escapeChar('') }}", "either 'single', 'double', or 'shell'"),
        ("{{ 'Hello' | escapeChar }}", "The 'escapeChar' filter expects an argument 'type'."),
        ("{{ 'a' | substringBefore }}", "expects an argument 'separator'"),
        ("{{ 'abc' | slice(0, 5) }}", "toIndex must be smaller than input size: 3"),
        ("{{ 'abc' | slice(2, 2) }}", "toIndex must be greater than fromIndex"),
        ("{{ 'abc' | slice(-1) }}", "fromIndex must be greater than 0"),
        ("{{ 'abc' | split }}", "missing delimiter parameter in split filter"),
        ("{{ 'x' | replace }}", "The argument 'replace_pairs' is required."),
        ("{{ 'a' | indent }}", "The 'indent' filter expects an integer as argument 'amount'."),
        ("{{ 'a\nb' | indent(-1) }}", "positive integer >=0"),
        ("{{ null | startsWith('a') }}", "null"),
        ("{{ 12 | title }}", "cannot be cast to class java.lang.String"),
    ],
)
def test_string_filter_errors(render, template: str, message: str) -> None:
    with pytest.raises(RenderError) as info:
        render(template)
    assert message in str(info.value)


def test_slice_error_has_pebble_shape(render) -> None:
    with pytest.raises(RenderError) as info:
        render("{{ 'abc' | slice(0, 5) }}")
    assert str(info.value) == (
        "io.pebbletemplates.pebble.error.PebbleException: toIndex must be smaller than input "
        "size: 3 ({{ 'abc' | slice(0, 5) }}:1)"
    )


def test_java_split_semantics() -> None:
    assert java_split("", ",") == [""]
    assert java_split("boo:and:foo", ":") == ["boo", "and", "foo"]
    assert java_split("boo:and:foo", "o") == ["b", "", ":and:f"]
    assert java_split("boo:and:foo", "o", -1) == ["b", "", ":and:f", "", ""]
    assert java_split("boo:and:foo", ":", 2) == ["boo", "and:foo"]
    assert java_split("a|b", "|") == ["a", "|", "b"]  # regex alternation of empties
    assert java_split("a|b", "\\|") == ["a", "b"]


def test_java_replacement_syntax() -> None:
    assert java_replace_all("2024-01-15", r"(\d+)-(\d+)-(\d+)", "$3/$2/$1") == "15/01/2024"
    assert java_replace_all("ab", "(?<x>a)", "${x}${x}") == "aab"
    assert java_replace_all("a", "a", "\\$1") == "$1"
    assert java_replace_all("abc", r"\p{Alpha}", "x") == "xxx"
    with pytest.raises(PebbleError):
        java_replace_all("a", "a", "$2")


def test_filters_are_direct_callables() -> None:
    assert filters.FILTERS["abbreviate"]("Kestra", length=5) == "Ke..."
    assert filters.FILTERS["substringAfter"]("a=b", separator="=") == "b"
    assert filters.FILTERS["startsWith"]("abc", value="ab") is True
    assert filters.FILTERS["capitalize"](None) is None


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        # Kestra RegexFilterTest (2.0-dev filters, offered here as well)
        ("{{ 'hello world' | regexMatch(regex='hello.*') }}", "true"),
        ("{{ 'hello world' | regexMatch(regex='^\\d+$') }}", "false"),
        ("{{ 'order-12345-done' | regexMatch(regex='\\d+') }}", "true"),
        ("{{ null | regexMatch(regex='.*') }}", "false"),
        ("{{ 'hello world' | regexReplace(regex='world', replacement='java') }}", "hello java"),
        ("{{ 'aa1bb2cc3' | regexReplace(regex='\\d', replacement='-') }}", "aa-bb-cc-"),
        ("{{ 'aa1bb2cc3' | regexReplace(regex='(\\d)', replacement='[$1]') }}", "aa[1]bb[2]cc[3]"),
        ("{{ null | regexReplace(regex='.*', replacement='x') }}", ""),
        ("{{ 'order-12345-done' | regexExtract(regex='\\d+') }}", "12345"),
        (
            "{{ 'order-111-222-333-done' | regexExtract(regex='order-(\\d+)-(\\d+)-(\\d+)', "
            "group=2) }}",
            "222",
        ),
        ("{{ 'abc-123-def-456' | regexExtract(regex='\\d+') }}", "123"),
        ("{{ 'hello' | regexExtract(regex='\\d+') }}", ""),
        # ShFilterTest, CondenseStringFilterTest, UrlDecodeFilter, JsonEncodeFilterTest
        ("echo '{{ shellVar | sh }}'", "echo 'foo'\\'' bar'\\''baz'"),
        ("{{ text | condense }}", "hello world"),
        ("{{ 'Kestra rulez !' | urlencode | urldecode }}", "Kestra rulez !"),
        ("{{ [1, 2, 2, 3, 1] | uniq }}", "[1,2,3]"),
    ],
)
def test_more_kestra_filters(render, template: str, expected: str) -> None:
    assert render(template, {"shellVar": "foo' bar'baz", "text": "hello\n world"}) == expected


@pytest.mark.parametrize(
    ("template", "message"),
    [
        (
            "{{ 'order-12345' | regexExtract(regex='order-(\\d+)', group=5) }}",
            "Group index 5 is out of bounds",
        ),
        (
            "{{ 'order-12345' | regexExtract(regex='order-(\\d+)', group=-1) }}",
            "Group index -1 is out of bounds",
        ),
        ("{{ 'hello' | regexMatch() }}", "The argument 'regex' is required"),
        ("{{ 'hello' | regexReplace(replacement='x') }}", "The argument 'regex' is required"),
        ("{{ 'hello' | regexReplace(regex='\\d+') }}", "The argument 'replacement' is required"),
        ("{{ 'hello' | regexMatch(regex='[unclosed') }}", "Invalid regex"),
        ("{{ 12 | condense }}", "condense can only be applied on strings"),
    ],
)
def test_more_kestra_filter_errors(render, template: str, message: str) -> None:
    with pytest.raises(RenderError) as info:
        render(template)
    assert message in str(info.value)
    assert "\n" not in str(info.value)


def test_escape_char_is_recursive(render) -> None:
    out = render("{{ v | escapeChar('single') }}", {"v": {"a": ["it's", 1], "b": "o'k"}})
    assert out == '{"a":["it\\\\\'s","1"],"b":"o\\\\\'k"}'
