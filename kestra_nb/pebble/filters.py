"""Kestra's filters (Pebble core + Kestra's extension), on Java-like values.

Each filter is `f(value, *args, **kwargs)` whose Python parameter names are Kestra's argument
names, so `{{ x | date('yyyy', timeZone='UTC') }}` and `{{ x | date(format='yyyy') }}` both
work. Errors are `PebbleError`s carrying Pebble's/Kestra's message; Java runtime exceptions
(`ClassCastException`, ...) carry their Java class in `java_class`.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import unicodedata
import urllib.parse
from collections.abc import Callable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from ..limits import LimitExceeded, check_length
from . import dates, jsonyaml, numberformat
from . import values as _v
from .exceptions import PebbleError
from .javaregex import compile_java, java_replace_all, java_split
from .tests import is_empty

__all__ = ["FILTERS"]

_MISSING: Any = object()


def _cast_error(value: Any, target: str) -> PebbleError:
    return _v.java_error(
        f"class {_v.class_name(value)} cannot be cast to class {target}",
        "java.lang.ClassCastException",
    )


def _as_string(value: Any) -> str:
    """`(String) value`: a ClassCastException for anything else."""
    if isinstance(value, str) and not isinstance(value, _v.JavaChar):
        return str.__str__(value)
    raise _cast_error(value, "java.lang.String")


def _as_long(value: Any) -> int:
    """`(Long) value`."""
    if isinstance(value, int) and not isinstance(value, bool | _v.JavaInteger):
        return int(value)
    raise _cast_error(value, "java.lang.Long")


def _as_number(value: Any, what: str = "java.lang.Number") -> Any:
    if _v.is_number(value):
        return value
    raise _cast_error(value, what)


def _as_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    raise _cast_error(value, "java.lang.Boolean")


def _collection(value: Any) -> list[Any]:
    if isinstance(value, list | tuple | set | frozenset):
        return list(value)
    if isinstance(value, bytes | bytearray):
        return list(value)
    raise _cast_error(value, "java.util.Collection")


# --------------------------------------------------------------------------- strings


def abbreviate(value: Any, length: Any = None) -> Any:
    """Pebble `abbreviate(length)`: `substring(0, length-3) + "..."` when too long."""
    if value is None:
        return None
    text = _as_string(value)
    if length is None:
        raise _v.java_error(
            'Cannot invoke "java.lang.Long.intValue()" because the return value of '
            '"java.util.Map.get(Object)" is null',
            "java.lang.NullPointerException",
        )
    width = _v._wrap32(_as_long(length))
    if width < 0:
        raise _v.java_error(
            "Invalid argument to abbreviate filter; must be greater than zero",
            "java.lang.IllegalArgumentException",
        )
    if len(text) < width or len(text) <= 3:
        return text
    if width <= 3:
        return text[:width]
    return text[: max(0, width - 3)] + "..."


def capitalize(value: Any) -> Any:
    """Pebble `capitalize`: title-case the first non-whitespace character only."""
    if value is None:
        return None
    text = _as_string(value)
    chars = list(text)
    for i, ch in enumerate(chars):
        if not ch.isspace():
            chars[i] = ch.title() if len(ch.title()) == 1 else ch.upper()
            break
    return "".join(chars)


def title(value: Any) -> Any:
    """Pebble `title`: title-case every character that follows whitespace (or starts)."""
    if value is None:
        return None
    text = _as_string(value)
    out = []
    capitalize_next = True
    for ch in text:
        if ch.isspace():
            capitalize_next = True
            out.append(ch)
        elif capitalize_next:
            out.append(ch.title() if len(ch.title()) == 1 else ch.upper())
            capitalize_next = False
        else:
            out.append(ch)
    return "".join(out)


def lower(value: Any) -> Any:
    """`toLowerCase()` (non-strings through `toString()`)."""
    if value is None:
        return None
    return _v.to_string(value).lower()


def upper(value: Any) -> Any:
    """`toUpperCase()` (non-strings through `toString()`)."""
    if value is None:
        return None
    return _v.to_string(value).upper()


_JAVA_WS = "".join(chr(c) for c in range(0x21))


def trim(value: Any) -> Any:
    """`String.trim()`: strips code points <= U+0020 at both ends."""
    if value is None:
        return None
    return _as_string(value).strip(_JAVA_WS)


def replace(value: Any, replace_pairs: Any = None, regexp: Any = False) -> Any:
    """Kestra `replace(replace_pairs, regexp=false)`: literal or Java-regex replacements,
    applied in map order, recursively over maps and lists."""
    if value is None:
        return None
    if replace_pairs is None:
        raise PebbleError("The argument 'replace_pairs' is required.")
    use_regex = _as_bool(regexp) if regexp is not None else False
    if not isinstance(replace_pairs, Mapping):
        raise _cast_error(replace_pairs, "java.util.Map")
    pairs = [(_v.to_string(k), _v.to_string(x)) for k, x in replace_pairs.items()]

    def one(text: str) -> str:
        for old, new in pairs:
            text = java_replace_all(text, old, new) if use_regex else text.replace(old, new)
        return text

    def walk(item: Any) -> Any:
        if isinstance(item, str) and not isinstance(item, _v.JavaChar):
            return one(item)
        if isinstance(item, Mapping):
            # Kestra builds a new HashMap
            return _v.java_hash_map((k, walk(x)) for k, x in item.items())
        if isinstance(item, list):
            return [walk(x) for x in item]
        return one(_v.to_string(item))

    if isinstance(value, Mapping | list):
        return walk(value)
    return one(_v.to_string(value))


def split(value: Any, delimiter: Any = None, limit: Any = None) -> Any:
    """Pebble `split(delimiter, limit)`: Java regex `String.split`."""
    if value is None:
        return None
    if delimiter is None:
        raise PebbleError("missing delimiter parameter in split filter")
    text = _as_string(value)
    sep = _as_string(delimiter)
    if limit is None:
        return java_split(text, sep)
    return java_split(text, sep, _v._wrap32(int(_as_number(limit))))


def slugify(value: Any) -> Any:
    """Kestra `Slugify.of`: whitespace to `-`, NFD, drop non-`[\\w-]`, `_` to `-`, lowercase."""
    if value is None:
        return None
    text = _v.to_string(value)
    text = "".join("-" if ch in " \t\n\x0b\f\r" else ch for ch in text)
    text = unicodedata.normalize("NFD", text)
    text = "".join(ch for ch in text if ch.isascii() and (ch.isalnum() or ch in "_-"))
    text = text.replace("_", "-")
    while "--" in text:
        text = text.replace("--", "-")
    text = text.strip("-")
    return text.lower()


def _substring_filter(name: str, fn: Callable[[str, str], str]) -> Callable[..., Any]:
    def apply(value: Any, separator: Any = _MISSING) -> Any:
        if value is None:
            return None
        if separator is _MISSING:
            raise PebbleError(f"The '{name}' filter expects an argument 'separator'.")
        text = _v.to_string(value)
        if separator is not None:
            separator = _as_string(separator)
        return fn(text, separator)

    apply.__name__ = name
    apply.__doc__ = f"commons-lang `StringUtils.{name}`."
    return apply


def _substring_before(text: str, sep: str | None) -> str:
    if not text or sep is None:
        return text
    if sep == "":
        return ""
    i = text.find(sep)
    return text if i < 0 else text[:i]


def _substring_after(text: str, sep: str | None) -> str:
    if not text:
        return text
    if sep is None:
        return ""
    i = text.find(sep)
    return "" if i < 0 else text[i + len(sep) :]


def _substring_before_last(text: str, sep: str | None) -> str:
    if not text or not sep:
        return text
    i = text.rfind(sep)
    return text if i < 0 else text[:i]


def _substring_after_last(text: str, sep: str | None) -> str:
    if not text:
        return text
    if not sep:
        return ""
    i = text.rfind(sep)
    if i < 0 or i == len(text) - len(sep):
        return ""
    return text[i + len(sep) :]


def _starts_with(input_: Any, /, value: Any = None) -> bool:
    """Kestra `startsWith(value)` on `toString()`; a null input raises (NPE)."""
    if input_ is None:
        raise _v.java_error(
            'Cannot invoke "Object.toString()" because "input" is null',
            "java.lang.NullPointerException",
        )
    return _v.to_string(input_).startswith(_v.to_string(value))


def _ends_with(input_: Any, /, value: Any = None) -> bool:
    """Kestra `endsWith(value)` on `toString()`; a null input raises (NPE)."""
    if input_ is None:
        raise _v.java_error(
            'Cannot invoke "Object.toString()" because "input" is null',
            "java.lang.NullPointerException",
        )
    return _v.to_string(input_).endswith(_v.to_string(value))


_ESCAPES = {"single": ("'", "\\'"), "double": ('"', '\\"'), "shell": ("'", "'\\''")}


def escape_char(value: Any, type: Any = _MISSING) -> Any:
    """Kestra `escapeChar(type)`: `single`, `double` or `shell` quoting, applied to every
    string inside maps and lists."""
    if value is None:
        return None
    if type is _MISSING:
        raise PebbleError("The 'escapeChar' filter expects an argument 'type'.")
    key = type.lower() if isinstance(type, str) else None
    if key not in _ESCAPES:
        raise PebbleError(
            "The 'escapeChar' filter expects the value of 'type' to be either 'single', "
            "'double', or 'shell'."
        )
    old, new = _ESCAPES[key]

    def walk(item: Any) -> Any:
        if isinstance(item, Mapping):
            return {k: walk(x) for k, x in item.items()}
        if isinstance(item, list | tuple):
            return [walk(x) for x in item]
        if item is None:
            return None
        return _v.to_string(item).replace(old, new)

    return walk(value)


def _indent(kind: str, value: Any, amount: Any, prefix: Any) -> Any:
    if value is None:
        return None
    text = _v.to_string(value)
    if text == "":
        return text
    if amount is _MISSING:
        raise PebbleError(f"The '{kind}' filter expects an integer as argument 'amount'.")
    count = _v._wrap32(_as_long(amount))
    if count < 0:
        raise PebbleError(
            f"The '{kind}' filter expects a positive integer >=0 as argument 'amount'."
        )
    pad = " " if prefix is _MISSING else _as_string(prefix) if prefix is not None else "null"
    if "\r\n" in text:
        newline = "\r\n"
    elif "\n\r" in text:
        newline = "\n\r"
    elif "\n" in text:
        newline = "\n"
    elif "\r" in text:
        newline = "\r"
    else:
        newline = "\n"
    if kind == "nindent":
        text = newline + text
    check_length(len(text) + (text.count(newline) + 1) * len(pad) * count)  # before building
    return text.replace(newline, newline + pad * count)


def indent(value: Any, amount: Any = _MISSING, prefix: Any = _MISSING) -> Any:
    """Kestra `indent(amount, prefix=" ")`: indent every line but the first."""
    return _indent("indent", value, amount, prefix)


def nindent(value: Any, amount: Any = _MISSING, prefix: Any = _MISSING) -> Any:
    """Kestra `nindent(amount, prefix=" ")`: a newline, then every line indented."""
    return _indent("nindent", value, amount, prefix)


def string(value: Any) -> Any:
    """Kestra `string`: `toString()` (null stays null)."""
    if value is None:
        return None
    return _v.to_string(value)


def nl2br(value: Any) -> Any:
    """Pebble 4 `nl2br`: line breaks become `<br />`."""
    if value is None:
        return None
    text = _v.to_string(value)
    return text.replace("\r\n", "<br />").replace("\n", "<br />").replace("\r", "<br />")


def format_(value: Any, *args: Any) -> Any:
    """Pebble 4 `format(args...)`: Java `String.format`."""
    if value is None:
        return None
    return numberformat.java_string_format(_v.to_string(value), *args)


def condense(value: Any) -> Any:
    """Kestra `condense`: collapse runs of whitespace into one space and trim."""
    if value is None:
        return None
    if not _v.is_string(value):
        raise PebbleError("condense can only be applied on strings")
    return " ".join(str.__str__(value).split())


# --------------------------------------------------------------------------- collections


def default(value: Any, default: Any = None) -> Any:
    """Pebble `default(default)`: replaces null, blank strings, empty collections/maps."""
    return default if is_empty(value) else value


def first(value: Any) -> Any:
    """Pebble `first`: first item, or the first character of a string; empty gives null."""
    if value is None:
        return None
    if isinstance(value, str) and not isinstance(value, _v.JavaChar):
        if value == "":
            raise _v.java_error(
                "Index 0 out of bounds for length 0", "java.lang.StringIndexOutOfBoundsException"
            )
        return _v.JavaChar(value[0])
    items = _collection(value)
    return items[0] if items else None


def last(value: Any) -> Any:
    """Pebble `last`: last item, or the last character of a string."""
    if value is None:
        return None
    if isinstance(value, str) and not isinstance(value, _v.JavaChar):
        if value == "":
            raise _v.java_error(
                "Index -1 out of bounds for length 0",
                "java.lang.StringIndexOutOfBoundsException",
            )
        return _v.JavaChar(value[-1])
    items = _collection(value)
    return items[-1] if items else None


def join(value: Any, separator: Any = None) -> Any:
    """Pebble `join(separator)`: Java `toString` of each item, glued by `separator`."""
    if value is None:
        return None
    if not isinstance(value, list | tuple | set | frozenset | bytes | bytearray):
        raise PebbleError(
            "The 'join' filter expects that the input is either a collection or an array."
        )
    glue = "" if separator is None else _as_string(separator)
    return glue.join(_v.to_string(x) for x in value)


def length(value: Any) -> int:
    """Pebble `length`: string/collection/map size; null and other types give 0."""
    if value is None:
        return _v.JavaInteger(0)
    if isinstance(value, _v.JavaChar):
        return _v.JavaInteger(0)
    if isinstance(value, str):
        return _v.JavaInteger(len(value.encode("utf-16-le")) // 2)
    if isinstance(value, Mapping | list | tuple | set | frozenset | bytes | bytearray):
        return _v.JavaInteger(len(value))
    return _v.JavaInteger(0)


def _sortable(items: list[Any]) -> list[Any]:
    if not items:
        return items
    kinds = {"num" if _v.is_number(x) else type(x).__name__ for x in items}
    if None in items:
        raise _v.java_error(
            'Cannot invoke "java.lang.Comparable.compareTo(Object)" because "a[runHi]" is null',
            "java.lang.NullPointerException",
        )
    if len(kinds) > 1:
        raise _v.java_error(
            f"class {_v.class_name(items[1])} cannot be cast to class {_v.class_name(items[0])}",
            "java.lang.ClassCastException",
        )
    if kinds == {"dict"} or kinds == {"list"}:
        raise _v.java_error(
            f"class {_v.class_name(items[0])} cannot be cast to class java.lang.Comparable",
            "java.lang.ClassCastException",
        )
    return items


def _sort_key(x: Any) -> Any:
    if isinstance(x, str):
        return x.encode("utf-16-be")
    if isinstance(x, float | int | Decimal) and not isinstance(x, bool):
        return _v._num_decimal(x) if not isinstance(x, float) else Decimal(repr(float(x)))
    return x


def sort(value: Any) -> Any:
    """Pebble `sort`: natural order, in place."""
    if value is None:
        return None
    if isinstance(value, list):
        _sortable(value)
        value.sort(key=_sort_key)
        return value
    items = _sortable(_collection(value))
    return sorted(items, key=_sort_key)


def rsort(value: Any) -> Any:
    """Pebble `rsort`: reverse natural order, in place."""
    if value is None:
        return None
    if isinstance(value, list):
        _sortable(value)
        value.sort(key=_sort_key, reverse=True)
        return value
    items = _sortable(_collection(value))
    return sorted(items, key=_sort_key, reverse=True)


def reverse(value: Any) -> Any:
    """Pebble `reverse`: reverses a list in place (a string is reversed too)."""
    if value is None:
        return None
    if isinstance(value, list):
        value.reverse()
        return value
    if isinstance(value, str):
        return value[::-1]
    return list(reversed(_collection(value)))


def slice_(value: Any, fromIndex: Any = None, toIndex: Any = None) -> Any:
    """Pebble `slice(fromIndex=0, toIndex=len)`: `toIndex` exclusive, strict bounds."""
    if value is None:
        return None
    if fromIndex is not None and not _v.is_number(fromIndex):
        raise PebbleError(
            f"Argument fromIndex must be a number. Actual type: {_v.class_name(fromIndex)}"
        )
    start = _v._wrap32(int(fromIndex)) if fromIndex is not None else 0
    if start < 0:
        raise _v.java_error(
            "fromIndex must be greater than 0", "java.lang.IllegalArgumentException"
        )
    if toIndex is not None and not _v.is_number(toIndex):
        raise PebbleError(
            f"Argument toIndex must be a number. Actual type: {_v.class_name(toIndex)}"
        )
    if (
        isinstance(value, list | tuple)
        or (isinstance(value, str) and not isinstance(value, _v.JavaChar))
        or isinstance(value, bytes | bytearray)
    ):
        size = len(value)
    else:
        raise PebbleError(
            "Slice filter can only be applied to String, List and array inputs. "
            f"Actual type was: {_v.class_name(value)}"
        )
    if toIndex is not None:
        end = _v._wrap32(int(toIndex))
        if end > size:
            raise PebbleError(f"toIndex must be smaller than input size: {size}")
        if start >= end:
            raise PebbleError("toIndex must be greater than fromIndex")
    else:
        end = size
        if start > end:
            raise _v.java_error(
                f"begin {start}, end {end}, length {size}",
                "java.lang.StringIndexOutOfBoundsException"
                if isinstance(value, str)
                else "java.lang.IndexOutOfBoundsException",
            )
    result = value[start:end]
    return list(result) if isinstance(result, tuple) else result


def merge(value: Any, items: Any = None) -> Any:
    """Pebble `merge(items)`: lists append (a map adds its entries), maps merge."""
    if value is None:
        if items is None:
            raise PebbleError("The two arguments to be merged are null")
        return items
    if items is None:
        return value
    if isinstance(value, Mapping):
        # Pebble: new HashMap<>(size1 + size2 + 16), then putAll / put(o, o)
        if isinstance(items, Mapping):
            return _v.java_hash_map([*value.items(), *items.items()], len(value) + len(items) + 16)
        if isinstance(items, list | tuple):
            return _v.java_hash_map(
                [*value.items(), *((x, x) for x in items)], len(value) + len(items) + 16
            )
        raise _v.java_error(
            "Currently, only Maps and Lists can be merged with a Map. Arg2: "
            f"{_v.class_name(items)}",
            "java.lang.UnsupportedOperationException",
        )
    if isinstance(value, list | tuple):
        if isinstance(items, Mapping):
            return [*value, *(_v.MapEntry(k, x) for k, x in items.items())]
        if isinstance(items, list | tuple):
            return [*value, *items]
        raise PebbleError(
            "Currently, only Maps and Lists can be merged with a List. Arg2: "
            f"{_v.class_name(items)}"
        )
    raise PebbleError("The object being filtered is not a Map/List/Array")


def keys(value: Any) -> Any:
    """Kestra `keys`: a map's keys; list or array indices."""
    if value is None:
        return None
    if isinstance(value, Mapping):
        return list(value.keys())
    if isinstance(value, list | tuple | bytes | bytearray):
        return [_v.JavaInteger(i) for i in range(len(value))]
    raise PebbleError(
        "'keys' filter can only be applied to List, Map, Array. Actual type was: "
        f"{_v.class_name(value)}"
    )


def values(value: Any) -> Any:
    """Kestra `values`: a map's values."""
    if value is None:
        return None
    if isinstance(value, Mapping):
        return list(value.values())
    raise PebbleError(
        f"'values' filter can only be applied to Map. Actual type was: {_v.class_name(value)}"
    )


def chunk(value: Any, size: Any = _MISSING) -> Any:
    """Kestra `chunk(size)`: Guava `Lists.partition`."""
    if value is None:
        return None
    if size is _MISSING:
        raise PebbleError("'chunk' filter expects an argument 'size'.")
    if not isinstance(value, list | tuple):
        raise PebbleError(
            f"'chunk' filter can only be applied to List. Actual type was: {_v.class_name(value)}"
        )
    n = _v._wrap32(_as_long(size))
    if n <= 0:
        raise _v.java_error(f"size ({n}) must be positive", "java.lang.IllegalArgumentException")
    items = list(value)
    return [items[i : i + n] for i in range(0, len(items), n)]


def distinct(value: Any) -> Any:
    """Kestra `distinct`: order-preserving dedupe (Java `equals`); null gives "null"."""
    if value is None:
        return "null"
    if not isinstance(value, list | tuple):
        raise PebbleError(f"Input must be a list, but received : {_v.class_name(value)}")
    out: list[Any] = []
    for x in value:
        if not any(_v.java_equals(x, y) for y in out):
            out.append(x)
    return out


def uniq(value: Any) -> Any:
    """Alias of `distinct` in later Kestra versions."""
    return distinct(value)


def flatten(value: Any) -> Any:
    """Kestra `flatten`: removes one level of list nesting."""
    if value is None:
        return None
    if not isinstance(value, list | tuple):
        raise PebbleError("The 'flatten' filter can only be applied to lists.")
    out: list[Any] = []
    for x in value:
        if isinstance(x, list | tuple):
            out.extend(x)
        else:
            out.append(x)
    return out


# --------------------------------------------------------------------------- numbers


def abs_(value: Any) -> Any:
    """Pebble `abs`."""
    if value is None:
        raise PebbleError('Can not pass null value to "abs" filter.')
    if not _v.is_number(value):
        raise PebbleError("The 'abs' filter does require as input a number.")
    if isinstance(value, _v.JavaInteger):
        return _v.JavaInteger(abs(int(value)) if int(value) != -(2**31) else int(value))
    if isinstance(value, _v.JavaFloat):
        return _v.JavaFloat(abs(float(value)))
    if isinstance(value, _v.JavaBigInteger):
        return _v.JavaBigInteger(abs(int(value)))
    if isinstance(value, int):
        return abs(int(value)) if int(value) != -(2**63) else int(value)
    return abs(value)


def number_format(value: Any, format: Any = None) -> Any:
    """Pebble `numberFormat(format)`: Java `DecimalFormat` (en_US symbols, HALF_EVEN)."""
    if value is None:
        return None
    number = _as_number(value)
    if format is None:
        return numberformat.default_number_format(number)
    return numberformat.decimal_format(number, _as_string(format))


_INT_RANGE = (-(2**31), 2**31 - 1)
_LONG_RANGE = (-(2**63), 2**63 - 1)


def _java_long_text(text: str, radix_ok: bool = True) -> int:
    s = text
    negative = s.startswith("-")
    body = s[1:] if s[:1] in "+-" else s
    if radix_ok and body[:2].lower() == "0x":
        n = int(body[2:], 16)
    elif radix_ok and body[:1] == "#":
        n = int(body[1:], 16)
    elif radix_ok and len(body) > 1 and body[0] == "0" and body.isdigit():
        n = int(body, 8)
    else:
        if not body.isdigit():
            raise ValueError(text)
        n = int(body)
    return -n if negative else n


def _number_error(text: str) -> PebbleError:
    return _v.java_error(f"{text} is not a valid number.", "java.lang.NumberFormatException")


def _create_number(text: str) -> Any:
    """commons-lang3 `NumberUtils.createNumber` (Integer, Long, BigInteger, Float, Double,
    BigDecimal, by the shape and size of the text)."""
    if text.strip() == "":
        raise _v.java_error(
            "A blank string is not a valid number", "java.lang.NumberFormatException"
        )
    s = text
    lower_s = s.lower()
    # hex
    if lower_s.lstrip("+-").startswith(("0x", "#")):
        try:
            n = _java_long_text(s)
        except ValueError as exc:
            raise _number_error(text) from exc
        digits = len(lower_s.lstrip("+-").lstrip("0x#"))
        if digits > 16:
            return _v.JavaBigInteger(n)
        if digits > 8 or not _INT_RANGE[0] <= n <= _INT_RANGE[1]:
            return n
        return _v.JavaInteger(n)
    last_char = s[-1]
    if last_char in "lL":
        body = s[:-1]
        if body.lstrip("+-").isdigit():
            n = int(body)
            return n if _LONG_RANGE[0] <= n <= _LONG_RANGE[1] else _v.JavaBigInteger(n)
        raise _number_error(text)
    if last_char in "fF":
        try:
            return _v.JavaFloat(float(s[:-1]))
        except ValueError as exc:
            raise _number_error(text) from exc
    if last_char in "dD":
        try:
            return float(s[:-1])
        except ValueError as exc:
            raise _number_error(text) from exc
    is_decimal = "." in s or "e" in lower_s
    if not is_decimal:
        try:
            n = _java_long_text(s)
        except ValueError as exc:
            raise _number_error(text) from exc
        if _INT_RANGE[0] <= n <= _INT_RANGE[1]:
            return _v.JavaInteger(n)
        if _LONG_RANGE[0] <= n <= _LONG_RANGE[1]:
            return n
        return _v.JavaBigInteger(n)
    try:
        exact = Decimal(s)
    except InvalidOperation as exc:
        raise _number_error(text) from exc
    mantissa = lower_s.split("e")[0].lstrip("+-")
    digits = len(mantissa.replace(".", "").lstrip("0")) or 1
    # createFloat if it fits without losing digits, else createDouble, else BigDecimal
    f32 = _v.JavaFloat(float(exact))
    if digits <= 7 and not (abs(float(exact)) > 3.4028235e38) and (f32 != 0.0 or exact == 0):
        return f32
    as_double = float(exact)
    if (
        digits <= 16
        and as_double not in (float("inf"), float("-inf"))
        and (as_double != 0.0 or exact == 0)
    ):
        return as_double
    return exact


def number(value: Any, type: Any = None) -> Any:
    """Kestra `number(type)`: parse a String (`INT`, `FLOAT`, `LONG`, `DOUBLE`,
    `BIGDECIMAL`, `BIGINTEGER`, or commons-lang's `createNumber` guess)."""
    if value is None:
        return None
    if not isinstance(value, str) or isinstance(value, _v.JavaChar):
        raise PebbleError(
            "'number' filter can only be applied to String. Actual type was: "
            f"{_v.class_name(value)}"
        )
    kind = "" if type is None else _as_string(type)
    text = str.__str__(value)
    try:
        if kind == "INT":
            n = _java_long_text(text)
            if not _INT_RANGE[0] <= n <= _INT_RANGE[1]:
                raise ValueError(text)
            return _v.JavaInteger(n)
        if kind == "LONG":
            n = _java_long_text(text)
            if not _LONG_RANGE[0] <= n <= _LONG_RANGE[1]:
                raise ValueError(text)
            return n
        if kind == "FLOAT":
            return _v.JavaFloat(float(text.rstrip("fFdD")))
        if kind == "DOUBLE":
            return float(text.rstrip("fFdD"))
        if kind == "BIGDECIMAL":
            return Decimal(text)
        if kind == "BIGINTEGER":
            return _v.JavaBigInteger(_java_long_text(text))
    except (ValueError, InvalidOperation) as exc:
        raise _v.java_error(
            f'For input string: "{text}"', "java.lang.NumberFormatException"
        ) from exc
    return _create_number(text)


def class_name(value: Any) -> Any:
    """Kestra `className`: the Java class name of the value (null gives null)."""
    if value is None:
        return None
    return _v.class_name(value)


# --------------------------------------------------------------------------- JSON / YAML / Ion


def to_json(value: Any) -> str:
    """Kestra `toJson`: compact Jackson JSON (null gives "null")."""
    if value is None:
        return "null"
    if isinstance(value, dates.Moment):
        return _v.json_string(dates.format_pattern(value, "iso_offset_date_time"))
    return _v.to_json(value)


def yaml_(value: Any) -> str:
    """Kestra `yaml`: serialise to YAML like Jackson's YAML mapper (null gives "null")."""
    return jsonyaml.to_yaml(value)


def to_ion(value: Any) -> str:
    """Kestra `toIon`: Ion text (null gives "null")."""
    if value is None:
        return "null"
    return jsonyaml.to_ion(value)


def jq(value: Any, expression: Any = _MISSING) -> Any:
    """Kestra `jq(expression)`: the list of results of a jq program (libjq)."""
    if value is None:
        return None
    if expression is _MISSING:
        raise PebbleError("The 'jq' filter expects an argument 'expression'.")
    from .jqworker import run_jq  # lazy: the jq worker starts when a template uses `jq`

    program = _as_string(expression)
    try:
        if isinstance(value, str) and not isinstance(value, _v.JavaChar):
            data = jsonyaml.parse_json(value)
        else:
            data = value
        # in a killable worker process: time, memory and output bounded (docs/limits.md)
        results = run_jq(program, _v.to_json(data, drop_null_values=False))
    except LimitExceeded:
        raise
    except Exception as exc:
        raise PebbleError(
            f"Unable to parse jq value '{_v.to_string(value)}' with type '{_v.class_name(value)}'"
        ) from exc
    floats = _java_floats(data, {})
    results = [jsonyaml.from_python_json(r) for r in results]
    return [_refloat(r, floats) for r in results] if floats else results


def _java_floats(value: Any, found: dict[str, _v.JavaFloat]) -> dict[str, _v.JavaFloat]:
    """The `java.lang.Float` leaves of a jq input, by their printed text."""
    if isinstance(value, _v.JavaFloat):
        found[_v.java_float_str(value)] = value
    elif isinstance(value, Mapping):
        for item in value.values():
            _java_floats(item, found)
    elif isinstance(value, list | tuple):
        for item in value:
            _java_floats(item, found)
    return found


def _refloat(value: Any, floats: dict[str, _v.JavaFloat]) -> Any:
    """jackson-jq hands an input `FloatNode` back unchanged, so a Float stays a Float."""
    if isinstance(value, float) and not isinstance(value, _v.JavaFloat):
        return floats.get(_v.java_double_str(value), value)
    if isinstance(value, dict):
        return {k: _refloat(x, floats) for k, x in value.items()}
    if isinstance(value, list):
        return [_refloat(x, floats) for x in value]
    return value


# --------------------------------------------------------------------------- hashing / encoding


def _digest(algorithm: str) -> Callable[[Any], Any]:
    def apply(value: Any) -> Any:
        if value is None:
            return None
        if not isinstance(value, str):
            raise PebbleError("Need a string to hash")
        return hashlib.new(algorithm, value.encode("utf-8")).hexdigest()

    apply.__name__ = algorithm
    apply.__doc__ = f"Lower-case hex {algorithm} of the UTF-8 bytes."
    return apply


def sha256(value: Any) -> Any:
    """Pebble `sha256`: lower-case hex SHA-256 of the UTF-8 bytes (strings only)."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise PebbleError("Need a string to hash")
    return hashlib.sha256(value.encode("utf-8")).hexdigest()


def base64encode(value: Any) -> Any:
    """Pebble `base64encode`: Base64 of the UTF-8 bytes."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise PebbleError("This filter applies to String")
    return base64.b64encode(value.encode("utf-8")).decode("ascii")


def base64decode(value: Any) -> Any:
    """Pebble `base64decode`: decode to a UTF-8 string."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise PebbleError("This filter applies to String")
    try:
        data = value.encode("ascii")
        padded = data + b"=" * (-len(data) % 4) if b"=" not in data else data
        raw = base64.b64decode(padded, validate=True)
    except (binascii.Error, UnicodeError, ValueError) as exc:
        raise PebbleError(
            "Please provide a correctly Base64 encoded string containing an UTF-8 string"
        ) from exc
    return raw.decode("utf-8", errors="replace")


def urlencode(value: Any) -> Any:
    """Pebble `urlencode`: `URLEncoder.encode(s, UTF-8)` (a space becomes `+`)."""
    if value is None:
        return None
    return urllib.parse.quote_plus(_v.to_string(value), safe="*").replace("~", "%7E")


def urldecode(value: Any) -> Any:
    """Kestra `urldecode`: `URLDecoder.decode(s, UTF-8)` (`+` becomes a space)."""
    if value is None:
        return None
    text = _v.to_string(value)
    for i, ch in enumerate(text):
        if ch == "%":
            chunk_ = text[i + 1 : i + 3]
            if len(chunk_) < 2 or any(c not in "0123456789abcdefABCDEF" for c in chunk_):
                raise _v.java_error(
                    "URLDecoder: Illegal hex characters in escape (%) pattern - "
                    f'Error at index 0 in: "{chunk_}"'
                    if len(chunk_) == 2
                    else "URLDecoder: Incomplete trailing escape (%) pattern",
                    "java.lang.IllegalArgumentException",
                )
    return urllib.parse.unquote_plus(text, encoding="utf-8", errors="replace")


# --------------------------------------------------------------------------- dates


def date(
    value: Any,
    format: Any = "iso",
    timeZone: Any = None,
    existingFormat: Any = None,
    locale: Any = None,
) -> Any:
    """Kestra `date(format='iso', timeZone, existingFormat, locale)`."""
    return dates.format_date(value, format, timeZone, existingFormat, locale)


def date_add(
    value: Any,
    amount: Any = None,
    unit: Any = None,
    format: Any = "iso",
    timeZone: Any = None,
    existingFormat: Any = None,
    locale: Any = None,
) -> Any:
    """Kestra `dateAdd(amount, unit, format, timeZone, existingFormat, locale)`."""
    return dates.date_add(value, amount, unit, format, timeZone, existingFormat, locale)


def timestamp(value: Any, timeZone: Any = None, existingFormat: Any = None) -> Any:
    """Kestra `timestamp(timeZone, existingFormat)`: epoch seconds."""
    return dates.timestamp(value, timeZone, existingFormat)


def timestamp_milli(value: Any, timeZone: Any = None, existingFormat: Any = None) -> Any:
    """Kestra `timestampMilli`: epoch milliseconds."""
    return dates.timestamp_milli(value, timeZone, existingFormat)


def timestamp_micro(value: Any, timeZone: Any = None, existingFormat: Any = None) -> Any:
    """Kestra `timestampMicro`: epoch microseconds."""
    return dates.timestamp_micro(value, timeZone, existingFormat)


def timestamp_nano(value: Any, timeZone: Any = None, existingFormat: Any = None) -> Any:
    """Kestra `timestampNano`: epoch nanoseconds."""
    return dates.timestamp_nano(value, timeZone, existingFormat)


# --------------------------------------------------------------------------- 2.0-dev regex


def _regex_arg(regex: Any) -> Any:
    """The compiled `regex` argument (Kestra 2.0-dev messages)."""
    if regex is _MISSING or regex is None:
        raise PebbleError("The argument 'regex' is required.")
    try:
        return compile_java(_v.to_string(regex))
    except PebbleError as exc:
        raise PebbleError(f"Invalid regex '{_v.to_string(regex)}': {exc}") from exc


def regex_match(value: Any, regex: Any = _MISSING) -> Any:
    """Kestra 2.0-dev `regexMatch(regex)`: `find()` semantics; null gives false."""
    compiled = _regex_arg(regex)
    if value is None:
        return False
    return compiled.search(_v.to_string(value)) is not None


def regex_replace(value: Any, regex: Any = _MISSING, replacement: Any = _MISSING) -> Any:
    """Kestra 2.0-dev `regexReplace(regex, replacement)`: `replaceAll` with `$1` groups."""
    _regex_arg(regex)
    if replacement is _MISSING or replacement is None:
        raise PebbleError("The argument 'replacement' is required.")
    if value is None:
        return None
    return java_replace_all(_v.to_string(value), _v.to_string(regex), _v.to_string(replacement))


def regex_extract(value: Any, regex: Any = _MISSING, group: Any = 0) -> Any:
    """Kestra 2.0-dev `regexExtract(regex, group=0)`: the first match's group, or null."""
    compiled = _regex_arg(regex)
    if value is None:
        return None
    index = 0 if group is None else int(_as_number(group))
    if index < 0 or index > compiled.groups:
        raise PebbleError(
            f"Group index {index} is out of bounds for regex with {compiled.groups} groups"
        )
    m = compiled.search(_v.to_string(value))
    if m is None:
        return None
    return m.group(index)


def sh(value: Any) -> Any:
    """Kestra `sh`: quote for a single-quoted shell string (`'` becomes `'\\''`)."""
    if value is None:
        return None
    return _v.to_string(value).replace("'", "'\\''")


FILTERS: dict[str, Callable[..., Any]] = {
    # Pebble core (Kestra keeps them; `escape`/`raw` are removed)
    "abbreviate": abbreviate,
    "abs": abs_,
    "base64decode": base64decode,
    "base64encode": base64encode,
    "capitalize": capitalize,
    "default": default,
    "first": first,
    "format": format_,
    "join": join,
    "last": last,
    "length": length,
    "lower": lower,
    "merge": merge,
    "nl2br": nl2br,
    "numberFormat": number_format,
    "reverse": reverse,
    "rsort": rsort,
    "sha256": sha256,
    "slice": slice_,
    "sort": sort,
    "split": split,
    "title": title,
    "trim": trim,
    "upper": upper,
    "urlencode": urlencode,
    # Kestra
    "replace": replace,
    "chunk": chunk,
    "className": class_name,
    "date": date,
    "dateAdd": date_add,
    "timestamp": timestamp,
    "timestampMilli": timestamp_milli,
    "timestampMicro": timestamp_micro,
    "timestampNano": timestamp_nano,
    "jq": jq,
    "escapeChar": escape_char,
    "toJson": to_json,
    "json": to_json,  # removed in 1.3; kept for older flows
    "jsonEncode": to_json,  # older alias
    "toIon": to_ion,
    "keys": keys,
    "values": values,
    "number": number,
    "urldecode": urldecode,
    "slugify": slugify,
    "substringBefore": _substring_filter("substringBefore", _substring_before),
    "substringBeforeLast": _substring_filter("substringBeforeLast", _substring_before_last),
    "substringAfter": _substring_filter("substringAfter", _substring_after),
    "substringAfterLast": _substring_filter("substringAfterLast", _substring_after_last),
    "flatten": flatten,
    "indent": indent,
    "nindent": nindent,
    "yaml": yaml_,
    "startsWith": _starts_with,
    "endsWith": _ends_with,
    "distinct": distinct,
    "sha1": _digest("sha1"),
    "sha512": _digest("sha512"),
    "md5": _digest("md5"),
    "string": string,
    # Kestra 2.0-dev additions (harmless to offer)
    "regexMatch": regex_match,
    "regexReplace": regex_replace,
    "regexExtract": regex_extract,
    "condense": condense,
    "uniq": uniq,
    "sh": sh,
}
