"""Kestra 2.0-dev calendar functions (`dayOfWeek`, `dayOfMonth`, `monthOfYear`, `hourOfDay`,
`isWeekend`, `isDayWeekInMonth`, `isLastWorkingDay`, `isDateBefore`, `isDateAfter`,
`isDateBetween`), offered alongside the 1.x catalogue because they need no server.

Dates are ISO 8601 strings (or date/datetime values, read through their `toString`); the
local date or hour is taken as written, with no UTC normalisation, as Kestra's
`DateUtils.parseLocalDate` does.
"""

from __future__ import annotations

import calendar
import datetime as _dt
import re
from collections.abc import Callable
from typing import Any

from . import values as _v
from .exceptions import PebbleError

__all__ = ["DATE_FUNCTIONS"]

_DAYS = ["MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY", "SUNDAY"]
_ISO_DT = re.compile(
    r"^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}(?::\d{2}(?:[.,]\d{1,9})?)?)"
    r"(Z|[+-]\d{2}(?::?\d{2}(?::?\d{2})?)?)?(?:\[[^\]]+\])?$",
    re.IGNORECASE,
)


def _text(value: Any) -> str:
    return value if isinstance(value, str) else _v.to_string(value)


def _required(fn: str, name: str, value: Any) -> Any:
    if value is None:
        raise PebbleError(f"The '{fn}()' function expects a '{name}' argument.")
    return value


def _parse_error(fn: str, name: str, text: str) -> PebbleError:
    return PebbleError(
        f"The '{fn}()' function could not parse '{name}': Text '{text}' could not be parsed"
    )


def _split(text: str) -> tuple[_dt.date, _dt.time | None, _dt.timezone | None] | None:
    """(local date, local time, offset) of an ISO date or date-time string, or None."""
    try:
        if len(text) == 10:
            return _dt.date.fromisoformat(text), None, None
        m = _ISO_DT.match(text)
        if not m:
            return None
        day = _dt.date.fromisoformat(m.group(1))
        clock = m.group(2).replace(",", ".")
        if "." in clock:
            head, frac = clock.split(".")
            clock = f"{head}.{frac[:6].ljust(6, '0')}"
        time = _dt.time.fromisoformat(clock)
        offset = None
        if m.group(3):
            raw = m.group(3).upper()
            if raw == "Z":
                offset = _dt.UTC
            else:
                sign = 1 if raw[0] == "+" else -1
                digits = raw[1:].replace(":", "")
                seconds = int(digits[:2]) * 3600 + int(digits[2:4] or 0) * 60
                seconds += int(digits[4:6] or 0)
                offset = _dt.timezone(_dt.timedelta(seconds=sign * seconds))
        return day, time, offset
    except ValueError:
        return None


def _local_date(fn: str, value: Any) -> _dt.date:
    text = _text(_required(fn, "date", value))
    parts = _split(text)
    if parts is None:
        raise _parse_error(fn, "date", text)
    return parts[0]


def _instant(fn: str, name: str, value: Any, *, require_offset: bool = False) -> _dt.datetime:
    if isinstance(value, _dt.datetime) and value.tzinfo is not None:
        return value.astimezone(_dt.UTC)
    text = _text(_required(fn, name, value))
    parts = _split(text)
    if parts is None or (require_offset and parts[2] is None):
        raise _parse_error(fn, name, text)
    day, time, offset = parts
    local = _dt.datetime.combine(day, time or _dt.time())
    return local.replace(tzinfo=offset or _dt.UTC).astimezone(_dt.UTC)


def day_of_week(date: Any = None) -> str:
    """`dayOfWeek(date)`: `MONDAY` ... `SUNDAY`."""
    return _DAYS[_local_date("dayOfWeek", date).weekday()]


def day_of_month(date: Any = None) -> int:
    """`dayOfMonth(date)`: 1-31."""
    return _v.JavaInteger(_local_date("dayOfMonth", date).day)


def month_of_year(date: Any = None) -> int:
    """`monthOfYear(date)`: 1-12."""
    return _v.JavaInteger(_local_date("monthOfYear", date).month)


def hour_of_day(date: Any = None) -> int:
    """`hourOfDay(date)`: 0-23, from a date-time string (a plain date is an error)."""
    text = _text(_required("hourOfDay", "date", date))
    parts = _split(text)
    if parts is None or parts[1] is None:
        raise _parse_error("hourOfDay", "date", text)
    return _v.JavaInteger(parts[1].hour)


def is_weekend(date: Any = None) -> bool:
    """`isWeekend(date)`: Saturday or Sunday."""
    return _local_date("isWeekend", date).weekday() >= 5


def _day_of_week(fn: str, value: Any) -> int:
    name = _text(value).upper()
    if name not in _DAYS:
        raise PebbleError(
            f"The '{fn}()' function received an invalid 'dayOfWeek' value: '{_text(value)}'. "
            "Expected one of: MONDAY, TUESDAY, WEDNESDAY, THURSDAY, FRIDAY, SATURDAY, SUNDAY."
        )
    return _DAYS.index(name)


def is_day_week_in_month(date: Any = None, dayOfWeek: Any = None, position: Any = None) -> bool:
    """`isDayWeekInMonth(date, dayOfWeek, position)`: the FIRST..FOURTH or LAST such day."""
    fn = "isDayWeekInMonth"
    _required(fn, "date", date)
    _required(fn, "dayOfWeek", dayOfWeek)
    _required(fn, "position", position)
    day = _local_date(fn, date)
    weekday = _day_of_week(fn, dayOfWeek)
    first = day.replace(day=1)
    first_match = first + _dt.timedelta(days=(weekday - first.weekday()) % 7)
    last = day.replace(day=calendar.monthrange(day.year, day.month)[1])
    last_match = last - _dt.timedelta(days=(last.weekday() - weekday) % 7)
    where = _text(position).upper()
    offsets = {"FIRST": 0, "SECOND": 1, "THIRD": 2, "FOURTH": 3}
    if where in offsets:
        return day == first_match + _dt.timedelta(weeks=offsets[where])
    if where == "LAST":
        return day == last_match
    raise PebbleError(
        f"The '{fn}()' function received an invalid 'position' value: '{_text(position)}'. "
        "Expected one of: FIRST, SECOND, THIRD, FOURTH, LAST."
    )


def is_last_working_day(date: Any = None, workingDays: Any = None) -> bool:
    """`isLastWorkingDay(date, workingDays='MONDAY,...,FRIDAY')`."""
    fn = "isLastWorkingDay"
    day = _local_date(fn, date)
    if workingDays is None or not _text(workingDays).strip():
        working = set(range(5))
    else:
        working = set()
        for part in re.split(r"[,\s]+", _text(workingDays)):
            if not part.strip():
                continue
            if part.strip().upper() not in _DAYS:
                raise PebbleError(
                    f"The '{fn}()' function received an invalid 'workingDays' value: "
                    f"'{part.strip()}'. Expected day names like MONDAY, TUESDAY, etc."
                )
            working.add(_DAYS.index(part.strip().upper()))
        if not working:
            raise PebbleError(
                f"The '{fn}()' function requires at least one valid day in 'workingDays'."
            )
    if day.weekday() not in working:
        return False
    candidate = day.replace(day=calendar.monthrange(day.year, day.month)[1])
    while candidate.weekday() not in working:
        candidate -= _dt.timedelta(days=1)
    return day == candidate


def is_date_before(date: Any = None, reference: Any = None) -> bool:
    """`isDateBefore(date, reference)`: instants; naive values are UTC."""
    _required("isDateBefore", "date", date)
    _required("isDateBefore", "reference", reference)
    return _instant("isDateBefore", "date", date) < _instant("isDateBefore", "reference", reference)


def is_date_after(date: Any = None, reference: Any = None) -> bool:
    """`isDateAfter(date, reference)`: instants; naive values are UTC."""
    _required("isDateAfter", "date", date)
    _required("isDateAfter", "reference", reference)
    return _instant("isDateAfter", "date", date) > _instant("isDateAfter", "reference", reference)


def is_date_between(date: Any = None, after: Any = None, before: Any = None) -> bool:
    """`isDateBetween(date, after, before)`: strictly between; offsets are required."""
    fn = "isDateBetween"
    moment = _instant(fn, "date", date, require_offset=True)
    low = _instant(fn, "after", after, require_offset=True)
    high = _instant(fn, "before", before, require_offset=True)
    return low < moment < high


DATE_FUNCTIONS: dict[str, Callable[..., Any]] = {
    "dayOfWeek": day_of_week,
    "dayOfMonth": day_of_month,
    "monthOfYear": month_of_year,
    "hourOfDay": hour_of_day,
    "isWeekend": is_weekend,
    "isDayWeekInMonth": is_day_week_in_month,
    "isLastWorkingDay": is_last_working_day,
    "isDateBefore": is_date_before,
    "isDateAfter": is_date_after,
    "isDateBetween": is_date_between,
}
