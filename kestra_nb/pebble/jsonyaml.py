"""JSON, YAML and Ion as Kestra's Jackson mappers read and write them.

- `parse_json`: Jackson `readValue(.., Object.class)` types: small integers are `Integer`
  (`JavaInteger`), larger ones `Long`, then `BigInteger`; decimals are `Double`.
- `to_yaml`: Kestra's `yaml` filter mapper (MINIMIZE_QUOTES, no `---`, INDENT_ARRAYS so
  list items print as ` - x`, trailing newline).
- `parse_yaml`: the `yaml()` function (anchors resolved; timestamps stay strings as with
  Jackson's YAML parser).
- `to_ion` / `parse_ion`: Kestra's Ion mapper (`toIon` filter, `fromIon()` function).
"""

from __future__ import annotations

import base64
import datetime as _dt
import json
import math
import re
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

import yaml

from ..safeyaml import BoundedLoader
from . import values as _v

__all__ = ["parse_ion", "parse_json", "parse_yaml", "to_ion", "to_yaml"]

_INT_MIN, _INT_MAX = -(2**31), 2**31 - 1
_LONG_MIN, _LONG_MAX = -(2**63), 2**63 - 1


def java_int(n: int) -> int:
    """An integer typed as Jackson types it: Integer, Long or BigInteger."""
    if _INT_MIN <= n <= _INT_MAX:
        return _v.JavaInteger(n)
    if _LONG_MIN <= n <= _LONG_MAX:
        return int(n)
    return _v.JavaBigInteger(n)


def _reject_constant(name: str) -> Any:
    raise ValueError(
        f"Non-standard token '{name}': enable `JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS` to allow"
    )


_DECODER = json.JSONDecoder(parse_int=lambda s: java_int(int(s)), parse_constant=_reject_constant)


def parse_json(text: str) -> Any:
    """Parse JSON text into Java-like values (raises `ValueError` when invalid).

    Like Jackson's `readValue`, content after the first value is ignored.
    """
    stripped = text.lstrip(" \t\r\n")
    if not stripped:
        raise ValueError("No content to map due to end-of-input")
    value, _ = _DECODER.raw_decode(stripped)
    return value


def from_python_json(value: Any) -> Any:
    """Retype plain JSON-ish Python values as Jackson would after a round trip."""
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int) and type(value) is int:
        return java_int(value)
    if isinstance(value, Mapping):
        return {
            str(k) if not isinstance(k, str) else k: from_python_json(x) for k, x in value.items()
        }
    if isinstance(value, list | tuple):
        return [from_python_json(x) for x in value]
    return value


# --------------------------------------------------------------------------- YAML writing

_YAML_RESERVED = {
    "true", "false", "yes", "no", "y", "n", "on", "off", "null", "~",
}  # fmt: skip
_YAML_NUMBER = re.compile(
    r"^[-+]?(?:\.inf|\.nan|0x[0-9a-fA-F_]+|0o?[0-7_]+|[0-9][0-9_]*(?:\.[0-9_]*)?(?:[eE][-+]?[0-9]+)?"
    r"|\.[0-9_]+(?:[eE][-+]?[0-9]+)?|[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?)$",
    re.IGNORECASE,
)
_PLAIN_START_BAD = set("-?:,[]{}#&*!|>'\"%@`")


def _yaml_needs_quotes(s: str) -> bool:
    if s == "":
        return True
    if s.lower() in _YAML_RESERVED or _YAML_NUMBER.match(s):
        return True
    if s[0] in _PLAIN_START_BAD and not (s[0] in "-?:" and len(s) > 1 and s[1] not in " \t"):
        return True
    if s[0] in " \t" or s[-1] in " \t":
        return True
    if ": " in s or " #" in s or s.endswith(":"):
        return True
    if any(ch in s for ch in "\n\r\t\x00\x85\u2028\u2029") or any(ord(c) < 0x20 for c in s):
        return True
    return bool(s.startswith("---") or s.startswith("..."))


_YAML_ESCAPES = {
    "\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t", "\x00": "\\0",
    "\x07": "\\a", "\x08": "\\b", "\x0b": "\\v", "\x0c": "\\f", "\x1b": "\\e",
    "\x85": "\\N", "\xa0": "\\_", "\u2028": "\\L", "\u2029": "\\P",
}  # fmt: skip


def _yaml_double_quoted(s: str) -> str:
    out = []
    for ch in s:
        if ch in _YAML_ESCAPES:
            out.append(_YAML_ESCAPES[ch])
        elif ord(ch) < 0x20 or 0x7F <= ord(ch) < 0xA0:
            out.append(f"\\x{ord(ch):02X}")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def _yaml_scalar(v: Any) -> str:
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "true" if v else "false"
    if _v.is_number(v):
        if isinstance(v, float) and (math.isnan(v) or math.isinf(v)):
            return {"NaN": ".NaN", "Infinity": ".inf", "-Infinity": "-.inf"}[_v.to_string(v)]
        return _v.to_string(v)
    if isinstance(v, _dt.date | _dt.time | _dt.timedelta):
        return _yaml_string(_v._jackson_date(v))
    return _yaml_string(v if isinstance(v, str) else _v.to_string(v))


def _yaml_string(s: str) -> str:
    s = str.__str__(s)
    return _yaml_double_quoted(s) if _yaml_needs_quotes(s) else s


def _yaml_literal(value: Any, indent: int) -> list[str] | None:
    """A multi-line string as a literal block (`|-`, `|`, `|+`), as Jackson's MINIMIZE_QUOTES
    writes it; None when the string cannot be a literal block."""
    if not isinstance(value, str) or "\n" not in value:
        return None
    text = str.__str__(value)
    if (
        "\r" in text
        or text[:1] in (" ", "\t")
        or any(ord(c) < 0x20 and c not in "\n\t" for c in text)
    ):
        return None
    body = text.rstrip("\n")
    trailing = len(text) - len(body)
    indicator = "|-" if trailing == 0 else ("|" if trailing == 1 else "|+")
    pad = " " * (indent + 2)
    lines = [pad + line if line else "" for line in body.split("\n")]
    if trailing > 1:
        lines.extend([""] * (trailing - 1))
    return [indicator, *lines]


def _yaml_lines(v: Any, indent: int, out: list[str], lead: str) -> None:
    """Append `v` written at `indent`; `lead` is what precedes it on its first line."""
    pad = " " * indent
    if isinstance(v, Mapping):
        items = list(v.items())
        if not items:
            out.append(lead + "{}")
            return
        first = True
        for k, x in items:
            key = _yaml_string(k if isinstance(k, str) else _v.to_string(k))
            prefix = lead if first else pad
            first = False
            if isinstance(x, Mapping) and x:
                out.append(f"{prefix}{key}:")
                _yaml_lines(x, indent + 2, out, " " * (indent + 2))
            elif isinstance(x, list | tuple | set | frozenset) and x:
                out.append(f"{prefix}{key}:")
                _yaml_lines(list(x), indent, out, pad)
            else:
                literal = _yaml_literal(x, indent)
                if literal:
                    out.append(f"{prefix}{key}: {literal[0]}")
                    out.extend(literal[1:])
                else:
                    out.append(f"{prefix}{key}: {_yaml_inline(x)}")
        return
    if isinstance(v, list | tuple | set | frozenset):
        seq = list(v)
        if not seq:
            out.append(lead + "[]")
            return
        first = True
        for x in seq:
            prefix = (lead if first else pad) + " - "
            first = False
            if isinstance(x, Mapping) and x:
                _yaml_lines(x, indent + 3, out, prefix)
            elif isinstance(x, list | tuple | set | frozenset) and x:
                _yaml_lines(list(x), indent + 3, out, prefix)
            else:
                literal = _yaml_literal(x, indent + 1)
                if literal:
                    out.append(prefix + literal[0])
                    out.extend(literal[1:])
                else:
                    out.append(prefix + _yaml_inline(x))
        return
    literal = _yaml_literal(v, indent)
    if literal:
        out.append(lead + literal[0])
        out.extend(literal[1:])
        return
    out.append(lead + _yaml_scalar(v))


def _yaml_inline(x: Any) -> str:
    if isinstance(x, Mapping):
        return "{}"
    if isinstance(x, list | tuple | set | frozenset):
        return "[]"
    return _yaml_scalar(x)


def to_yaml(v: Any) -> str:
    """Serialise like Kestra's `yaml` filter (a trailing newline, no document marker)."""
    if v is None:
        return "null"
    out: list[str] = []
    _yaml_lines(v, 0, out, "")
    return "\n".join(out) + "\n"


# --------------------------------------------------------------------------- YAML reading


class _JacksonYamlLoader(BoundedLoader, yaml.SafeLoader):
    """PyYAML's safe loader resolving scalars as Jackson's YAML parser does: only
    `true`/`false` are booleans (not `yes`/`on`), no sexagesimal numbers (`10:30` stays a
    string), no timestamps (dates stay strings)."""


_DROPPED_TAGS = {
    "tag:yaml.org,2002:timestamp",
    "tag:yaml.org,2002:bool",
    "tag:yaml.org,2002:int",
    "tag:yaml.org,2002:float",
}
_JacksonYamlLoader.yaml_implicit_resolvers = {
    key: [(tag, rx) for tag, rx in resolvers if tag not in _DROPPED_TAGS]
    for key, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_JacksonYamlLoader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)
_JacksonYamlLoader.add_implicit_resolver(
    "tag:yaml.org,2002:int",
    re.compile(r"^(?:[-+]?(?:0|[1-9][0-9_]*)|0x[0-9a-fA-F_]+|0o[0-7_]+)$"),
    list("-+0123456789"),
)
_JacksonYamlLoader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(
        r"^(?:[-+]?(?:\.[0-9]+|[0-9][0-9_]*(?:\.[0-9_]*)?)(?:[eE][-+]?[0-9]+)?"
        r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"
    ),
    list("-+0123456789."),
)


def _construct_int(loader: yaml.SafeLoader, node: yaml.Node) -> Any:
    text = str(loader.construct_scalar(node)).replace("_", "")  # type: ignore[arg-type]
    if text.startswith("0o"):
        return java_int(int(text[2:], 8))
    if text.lower().startswith(("0x", "+0x", "-0x")):
        return java_int(int(text, 16))
    return java_int(int(text))


_JacksonYamlLoader.add_constructor("tag:yaml.org,2002:int", _construct_int)


def parse_yaml(text: str) -> Any:
    """Parse YAML text (the `yaml()` function); raises `ValueError` when invalid."""
    try:
        return yaml.load(text, Loader=_JacksonYamlLoader)
    except yaml.YAMLError as exc:
        raise ValueError(str(exc).replace("\n", " ")) from exc


# --------------------------------------------------------------------------- Ion

_ION_SYMBOL = re.compile(r"^[A-Za-z_$][A-Za-z0-9_$]*$")
_ION_KEYWORDS = {"null", "true", "false", "nan"}


def _ion_string(s: str) -> str:
    out = []
    for ch in s:
        if ch == '"':
            out.append('\\"')
        elif ch == "\\":
            out.append("\\\\")
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\r":
            out.append("\\r")
        elif ch == "\t":
            out.append("\\t")
        elif ord(ch) < 0x20:
            out.append(f"\\x{ord(ch):02x}")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def _ion_field(name: str) -> str:
    if _ION_SYMBOL.match(name) and name not in _ION_KEYWORDS and not name.startswith("$"):
        return name
    return "'" + _ion_string(name)[1:-1].replace("'", "\\'").replace('\\"', '"') + "'"


def _ion_float(f: float) -> str:
    if math.isnan(f):
        return "nan"
    if math.isinf(f):
        return "+inf" if f > 0 else "-inf"
    text = _v.java_double_str(float(f))
    if "E" in text:
        return text.replace("E", "e")
    return text + "e0"


def _ion_value(v: Any) -> str:
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, _v.JavaFloat):
        return _ion_float(float(v))
    if isinstance(v, float):
        return _ion_float(v)
    if isinstance(v, Decimal):
        text = _v._decimal_str(v)
        return text.replace("E", "d") if "E" in text else (text if "." in text else text + "d0")
    if isinstance(v, int):
        return int.__repr__(v)
    if isinstance(v, str):
        return _ion_string(str.__str__(v))
    if isinstance(v, Mapping):
        return (
            "{"
            + ",".join(f"{_ion_field(_v.to_string(k))}:{_ion_value(x)}" for k, x in v.items())
            + "}"
        )
    if isinstance(v, list | tuple | set | frozenset):
        return "[" + ",".join(_ion_value(x) for x in v) + "]"
    if isinstance(v, _dt.datetime):
        if v.tzinfo is None:
            return "LocalDateTime::" + _ion_string(_v._jackson_date(v))
        return "ZonedDateTime::" + _ion_string(_v._jackson_date(v))
    if isinstance(v, _dt.date):
        return "LocalDate::" + _ion_string(_v.local_date_str(v))
    if isinstance(v, _dt.time):
        return "LocalTime::" + _ion_string(_v._jackson_date(v))
    if isinstance(v, _dt.timedelta):
        return "Duration::" + _ion_string(_v.duration_str(v))
    if isinstance(v, bytes | bytearray):
        return "{{" + base64.b64encode(bytes(v)).decode("ascii") + "}}"
    return _ion_string(_v.to_string(v))


def to_ion(v: Any) -> str:
    """Ion text as Kestra's Ion mapper writes it (`{a:1}`, floats as `1.5e0`)."""
    return _ion_value(v)


def _from_ion(v: Any) -> Any:
    from amazon.ion.core import IonType  # lazy: the Ion reader only for `fromIon`

    ion_type = getattr(v, "ion_type", None)
    annotations = [a.text for a in getattr(v, "ion_annotations", ()) or ()]
    if ion_type is not None and getattr(v, "is_null", False):
        return None
    if ion_type == IonType.NULL or v is None:
        return None
    if ion_type == IonType.BOOL or isinstance(v, bool):
        return bool(v)
    if ion_type == IonType.INT:
        return java_int(int(v))
    if ion_type == IonType.FLOAT:
        return float(v)
    if ion_type == IonType.DECIMAL:
        return Decimal(v)
    if ion_type == IonType.TIMESTAMP:
        ts = _dt.datetime(
            v.year, v.month, v.day, v.hour, v.minute, v.second, v.microsecond, tzinfo=v.tzinfo
        )
        return ts if ts.tzinfo is not None else ts.replace(tzinfo=_dt.UTC)
    if ion_type in (IonType.STRING, IonType.SYMBOL):
        text = str(v)
        if annotations:
            return _annotated(annotations[0], text)
        return text
    if ion_type in (IonType.BLOB, IonType.CLOB):
        return bytes(v)
    if ion_type == IonType.STRUCT:
        return {str(k): _from_ion(x) for k, x in v.items()}
    if ion_type in (IonType.LIST, IonType.SEXP):
        return [_from_ion(x) for x in v]
    return v


def _annotated(annotation: str, text: str) -> Any:
    """Kestra's IonModule turns `ZonedDateTime::"..."`-style annotated strings back to dates."""
    try:
        if annotation == "LocalDate":
            return _dt.date.fromisoformat(text)
        if annotation in ("LocalDateTime", "ZonedDateTime", "OffsetDateTime", "Instant"):
            value = _dt.datetime.fromisoformat(text.replace("Z", "+00:00").split("[")[0])
            return value
        if annotation == "LocalTime":
            return _dt.time.fromisoformat(text)
    except ValueError:
        return text
    return text


def parse_ion(text: str, all_rows: bool = False) -> Any:
    """Parse Ion text: the first value, or every value when `all_rows`."""
    from amazon.ion import simpleion  # lazy: the Ion reader only for `fromIon`

    try:
        rows = simpleion.loads(text, single_value=False)
    except Exception as exc:  # the ion reader raises several exception types
        raise ValueError(str(exc) or type(exc).__name__) from exc
    converted = [_from_ion(r) for r in rows]
    if all_rows:
        return converted
    return converted[0] if converted else None
