"""Java number formatting: `DecimalFormat` patterns (the `numberFormat` filter) and
`String.format` (Pebble 4's `format` filter), with Java's rounding rules.

`DecimalFormat` rounds HALF_EVEN on the exact binary value of a double (JDK 8+);
`String.format("%.2f")` rounds HALF_UP on the shortest decimal repr (`Double.toString`).
Symbols are en_US (`.` decimal separator, `,` grouping).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal, localcontext
from functools import lru_cache
from typing import Any

from ..limits import check_length
from . import values as _v

__all__ = ["decimal_format", "default_number_format", "java_string_format"]


@dataclass(frozen=True)
class _Pattern:
    pos_prefix: str
    pos_suffix: str
    neg_prefix: str
    neg_suffix: str
    min_int: int
    max_frac: int
    min_frac: int
    grouping: int
    multiplier: int
    exponent_digits: int
    max_int: int
    show_decimal_always: bool


def _split_affixes(part: str) -> tuple[str, str, str]:
    """(prefix, number part, suffix) of one sub-pattern; quotes make literals."""
    number_chars = set("#0,.E")
    prefix: list[str] = []
    core: list[str] = []
    suffix: list[str] = []
    state = 0  # 0 prefix, 1 number, 2 suffix
    i = 0
    while i < len(part):
        ch = part[i]
        if ch == "'":
            end = part.find("'", i + 1)
            literal = "'" if end == i + 1 else part[i + 1 : end if end >= 0 else len(part)]
            i = (end if end >= 0 else len(part)) + 1
            (prefix if state == 0 else suffix).append(literal)
            if state == 1:
                state = 2
            continue
        if ch in number_chars and state < 2 and (ch != "E" or state == 1):
            state = 1
            core.append(ch)
        elif state == 1 and ch.isdigit():
            core.append(ch)
        else:
            if state == 1:
                state = 2
            (prefix if state == 0 else suffix).append(ch)
        i += 1
    return "".join(prefix), "".join(core), "".join(suffix)


@lru_cache(maxsize=256)
def _parse_pattern(pattern: str) -> _Pattern:
    positive, _, negative = pattern.partition(";")
    prefix, core, suffix = _split_affixes(positive)
    multiplier = 1
    for marker, factor in (("%", 100), ("\u2030", 1000)):
        if marker in prefix or marker in suffix:
            multiplier = factor
    mantissa, _, exponent = core.partition("E")
    int_part, dot, frac_part = mantissa.partition(".")
    grouping = len(int_part) - int_part.rindex(",") - 1 if "," in int_part else 0
    int_digits = int_part.replace(",", "")
    min_int = int_digits.count("0")
    max_frac = len(frac_part)
    min_frac = frac_part.count("0")
    if negative:
        n_prefix, _, n_suffix = _split_affixes(negative)
    else:
        n_prefix, n_suffix = "-" + prefix, suffix
    return _Pattern(
        prefix,
        suffix,
        n_prefix,
        n_suffix,
        min_int if (min_int or exponent or not (max_frac or min_frac)) else 0,
        max_frac,
        min_frac,
        grouping,
        multiplier,
        len(exponent),
        len(int_digits),
        bool(dot) and not frac_part and False,
    )


def _exact(number: Any) -> Decimal:
    if isinstance(number, Decimal):
        return number
    if isinstance(number, float):
        return Decimal(number)
    return Decimal(int(number))


def _group(digits: str, size: int) -> str:
    if size <= 0 or len(digits) <= size:
        return digits
    head = len(digits) % size or size
    parts = [digits[:head]] + [digits[i : i + size] for i in range(head, len(digits), size)]
    return ",".join(parts)


def decimal_format(number: Any, pattern: str) -> str:
    """`new DecimalFormat(pattern, en_US symbols).format(number)` (HALF_EVEN)."""
    p = _parse_pattern(pattern)
    if isinstance(number, float) and math.isnan(number):
        return "NaN"
    negative = (number < 0) or (isinstance(number, float) and math.copysign(1.0, number) < 0)
    if isinstance(number, float) and math.isinf(number):
        return (
            (p.neg_prefix if negative else p.pos_prefix)
            + "∞"
            + (p.neg_suffix if negative else p.pos_suffix)
        )
    value = abs(_exact(number)) * p.multiplier
    if p.exponent_digits:
        body = _scientific(value, p)
    else:
        with localcontext() as ctx:
            ctx.prec = 100
            quantum = Decimal(1).scaleb(-p.max_frac)
            rounded = value.quantize(quantum, rounding=ROUND_HALF_EVEN)
        text = f"{rounded:f}"
        int_text, _, frac_text = text.partition(".")
        frac_text = frac_text.rstrip("0")
        if len(frac_text) < p.min_frac:
            frac_text = frac_text.ljust(p.min_frac, "0")
        int_text = int_text.lstrip("0")
        if len(int_text) < p.min_int:
            int_text = int_text.rjust(p.min_int, "0")
        int_text = _group(int_text, p.grouping)
        if not int_text and not frac_text:
            int_text = "0"
        body = int_text + ("." + frac_text if frac_text else "")
        if rounded == 0:
            negative = False
    prefix = p.neg_prefix if negative else p.pos_prefix
    suffix = p.neg_suffix if negative else p.pos_suffix
    return prefix + body + suffix


def _scientific(value: Decimal, p: _Pattern) -> str:
    exponent = 0 if value == 0 else value.adjusted()
    int_digits = max(p.min_int, 1)
    if p.max_int > p.min_int and p.max_int > 1:
        # engineering notation: exponent a multiple of max_int
        exponent = (exponent // p.max_int) * p.max_int
        int_digits = 1
    else:
        exponent -= int_digits - 1
    mantissa = value.scaleb(-exponent) if value else Decimal(0)
    with localcontext() as ctx:
        ctx.prec = 100
        rounded = mantissa.quantize(Decimal(1).scaleb(-p.max_frac), rounding=ROUND_HALF_EVEN)
    text = f"{rounded:f}"
    int_text, _, frac_text = text.partition(".")
    frac_text = frac_text.rstrip("0").ljust(p.min_frac, "0")
    int_text = int_text.rjust(int_digits, "0")
    exp_text = str(abs(exponent)).rjust(p.exponent_digits, "0")
    return (
        int_text
        + ("." + frac_text if frac_text else "")
        + "E"
        + ("-" if exponent < 0 else "")
        + exp_text
    )


def default_number_format(number: Any) -> str:
    """`NumberFormat.getInstance(en_US).format(number)`: grouping, at most 3 decimals."""
    return decimal_format(number, "#,##0.###")


# --------------------------------------------------------------------------- String.format

_SPEC = re.compile(r"%(\d+\$|<)?([-#+ 0,(]*)(\d+)?(\.\d+)?([a-zA-Z%])")


def _bad_conversion(conv: str, arg: Any) -> Exception:
    return _v.java_error(
        f"{conv} != {_v.class_name(arg)}", "java.util.IllegalFormatConversionException"
    )


def _apply_width(text: str, flags: str, width: int | None) -> str:
    if width is None or len(text) >= width:
        return text
    if "-" in flags:
        return text.ljust(width)
    if "0" in flags:
        sign = text[0] if text and text[0] in "+- (" else ""
        return sign + text[len(sign) :].rjust(width - len(sign), "0")
    return text.rjust(width)


def _sign(text: str, negative: bool, flags: str) -> str:
    if negative:
        return f"({text})" if "(" in flags else "-" + text
    if "+" in flags:
        return "+" + text
    if " " in flags:
        return " " + text
    return text


def java_string_format(fmt: str, *args: Any) -> str:
    """`String.format(fmt, args...)` for the common conversions (s, d, f, e, x, o, b, c, n)."""
    out: list[str] = []
    pos = 0
    ordinary = 0
    last: Any = None
    for m in _SPEC.finditer(fmt):
        out.append(fmt[pos : m.start()])
        pos = m.end()
        index, flags, width_s, precision_s, conv = m.groups()
        width = int(width_s) if width_s else None
        precision = int(precision_s[1:]) if precision_s else None
        check_length(max(width or 0, precision or 0))  # `%1000000000d`: refused, not built
        if conv == "%":
            out.append(_apply_width("%", flags, width))
            continue
        if conv == "n":
            out.append("\n")
            continue
        if index == "<":
            arg = last
        elif index:
            i = int(index[:-1]) - 1
            if i >= len(args):
                raise _v.java_error(
                    f"Format specifier '{m.group(0)}'", "java.util.MissingFormatArgumentException"
                )
            arg = args[i]
        else:
            if ordinary >= len(args):
                raise _v.java_error(
                    f"Format specifier '{m.group(0)}'", "java.util.MissingFormatArgumentException"
                )
            arg = args[ordinary]
            ordinary += 1
        last = arg
        out.append(_convert(conv, arg, flags, width, precision))
    out.append(fmt[pos:])
    return "".join(out)


def _convert(conv: str, arg: Any, flags: str, width: int | None, precision: int | None) -> str:
    upper = conv.isupper()
    c = conv.lower()
    if c == "s":
        text = "null" if arg is None else _v.to_string(arg)
        if precision is not None:
            text = text[:precision]
    elif c == "b":
        text = "false" if arg is None or arg is False else "true"
        if precision is not None:
            text = text[:precision]
    elif c == "c":
        if arg is None:
            text = "null"
        elif isinstance(arg, str) and len(arg) == 1:
            text = arg
        elif isinstance(arg, int) and not isinstance(arg, bool):
            text = chr(arg)
        else:
            raise _bad_conversion(conv, arg)
    elif c in "dxo":
        if arg is None:
            text = "null"
        elif not isinstance(arg, int) or isinstance(arg, bool):
            raise _bad_conversion(conv, arg)
        elif c == "d":
            digits = str(abs(int(arg)))
            if "," in flags:
                digits = _group(digits, 3)
            text = _sign(digits, int(arg) < 0, flags)
        else:
            value = int(arg)
            if value < 0:
                bits = 32 if isinstance(arg, _v.JavaInteger) else 64
                value += 1 << bits
            text = format(value, "x" if c == "x" else "o")
            if "#" in flags:
                text = ("0x" if c == "x" else "0") + text
    elif c in "feg":
        if arg is None:
            text = "null"
        elif not _v.is_number(arg) or (isinstance(arg, int) and not isinstance(arg, Decimal)):
            raise _bad_conversion(conv, arg)
        else:
            text = _float_conv(c, arg, flags, 6 if precision is None else precision)
    elif c == "h":
        text = "null" if arg is None else format(_v.java_hash(arg) & 0xFFFFFFFF, "x")
    else:
        raise _v.java_error(f"Conversion = '{conv}'", "java.util.UnknownFormatConversionException")
    text = _apply_width(text, flags, width)
    return text.upper() if upper else text


def _float_conv(c: str, arg: Any, flags: str, precision: int) -> str:
    if isinstance(arg, float) and (math.isnan(arg) or math.isinf(arg)):
        return "NaN" if math.isnan(arg) else ("Infinity" if arg > 0 else "-Infinity")
    value = Decimal(_v.to_string(arg)) if isinstance(arg, float) else Decimal(arg)
    negative = value < 0 or (isinstance(arg, float) and math.copysign(1.0, arg) < 0)
    value = abs(value)
    if c == "f":
        with localcontext() as ctx:
            ctx.prec = 200
            rounded = value.quantize(Decimal(1).scaleb(-precision), rounding=ROUND_HALF_UP)
        text = f"{rounded:f}"
        if "," in flags:
            int_text, dot, frac = text.partition(".")
            text = _group(int_text, 3) + dot + frac
    elif c == "e":
        exponent = value.adjusted() if value else 0
        mantissa = value.scaleb(-exponent) if value else Decimal(0)
        with localcontext() as ctx:
            ctx.prec = 200
            mantissa = mantissa.quantize(Decimal(1).scaleb(-precision), rounding=ROUND_HALF_UP)
        if mantissa >= 10:
            mantissa /= 10
            exponent += 1
            mantissa = mantissa.quantize(Decimal(1).scaleb(-precision))
        text = f"{mantissa:f}e{'-' if exponent < 0 else '+'}{abs(exponent):02d}"
    else:
        text = f"{float(value):.{max(precision, 1)}g}"
    return _sign(text, negative, flags)
