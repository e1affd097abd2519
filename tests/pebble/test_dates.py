"""Dates: `date`, `dateAdd`, `timestamp*`, `now()` with Java `DateTimeFormatter` patterns and
Kestra's named formats (Kestra's `DateFilterTest`, `DateAddFilterTest`)."""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest

from kestra_nb import RenderError
from kestra_nb.pebble import dates

# ZonedDateTime.parse("2013-09-08T16:19:12.123456+01")
NOW = dt.datetime(2013, 9, 8, 16, 19, 12, 123456, tzinfo=dt.timezone(dt.timedelta(hours=1)))


@pytest.fixture
def dvars() -> dict:
    return {
        "date": NOW.replace(microsecond=0),  # java.util.Date: millisecond precision
        "instant": NOW,
        "zoned": NOW,
        "local": NOW.replace(tzinfo=None),
        "day": 1,
        "timezone": "Australia/Perth",
    }


DATE_FORMAT = [
    (
        "{{ date | date(format='iso', timeZone='Europe/Paris') }}",
        "2013-09-08T17:19:12.000000+02:00",
    ),
    (
        '{{ instant | date(format="iso_sec", timeZone="Europe/Paris") }}',
        "2013-09-08T17:19:12+02:00",
    ),
    (
        '{{ instant | date(format="iso_milli", timeZone="Europe/Paris") }}',
        "2013-09-08T17:19:12.123+02:00",
    ),
    (
        '{{ zoned | date(format="iso", timeZone="Europe/Paris") }}',
        "2013-09-08T17:19:12.123456+02:00",
    ),
    (
        '{{ zoned | date(format="iso_milli", timeZone="Europe/Paris") }}',
        "2013-09-08T17:19:12.123+02:00",
    ),
    (
        '{{ local | date(format="yyyy-MM-dd HH:mm:ss.SSSSSSXXX", timeZone="Europe/Paris") }}',
        "2013-09-08 16:19:12.123456+02:00",
    ),
    (
        '{{ local | date(format="yyyy-MM-dd HH:mm:ss.SSS", timeZone="UTC") }}',
        "2013-09-08 16:19:12.123",
    ),
    ('{{ local | date(format="sql", timeZone="UTC") }}', "2013-09-08 16:19:12.123456"),
    ('{{ local | date(format="sql_sec", timeZone="UTC") }}', "2013-09-08 16:19:12"),
    ('{{ local | date(format="sql_milli", timeZone="UTC") }}', "2013-09-08 16:19:12.123"),
    (
        '{{ local | date(format="yyyy-MM-dd HH:mm:ss.SSSSSSXXX", timeZone="UTC") }}',
        "2013-09-08 16:19:12.123456Z",
    ),
    # strings
    ('{{ "July 24, 2001" | date("yyyy-MM-dd", existingFormat="MMMM dd, yyyy") }}', "2001-07-24"),
    (
        '{{ "2013-09-08T17:19:12+02:00" | date(timeZone="Europe/Paris") }}',
        "2013-09-08T17:19:12.000000+02:00",
    ),
    (
        '{{ "2013-09-08T17:19:12" | date(timeZone="Europe/Paris") }}',
        "2013-09-08T17:19:12.000000+02:00",
    ),
    ('{{ "2013-09-08" | date(timeZone="Europe/Paris") }}', "2013-09-08T00:00:00.000000+02:00"),
    ('{{ "08.09.2023" | date("yyyy-MM-dd", existingFormat="dd.MM.yyyy") }}', "2023-09-08"),
    ('{{ "08092023" | date("yyyy-MM-dd", existingFormat="ddMMyyyy") }}', "2023-09-08"),
    (
        "{{ 'Tue, 08 Feb 2022 19:38:26 GMT' | date(existingFormat='rfc_1123_date_time', "
        'timeZone="Europe/Paris") }}',
        "2022-02-08T20:38:26.000000+01:00",
    ),
    (
        '{{ "2013-09-08T16:19:12.123456789Z" | date("HH:mm:ss.SSSSSSSSS", timeZone="UTC") }}',
        "16:19:12.123456789",
    ),
    (
        '{{ "2013-09-08T16:19:12+01:00[Europe/Paris]" '
        '| date("iso_zoned_date_time", timeZone="Europe/Paris") }}',
        "2013-09-08T17:19:12+02:00[Europe/Paris]",
    ),
    # epoch Longs: seconds, millis (13 digits), nanos / millis+micros (19 digits)
    (
        '{{ 1378653552 | date(format="iso_sec", timeZone="Europe/Paris") }}',
        "2013-09-08T17:19:12+02:00",
    ),
    (
        '{{ 1378653552123 | date(format="iso_milli", timeZone="Europe/Paris") }}',
        "2013-09-08T17:19:12.123+02:00",
    ),
    ('{{ 1378653552123 | date(timeZone="Europe/Paris") }}', "2013-09-08T17:19:12.123000+02:00"),
    (
        '{{ 1378653552123 | date(format="iso_zoned_date_time", timeZone="Europe/Paris") }}',
        "2013-09-08T17:19:12.123+02:00[Europe/Paris]",
    ),
    (
        '{{ 1378653552123456000 | date(format="iso", timeZone="Europe/Paris") }}',
        "2013-09-08T17:19:12.123456+02:00",
    ),
    (
        '{{ 1378653552000123456 | date(format="iso", timeZone="Europe/Paris") }}',
        "2013-09-08T17:19:12.123456+02:00",
    ),
    ('{{ 1378653552 | date(format="sql_sec", timeZone="Europe/Paris") }}', "2013-09-08 17:19:12"),
    (
        '{{ 1378653552123 | date(format="sql_milli", timeZone="Europe/Paris") }}',
        "2013-09-08 17:19:12.123",
    ),
    (
        '{{ 1378653552123456000 | date(format="sql", timeZone="Europe/Paris") }}',
        "2013-09-08 17:19:12.123456",
    ),
    ('{{ 1378653552123 | date(format="sql_milli", timeZone="UTC") }}', "2013-09-08 15:19:12.123"),
    (
        '{{ "1378653552123" | number | date(format="sql_milli", timeZone="UTC") }}',
        "2013-09-08 15:19:12.123",
    ),
    # ISO constants
    (
        '{{ zoned | date("iso_date_time", timeZone="Europe/Paris") }}',
        "2013-09-08T17:19:12.123456+02:00[Europe/Paris]",
    ),
    ('{{ zoned | date("iso_offset_date_time", timeZone="UTC") }}', "2013-09-08T15:19:12.123456Z"),
    ('{{ zoned | date("iso_local_date", timeZone="UTC") }}', "2013-09-08"),
    ('{{ zoned | date("iso_date", timeZone="Europe/Paris") }}', "2013-09-08+02:00"),
    ('{{ zoned | date("iso_time", timeZone="Europe/Paris") }}', "17:19:12.123456+02:00"),
    ('{{ zoned | date("iso_local_time", timeZone="Europe/Paris") }}', "17:19:12.123456"),
    (
        '{{ zoned | date("iso_local_date_time", timeZone="Europe/Paris") }}',
        "2013-09-08T17:19:12.123456",
    ),
    ('{{ zoned | date("iso_instant") }}', "2013-09-08T15:19:12.123456Z"),
    ('{{ zoned | date("iso_ordinal_date", timeZone="UTC") }}', "2013-251Z"),
    ('{{ zoned | date("iso_week_date", timeZone="UTC") }}', "2013-W36-7Z"),
    (
        '{{ zoned | date("rfc_1123_date_time", timeZone="Europe/Paris") }}',
        "Sun, 8 Sep 2013 17:19:12 +0200",
    ),
    ('{{ zoned | date("rfc_1123_date_time", timeZone="UTC") }}', "Sun, 8 Sep 2013 15:19:12 GMT"),
    # pattern letters
    (
        '{{ zoned | date("EEEE EEE MMM MMMM d D", timeZone="UTC") }}',
        "Sunday Sun Sep September 8 251",
    ),
    ('{{ zoned | date("h:mm a KK kk", timeZone="UTC") }}', "3:19 PM 03 15"),
    ('{{ zoned | date("yy yyyy uuuu Q QQQ", timeZone="UTC") }}', "13 2013 2013 3 Q3"),
    (
        '{{ zoned | date("X XX XXX x Z ZZZZZ O", timeZone="Asia/Kolkata") }}',
        "+0530 +0530 +05:30 +0530 +0530 +05:30 GMT+5:30",
    ),
    ('{{ zoned | date("X xxx Z", timeZone="UTC") }}', "Z +00:00 +0000"),
    ('{{ zoned | date("VV z", timeZone="Europe/Paris") }}', "Europe/Paris CEST"),
    ("{{ zoned | date(\"'Day' dd 'of' MMMM''yy\", timeZone=\"UTC\") }}", "Day 08 of September'13"),
    ('{{ zoned | date("yyyy[-MM]", timeZone="UTC") }}', "2013-09"),
    ('{{ zoned | date("short", timeZone="UTC") }}', "9/8/13, 3:19\u202fPM"),
    ('{{ zoned | date("medium", timeZone="UTC") }}', "Sep 8, 2013, 3:19:12\u202fPM"),
    # LocalDate is noon at the zone
    ("{{ day | date('yyyy-MM-dd HH:mm', timeZone='UTC') }}", "2013-09-08 12:00"),
    ("{{ null | date }}", ""),
]


@pytest.mark.parametrize(("template", "expected"), DATE_FORMAT)
def test_date_filter(render, dvars, template: str, expected: str) -> None:
    dvars["day"] = dt.date(2013, 9, 8)
    assert render(template, dvars) == expected


def test_timestamps(render, dvars) -> None:
    assert render('{{ zoned | timestamp(timeZone="Europe/Paris") }}', dvars) == "1378653552"
    assert render('{{ zoned | timestampMilli(timeZone="Europe/Paris") }}', dvars) == "1378653552123"
    assert (
        render('{{ zoned | timestampMicro(timeZone="Europe/Paris") }}', dvars) == "1378653552123456"
    )
    assert (
        render('{{ zoned | timestampNano(timeZone="Europe/Paris") }}', dvars)
        == "1378653552123456000"
    )
    assert render("{{ zoned | timestamp | className }}", dvars) == "java.lang.Long"
    assert (
        render("{{ (zoned | timestamp) > (zoned | dateAdd(-1, 'DAYS') | timestamp) }}", dvars)
        == "true"
    )
    assert render("{{ '2013-09-08' | timestamp(timeZone='UTC') }}", dvars) == "1378598400"
    assert render("{{ null | timestamp }}", dvars) == ""


DATE_ADD = [
    ('{{ zoned | dateAdd(-1,"DAYS",timeZone="Europe/Paris")}}', "2013-09-07T17:19:12.123456+02:00"),
    (
        '{{ "2013-09-08T16:19:00+02" | dateAdd(day, "DAYS") | date("yyyy-MM-dd HH:mm:ss z", '
        "timeZone=render(timezone)) }}",
        "2013-09-09 22:19:00 AWST",
    ),
    ('{{ null | dateAdd(day, "DAYS") }}', ""),
    (
        '{{ "2024-01-31T10:00:00Z" | dateAdd(1, "MONTHS", "yyyy-MM-dd", timeZone="UTC") }}',
        "2024-02-29",
    ),
    (
        '{{ "2024-03-30T12:00:00" '
        '| dateAdd(1, "DAYS", "iso_offset_date_time", timeZone="Europe/Paris") }}',
        "2024-03-31T12:00:00+02:00",
    ),
    (
        '{{ "2024-03-31T00:30:00Z" '
        '| dateAdd(2, "HOURS", "iso_offset_date_time", timeZone="UTC") }}',
        "2024-03-31T02:30:00Z",
    ),
    ('{{ "2024-01-01T00:00:00Z" | dateAdd("90", "MINUTES", "HH:mm", timeZone="UTC") }}', "01:30"),
    (
        '{{ "2024-01-01T00:00:00Z" '
        '| dateAdd(amount=-1, unit="YEARS", format="yyyy", timeZone="UTC") }}',
        "2023",
    ),
    (
        '{{ "2024-01-01T00:00:00Z" | dateAdd(1, "WEEKS", "yyyy-MM-dd", timeZone="UTC") }}',
        "2024-01-08",
    ),
]


@pytest.mark.parametrize(("template", "expected"), DATE_ADD)
def test_date_add(render, dvars, template: str, expected: str) -> None:
    assert render(template, dvars) == expected


@pytest.mark.parametrize(
    ("template", "message"),
    [
        (
            '{{ "2013-09-08T16:19:00+02" | dateAdd(day, "DAYS") }}',
            "invalid can't be converted to long",
        ),
        ('{{ zoned | dateAdd(1, "DAZE") }}', "No enum constant java.time.temporal.ChronoUnit.DAZE"),
        ('{{ "not a date" | date }}', "Text 'not a date' could not be parsed"),
        ('{{ zoned | date(timeZone="Mars/Base") }}', "Unknown time-zone ID: Mars/Base"),
        ('{{ zoned | date("yyyy-bb") }}', "Unknown pattern letter: b"),
        ("{{ 1.5 | date }}", "cannot be cast to class java.lang.String"),
    ],
)
def test_date_errors(render, dvars, template: str, message: str) -> None:
    dvars["day"] = "invalid"
    with pytest.raises(RenderError) as info:
        render(template, dvars)
    assert message in str(info.value)


def test_now(render) -> None:
    iso = render("{{ now() }}")
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}(Z|[+-]\d\d:\d\d)", iso)
    lisbon = dt.datetime.now(ZoneInfo("Europe/Lisbon"))
    assert lisbon.strftime("%Y-%m-%d") in render('{{ now(timeZone="Europe/Lisbon") }}')
    assert render('{{ now(format="iso_local_date", timeZone="UTC") }}') == dt.datetime.now(
        dt.UTC
    ).strftime("%Y-%m-%d")
    assert len(render('{{ now(format="sql_milli") }}')) == 23


def test_default_zone_is_settable() -> None:
    try:
        dates.set_default_zone("Asia/Tokyo")
        assert dates.format_date("2013-09-08T00:00:00Z", "HH:mm XXX") == "09:00 +09:00"
    finally:
        dates.set_default_zone(None)


def test_zone_ids() -> None:
    assert dates.zone_id("Z") is dt.UTC
    assert dates.zone_id("+02:00").utcoffset(None) == dt.timedelta(hours=2)
    assert dates.format_date(NOW, "VV", "UTC+02:00") == "UTC+02:00"
