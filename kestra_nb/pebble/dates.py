"""Dates as Kestra's `date`, `dateAdd`, `timestamp*` filters and `now()` handle them.

Java `DateTimeFormatter` patterns (letters, quoting, optional `[...]` sections), Kestra's named
formats (`iso`, `iso_milli`, `sql_sec`, ...), the ISO constants (`iso_date_time`, ...), the
localized styles (`full`, `long`, `medium`, `short`, en_US as JDK 21 prints them) and the
input conversion of Kestra's `AbstractDate.convert` (ZonedDateTime, LocalDateTime at the
given zone, LocalDate at noon, Long epoch seconds / millis / nanos, Strings tried as
ZonedDateTime, then LocalDateTime, then LocalDate at start of day).

Values are carried as a `Moment`: an aware `datetime` plus the nanosecond of the second,
because Python stops at microseconds and Kestra's `timestampNano` does not.
"""

from __future__ import annotations

import calendar
import datetime as _dt
import os
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from . import values as _v
from .exceptions import PebbleError

__all__ = [
    "Moment",
    "convert",
    "date_add",
    "default_zone",
    "format_date",
    "now",
    "set_default_zone",
    "timestamp",
    "timestamp_micro",
    "timestamp_milli",
    "timestamp_nano",
    "zone_id",
]

PARSE_ERROR = "java.time.format.DateTimeParseException"

# --------------------------------------------------------------------------- zones

_DEFAULT_ZONE: _dt.tzinfo | None = None


def set_default_zone(zone: str | _dt.tzinfo | None) -> None:
    """Set the zone used when no `timeZone` is given (Java's `ZoneId.systemDefault()`)."""
    global _DEFAULT_ZONE
    _DEFAULT_ZONE = zone_id(zone) if isinstance(zone, str) else zone


def default_zone() -> _dt.tzinfo:
    """The system default zone: `TZ`, then `/etc/timezone`, `/etc/localtime`, else UTC."""
    if _DEFAULT_ZONE is not None:
        return _DEFAULT_ZONE
    return _system_zone()


@lru_cache(maxsize=1)
def _system_zone() -> _dt.tzinfo:
    candidates: list[str] = []
    tz = os.environ.get("TZ")
    if tz:
        candidates.append(tz.lstrip(":"))
    try:
        with open("/etc/timezone", encoding="utf-8") as fh:
            candidates.append(fh.read().strip())
    except OSError:
        pass
    try:
        link = os.path.realpath("/etc/localtime")
        if "zoneinfo/" in link:
            candidates.append(link.split("zoneinfo/", 1)[1])
    except OSError:
        pass
    for name in candidates:
        try:
            return zone_id(name)
        except PebbleError:
            continue
    return ZoneInfo("UTC")


_OFFSET_ID = re.compile(r"^([+-])(\d{1,2})(?::?(\d{2}))?(?::?(\d{2}))?$")


def _offset_zone(sign: str, hh: str, mm: str | None, ss: str | None) -> _dt.timezone:
    seconds = int(hh) * 3600 + int(mm or 0) * 60 + int(ss or 0)
    if seconds > 18 * 3600:
        raise _v.java_error(
            f"Zone offset hours not in valid range: value {int(hh)} is not in the range -18 to 18",
            "java.time.DateTimeException",
        )
    if seconds == 0:
        return _dt.UTC
    return _dt.timezone(_dt.timedelta(seconds=seconds if sign == "+" else -seconds))


def zone_id(name: str | None) -> _dt.tzinfo:
    """Java `ZoneId.of(name)`: region ids, `Z`, `+02:00`, `UTC+2`, `GMT-05:00`; None is the
    default zone."""
    if name is None:
        return default_zone()
    return _zone_of(name)


@lru_cache(maxsize=256)
def _zone_of(name: str) -> _dt.tzinfo:
    if not isinstance(name, str):
        raise _v.java_error(
            f"class {_v.class_name(name)} cannot be cast to class java.lang.String",
            "java.lang.ClassCastException",
        )
    if name == "Z":
        return _dt.UTC
    m = _OFFSET_ID.match(name)
    if m:
        return _offset_zone(*m.groups())
    for prefix in ("UTC", "GMT", "UT"):
        if name.startswith(prefix) and len(name) > len(prefix) and name[len(prefix)] in "+-":
            m = _OFFSET_ID.match(name[len(prefix) :])
            if m:
                return _ZonePrefixed(prefix, _offset_zone(*m.groups()))
    try:
        if not re.fullmatch(r"[A-Za-z][A-Za-z0-9~/._+-]+", name):
            raise ValueError(name)
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError) as exc:
        raise _v.java_error(
            f"Unknown time-zone ID: {name}", "java.time.zone.ZoneRulesException"
        ) from exc


class _ZonePrefixed(_dt.tzinfo):
    """`ZoneId.of("UTC+02:00")`: a region-like id with a fixed offset."""

    def __init__(self, prefix: str, offset: _dt.timezone) -> None:
        self.prefix = prefix
        self.offset = offset
        self.key = prefix + _v.offset_str(offset.utcoffset(None)).replace("Z", "")

    def utcoffset(self, dt: _dt.datetime | None) -> _dt.timedelta:
        return self.offset.utcoffset(None)

    def dst(self, dt: _dt.datetime | None) -> _dt.timedelta:
        return _dt.timedelta(0)

    def tzname(self, dt: _dt.datetime | None) -> str:
        return self.key

    def __repr__(self) -> str:
        return f"_ZonePrefixed({self.key!r})"


# --------------------------------------------------------------------------- moments


@dataclass(frozen=True)
class Moment:
    """A ZonedDateTime: an aware datetime (in its zone) plus the nano-of-second."""

    dt: _dt.datetime
    nano: int = 0

    @staticmethod
    def of(dt: _dt.datetime, nano: int | None = None) -> Moment:
        """From an aware datetime; the nanos default to its microseconds."""
        return Moment(dt, dt.microsecond * 1000 if nano is None else nano)

    def at_zone(self, zone: _dt.tzinfo) -> Moment:
        """The same instant seen in `zone` (`withZoneSameInstant`)."""
        return Moment(self.dt.astimezone(zone), self.nano)

    def epoch_second(self) -> int:
        """`toEpochSecond()`."""
        naive = self.dt.replace(tzinfo=None, microsecond=0)
        offset = self.dt.utcoffset() or _dt.timedelta(0)
        return int((naive - _dt.datetime(1970, 1, 1)).total_seconds() - offset.total_seconds())


def _localize(local: _dt.datetime, zone: _dt.tzinfo) -> _dt.datetime:
    """`ZonedDateTime.of(local, zone)`: earlier offset in overlaps, shift forward in gaps."""
    aware = local.replace(tzinfo=zone, fold=0)
    roundtrip = aware.astimezone(_dt.UTC).astimezone(zone)
    if roundtrip.replace(tzinfo=None) != local:
        # a gap: Java moves the local time forward by the length of the gap
        later = local.replace(tzinfo=zone, fold=1)
        gap = (later.utcoffset() or _dt.timedelta(0)) - (aware.utcoffset() or _dt.timedelta(0))
        shifted = local + abs(gap)
        return shifted.replace(tzinfo=zone).astimezone(_dt.UTC).astimezone(zone)
    return roundtrip


def _from_epoch(seconds: int, nano: int, zone: _dt.tzinfo) -> Moment:
    try:
        base = _dt.datetime(1970, 1, 1, tzinfo=_dt.UTC) + _dt.timedelta(
            seconds=seconds, microseconds=nano // 1000
        )
    except OverflowError as exc:
        raise _v.java_error(
            f"Instant exceeds minimum or maximum instant: {seconds}", "java.time.DateTimeException"
        ) from exc
    return Moment(base.astimezone(zone), nano)


def _from_long(value: int, zone: _dt.tzinfo) -> Moment:
    digits = len(str(abs(value)))
    if digits == 13:
        return _from_epoch(value // 1000, (value % 1000) * 1_000_000, zone)
    if digits == 19:
        if value % 1000 == 0:
            return _from_epoch(value // 1_000_000_000, value % 1_000_000_000, zone)
        millis, micros = divmod(value, 1_000_000)
        return _from_epoch(millis // 1000, (millis % 1000) * 1_000_000 + micros * 1000, zone)
    return _from_epoch(value, 0, zone)


def convert(value: Any, zone: _dt.tzinfo, existing_format: str | None = None) -> Moment:
    """Kestra's `AbstractDate.convert`: any supported input to a ZonedDateTime."""
    if isinstance(value, Moment):
        return value
    if isinstance(value, _dt.datetime):
        if value.tzinfo is None or value.utcoffset() is None:
            return Moment.of(_localize(value, zone))
        return Moment.of(value)
    if isinstance(value, _dt.date):
        return Moment.of(_localize(_dt.datetime.combine(value, _dt.time(12, 0)), zone))
    if isinstance(value, bool) or not isinstance(value, int | str):
        if isinstance(value, int):
            pass
        raise _v.java_error(
            f"class {_v.class_name(value)} cannot be cast to class java.lang.String",
            "java.lang.ClassCastException",
        )
    if isinstance(value, _v.JavaInteger | _v.JavaBigInteger):
        raise _v.java_error(
            f"class {_v.class_name(value)} cannot be cast to class java.lang.String",
            "java.lang.ClassCastException",
        )
    if isinstance(value, int):
        return _from_long(int(value), zone)
    text = str.__str__(value)
    if existing_format is not None:
        fmt = _formatter(existing_format)
        return fmt.parse_fallback(text, zone)
    return _parse_iso_fallback(text, zone)


# --------------------------------------------------------------------------- ISO parsing

_ISO_DATE = r"(?P<year>[+-]?\d{4,9})-(?P<month>\d{2})-(?P<day>\d{2})"
_ISO_TIME = r"(?P<hour>\d{2}):(?P<minute>\d{2})(?::(?P<second>\d{2})(?:[.,](?P<frac>\d{0,9}))?)?"
_ISO_OFFSET = r"(?P<offset>Z|[+-]\d{2}(?::?\d{2}(?::?\d{2})?)?)"
_ISO_ZONED = re.compile(
    rf"^{_ISO_DATE}T{_ISO_TIME}{_ISO_OFFSET}(?:\[(?P<region>[^\]]+)\])?$", re.IGNORECASE
)
_ISO_ZONED_REGION_ONLY = re.compile(rf"^{_ISO_DATE}T{_ISO_TIME}\[(?P<region>[^\]]+)\]$")
_ISO_LOCAL_DT = re.compile(rf"^{_ISO_DATE}T{_ISO_TIME}$")
_ISO_LOCAL_DATE = re.compile(rf"^{_ISO_DATE}$")


def _parse_offset(text: str) -> _dt.tzinfo:
    if text in ("Z", "z"):
        return _dt.UTC
    m = _OFFSET_ID.match(text)
    if not m:
        raise ValueError(text)
    return _offset_zone(*m.groups())


def _local_from_match(m: re.Match[str]) -> tuple[_dt.datetime, int]:
    frac = (m.group("frac") or "").ljust(9, "0")
    nano = int(frac) if frac else 0
    local = _dt.datetime(
        int(m.group("year")),
        int(m.group("month")),
        int(m.group("day")),
        int(m.group("hour")),
        int(m.group("minute")),
        int(m.group("second") or 0),
        nano // 1000,
    )
    return local, nano


def _parse_error(text: str, index: int = 0) -> PebbleError:
    return _v.java_error(f"Text '{text}' could not be parsed at index {index}", PARSE_ERROR)


def _parse_iso_fallback(text: str, zone: _dt.tzinfo) -> Moment:
    try:
        m = _ISO_ZONED.match(text)
        if m:
            local, nano = _local_from_match(m)
            offset = _parse_offset(m.group("offset").upper())
            if m.group("region"):
                region = zone_id(m.group("region"))
                aware = local.replace(tzinfo=offset).astimezone(region)
                return Moment(aware, nano)
            return Moment(local.replace(tzinfo=offset), nano)
        m = _ISO_ZONED_REGION_ONLY.match(text)
        if m:
            local, nano = _local_from_match(m)
            return Moment(_localize(local, zone_id(m.group("region"))), nano)
        m = _ISO_LOCAL_DT.match(text)
        if m:
            local, nano = _local_from_match(m)
            return Moment(_localize(local, zone), nano)
        m = _ISO_LOCAL_DATE.match(text)
        if m:
            day = _dt.date(int(m.group("year")), int(m.group("month")), int(m.group("day")))
            return Moment.of(_localize(_dt.datetime.combine(day, _dt.time()), zone))
    except ValueError as exc:
        raise _v.java_error(f"Text '{text}' could not be parsed: {exc}", PARSE_ERROR) from exc
    raise _parse_error(text, _first_mismatch(text))


def _first_mismatch(text: str) -> int:
    template = "0000-00-00T00:00:00"
    for i, (a, b) in enumerate(zip(text, template, strict=False)):
        if (b == "0") != a.isdigit() or (b != "0" and a != b):
            return i
    return min(len(text), len(template))


# --------------------------------------------------------------------------- locale text

_MONTHS = {
    "en": [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ],
    "fr": [
        "janvier",
        "février",
        "mars",
        "avril",
        "mai",
        "juin",
        "juillet",
        "août",
        "septembre",
        "octobre",
        "novembre",
        "décembre",
    ],
    "de": [
        "Januar",
        "Februar",
        "März",
        "April",
        "Mai",
        "Juni",
        "Juli",
        "August",
        "September",
        "Oktober",
        "November",
        "Dezember",
    ],
    "es": [
        "enero",
        "febrero",
        "marzo",
        "abril",
        "mayo",
        "junio",
        "julio",
        "agosto",
        "septiembre",
        "octubre",
        "noviembre",
        "diciembre",
    ],
}
_MONTHS_SHORT = {
    "en": ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"],
    "fr": [
        "janv.",
        "févr.",
        "mars",
        "avr.",
        "mai",
        "juin",
        "juil.",
        "août",
        "sept.",
        "oct.",
        "nov.",
        "déc.",
    ],
    "de": [
        "Jan.",
        "Feb.",
        "März",
        "Apr.",
        "Mai",
        "Juni",
        "Juli",
        "Aug.",
        "Sept.",
        "Okt.",
        "Nov.",
        "Dez.",
    ],
    "es": ["ene", "feb", "mar", "abr", "may", "jun", "jul", "ago", "sept", "oct", "nov", "dic"],
}
# Monday first, as Python's weekday()
_DAYS = {
    "en": ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"],
    "fr": ["lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"],
    "de": ["Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag", "Sonntag"],
    "es": ["lunes", "martes", "miércoles", "jueves", "viernes", "sábado", "domingo"],
}
_DAYS_SHORT = {
    "en": ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"],
    "fr": ["lun.", "mar.", "mer.", "jeu.", "ven.", "sam.", "dim."],
    "de": ["Mo.", "Di.", "Mi.", "Do.", "Fr.", "Sa.", "So."],
    "es": ["lun", "mar", "mié", "jue", "vie", "sáb", "dom"],
}
_AMPM = {
    "en": ("AM", "PM"),
    "fr": ("AM", "PM"),
    "de": ("AM", "PM"),
    "es": ("a.\u00a0m.", "p.\u00a0m."),
}
_ZONE_LONG = {
    "CET": "Central European Standard Time",
    "CEST": "Central European Summer Time",
    "UTC": "Coordinated Universal Time",
    "GMT": "Greenwich Mean Time",
    "BST": "British Summer Time",
    "WET": "Western European Standard Time",
    "WEST": "Western European Summer Time",
    "EET": "Eastern European Standard Time",
    "EEST": "Eastern European Summer Time",
    "EST": "Eastern Standard Time",
    "EDT": "Eastern Daylight Time",
    "CST": "Central Standard Time",
    "CDT": "Central Daylight Time",
    "MST": "Mountain Standard Time",
    "MDT": "Mountain Daylight Time",
    "PST": "Pacific Standard Time",
    "PDT": "Pacific Daylight Time",
    "AWST": "Australian Western Standard Time",
    "AEST": "Australian Eastern Standard Time",
    "AEDT": "Australian Eastern Daylight Time",
    "JST": "Japan Standard Time",
    "IST": "India Standard Time",
}
_ZONE_SHORT_OFFSETS = {
    "GMT": 0,
    "UT": 0,
    "UTC": 0,
    "Z": 0,
    "CET": 3600,
    "CEST": 7200,
    "BST": 3600,
    "WET": 0,
    "WEST": 3600,
    "EET": 7200,
    "EEST": 10800,
    "EST": -18000,
    "EDT": -14400,
    "CST": -21600,
    "CDT": -18000,
    "MST": -25200,
    "MDT": -21600,
    "PST": -28800,
    "PDT": -25200,
    "AWST": 28800,
    "AEST": 36000,
    "AEDT": 39600,
    "JST": 32400,
    "IST": 19800,
}


def _lang(locale: str | None) -> str:
    if not locale:
        return "en"
    lang = re.split(r"[_-]", locale)[0].lower()
    return lang if lang in _MONTHS else "en"


def _check_locale(locale: Any) -> str | None:
    """commons-lang `LocaleUtils.toLocale` validation (`en`, `en_US`, `fr-FR`)."""
    if locale is None:
        return None
    if not isinstance(locale, str):
        raise _v.java_error(
            f"class {_v.class_name(locale)} cannot be cast to class java.lang.String",
            "java.lang.ClassCastException",
        )
    if not re.fullmatch(r"[A-Za-z]{2,8}(?:[_-][A-Za-z0-9]{2,8})*|_[A-Z]{2}.*", locale):
        raise _v.java_error(
            f"Invalid locale format: {locale}", "java.lang.IllegalArgumentException"
        )
    return locale


# --------------------------------------------------------------------------- patterns

_LETTERS = set("GuyDMLdQqYwWEecFaBhKkHmsSAnNVvzOXxZp")
_ALL_LETTERS = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")


@dataclass(frozen=True)
class _Field:
    letter: str
    count: int


@dataclass(frozen=True)
class _Optional:
    items: tuple[Any, ...]


def _tokenize(pattern: str) -> tuple[Any, ...]:
    """Split a `DateTimeFormatter.ofPattern` pattern into fields, literals and optionals."""
    stack: list[list[Any]] = [[]]
    i = 0
    n = len(pattern)
    while i < n:
        ch = pattern[i]
        if ch in _ALL_LETTERS:
            j = i
            while j < n and pattern[j] == ch:
                j += 1
            count = j - i
            if ch not in _LETTERS:
                raise _v.java_error(
                    f"Unknown pattern letter: {ch}", "java.lang.IllegalArgumentException"
                )
            _check_count(ch, count)
            stack[-1].append(_Field(ch, count))
            i = j
        elif ch == "'":
            j = i + 1
            buf = []
            while True:
                if j >= n:
                    raise _v.java_error(
                        f"Pattern ends with an incomplete string literal: {pattern}",
                        "java.lang.IllegalArgumentException",
                    )
                if pattern[j] == "'":
                    if j + 1 < n and pattern[j + 1] == "'":
                        buf.append("'")
                        j += 2
                        continue
                    break
                buf.append(pattern[j])
                j += 1
            stack[-1].append("'" if j == i + 1 else "".join(buf))
            i = j + 1
        elif ch == "[":
            stack.append([])
            i += 1
        elif ch == "]":
            if len(stack) == 1:
                raise _v.java_error(
                    "Pattern invalid as it contains ] without previous [",
                    "java.lang.IllegalArgumentException",
                )
            items = stack.pop()
            stack[-1].append(_Optional(tuple(items)))
            i += 1
        elif ch in "{}#":
            raise _v.java_error(
                f"Pattern includes reserved character: '{ch}'", "java.lang.IllegalArgumentException"
            )
        else:
            stack[-1].append(ch)
            i += 1
    while len(stack) > 1:
        items = stack.pop()
        stack[-1].append(_Optional(tuple(items)))
    return tuple(stack[0])


_MAX_COUNT = {
    "G": 5, "u": 19, "y": 19, "D": 3, "M": 5, "L": 5, "d": 2, "Q": 5, "q": 5, "Y": 19,
    "w": 2, "W": 1, "E": 5, "e": 5, "c": 5, "F": 1, "a": 1, "B": 5, "h": 2, "K": 2,
    "k": 2, "H": 2, "m": 2, "s": 2, "S": 9, "A": 19, "n": 19, "N": 19, "V": 2, "v": 4,
    "z": 4, "O": 4, "X": 5, "x": 5, "Z": 5, "p": 19,
}  # fmt: skip


def _check_count(letter: str, count: int) -> None:
    if letter == "V" and count != 2:
        raise _v.java_error(
            "Pattern letter count must be 2: V", "java.lang.IllegalArgumentException"
        )
    if letter == "O" and count not in (1, 4):
        raise _v.java_error(
            "Pattern letter count must be 1 or 4: O", "java.lang.IllegalArgumentException"
        )
    if letter == "c" and count == 2:
        raise _v.java_error('Invalid pattern "cc"', "java.lang.IllegalArgumentException")
    if count > _MAX_COUNT.get(letter, 19):
        raise _v.java_error(
            f"Too many pattern letters: {letter}", "java.lang.IllegalArgumentException"
        )


# ---- formatting


def _pad(value: int, width: int) -> str:
    sign = "-" if value < 0 else ""
    return sign + str(abs(value)).rjust(width, "0")


def _offset_text(seconds: int, style: str, zero: str | None) -> str:
    """Offset printing in Java's `appendOffset(pattern, noOffsetText)` styles."""
    if seconds == 0 and zero is not None:
        return zero
    sign = "+" if seconds >= 0 else "-"
    total = abs(seconds)
    hh, rest = divmod(total, 3600)
    mm, ss = divmod(rest, 60)
    colon = ":" if ":" in style else ""
    out = f"{sign}{hh:02d}"
    if style in ("+HH",):
        return out
    if style in ("+HHmm", "+HH:mm"):
        return out + (f"{colon}{mm:02d}" if mm or ss else "")
    if style in ("+HHMM", "+HH:MM"):
        return out + f"{colon}{mm:02d}"
    if style in ("+HHMMss", "+HH:MM:ss"):
        return out + f"{colon}{mm:02d}" + (f"{colon}{ss:02d}" if ss else "")
    return out + f"{colon}{mm:02d}{colon}{ss:02d}"


def _gmt_text(seconds: int, full: bool) -> str:
    if seconds == 0:
        return "GMT"
    sign = "+" if seconds > 0 else "-"
    hh, rest = divmod(abs(seconds), 3600)
    mm, ss = divmod(rest, 60)
    if full:
        return f"GMT{sign}{hh:02d}:{mm:02d}" + (f":{ss:02d}" if ss else "")
    out = f"GMT{sign}{hh}"
    if mm or ss:
        out += f":{mm:02d}"
    if ss:
        out += f":{ss:02d}"
    return out


def _zone_id_text(tz: _dt.tzinfo | None, offset_seconds: int) -> str:
    region = _v.zone_region(tz) if not isinstance(tz, _ZonePrefixed) else tz.key
    if region:
        return region
    return _v.offset_str(_dt.timedelta(seconds=offset_seconds))


def _zone_name(d: _dt.datetime, full: bool) -> str:
    tz = d.tzinfo
    offset = int((d.utcoffset() or _dt.timedelta(0)).total_seconds())
    if isinstance(tz, _dt.timezone) or tz is None:
        return _v.offset_str(_dt.timedelta(seconds=offset))
    if isinstance(tz, _ZonePrefixed):
        return tz.key
    name = d.tzname() or ""
    if _v.zone_region(tz) in ("UTC", "Etc/UTC", "Etc/UCT", "UCT", "Universal", "Zulu"):
        name = "UTC"
    if re.fullmatch(r"[+-]\d+", name):
        name = _gmt_text(offset, True)
    if full:
        return _ZONE_LONG.get(name, name)
    return name


def _week_fields(d: _dt.date) -> tuple[int, int, int]:
    """(week-based-year, week-of-week-based-year, week-of-month) for en_US (Sunday, 1 day)."""

    # en_US: week starts Sunday, minimal days in first week = 1
    def week_of_year(day: _dt.date) -> int:
        jan1 = day.replace(month=1, day=1)
        offset = (jan1.weekday() + 1) % 7  # days since Sunday
        return (day.timetuple().tm_yday - 1 + offset) // 7 + 1

    week = week_of_year(d)
    year = d.year
    # the last days of December may belong to week 1 of the next year
    next_jan1 = _dt.date(year + 1, 1, 1)
    if (next_jan1 - d).days <= (next_jan1.weekday() + 1) % 7 and (next_jan1.weekday() + 1) % 7:
        week, year = 1, year + 1
    first = d.replace(day=1)
    offset = (first.weekday() + 1) % 7
    week_of_month = (d.day - 1 + offset) // 7 + 1
    return year, week, week_of_month


def _format_field(f: _Field, m: Moment, lang: str) -> str:
    d = m.dt
    c = f.count
    letter = f.letter
    offset = int((d.utcoffset() or _dt.timedelta(0)).total_seconds())
    if letter == "G":
        return "Anno Domini" if c == 4 else ("A" if c == 5 else "AD")
    if letter in "uy":
        year = d.year
        if c == 2:
            return f"{year % 100:02d}"
        return _pad(year, c) if c > 1 else str(year)
    if letter == "Y":
        wby = _week_fields(d.date())[0]
        return f"{wby % 100:02d}" if c == 2 else _pad(wby, c)
    if letter == "D":
        return _pad(d.timetuple().tm_yday, c)
    if letter in "ML":
        if c <= 2:
            return _pad(d.month, c)
        if c == 3:
            return _MONTHS_SHORT[lang][d.month - 1]
        if c == 4:
            return _MONTHS[lang][d.month - 1]
        return _MONTHS[lang][d.month - 1][0]
    if letter == "d":
        return _pad(d.day, c)
    if letter in "Qq":
        q = (d.month - 1) // 3 + 1
        if c <= 2:
            return _pad(q, c)
        if c == 3:
            return f"Q{q}"
        if c == 4:
            return f"{q}{ {1: 'st', 2: 'nd', 3: 'rd'}.get(q, 'th') } quarter"
        return str(q)
    if letter == "w":
        return _pad(_week_fields(d.date())[1], c)
    if letter == "W":
        return str(_week_fields(d.date())[2])
    if letter in "Eec":
        if letter in "ec" and c <= 2:
            return _pad((d.weekday() + 1) % 7 + 1, c)
        if c <= 3:
            return _DAYS_SHORT[lang][d.weekday()]
        if c == 4:
            return _DAYS[lang][d.weekday()]
        return _DAYS[lang][d.weekday()][0]
    if letter == "F":
        return str((d.day - 1) // 7 + 1)
    if letter == "a":
        return _AMPM[lang][0 if d.hour < 12 else 1]
    if letter == "B":
        return _day_period(d.hour)
    if letter == "h":
        return _pad((d.hour % 12) or 12, c)
    if letter == "K":
        return _pad(d.hour % 12, c)
    if letter == "k":
        return _pad(d.hour or 24, c)
    if letter == "H":
        return _pad(d.hour, c)
    if letter == "m":
        return _pad(d.minute, c)
    if letter == "s":
        return _pad(d.second, c)
    if letter == "S":
        return f"{m.nano:09d}"[:c]
    if letter == "A":
        return _pad(((d.hour * 60 + d.minute) * 60 + d.second) * 1000 + m.nano // 1_000_000, c)
    if letter == "n":
        return _pad(m.nano, c)
    if letter == "N":
        return _pad(((d.hour * 60 + d.minute) * 60 + d.second) * 1_000_000_000 + m.nano, c)
    if letter == "V":
        return _zone_id_text(d.tzinfo, offset)
    if letter in "zv":
        return _zone_name(d, c == 4)
    if letter == "O":
        return _gmt_text(offset, c == 4)
    if letter == "X":
        styles = {1: "+HHmm", 2: "+HHMM", 3: "+HH:MM", 4: "+HHMMss", 5: "+HH:MM:ss"}
        return _offset_text(offset, styles[c], "Z")
    if letter == "x":
        styles = {1: "+HHmm", 2: "+HHMM", 3: "+HH:MM", 4: "+HHMMss", 5: "+HH:MM:ss"}
        zero = {1: "+00", 2: "+0000", 3: "+00:00", 4: "+0000", 5: "+00:00"}[c]
        return _offset_text(offset, styles[c], zero)
    if letter == "Z":
        if c <= 3:
            return _offset_text(offset, "+HHMM", "+0000")
        if c == 4:
            return _gmt_text(offset, True)
        return _offset_text(offset, "+HH:MM:ss", "Z")
    if letter == "p":
        return ""
    raise _v.java_error(f"Unknown pattern letter: {letter}", "java.lang.IllegalArgumentException")


def _day_period(hour: int) -> str:
    if hour < 6:
        return "at night"
    if hour < 12:
        return "in the morning"
    if hour < 18:
        return "in the afternoon"
    if hour < 21:
        return "in the evening"
    return "at night"


def _format_items(items: tuple[Any, ...], m: Moment, lang: str) -> str:
    out: list[str] = []
    pad_next = 0
    for item in items:
        if isinstance(item, _Field):
            if item.letter == "p":
                pad_next = item.count
                continue
            text = _format_field(item, m, lang)
            if pad_next:
                text = text.rjust(pad_next)
                pad_next = 0
            out.append(text)
        elif isinstance(item, _Optional):
            out.append(_format_items(item.items, m, lang))
        else:
            out.append(item)
    return "".join(out)


# ---- parsing


def _field_regex(f: _Field, lang: str, adjacent_next: bool) -> str:
    c = f.count
    letter = f.letter

    def alternation(words: list[str]) -> str:
        return "(" + "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True)) + ")"

    if letter in "uyY":
        if c == 2:
            return r"(\d{2})"
        if c >= 4 and adjacent_next:
            return rf"([+-]?\d{{{c}}})"
        return rf"([+-]?\d{{{max(c, 1)},10}})"
    if letter in "ML":
        if c == 1:
            return r"(\d{1,2})"
        if c == 2:
            return r"(\d{2})"
        if c == 3:
            return alternation(_MONTHS_SHORT[lang])
        if c == 4:
            return alternation(_MONTHS[lang])
        return r"(\w)"
    if letter in "dhKkHmsw":
        return r"(\d{1,2})" if c == 1 and not adjacent_next else rf"(\d{{{max(c, 2)}}})"
    if letter == "D":
        return r"(\d{1,3})" if c == 1 else rf"(\d{{{c}}})"
    if letter == "S":
        return rf"(\d{{{c}}})"
    if letter in "AnN":
        return r"(\d+)"
    if letter in "Eec":
        if letter in "ec" and c <= 2:
            return r"(\d)"
        if c <= 3:
            return alternation(_DAYS_SHORT[lang])
        return alternation(_DAYS[lang])
    if letter in "Qq":
        return r"(\d)" if c <= 2 else r"(Q\d|\d\w\w quarter)"
    if letter == "a":
        return alternation(list(_AMPM[lang]))
    if letter == "G":
        return r"(AD|BC|Anno Domini|Before Christ|A|B)"
    if letter in "XxZ":
        return r"(Z|[+-]\d{2}(?::?\d{2}(?::?\d{2})?)?|GMT(?:[+-]\d{1,2}(?::\d{2})?)?)"
    if letter == "O":
        return r"(GMT(?:[+-]\d{1,2}(?::\d{2}(?::\d{2})?)?)?)"
    if letter == "V":
        return r"([A-Za-z][A-Za-z0-9~/._+-]*|Z|[+-]\d{2}:?\d{2})"
    if letter in "zv":
        return r"([A-Za-z][A-Za-z0-9/_+-]*(?: [A-Z][a-z]+)*)"
    if letter in "WF":
        return r"(\d)"
    return r"(.+?)"


def _items_regex(items: tuple[Any, ...], lang: str, fields: list[_Field]) -> str:
    parts: list[str] = []
    for idx, item in enumerate(items):
        if isinstance(item, _Field):
            if item.letter == "p":
                parts.append(r" *")
                continue
            nxt = items[idx + 1] if idx + 1 < len(items) else None
            adjacent = isinstance(nxt, _Field) and nxt.letter in "uyYMLdDhKkHmsSw"
            parts.append(_field_regex(item, lang, adjacent))
            fields.append(item)
        elif isinstance(item, _Optional):
            parts.append("(?:" + _items_regex(item.items, lang, fields) + ")?")
        else:
            parts.append(re.escape(item))
    return "".join(parts)


def _resolve(
    text: str, fields: list[_Field], groups: tuple[str | None, ...], lang: str
) -> dict[str, Any]:
    got: dict[str, Any] = {}
    for f, raw in zip(fields, groups, strict=True):
        if raw is None:
            continue
        letter, c = f.letter, f.count
        if letter in "uy":
            year = int(raw)
            if c == 2:
                year += 2000
            got["year"] = year
        elif letter in "ML":
            if c <= 2:
                got["month"] = int(raw)
            elif c == 3:
                got["month"] = _MONTHS_SHORT[lang].index(raw) + 1
            elif c == 4:
                got["month"] = _MONTHS[lang].index(raw) + 1
        elif letter == "d":
            got["day"] = int(raw)
        elif letter == "D":
            got["yday"] = int(raw)
        elif letter == "H":
            got["hour"] = int(raw)
        elif letter == "k":
            got["hour"] = int(raw) % 24
        elif letter == "h":
            got["hour12"] = int(raw) % 12
        elif letter == "K":
            got["hour12"] = int(raw)
        elif letter == "a":
            got["pm"] = _AMPM[lang].index(raw) == 1
        elif letter == "m":
            got["minute"] = int(raw)
        elif letter == "s":
            got["second"] = int(raw)
        elif letter == "S":
            got["nano"] = int(raw.ljust(9, "0")[:9])
        elif letter == "n":
            got["nano"] = int(raw)
        elif letter in "XxZ":
            got["zone"] = _parse_offset(raw) if not raw.startswith("GMT") else _gmt_zone(raw)
        elif letter == "O":
            got["zone"] = _gmt_zone(raw)
        elif letter == "V":
            got["zone"] = zone_id(raw)
        elif letter in "zv":
            got["zone"] = _zone_from_name(raw)
    return got


def _gmt_zone(raw: str) -> _dt.tzinfo:
    rest = raw[3:]
    if not rest:
        return _dt.UTC
    m = re.fullmatch(r"([+-])(\d{1,2})(?::(\d{2}))?(?::(\d{2}))?", rest)
    if not m:
        raise ValueError(raw)
    return _offset_zone(*m.groups())


def _zone_from_name(raw: str) -> _dt.tzinfo:
    if raw in _ZONE_SHORT_OFFSETS:
        seconds = _ZONE_SHORT_OFFSETS[raw]
        if raw in ("GMT", "UTC", "UT", "Z"):
            return ZoneInfo("UTC") if raw == "UTC" else _dt.UTC
        return _dt.timezone(_dt.timedelta(seconds=seconds))
    for short, long_name in _ZONE_LONG.items():
        if long_name == raw:
            return _dt.timezone(_dt.timedelta(seconds=_ZONE_SHORT_OFFSETS[short]))
    return zone_id(raw)


class _Formatter:
    """A compiled Java pattern (or an ISO constant) that formats and parses."""

    def __init__(self, pattern: str, items: tuple[Any, ...], kind: str = "pattern") -> None:
        self.pattern = pattern
        self.items = items
        self.kind = kind
        self._regex: dict[str, tuple[re.Pattern[str], list[_Field]]] = {}

    def format(self, m: Moment, lang: str) -> str:
        if self.kind != "pattern":
            return _format_iso(self.kind, m)
        return _format_items(self.items, m, lang)

    def _compiled(self, lang: str) -> tuple[re.Pattern[str], list[_Field]]:
        if lang not in self._regex:
            fields: list[_Field] = []
            regex = _items_regex(self.items, lang, fields)
            self._regex[lang] = (re.compile(regex), fields)
        return self._regex[lang]

    def parse_fields(self, text: str, lang: str = "en") -> dict[str, Any]:
        if self.kind != "pattern":
            return _parse_iso_fields(self.kind, text)
        regex, fields = self._compiled(lang)
        m = regex.fullmatch(text)
        if not m:
            raise _parse_error(text, _match_prefix(regex, text))
        try:
            return _resolve(text, fields, m.groups(), lang)
        except ValueError as exc:
            raise _v.java_error(f"Text '{text}' could not be parsed: {exc}", PARSE_ERROR) from exc

    def parse_fallback(self, text: str, zone: _dt.tzinfo) -> Moment:
        """ZonedDateTime, else LocalDateTime at `zone`, else LocalDate at start of day."""
        got = self.parse_fields(text)
        try:
            day = _date_of(got)
            if day is None:
                raise _v.java_error(
                    f"Text '{text}' could not be parsed: Unable to obtain LocalDate from "
                    "TemporalAccessor",
                    PARSE_ERROR,
                )
            time = _time_of(got)
            if time is not None:
                local = _dt.datetime.combine(day, time)
                nano = got.get("nano", 0)
                if "zone" in got:
                    tz = got["zone"]
                    if isinstance(tz, _dt.timezone):
                        return Moment(local.replace(tzinfo=tz), nano)
                    return Moment(_localize(local, tz), nano)
                return Moment(_localize(local, zone), nano)
            return Moment.of(_localize(_dt.datetime.combine(day, _dt.time()), zone))
        except ValueError as exc:
            raise _v.java_error(f"Text '{text}' could not be parsed: {exc}", PARSE_ERROR) from exc


def _match_prefix(regex: re.Pattern[str], text: str) -> int:
    for end in range(len(text), 0, -1):
        if regex.match(text[:end]):
            return end
    return 0


def _date_of(got: dict[str, Any]) -> _dt.date | None:
    if "year" not in got:
        return None
    if "month" in got and "day" in got:
        return _dt.date(got["year"], got["month"], got["day"])
    if "yday" in got:
        return _dt.date(got["year"], 1, 1) + _dt.timedelta(days=got["yday"] - 1)
    return None


def _time_of(got: dict[str, Any]) -> _dt.time | None:
    hour = got.get("hour")
    if hour is None and "hour12" in got and "pm" in got:
        hour = got["hour12"] + (12 if got["pm"] else 0)
    if hour is None:
        return None
    nano = got.get("nano", 0)
    return _dt.time(hour, got.get("minute", 0), got.get("second", 0), nano // 1000)


# ---- ISO constants


def _iso_time(m: Moment) -> str:
    d = m.dt
    out = f"{d.hour:02d}:{d.minute:02d}:{d.second:02d}"
    if m.nano:
        out += "." + f"{m.nano:09d}".rstrip("0")
    return out


def _iso_offset(m: Moment) -> str:
    return _v.offset_str(m.dt.utcoffset())


def _iso_region(m: Moment) -> str:
    tz = m.dt.tzinfo
    if isinstance(tz, _ZonePrefixed):
        return f"[{tz.key}]"
    region = _v.zone_region(tz)
    return f"[{region}]" if region else ""


def _format_iso(kind: str, m: Moment) -> str:
    d = m.dt
    date = _v.local_date_str(d)
    if kind == "iso_local_date":
        return date
    if kind == "iso_date":
        return date + _iso_offset(m)
    if kind == "iso_local_time":
        return _iso_time(m)
    if kind == "iso_time":
        return _iso_time(m) + _iso_offset(m)
    if kind == "iso_offset_time":
        return _iso_time(m) + _iso_offset(m)
    if kind == "iso_local_date_time":
        return f"{date}T{_iso_time(m)}"
    if kind == "iso_offset_date_time":
        return f"{date}T{_iso_time(m)}{_iso_offset(m)}"
    if kind in ("iso_date_time", "iso_zoned_date_time"):
        return f"{date}T{_iso_time(m)}{_iso_offset(m)}{_iso_region(m)}"
    if kind == "iso_instant":
        u = m.at_zone(_dt.UTC)
        out = f"{_v.local_date_str(u.dt)}T{u.dt.hour:02d}:{u.dt.minute:02d}:{u.dt.second:02d}"
        if m.nano:
            frac = f"{m.nano:09d}"
            if m.nano % 1_000_000 == 0:
                frac = frac[:3]
            elif m.nano % 1000 == 0:
                frac = frac[:6]
            out += "." + frac
        return out + "Z"
    if kind == "iso_ordinal_date":
        return f"{d.year:04d}-{d.timetuple().tm_yday:03d}{_iso_offset(m)}"
    if kind == "iso_week_date":
        iso = d.isocalendar()
        return f"{iso[0]:04d}-W{iso[1]:02d}-{iso[2]}{_iso_offset(m)}"
    if kind == "basic_iso_date":
        return d.strftime("%Y%m%d") + _offset_text(
            int((d.utcoffset() or _dt.timedelta(0)).total_seconds()), "+HHMMss", "Z"
        )
    if kind == "rfc_1123_date_time":
        offset = int((d.utcoffset() or _dt.timedelta(0)).total_seconds())
        zone = "GMT" if offset == 0 else _offset_text(offset, "+HHMM", None)
        return (
            f"{_DAYS_SHORT['en'][d.weekday()]}, {d.day} {_MONTHS_SHORT['en'][d.month - 1]} "
            f"{d.year:04d} {d.hour:02d}:{d.minute:02d}:{d.second:02d} {zone}"
        )
    raise ValueError(kind)


_RFC_1123 = re.compile(
    r"^(?:(?P<dow>Mon|Tue|Wed|Thu|Fri|Sat|Sun), )?(?P<day>\d{1,2}) "
    r"(?P<mon>Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) (?P<year>\d{4}) "
    r"(?P<hour>\d{2}):(?P<minute>\d{2})(?::(?P<second>\d{2}))? (?P<zone>GMT|[+-]\d{4})$"
)


def _parse_iso_fields(kind: str, text: str) -> dict[str, Any]:
    if kind == "rfc_1123_date_time":
        m = _RFC_1123.match(text)
        if not m:
            raise _parse_error(text)
        zone = m.group("zone")
        return {
            "year": int(m.group("year")),
            "month": _MONTHS_SHORT["en"].index(m.group("mon")) + 1,
            "day": int(m.group("day")),
            "hour": int(m.group("hour")),
            "minute": int(m.group("minute")),
            "second": int(m.group("second") or 0),
            "zone": _dt.UTC if zone == "GMT" else _parse_offset(zone),
        }
    regexes = {
        "iso_local_date": rf"^{_ISO_DATE}$",
        "iso_date": rf"^{_ISO_DATE}{_ISO_OFFSET}?$",
        "iso_local_date_time": rf"^{_ISO_DATE}T{_ISO_TIME}$",
        "iso_offset_date_time": rf"^{_ISO_DATE}T{_ISO_TIME}{_ISO_OFFSET}$",
        "iso_zoned_date_time": (
            rf"^{_ISO_DATE}T{_ISO_TIME}{_ISO_OFFSET}(?:\[(?P<region>[^\]]+)\])?$"
        ),
        "iso_date_time": (
            rf"^{_ISO_DATE}T{_ISO_TIME}(?:{_ISO_OFFSET}(?:\[(?P<region>[^\]]+)\])?)?$"
        ),
        "iso_instant": rf"^{_ISO_DATE}T{_ISO_TIME}{_ISO_OFFSET}$",
        "iso_local_time": rf"^{_ISO_TIME}$",
        "iso_time": rf"^{_ISO_TIME}{_ISO_OFFSET}?$",
        "iso_offset_time": rf"^{_ISO_TIME}{_ISO_OFFSET}$",
    }
    pattern = regexes.get(kind)
    m = re.match(pattern, text) if pattern else None
    if not m:
        raise _parse_error(text)
    gd = m.groupdict()
    got: dict[str, Any] = {}
    if gd.get("year"):
        got.update(year=int(gd["year"]), month=int(gd["month"]), day=int(gd["day"]))
    if gd.get("hour"):
        got.update(
            hour=int(gd["hour"]), minute=int(gd["minute"]), second=int(gd.get("second") or 0)
        )
        got["nano"] = int((gd.get("frac") or "").ljust(9, "0") or 0)
    if gd.get("offset"):
        got["zone"] = _parse_offset(gd["offset"].upper())
    if gd.get("region"):
        got["zone"] = zone_id(gd["region"])
    return got


_ISO_KINDS = {
    "iso_date_time",
    "iso_date",
    "iso_time",
    "iso_local_date",
    "iso_instant",
    "iso_local_date_time",
    "iso_local_time",
    "iso_offset_time",
    "iso_offset_date_time",
    "iso_ordinal_date",
    "iso_week_date",
    "iso_zoned_date_time",
    "rfc_1123_date_time",
}

NAMED_PATTERNS = {
    "iso": "yyyy-MM-dd'T'HH:mm:ss.SSSSSSXXX",
    "iso_milli": "yyyy-MM-dd'T'HH:mm:ss.SSSXXX",
    "iso_sec": "yyyy-MM-dd'T'HH:mm:ssXXX",
    "sql": "yyyy-MM-dd HH:mm:ss.SSSSSS",
    "sql_milli": "yyyy-MM-dd HH:mm:ss.SSS",
    "sql_sec": "yyyy-MM-dd HH:mm:ss",
}

# en_US localized styles as JDK 21 (CLDR 42) prints them: U+202F before the day period.
STYLE_PATTERNS = {
    "short": "M/d/yy, h:mm\u202fa",
    "medium": "MMM d, y, h:mm:ss\u202fa",
    "long": "MMMM d, y 'at' h:mm:ss\u202fa z",
    "full": "EEEE, MMMM d, y 'at' h:mm:ss\u202fa zzzz",
}


@lru_cache(maxsize=512)
def _formatter(fmt: str) -> _Formatter:
    if not isinstance(fmt, str):
        raise _v.java_error(
            f"class {_v.class_name(fmt)} cannot be cast to class java.lang.String",
            "java.lang.ClassCastException",
        )
    if fmt in STYLE_PATTERNS:
        return _Formatter(fmt, _tokenize(STYLE_PATTERNS[fmt]))
    if fmt in NAMED_PATTERNS:
        return _Formatter(fmt, _tokenize(NAMED_PATTERNS[fmt]))
    if fmt in _ISO_KINDS:
        return _Formatter(fmt, (), kind=fmt)
    return _Formatter(fmt, _tokenize(fmt))


def format_pattern(m: Moment, fmt: str, locale: str | None = None) -> str:
    """Format a moment with a Java pattern, a named format or a style."""
    return _formatter(fmt).format(m, _lang(locale))


# --------------------------------------------------------------------------- the filters


def _str_arg(value: Any) -> str | None:
    if value is None or isinstance(value, str):
        return value
    raise _v.java_error(
        f"class {_v.class_name(value)} cannot be cast to class java.lang.String",
        "java.lang.ClassCastException",
    )


def format_date(
    value: Any,
    format: Any = "iso",
    timeZone: Any = None,
    existingFormat: Any = None,
    locale: Any = None,
) -> str | None:
    """The `date` filter: convert the input, move it to `timeZone`, format it."""
    if value is None:
        return None
    fmt = "iso" if format is None else _str_arg(format)
    zone = zone_id(_str_arg(timeZone))
    loc = _check_locale(locale)
    moment = convert(value, zone, _str_arg(existingFormat)).at_zone(zone)
    return format_pattern(moment, fmt or "iso", loc)


_UNITS = {
    "NANOS", "MICROS", "MILLIS", "SECONDS", "MINUTES", "HOURS", "HALF_DAYS", "DAYS", "WEEKS",
    "MONTHS", "YEARS", "DECADES", "CENTURIES", "MILLENNIA", "ERAS", "FOREVER",
}  # fmt: skip


def as_long(value: Any) -> int:
    """Kestra `DateAddFilter.getAsLong`: a Number or a numeric String, else an error."""
    if value is not None and _v.is_number(value):
        return int(value)
    if isinstance(value, str):
        try:
            return int(value.strip()) if re.fullmatch(r"\s*[+-]?\d+\s*", value) else int("x")
        except ValueError:
            pass
    raise PebbleError(f"{_v.to_string(value)} can't be converted to long")


def _plus(m: Moment, amount: int, unit: str) -> Moment:
    if unit not in _UNITS:
        raise _v.java_error(
            f"No enum constant java.time.temporal.ChronoUnit.{unit}",
            "java.lang.IllegalArgumentException",
        )
    d = m.dt
    tz = d.tzinfo or _dt.UTC
    small = {"NANOS": 1, "MICROS": 1000, "MILLIS": 1_000_000, "SECONDS": 1_000_000_000,
             "MINUTES": 60_000_000_000, "HOURS": 3_600_000_000_000,
             "HALF_DAYS": 43_200_000_000_000}  # fmt: skip
    if unit in small:
        total = m.nano + amount * small[unit]
        sec, nano = divmod(total, 1_000_000_000)
        utc = d.astimezone(_dt.UTC).replace(microsecond=0) + _dt.timedelta(seconds=sec)
        utc = utc.replace(microsecond=nano // 1000)
        return Moment(utc.astimezone(tz), nano)
    local = d.replace(tzinfo=None)
    if unit in ("DAYS", "WEEKS"):
        local = local + _dt.timedelta(days=amount * (7 if unit == "WEEKS" else 1))
    elif unit in ("MONTHS", "YEARS", "DECADES", "CENTURIES", "MILLENNIA"):
        months = amount * {"MONTHS": 1, "YEARS": 12, "DECADES": 120, "CENTURIES": 1200,
                           "MILLENNIA": 12000}[unit]  # fmt: skip
        index = local.year * 12 + (local.month - 1) + months
        year, month = divmod(index, 12)
        if not 1 <= year <= 9999:
            raise _v.java_error(
                f"Invalid value for Year (valid values -999999999 - 999999999): {year}",
                "java.time.DateTimeException",
            )
        day = min(local.day, calendar.monthrange(year, month + 1)[1])
        local = local.replace(year=year, month=month + 1, day=day)
    else:
        raise _v.java_error(
            f"Unsupported unit: {unit.capitalize()}",
            "java.time.temporal.UnsupportedTemporalTypeException",
        )
    if isinstance(tz, _dt.timezone):
        return Moment(local.replace(tzinfo=tz), m.nano)
    # keep the previous offset when it is still valid (ZonedDateTime.ofLocal with preferred)
    candidate = local.replace(tzinfo=tz, fold=0)
    alt = local.replace(tzinfo=tz, fold=1)
    if alt.utcoffset() == d.utcoffset():
        candidate = alt
    return Moment(
        _localize(local, tz)
        if candidate.utcoffset() is None
        else candidate.astimezone(_dt.UTC).astimezone(tz),
        m.nano,
    )


def date_add(
    value: Any,
    amount: Any = None,
    unit: Any = None,
    format: Any = "iso",
    timeZone: Any = None,
    existingFormat: Any = None,
    locale: Any = None,
) -> str | None:
    """The `dateAdd` filter: add `amount` `unit`s (ChronoUnit names), then format."""
    if value is None:
        return None
    n = as_long(amount)
    zone = zone_id(_str_arg(timeZone))
    moment = convert(value, zone, _str_arg(existingFormat))
    unit_name = _str_arg(unit)
    if unit_name is None:
        raise _v.java_error("Name is null", "java.lang.NullPointerException")
    added = _plus(moment, n, unit_name)
    loc = _check_locale(locale)
    fmt = "iso" if format is None else _str_arg(format)
    return format_pattern(added.at_zone(zone), fmt or "iso", loc)


def _moment(value: Any, timeZone: Any, existingFormat: Any) -> Moment:
    zone = zone_id(_str_arg(timeZone))
    return convert(value, zone, _str_arg(existingFormat))


def timestamp(value: Any, timeZone: Any = None, existingFormat: Any = None) -> int | None:
    """The `timestamp` filter: epoch seconds (a Long)."""
    if value is None:
        return None
    return _moment(value, timeZone, existingFormat).epoch_second()


def timestamp_milli(value: Any, timeZone: Any = None, existingFormat: Any = None) -> str | None:
    """The `timestampMilli` filter: epoch milliseconds as a String."""
    if value is None:
        return None
    m = _moment(value, timeZone, existingFormat)
    return str(m.epoch_second() * 1000 + m.nano // 1_000_000)


def timestamp_micro(value: Any, timeZone: Any = None, existingFormat: Any = None) -> str | None:
    """The `timestampMicro` filter: epoch microseconds as a String (Kestra >= 1.1)."""
    if value is None:
        return None
    m = _moment(value, timeZone, existingFormat)
    return str(m.epoch_second() * 1_000_000 + m.nano // 1000)


def timestamp_nano(value: Any, timeZone: Any = None, existingFormat: Any = None) -> str | None:
    """The `timestampNano` filter: epoch nanoseconds as a String."""
    if value is None:
        return None
    m = _moment(value, timeZone, existingFormat)
    return str(m.epoch_second() * 1_000_000_000 + m.nano)


def now(
    format: Any = "iso", timeZone: Any = None, existingFormat: Any = None, locale: Any = None
) -> str:
    """The `now()` function: the current time in `timeZone`, formatted like `date`."""
    zone = zone_id(_str_arg(timeZone))
    current = _dt.datetime.now(zone)
    return format_pattern(
        Moment.of(current), "iso" if format is None else str(format), _check_locale(locale)
    )
