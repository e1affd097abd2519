"""Java-like value semantics over plain Python values, as Pebble evaluates them in Kestra.

Python values stand for Java ones: None = null, bool = Boolean, int = Long, float = Double,
str = String, list/tuple = ArrayList, dict = (Linked)HashMap, aware datetime = ZonedDateTime,
naive datetime = LocalDateTime, date = LocalDate, time = LocalTime, timedelta = Duration,
Decimal = BigDecimal. A few subclasses mark the rarer Java types (`JavaInteger`, `JavaFloat`,
`JavaBigInteger`, `JavaChar`) so that printing, arithmetic and `className` stay faithful.

The operations here are Pebble's `OperatorUtils` (widening, truncating division, Java `%`),
`ConcatenateExpression` (`~`), `ContainsExpression`, Kestra's `InExpression` (`isIn`), the
truthiness rules of `IfNode`/`UnaryNotExpression`/`AndExpression`/`TernaryExpression`, and the
way Kestra's `JsonWriter` prints values (`output`).
"""

from __future__ import annotations

import base64
import contextlib
import datetime as _dt
import decimal
import math
import re
import struct
from collections.abc import Iterable, Mapping
from decimal import Decimal
from functools import lru_cache
from typing import Any

from .exceptions import PebbleError

__all__ = [
    "Instant",
    "JavaBigInteger",
    "JavaChar",
    "JavaFloat",
    "JavaInteger",
    "MapEntry",
    "add",
    "class_name",
    "compare",
    "concat",
    "contains",
    "div",
    "equals",
    "is_collection",
    "is_in",
    "is_number",
    "java_double_str",
    "java_error",
    "java_hash",
    "java_hash_map",
    "map_literal",
    "mod",
    "mul",
    "neg",
    "output",
    "pos",
    "sub",
    "to_json",
    "to_string",
    "truthy",
]


# --------------------------------------------------------------------------- Java type markers


class JavaInteger(int):
    """A `java.lang.Integer` (Kestra's `number('INT')`, `length`-like results)."""

    __slots__ = ()


class JavaBigInteger(int):
    """A `java.math.BigInteger` (`number('BIGINTEGER')`, or a Long that overflowed in parsing)."""

    __slots__ = ()


class JavaFloat(float):
    """A `java.lang.Float` (`number` of `"12.3"`): prints with float precision (`12.3`)."""

    __slots__ = ()

    def __new__(cls, value: float | str = 0.0) -> JavaFloat:
        return super().__new__(cls, _to_f32(float(value)))


class JavaChar(str):
    """A `java.lang.Character` (`first`/`last` of a string): prints as the character."""

    __slots__ = ()


class MapEntry:
    """A `Map.Entry` as a `for` loop over a map yields it: `.key`, `.value`, prints `k=v`."""

    __slots__ = ("key", "value")

    def __init__(self, key: Any, value: Any) -> None:
        self.key = key
        self.value = value

    def getKey(self) -> Any:
        """Java-style getter (`entry.getKey()`)."""
        return self.key

    def getValue(self) -> Any:
        """Java-style getter (`entry.getValue()`)."""
        return self.value

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, MapEntry)
            and equals(self.key, other.key)
            and equals(self.value, other.value)
        )

    def __hash__(self) -> int:
        return hash((type(self.key), str(self.key)))

    def __repr__(self) -> str:
        return f"MapEntry({self.key!r}, {self.value!r})"

    def __str__(self) -> str:
        return to_string(self)


def java_error(message: str, java_class: str = "java.lang.RuntimeException") -> PebbleError:
    """A `PebbleError` for an exception Java raises outside Pebble (`ArithmeticException`...).

    `java_class` tells the renderer which class name Kestra would show.
    """
    err = PebbleError(message)
    err.java_class = java_class
    return err


# --------------------------------------------------------------------------- type helpers


def is_number(v: Any) -> bool:
    """True for a Java `Number` (int, float, Decimal; never bool)."""
    return isinstance(v, int | float | Decimal) and not isinstance(v, bool)


def is_string(v: Any) -> bool:
    """True for a Java `String` (a `JavaChar` is a Character, not a String)."""
    return isinstance(v, str) and not isinstance(v, JavaChar)


def is_collection(v: Any) -> bool:
    """True for a Java `Collection` (list, tuple, set, frozenset)."""
    return isinstance(v, list | tuple | set | frozenset)


def _to_f32(x: float) -> float:
    try:
        return float(struct.unpack("f", struct.pack("f", x))[0])
    except OverflowError:
        return math.copysign(math.inf, x)


_SIMPLE_NAMES: dict[str, str] = {}


def class_name(v: Any) -> str:
    """The Java class name Kestra would report for `v` (`java.lang.Long` for an int)."""
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "java.lang.Boolean"
    if isinstance(v, JavaInteger):
        return "java.lang.Integer"
    if isinstance(v, JavaBigInteger):
        return "java.math.BigInteger"
    if isinstance(v, int):
        return "java.lang.Long"
    if isinstance(v, JavaFloat):
        return "java.lang.Float"
    if isinstance(v, float):
        return "java.lang.Double"
    if isinstance(v, Decimal):
        return "java.math.BigDecimal"
    if isinstance(v, JavaChar):
        return "java.lang.Character"
    if isinstance(v, str):
        return "java.lang.String"
    if isinstance(v, list | tuple):
        return "java.util.ArrayList"
    if isinstance(v, set | frozenset):
        return "java.util.HashSet"
    if isinstance(v, Mapping):
        return "java.util.HashMap"
    if isinstance(v, Instant):
        return "java.time.Instant"
    if isinstance(v, _dt.datetime):
        return "java.time.LocalDateTime" if v.tzinfo is None else "java.time.ZonedDateTime"
    if isinstance(v, _dt.date):
        return "java.time.LocalDate"
    if isinstance(v, _dt.time):
        return "java.time.LocalTime"
    if isinstance(v, _dt.timedelta):
        return "java.time.Duration"
    if isinstance(v, MapEntry):
        return "java.util.HashMap$Node"
    if isinstance(v, bytes | bytearray):
        return "[B"
    return f"{type(v).__module__}.{type(v).__qualname__}"


def simple_name(v: Any) -> str:
    """`getClass().getSimpleName()` (`ArrayList`, `HashMap`, `Long`)."""
    name = class_name(v)
    if name == "[B":
        return "byte[]"
    return name.rsplit(".", 1)[-1].replace("$", ".").split(".")[-1]


# --------------------------------------------------------------------------- printing


def java_double_str(d: float) -> str:
    """Java's `Double.toString` (shortest repr, JDK 19+): `1.0`, `1.0E7`, `1.0E-5`."""
    if math.isnan(d):
        return "NaN"
    if math.isinf(d):
        return "Infinity" if d > 0 else "-Infinity"
    if d == 0.0:
        return "-0.0" if math.copysign(1.0, d) < 0 else "0.0"
    return _java_double_nonzero(float(d))


@lru_cache(maxsize=4096)
def _java_double_nonzero(d: float) -> str:
    return _java_fp_str(repr(d), abs(d))


def java_float_str(f: float) -> str:
    """Java's `Float.toString`: the shortest digits that round-trip through a 32-bit float."""
    if math.isnan(f):
        return "NaN"
    if math.isinf(f):
        return "Infinity" if f > 0 else "-Infinity"
    if f == 0.0:
        return "-0.0" if math.copysign(1.0, f) < 0 else "0.0"
    target = _to_f32(f)
    digits = repr(target)
    for precision in range(1, 10):
        candidate = f"{target:.{precision}g}"
        if _to_f32(float(candidate)) == target:
            digits = candidate
            break
    return _java_fp_str(digits, abs(target))


def _java_fp_str(shortest: str, magnitude: float) -> str:
    sign, digit_tuple, exponent = Decimal(shortest).as_tuple()
    digits = "".join(map(str, digit_tuple)).rstrip("0") or "0"
    # value = 0.digits * 10**point
    point = len(digit_tuple) + int(exponent)
    prefix = "-" if sign else ""
    if 1e-3 <= magnitude < 1e7:
        if point <= 0:
            return f"{prefix}0.{'0' * -point}{digits}"
        if point >= len(digits):
            return f"{prefix}{digits}{'0' * (point - len(digits))}.0"
        return f"{prefix}{digits[:point]}.{digits[point:]}"
    mantissa = digits[0] + "." + (digits[1:] or "0")
    return f"{prefix}{mantissa}E{point - 1}"


def _decimal_plain(d: Decimal) -> str:
    """`BigDecimal.toPlainString()`."""
    return format(d, "f")


def _decimal_str(d: Decimal) -> str:
    """`BigDecimal.toString()` (scientific when the exponent is small)."""
    sign, digit_tuple, exponent = d.as_tuple()
    if not isinstance(exponent, int):
        return str(d)
    unscaled = "".join(map(str, digit_tuple))
    scale = -exponent
    adjusted = -scale + (len(unscaled) - 1)
    prefix = "-" if sign else ""
    if scale >= 0 and adjusted >= -6:
        return prefix + _decimal_plain(abs(d))
    mantissa = unscaled[0] + ("." + unscaled[1:] if len(unscaled) > 1 else "")
    return f"{prefix}{mantissa}E{'+' if adjusted > 0 else ''}{adjusted}"


def _two(n: int) -> str:
    return f"{n:02d}"


def _nanos_str(nanos: int) -> str:
    if nanos == 0:
        return ""
    if nanos % 1_000_000 == 0:
        return f".{nanos // 1_000_000:03d}"
    if nanos % 1000 == 0:
        return f".{nanos // 1000:06d}"
    return f".{nanos:09d}"


def local_time_str(t: _dt.time | _dt.datetime) -> str:
    """`LocalTime.toString()`: `16:19`, `16:19:05`, `16:19:05.123`."""
    out = f"{_two(t.hour)}:{_two(t.minute)}"
    nanos = t.microsecond * 1000
    if t.second or nanos:
        out += f":{_two(t.second)}" + _nanos_str(nanos)
    return out


def local_date_str(d: _dt.date) -> str:
    """`LocalDate.toString()`: `2013-09-08` (`+10000-01-01` style beyond 4 digits)."""
    year = d.year
    return f"{year:04d}-{_two(d.month)}-{_two(d.day)}"


def offset_str(offset: _dt.timedelta | None) -> str:
    """`ZoneOffset.toString()`: `Z`, `+02:00`, `-05:30`, `+01:02:03`."""
    if offset is None:
        return ""
    total = int(offset.total_seconds())
    if total == 0:
        return "Z"
    sign = "+" if total > 0 else "-"
    total = abs(total)
    hours, rest = divmod(total, 3600)
    minutes, seconds = divmod(rest, 60)
    out = f"{sign}{_two(hours)}:{_two(minutes)}"
    if seconds:
        out += f":{_two(seconds)}"
    return out


def zone_region(tz: _dt.tzinfo | None) -> str | None:
    """The region id of a zone (`Europe/Paris`, `UTC`), or None for a fixed offset."""
    if tz is None or isinstance(tz, _dt.timezone):
        return None
    key = getattr(tz, "key", None) or getattr(tz, "zone", None)
    return str(key) if key else None


def zoned_str(v: _dt.datetime) -> str:
    """`ZonedDateTime.toString()`: `2013-09-08T16:19+02:00[Europe/Paris]`."""
    out = f"{local_date_str(v)}T{local_time_str(v)}{offset_str(v.utcoffset())}"
    region = zone_region(v.tzinfo)
    if region:
        out += f"[{region}]"
    return out


class Instant(_dt.datetime):
    """`java.time.Instant`: a point in time in UTC, as Kestra's `execution.startDate` and
    DATETIME inputs are. Unlike a ZonedDateTime it always prints its seconds
    (`2024-01-31T10:00:00Z`)."""

    @classmethod
    def of(cls, value: _dt.datetime) -> Instant:
        """The instant of an aware datetime (a naive one is taken as UTC)."""
        if value.tzinfo is None:
            value = value.replace(tzinfo=_dt.UTC)
        u = value.astimezone(_dt.UTC)
        return cls(u.year, u.month, u.day, u.hour, u.minute, u.second, u.microsecond, _dt.UTC)


def instant_str(v: _dt.datetime) -> str:
    """`Instant.toString()` (ISO_INSTANT): seconds always, fraction in groups of three."""
    u = v.astimezone(_dt.UTC)
    time = f"{_two(u.hour)}:{_two(u.minute)}:{_two(u.second)}" + _nanos_str(u.microsecond * 1000)
    return f"{local_date_str(u)}T{time}Z"


def duration_str(td: _dt.timedelta) -> str:
    """`Duration.toString()`: `PT1H30M`, `PT0.5S`, `PT-1.5S`, `PT0S`."""
    seconds = td.days * 86400 + td.seconds
    nanos = td.microseconds * 1000
    if seconds == 0 and nanos == 0:
        return "PT0S"
    effective = seconds + 1 if seconds < 0 and nanos > 0 else seconds
    hours = _int_div(effective, 3600)
    minutes = _int_div(_int_mod(effective, 3600), 60)
    secs = _int_mod(effective, 60)
    out = "PT"
    if hours:
        out += f"{hours}H"
    if minutes:
        out += f"{minutes}M"
    if secs == 0 and nanos == 0 and len(out) > 2:
        return out
    if seconds < 0 and nanos > 0:
        out += "-0" if secs == 0 else str(secs)
    else:
        out += str(secs)
    if nanos > 0:
        frac = str((2_000_000_000 - nanos) if seconds < 0 else (nanos + 1_000_000_000))
        frac = frac.rstrip("0")
        out += "." + frac[1:]
    return out + "S"


def to_string(v: Any) -> str:
    """Java `String.valueOf(v)`: what `~`, `join` and `isIn` see (`[a, b]`, `{a=1}`, `null`)."""
    t = type(v)
    if t is str:
        return str(v)
    if t is int:
        return int.__repr__(v)
    if v is None:
        return "null"
    if isinstance(v, str):
        return str.__str__(v)
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return int.__repr__(v)
    if isinstance(v, JavaFloat):
        return java_float_str(v)
    if isinstance(v, float):
        return java_double_str(v)
    if isinstance(v, Decimal):
        return _decimal_str(v)
    if isinstance(v, Mapping):
        return "{" + ", ".join(f"{to_string(k)}={to_string(x)}" for k, x in v.items()) + "}"
    if isinstance(v, list | tuple | set | frozenset):
        return "[" + ", ".join(to_string(x) for x in v) + "]"
    if isinstance(v, MapEntry):
        return f"{to_string(v.key)}={to_string(v.value)}"
    if isinstance(v, Instant):
        return instant_str(v)
    if isinstance(v, _dt.datetime):
        if v.tzinfo is None or v.utcoffset() is None:
            return f"{local_date_str(v)}T{local_time_str(v)}"
        return zoned_str(v)
    if isinstance(v, _dt.date):
        return local_date_str(v)
    if isinstance(v, _dt.time):
        return local_time_str(v)
    if isinstance(v, _dt.timedelta):
        return duration_str(v)
    if isinstance(v, bytes | bytearray):
        return f"[B@{id(v) & 0xFFFFFFF:x}"
    return str(v)


def output(v: Any) -> str:
    """How `{{ v }}` prints in Kestra (`JsonWriter`): null empty, lists/maps compact JSON."""
    t = type(v)
    if t is str:
        return str(v)
    if t is int:
        return int.__repr__(v)
    if t is bool:
        return "true" if v else "false"
    if t is float:
        return java_double_str(v)
    if v is None:
        return ""
    if isinstance(v, str):
        return str.__str__(v)
    if isinstance(v, Mapping | list | tuple | set | frozenset | bytes | bytearray):
        return to_json(v)
    if isinstance(v, Decimal):
        return _decimal_plain(v)
    return to_string(v)


# --------------------------------------------------------------------------- JSON (Jackson)

_JSON_ESCAPE = re.compile(r'[\x00-\x1f"\\]')
_JSON_SHORT = {'"': '\\"', "\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t", "\b": "\\b"}
_JSON_SHORT["\f"] = "\\f"


def json_string(s: str) -> str:
    """A JSON string literal as Jackson writes it (no ASCII escaping, `\\u001F` upper-case)."""

    def repl(m: re.Match[str]) -> str:
        ch = m.group(0)
        return _JSON_SHORT.get(ch) or f"\\u{ord(ch):04X}"

    return '"' + _JSON_ESCAPE.sub(repl, s) + '"'


def _json_number(v: Any) -> str:
    if isinstance(v, JavaFloat | float):
        if math.isnan(v) or math.isinf(v):
            return '"' + java_double_str(v) + '"'
        return java_float_str(v) if isinstance(v, JavaFloat) else java_double_str(v)
    if isinstance(v, Decimal):
        return _decimal_str(v)
    return int.__repr__(v)


def _jackson_date(v: Any) -> str:
    """Jackson JavaTimeModule (`WRITE_DATES_AS_TIMESTAMPS=false`) text for a java.time value."""
    if isinstance(v, _dt.datetime):
        time = f"{_two(v.hour)}:{_two(v.minute)}:{_two(v.second)}" + _nanos_str(
            v.microsecond * 1000
        )
        base = f"{local_date_str(v)}T{time}"
        if v.tzinfo is None or v.utcoffset() is None:
            return base
        return base + offset_str(v.utcoffset())
    if isinstance(v, _dt.date):
        return local_date_str(v)
    if isinstance(v, _dt.time):
        return f"{_two(v.hour)}:{_two(v.minute)}:{_two(v.second)}" + _nanos_str(
            v.microsecond * 1000
        )
    if isinstance(v, _dt.timedelta):
        return duration_str(v)
    return to_string(v)


def _json_parts(v: Any, out: list[str], *, drop_null_values: bool) -> None:
    t = type(v)
    if t is str:
        out.append(json_string(v) if _JSON_ESCAPE.search(v) else '"' + v + '"')
        return
    if t is int:
        out.append(int.__repr__(v))
        return
    if t is bool:
        out.append("true" if v else "false")
        return
    if t is list:
        out.append("[")
        first = True
        for x in v:
            if not first:
                out.append(",")
            first = False
            _json_parts(x, out, drop_null_values=drop_null_values)
        out.append("]")
        return
    if v is None:
        out.append("null")
    elif isinstance(v, (JavaChar, str)):
        out.append(json_string(str.__str__(v)))
    elif isinstance(v, bool):
        out.append("true" if v else "false")
    elif is_number(v):
        out.append(_json_number(v))
    elif isinstance(v, Mapping):
        out.append("{")
        first = True
        for k, x in v.items():
            if x is None and drop_null_values:
                continue
            if not first:
                out.append(",")
            first = False
            key = k if isinstance(k, str) else to_string(k)
            out.append(json_string(key))
            out.append(":")
            _json_parts(x, out, drop_null_values=drop_null_values)
        out.append("}")
    elif isinstance(v, list | tuple | set | frozenset):
        out.append("[")
        for i, x in enumerate(v):
            if i:
                out.append(",")
            _json_parts(x, out, drop_null_values=drop_null_values)
        out.append("]")
    elif isinstance(v, MapEntry):
        _json_parts({v.key: v.value}, out, drop_null_values=drop_null_values)
    elif isinstance(v, bytes | bytearray):
        out.append('"' + base64.b64encode(bytes(v)).decode("ascii") + '"')
    elif isinstance(v, _dt.date | _dt.time | _dt.timedelta):
        out.append(json_string(_jackson_date(v)))
    else:
        out.append(json_string(str(v)))


def to_json(v: Any, *, drop_null_values: bool = True) -> str:
    """Compact JSON as Kestra's Jackson mapper writes it (`NON_NULL`: null map values dropped)."""
    out: list[str] = []
    _json_parts(v, out, drop_null_values=drop_null_values)
    return "".join(out)


# --------------------------------------------------------------------------- arithmetic


def _wrap64(n: int) -> int:
    return ((n + (1 << 63)) & ((1 << 64) - 1)) - (1 << 63)


def _wrap32(n: int) -> int:
    return ((n + (1 << 31)) & ((1 << 32) - 1)) - (1 << 31)


def _int_div(a: int, b: int) -> int:
    if b == 0:
        raise java_error("/ by zero", "java.lang.ArithmeticException")
    q = abs(a) // abs(b)
    return q if (a >= 0) == (b >= 0) else -q


def _int_mod(a: int, b: int) -> int:
    if b == 0:
        raise java_error("/ by zero", "java.lang.ArithmeticException")
    return a - b * _int_div(a, b)


def _float_op(a: float, b: float, op: str) -> float:
    if op == "ADD":
        return a + b
    if op == "SUBTRACT":
        return a - b
    if op == "MULTIPLICATION":
        return a * b
    if op == "DIVISION":
        if b == 0.0:
            if a == 0.0 or math.isnan(a):
                return math.nan
            return math.copysign(math.inf, a) * math.copysign(1.0, b)
        return a / b
    if b == 0.0 or math.isinf(a) or math.isnan(a) or math.isnan(b):
        return math.nan
    return math.fmod(a, b)


def _decimal_op(a: Decimal, b: Decimal, op: str) -> Decimal:
    ctx = decimal.Context(prec=34, rounding=decimal.ROUND_HALF_EVEN)
    try:
        if op == "ADD":
            return a + b
        if op == "SUBTRACT":
            return a - b
        if op == "MULTIPLICATION":
            return ctx.multiply(a, b)
        if op == "DIVISION":
            return ctx.divide(a, b)
        return ctx.remainder(a, b)
    except (decimal.DivisionByZero, decimal.InvalidOperation) as exc:
        raise java_error(
            "Division by zero" if op != "MODULUS" else "Division impossible",
            "java.lang.ArithmeticException",
        ) from exc


def _to_decimal(n: Any) -> Decimal:
    """`BigDecimal.valueOf(n.doubleValue())` as Pebble widens to BigDecimal."""
    if isinstance(n, Decimal):
        return Decimal(java_double_str(float(n)))
    return Decimal(java_double_str(float(n)))


def _arith(a: Any, b: Any, op: str) -> Any:
    if not is_number(a) or not is_number(b):
        raise java_error(f"invalid operands for mathematical operation [{op}]")
    if isinstance(a, Decimal) or isinstance(b, Decimal):
        return _decimal_op(_to_decimal(a), _to_decimal(b), op)
    if isinstance(a, float) and not isinstance(a, JavaFloat):
        return _float_op(float(a), float(b), op)
    if isinstance(b, float) and not isinstance(b, JavaFloat):
        return _float_op(float(a), float(b), op)
    if isinstance(a, JavaFloat) or isinstance(b, JavaFloat):
        return JavaFloat(_float_op(_to_f32(float(a)), _to_f32(float(b)), op))
    x, y = int(a), int(b)
    narrow = isinstance(a, JavaInteger) and isinstance(b, JavaInteger)
    wrap = _wrap32 if narrow else _wrap64
    if narrow:
        x, y = _wrap32(x), _wrap32(y)
    else:
        x, y = _wrap64(x), _wrap64(y)
    if op == "ADD":
        return wrap(x + y)
    if op == "SUBTRACT":
        return wrap(x - y)
    if op == "MULTIPLICATION":
        return wrap(x * y)
    if op == "DIVISION":
        return wrap(_int_div(x, y))
    return wrap(_int_mod(x, y))


def add(a: Any, b: Any) -> Any:
    """`a + b`: concatenation when a side is a String, list append, else numeric widening."""
    if type(a) is int and type(b) is int:
        return _wrap64(a + b)
    if is_string(a) or is_string(b):
        return to_string(a) + to_string(b)
    if isinstance(a, list):
        if is_collection(b):
            a.extend(b)
        else:
            a.append(b)
        return a
    return _arith(a, b, "ADD")


def sub(a: Any, b: Any) -> Any:
    """`a - b` (a list on the left removes items, as Pebble's deprecated feature does)."""
    if isinstance(a, list):
        if is_collection(b):
            a[:] = [x for x in a if not any(equals(x, y) for y in b)]
        else:
            for i, x in enumerate(a):
                if equals(x, b):
                    del a[i]
                    break
        return a
    return _arith(a, b, "SUBTRACT")


def mul(a: Any, b: Any) -> Any:
    """`a * b`."""
    return _arith(a, b, "MULTIPLICATION")


def div(a: Any, b: Any) -> Any:
    """`a / b`: Long division truncates toward zero, `x/0` raises, Double `x/0.0` is Infinity."""
    return _arith(a, b, "DIVISION")


def mod(a: Any, b: Any) -> Any:
    """`a % b` with Java's sign rule (the sign of the dividend)."""
    return _arith(a, b, "MODULUS")


def neg(a: Any, b: Any = None) -> Any:
    """Unary minus: Pebble's `multiply(-1, a)` (an Integer -1)."""
    return _arith(JavaInteger(-1), a, "MULTIPLICATION")


def pos(a: Any) -> Any:
    """Unary plus: Pebble's `multiply(1, a)`."""
    return _arith(JavaInteger(1), a, "MULTIPLICATION")


def concat(a: Any, b: Any) -> str:
    """`a ~ b`: `toString` of each side, a null side contributes nothing."""
    left = "" if a is None else to_string(a)
    right = "" if b is None else to_string(b)
    return left + right


# --------------------------------------------------------------------------- equality


def _num_kind(v: Any) -> str:
    if isinstance(v, JavaInteger):
        return "Integer"
    if isinstance(v, JavaBigInteger):
        return "BigInteger"
    if isinstance(v, int):
        return "Long"
    if isinstance(v, JavaFloat):
        return "Float"
    if isinstance(v, float):
        return "Double"
    return "BigDecimal"


def _num_decimal(v: Any) -> Decimal:
    if isinstance(v, JavaFloat):
        return Decimal(java_float_str(v))
    if isinstance(v, float):
        return Decimal(java_double_str(v))
    return Decimal(v)


def _num_compare(a: Any, b: Any) -> int:
    """Pebble's `wideningConversionBinaryComparison` result (-1, 0, 1)."""
    if isinstance(a, float) and isinstance(b, float) and _num_kind(a) == _num_kind(b):
        # Double.compareTo: NaN is greater than everything, -0.0 < 0.0
        fa, fb = float(a), float(b)
        if math.isnan(fa) or math.isnan(fb):
            return (math.isnan(fa) > math.isnan(fb)) - (math.isnan(fa) < math.isnan(fb))
        if fa == fb:
            sa, sb = math.copysign(1.0, fa), math.copysign(1.0, fb)
            return (sa > sb) - (sa < sb)
        return (fa > fb) - (fa < fb)
    if isinstance(a, float) and (math.isnan(a) or math.isinf(a)):
        raise java_error(f"Character {java_double_str(a)[0]} is neither a decimal digit number")
    if isinstance(b, float) and (math.isnan(b) or math.isinf(b)):
        raise java_error(f"Character {java_double_str(b)[0]} is neither a decimal digit number")
    x, y = _num_decimal(a), _num_decimal(b)
    return (x > y) - (x < y)


def equals(a: Any, b: Any) -> bool:
    """`a == b` / `a equals b`: numbers by value, else Java `equals` (`"1" == 1` is false)."""
    ta = type(a)
    if ta is type(b) and (ta is str or ta is int or ta is bool):
        return bool(a == b)
    if is_number(a) and is_number(b):
        return _num_compare(a, b) == 0
    return java_equals(a, b)


def java_equals(a: Any, b: Any) -> bool:
    """Java `Object.equals`: types must match (`Long 1` is not `Integer 1`, not `Double 1.0`)."""
    if a is None or b is None:
        return a is None and b is None
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    if is_number(a) or is_number(b):
        if not (is_number(a) and is_number(b)) or _num_kind(a) != _num_kind(b):
            return False
        if isinstance(a, float):
            fa, fb = float(a), float(b)
            if math.isnan(fa) and math.isnan(fb):
                return True
            return fa == fb and math.copysign(1.0, fa) == math.copysign(1.0, fb)
        if isinstance(a, Decimal):
            return a.as_tuple() == b.as_tuple()
        return bool(a == b)
    if isinstance(a, str) or isinstance(b, str):
        return (
            isinstance(a, str)
            and isinstance(b, str)
            and isinstance(a, JavaChar) == isinstance(b, JavaChar)
            and str.__eq__(a, b)
        )
    if isinstance(a, list | tuple) and isinstance(b, list | tuple):
        return len(a) == len(b) and all(java_equals(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, Mapping) and isinstance(b, Mapping):
        if len(a) != len(b):
            return False
        for k, x in a.items():
            found = False
            for k2, y in b.items():
                if java_equals(k, k2):
                    found = java_equals(x, y)
                    break
            if not found:
                return False
        return True
    if isinstance(a, set | frozenset) and isinstance(b, set | frozenset):
        return len(a) == len(b) and all(any(java_equals(x, y) for y in b) for x in a)
    if isinstance(a, _dt.datetime) or isinstance(b, _dt.datetime):
        if not (isinstance(a, _dt.datetime) and isinstance(b, _dt.datetime)):
            return False
        if (a.tzinfo is None) != (b.tzinfo is None):
            return False
        return to_string(a) == to_string(b)
    if type(a) is not type(b) and not (isinstance(a, type(b)) or isinstance(b, type(a))):
        return False
    try:
        return bool(a == b)
    except Exception:
        return False


_COMPARISONS = {
    "<": "LESS_THAN",
    "<=": "LESS_THAN_EQUALS",
    ">": "GREATER_THAN",
    ">=": "GREATER_THAN_EQUALS",
    "lt": "LESS_THAN",
    "lteq": "LESS_THAN_EQUALS",
    "gt": "GREATER_THAN",
    "gteq": "GREATER_THAN_EQUALS",
    "LESS_THAN": "LESS_THAN",
    "LESS_THAN_EQUALS": "LESS_THAN_EQUALS",
    "GREATER_THAN": "GREATER_THAN",
    "GREATER_THAN_EQUALS": "GREATER_THAN_EQUALS",
}


def compare(op: str, a: Any, b: Any, *, strings: bool = False) -> bool:
    """`<`, `<=`, `>`, `>=`: numbers only in Kestra 1.x; a null side gives false.

    `strings=True` is Kestra 2.0-dev: two Strings compare lexicographically.
    """
    name = _COMPARISONS.get(op)
    if name is None:
        raise ValueError(f"unknown comparison {op!r}")
    if a is None or b is None:
        return False
    if type(a) is int and type(b) is int:
        result = (a > b) - (a < b)
    elif strings and is_string(a) and is_string(b):
        result = _java_string_compare(a, b)
    elif not is_number(a) or not is_number(b):
        raise java_error(f"invalid operands for mathematical comparison [{name}]")
    else:
        result = _num_compare(a, b)
    if name == "LESS_THAN":
        return result < 0
    if name == "LESS_THAN_EQUALS":
        return result <= 0
    if name == "GREATER_THAN":
        return result > 0
    return result >= 0


def _java_string_compare(a: str, b: str) -> int:
    ua, ub = a.encode("utf-16-be"), b.encode("utf-16-be")
    return (ua > ub) - (ua < ub)


def contains(a: Any, b: Any) -> bool:
    """`a contains b` (Pebble `ContainsExpression`): Java `equals` membership, substrings."""
    if a is None:
        return False
    if is_collection(a):
        items = list(a)
        if is_collection(b):
            return all(any(java_equals(x, y) for x in items) for y in b)
        return any(java_equals(x, b) for x in items)
    if isinstance(a, Mapping):
        return any(java_equals(k, b) for k in a)
    if isinstance(a, bytes | bytearray):
        return False
    if is_string(a):
        return to_string(b) in a
    raise PebbleError(
        "Contains operator can only be used on Collections, Maps and arrays. "
        f"Actual type was: {class_name(a)}"
    )


def is_in(a: Any, b: Any) -> bool:
    """`a isIn b` (Kestra `InExpression`): compares `toString` forms; a null side is false."""
    if a is None or b is None:
        return False
    needle = to_string(a)
    if isinstance(b, Mapping):
        return any(to_string(k) == needle or to_string(v) == needle for k, v in b.items())
    if is_collection(b) or (isinstance(b, Iterable) and not isinstance(b, str | bytes)):
        for item in b:
            if item is None:
                raise java_error(
                    'Cannot invoke "Object.toString()" because "item" is null',
                    "java.lang.NullPointerException",
                )
            if to_string(item) == needle:
                return True
        return False
    return False


# --------------------------------------------------------------------------- truthiness


def _cast_boolean(v: Any) -> bool:
    """`TypeUtils.compatibleCast(v, Boolean.class)` for Boolean, Number and String."""
    if isinstance(v, bool):
        return v
    if is_number(v):
        d = float(v)
        return not math.isnan(d) and d != 0.0
    return len(v) > 0


def truthy(v: Any, where: str = "if") -> bool:
    """Pebble's boolean reading of a value in `where` (`if`, `not`, `and`, `or`, `ternary`).

    Strings are true when non-empty (`"false"` is true); numbers when non-zero. Lists and
    maps raise, null raises (strict variables) except in a ternary.
    """
    if v is None:
        if where == "ternary":
            return False
        if where == "if":
            raise PebbleError(
                "null value given to if statement and strict variables is set to true"
            )
        if where == "not":
            raise PebbleError("null value given to not() and strict variables is set to true")
        # Pebble's OrExpression reuses the "and" message verbatim.
        raise PebbleError("null value used in and operator and strict variables is set to true")
    if isinstance(v, bool) or is_number(v) or is_string(v):
        return _cast_boolean(v)
    if where in ("if", "not"):
        raise PebbleError(
            f"Unsupported value type {simple_name(v)}. "
            'Expected Boolean, String, Number in "if" statement'
        )
    raise java_error(
        f"class {class_name(v)} cannot be cast to class java.lang.Boolean",
        "java.lang.ClassCastException",
    )


# --------------------------------------------------------------------------- map literals


@lru_cache(maxsize=4096)
def java_string_hash(s: str) -> int:
    """`String.hashCode()` over UTF-16 code units (signed 32-bit)."""
    h = 0
    data = s.encode("utf-16-be")
    for i in range(0, len(data), 2):
        h = (31 * h + ((data[i] << 8) | data[i + 1])) & 0xFFFFFFFF
    return h - (1 << 32) if h >= (1 << 31) else h


def java_hash(v: Any) -> int:
    """Java `hashCode()` of a map key (String, Long, Integer, Boolean, Double, null)."""
    if v is None:
        return 0
    if isinstance(v, str):
        return java_string_hash(v)
    if isinstance(v, bool):
        return 1231 if v else 1237
    if isinstance(v, JavaInteger):
        return _wrap32(int(v))
    if isinstance(v, int):
        n = int(v) & 0xFFFFFFFFFFFFFFFF
        return _wrap32((n ^ (n >> 32)) & 0xFFFFFFFF)
    if isinstance(v, float):
        value = 0.0 if v == 0.0 and math.copysign(1.0, v) > 0 else float(v)
        if math.isnan(value):
            bits = 0x7FF8000000000000
        else:
            bits = struct.unpack(">Q", struct.pack(">d", value))[0]
        return _wrap32((bits ^ (bits >> 32)) & 0xFFFFFFFF)
    if isinstance(v, list | tuple):
        h = 1
        for x in v:
            h = (31 * h + java_hash(x)) & 0xFFFFFFFF
        return _wrap32(h)
    return _wrap32(hash(v) & 0xFFFFFFFF)


def _table_size_for(cap: int) -> int:
    n = 1
    while n < cap:
        n <<= 1
    return max(n, 1)


def map_literal(
    pairs: Iterable[tuple[Any, Any]], initial_capacity: int | None = None
) -> dict[Any, Any]:
    """A dict in the order a Java `HashMap` iterates (bucket order, then insertion order).

    With no `initial_capacity` the map is sized as Pebble sizes a map literal:
    `new HashMap<>(ceil(n / 0.75))`, so no resize happens. Otherwise it is
    `new HashMap<>(initial_capacity)` (16 for the default constructor), doubled while more
    than 3/4 full. Each key lands in bucket `(h ^ (h >>> 16)) & (capacity - 1)`.
    """
    items: list[tuple[Any, Any]] = []
    index: dict[Any, int] = {}
    for key, value in pairs:
        marker = (type(key).__name__ if not isinstance(key, str) else "str", key)
        try:
            pos_ = index.get(marker)
        except TypeError:
            pos_ = None
        if pos_ is not None:
            items[pos_] = (items[pos_][0], value)
            continue
        with contextlib.suppress(TypeError):
            index[marker] = len(items)
        items.append((key, value))
    if initial_capacity is None:
        capacity = _table_size_for(round(math.ceil(len(items) / 0.75)))
    else:
        capacity = _table_size_for(max(initial_capacity, 1))
        while len(items) > capacity * 0.75:
            capacity *= 2
    mask = capacity - 1

    def bucket(key: Any) -> int:
        h = java_hash(key) & 0xFFFFFFFF
        return (h ^ (h >> 16)) & mask

    order = sorted(range(len(items)), key=lambda i: (bucket(items[i][0]), i))
    return {items[i][0]: items[i][1] for i in order}


def java_hash_map(pairs: Iterable[tuple[Any, Any]], initial_capacity: int = 16) -> dict[Any, Any]:
    """`new HashMap<>(initial_capacity)` filled with `pairs`, in Java's iteration order."""
    return map_literal(pairs, initial_capacity)
