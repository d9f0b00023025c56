"""Tests for reading feed dates: each family of real-world forms, the shared corpus, fuzzing.

The corpus tests pin our reader to other projects' expectations on real feed files, so
a regression on any form those projects met in the wild shows up by name.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from email.utils import format_datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from newsriver.feeds import dates
from newsriver.feeds.dates import parse_date

CORPUS = Path(__file__).resolve().parents[1].parent / "shared" / "corpus"
WELLFORMED = CORPUS / "feedparser-tests" / "wellformed"


def utc(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0, us: int = 0
) -> datetime:
    """Spell expected values briefly; every result must carry exactly this tzinfo."""
    return datetime(year, month, day, hour, minute, second, us, tzinfo=UTC)


def check(text: str, expected: datetime | None) -> None:
    """Compare value and zone: an equal instant in another zone would still be a bug."""
    result = parse_date(text)
    assert result == expected
    if result is not None:
        assert result.tzinfo is UTC


RFC822 = [
    ("Sat, 07 Sep 2002 00:00:01 GMT", utc(2002, 9, 7, 0, 0, 1)),
    ("07 Sep 2002 00:00:01 GMT", utc(2002, 9, 7, 0, 0, 1)),  # no weekday
    ("Fri, 07 Sep 2002 00:00:01 GMT", utc(2002, 9, 7, 0, 0, 1)),  # wrong weekday
    ("Sat, 01 Jan 2010 19:48:21 GMT", utc(2010, 1, 1, 19, 48, 21)),  # wrong weekday
    ("Thu, 01 Jan 04 19:48:21 GMT", utc(2004, 1, 1, 19, 48, 21)),  # 2-digit year
    ("Wed, 01 Jan 49 00:00:00 GMT", utc(2049, 1, 1)),
    ("Fri, 01 Jan 50 00:00:00 GMT", utc(1950, 1, 1)),
    ("Sat, 07 Sep 99 00:00:01 GMT", utc(1999, 9, 7, 0, 0, 1)),
    ("Thu,  5 Apr 2012 10:00:00 GMT", utc(2012, 4, 5, 10)),  # 1-digit day
    ("Mon, 6 Feb 2006 08:58:40 -0800", utc(2006, 2, 6, 16, 58, 40)),
    ("Thu, 01 Aug 2019 16:15 EDT", utc(2019, 8, 1, 20, 15)),  # no seconds
    ("Thu, 01 Jan 2004", utc(2004, 1, 1)),  # no time
    ("sat, 07 sep 2002 00:00:01 gmt", utc(2002, 9, 7, 0, 0, 1)),
    ("Mon, 26 January 2004 16:31:00 GMT", utc(2004, 1, 26, 16, 31)),
    ("Saturday, 07 September 2002 00:00:01 GMT", utc(2002, 9, 7, 0, 0, 1)),
    ("Thurs, 01 Jan 2004 19:48:21 GMT", utc(2004, 1, 1, 19, 48, 21)),
    ("Sat, 07 Sept 2002 00:00:01 GMT", utc(2002, 9, 7, 0, 0, 1)),
    ("Sat, 07 Sep 2002 00:00:01 GMT and some junk", utc(2002, 9, 7, 0, 0, 1)),
    ("Fri,  3 Mar 2006 08:00:00 -0800 ", utc(2006, 3, 3, 16)),
    ("Sat,07 Sep 2002 00:00:01 GMT", utc(2002, 9, 7, 0, 0, 1)),
    ("Sat 07 Sep 2002 00:00:01 GMT", utc(2002, 9, 7, 0, 0, 1)),
    ("Mon, 13 Feb, 2012 06:28:00 UTC", utc(2012, 2, 13, 6, 28)),
    ("Sunday, 06-Nov-94 08:49:37 GMT", utc(1994, 11, 6, 8, 49, 37)),  # RFC 850
    ("Mon, 2 Jun 2008 12:00:00 +0000 (UTC)", utc(2008, 6, 2, 12)),
    ("Tue, 10 Jun 2003 04:00:00 -0000", utc(2003, 6, 10, 4)),
    ("Mon, 21 Jan 2008 8:56 am PST", utc(2008, 1, 21, 16, 56)),
    ("Sun, 20 Apr 2014 8:19 pm CEST", utc(2014, 4, 20, 18, 19)),
    ("Sat, Dec 16 2023 02:02:33 PM", utc(2023, 12, 16, 14, 2, 33)),
    ("Thu Aug 30 2012 17:26:16 +0200", utc(2012, 8, 30, 15, 26, 16)),
]

ZONES = {
    "+0000": 0, "-0500": -300, "+05:30": 330, "Z": 0, "UT": 0, "UTC": 0, "GMT": 0,
    "EST": -300, "EDT": -240, "CST": -360, "CDT": -300, "MST": -420, "MDT": -360,
    "PST": -480, "PDT": -420, "A": 60, "M": 720, "N": -60, "Y": -720,
    "CET": 60, "CEST": 120, "BST": 60, "IST": 330, "JST": 540, "AEST": 600, "AEDT": 660,
    "MSK": 180, "HKT": 480, "SGT": 480, "NZST": 720, "NZDT": 780, "WET": 0, "WEST": 60,
    "EET": 120, "EEST": 180, "MET": 60, "MEST": 120, "gmt": 0, "Etc/GMT": 0,
    "GMT+0200": 120, "GMT-01:01": -61, "": 0, "XYZ": 0,
}  # fmt: skip

FOREIGN = [
    ("Di, 05 Mär 2002 10:00:00 +0100", utc(2002, 3, 5, 9)),
    ("Fr, 31 Mai 2002 10:00:00 GMT", utc(2002, 5, 31, 10)),
    ("Do, 03 Okt 2002 10:00:00 GMT", utc(2002, 10, 3, 10)),
    ("Mi, 11 Dez 2002 10:00:00 GMT", utc(2002, 12, 11, 10)),
    ("ven., 03 janv. 2003 10:00:00 +0100", utc(2003, 1, 3, 9)),
    ("mar., 05 févr. 2002 10:00:00 +0100", utc(2002, 2, 5, 9)),  # "mar" is Tuesday
    ("mar, 15 nov 2022 10:00:00 +0100", utc(2022, 11, 15, 9)),
    ("mer, 16 nov 2022 00:38:15 +0100", utc(2022, 11, 15, 23, 38, 15)),
    ("lun. 18 mars 2002 10:00:00 GMT", utc(2002, 3, 18, 10)),
    ("1 avr 2002", utc(2002, 4, 1)),
    ("2 mai 2002", utc(2002, 5, 2)),
    ("3 juin 2002", utc(2002, 6, 3)),
    ("4 juil. 2002", utc(2002, 7, 4)),
    ("5 août 2002", utc(2002, 8, 5)),
    ("6 sept. 2002", utc(2002, 9, 6)),
    ("7 oct 2002", utc(2002, 10, 7)),
    ("8 NOV 2002", utc(2002, 11, 8)),
    ("9 déc. 2002", utc(2002, 12, 9)),
    ("7 de septiembre de 2002", utc(2002, 9, 7)),
]

ISO = [
    ("2003-12-13T18:30:02Z", utc(2003, 12, 13, 18, 30, 2)),
    ("2003-12-13T18:30:02.5Z", utc(2003, 12, 13, 18, 30, 2, 500000)),
    ("2003-12-31T10:14:55.1234Z", utc(2003, 12, 31, 10, 14, 55, 123400)),
    ("2003-12-13T18:30:02.123456789Z", utc(2003, 12, 13, 18, 30, 2, 123456)),
    ("2003-12-13T18:30:02+01:00", utc(2003, 12, 13, 17, 30, 2)),
    ("2003-12-13T18:30:02+0100", utc(2003, 12, 13, 17, 30, 2)),
    ("2003-12-13T18:30:02-05", utc(2003, 12, 13, 23, 30, 2)),
    ("2003-12-13t18:30:02z", utc(2003, 12, 13, 18, 30, 2)),
    ("2003-12-13 18:30:02Z", utc(2003, 12, 13, 18, 30, 2)),
    ("2003-12-13 18:30:02", utc(2003, 12, 13, 18, 30, 2)),  # no zone: UTC
    ("2003-12-13 18:30:02 UTC", utc(2003, 12, 13, 18, 30, 2)),
    ("2003-12-13", utc(2003, 12, 13)),
    ("2003-12", utc(2003, 12, 1)),
    ("2003", utc(2003, 1, 1)),
    ("20031213T183002Z", utc(2003, 12, 13, 18, 30, 2)),
    ("20031213", utc(2003, 12, 13)),
    ("2004-W53-6", utc(2005, 1, 1)),
    ("2002-10-13T09:00+01:00", utc(2002, 10, 13, 8)),
    ("2004-04-06T23:05:43-05:00", utc(2004, 4, 7, 4, 5, 43)),
    ("2004-07-08 23:56:58.0", utc(2004, 7, 8, 23, 56, 58)),
    ("2004-07-08 23:56:58 -00:20", utc(2004, 7, 9, 0, 16, 58)),
    ("2006-01-11 16:42:47 -0800", utc(2006, 1, 12, 0, 42, 47)),
    ("2006-01-17T12:35:1+01:00", utc(2006, 1, 17, 11, 35, 1)),  # 1-digit seconds
    ("2017-06-13T03:18:00+00:0", utc(2017, 6, 13, 3, 18)),  # truncated offset
    ("2006-02-21T10:43:00Z ", utc(2006, 2, 21, 10, 43)),
    ("2003-12-13T18:30:02 EST", utc(2003, 12, 13, 23, 30, 2)),
    ("2003-12-13T18:30:02 GMT+1", utc(2003, 12, 13, 17, 30, 2)),
    ("2004-02-28T18:14:55-08:00", utc(2004, 2, 29, 2, 14, 55)),  # leap-year rollover
    ("2003-02-28T18:14:55-08:00", utc(2003, 3, 1, 2, 14, 55)),
]

OTHER = [
    ("Sun Jan  4 16:29:06 PST 2004", utc(2004, 1, 5, 0, 29, 6)),  # asctime with zone
    ("Sun Jan  4 16:29:06 2004", utc(2004, 1, 4, 16, 29, 6)),
    ("Sun Jul 15 01:16:00 +0000 2012", utc(2012, 7, 15, 1, 16)),  # Twitter
    ("Fri, 2006/09/15 08:19:53 EDT", utc(2006, 9, 15, 12, 19, 53)),  # Perforce
    ("September 7th, 2002 at 5:00 pm", utc(2002, 9, 7, 17)),
    ("Dec 16, 2023", utc(2023, 12, 16)),
    ("Sat, 07 Sep 2002 24:00:00 GMT", utc(2002, 9, 8)),  # 24:00 rolls over
    ("2003-12-13T24:00:00Z", utc(2003, 12, 14)),
    ("2016-12-31T23:59:60Z", utc(2017, 1, 1)),  # leap second
    ("Thu, 01 Jan 0100 00:00:01 +0100", utc(99, 12, 31, 23, 0, 1)),
]

UNREADABLE = [
    "", " ", "garbage", "12345", "1700000000", "today", "Sat, 07 Sep", "Sep 2002", "Sat, 07 Sep 2",
    "2003-13-01", "2003-12-32", "2003-02-29", "0000-01-01", "99999-01-01",
    "Sun, 99 Jun 2009 12:00:00 GMT", "Sat, 32 Dec 2002 00:00:00 GMT",
    "Sat, 07 Foo 2002 00:00:01 GMT", "Sun, 16 zzz 2012 11:47:32 GMT",
    "Sun, Dec x 2012 11:47:32 GMT", "Sun, 16 Dec zz 11:47:32 GMT",
    "Sun, 16 Dec 2012 1:2:3:4 GMT", "Sun, 16 Dec 2012 11:47:32 +zz:00",
    "Sun, 16 Dec 2012 11:47:32 +00:zz", "Sat, 07 Sep 2002 25:00:00 GMT",
    "Sat, 07 Sep 2002 24:00:01 GMT", "Sat, 07 Sep 2002 13:00 pm",
    "Sat, 07 Sep 0000 00:00:00 GMT", "Sat, 07 Sep 99999 00:00:00 GMT",
    "Sun, 31 Dec 9999 23:59:59 -9999", "Sun, 31 Dec 9999 23:59:59 -0100",
    "2003-12-31T25:14:55Z", "2003-12-31T10:61:55Z", "2003-12-31T10:14:61Z",
    "9999-12-31T23:59:59-99:99", "2003-12-31T10:14:55+99:99", "0001-01-01T00:00:00+01:00",
    "2013-01-27-01", "2013-xx-27", "2013-01-28T09:xx:00Z", "2013-01-28T09:00:00+00:xx",
    "22013", "013", "\x00", "2003-12-\x0013", "9" * 10_000, "Sat, 07 Sep 2002 " * 1000,
]  # fmt: skip


@pytest.mark.parametrize(("text", "expected"), RFC822)
def test_rfc822_and_its_broken_forms(text: str, expected: datetime) -> None:
    check(text, expected)


@pytest.mark.parametrize(("zone", "minutes"), ZONES.items())
def test_rfc822_zones(zone: str, minutes: int) -> None:
    check(f"Sat, 07 Sep 2002 12:00:00 {zone}", utc(2002, 9, 7, 12) - timedelta(minutes=minutes))


@pytest.mark.parametrize(("text", "expected"), FOREIGN)
def test_german_french_and_spanish_names(text: str, expected: datetime) -> None:
    check(text, expected)


@pytest.mark.parametrize(("text", "expected"), ISO)
def test_rfc3339_and_iso8601(text: str, expected: datetime) -> None:
    check(text, expected)


@pytest.mark.parametrize(("text", "expected"), OTHER)
def test_other_common_forms(text: str, expected: datetime) -> None:
    check(text, expected)


@pytest.mark.parametrize("text", UNREADABLE, ids=lambda text: repr(text)[:40])
def test_unreadable_or_out_of_range_is_none(text: str) -> None:
    check(text, None)


def test_none_is_none() -> None:
    assert parse_date(None) is None


def test_result_is_converted_to_utc() -> None:
    result = parse_date("2003-12-13T18:30:02+01:00")
    assert result is not None
    assert result.tzinfo is UTC
    assert (result.hour, result.minute, result.second) == (17, 30, 2)


# --- the feedparser corpus -------------------------------------------------------------

# Which elements feed each feedparser key. When several are present the last in document
# order wins, as feedparser's "ensure overwrite" cases expect.
ELEMENTS = {
    "updated": ("updated", "modified", "dc:date", "dcterms:modified", "lastBuildDate"),
    "published": ("published", "issued", "pubDate", "dcterms:issued"),
    "created": ("created", "dcterms:created"),
    "expired": ("expirationDate",),
    "validity_start": ("dcterms:valid",),
    "validity_end": ("dcterms:valid",),
}
# Cases we knowingly read differently from feedparser, with the reason. None so far.
ACCEPTED_FAILURES: dict[str, str] = {}
THRESHOLD = 0.98

EXPECT_RE = re.compile(r"(entries\[0\]|feed)\S*?\['(\w+)_parsed'\] == \(([0-9, ]+)\)")
ENTRY_RE = re.compile(r"<(entry|item)\b.*?</\1>", re.DOTALL | re.IGNORECASE)


def raw_date(xml: str, scope: str, key: str) -> str | None:
    """Find the date text feedparser read for `key`, in the feed or the first entry."""
    entry = ENTRY_RE.search(xml)
    region = (entry[0] if entry else "") if scope == "entries[0]" else ENTRY_RE.sub("", xml)
    found: list[tuple[int, str]] = []
    for name in ELEMENTS.get(key, ()):
        pattern = rf"<{re.escape(name)}>([^<]*)</{re.escape(name)}>"
        found += [(m.start(), m[1]) for m in re.finditer(pattern, region)]
    if key == "updated":  # CDF puts it in an attribute
        found += [(m.start(), m[1]) for m in re.finditer(r'LASTMOD="([^"]*)"', region)]
    if not found:
        return None
    text = max(found)[1]
    if key.startswith("validity_"):  # "start=...;end=...;scheme=W3C-DTF"
        part = re.search(rf"{key.removeprefix('validity_')}=([^;]*)", text)
        return part[1] if part else None
    return text


def feedparser_cases() -> Iterator[tuple[str, str, tuple[int, ...]]]:
    """Every `*_parsed == (tuple)` expectation whose date text the file holds."""
    for path in sorted(WELLFORMED.rglob("*.xml")):
        xml = path.read_text(encoding="utf-8", errors="replace")
        header = xml[: xml.find("-->")]
        for scope, key, fields in EXPECT_RE.findall(header):
            text = raw_date(xml, scope, key)
            if text is not None:
                expected = tuple(int(field) for field in fields.split(","))
                yield f"{path.relative_to(WELLFORMED)}:{key}", text, expected[:6]


FEEDPARSER_CASES = list(feedparser_cases())


def fields_of(text: str) -> tuple[int, ...] | None:
    result = parse_date(text)
    if result is None:
        return None
    return result.timetuple()[:6]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param(
            text,
            expected,
            id=case,
            marks=[pytest.mark.xfail(reason=ACCEPTED_FAILURES[case], strict=True)]
            if case in ACCEPTED_FAILURES
            else [],
        )
        for case, text, expected in FEEDPARSER_CASES
    ],
)
def test_feedparser_corpus_case(text: str, expected: tuple[int, ...]) -> None:
    assert fields_of(text) == expected


def test_feedparser_corpus_pass_rate() -> None:
    """Guard the extraction itself: an empty or shrunken corpus must not pass silently."""
    assert WELLFORMED.is_dir(), f"corpus missing at {WELLFORMED}"
    assert len(FEEDPARSER_CASES) >= 25
    passed = sum(fields_of(text) == expected for _, text, expected in FEEDPARSER_CASES)
    assert passed / len(FEEDPARSER_CASES) >= THRESHOLD


# --- the gofeed corpus and real feeds ----------------------------------------------------


def gofeed_pairs(node: Any) -> Iterator[tuple[str, str]]:
    """Yield (raw, parsed) for every "xParsed" key that sits beside its raw "x"."""
    if isinstance(node, dict):
        for key, value in node.items():
            raw = node.get(key.removesuffix("Parsed"))
            if key.endswith("Parsed") and isinstance(value, str) and isinstance(raw, str):
                yield raw, value
            yield from gofeed_pairs(value)
    elif isinstance(node, list):
        for item in node:
            yield from gofeed_pairs(item)


def gofeed_cases() -> list[tuple[str, str]]:
    pairs: set[tuple[str, str]] = set()
    for path in (CORPUS / "gofeed-testdata").rglob("*.json"):
        try:
            pairs.update(gofeed_pairs(json.loads(path.read_text(encoding="utf-8"))))
        except ValueError:  # the corpus holds deliberately invalid JSON
            continue
    return sorted(pairs)


@pytest.mark.parametrize(("text", "expected"), gofeed_cases())
def test_gofeed_corpus_case(text: str, expected: str) -> None:
    check(text, datetime.fromisoformat(expected).astimezone(UTC))


DATE_ELEMENT_RE = re.compile(
    r"<(pubDate|dc:date|updated|published|lastBuildDate|issued|modified|created"
    r"|dcterms:modified|dcterms:created|dcterms:issued|expirationDate)>([^<]+)</\1>"
)


def real_world_dates() -> list[str]:
    found: set[str] = set()
    for folder in ("real", "gofeed-testdata"):
        for path in (CORPUS / folder).rglob("*"):
            if path.suffix in {".xml", ".rss"}:
                text = path.read_text(encoding="utf-8", errors="replace")
                found.update(m[2] for m in DATE_ELEMENT_RE.finditer(text))
    return sorted(found)


def test_every_real_world_date_in_the_corpus_is_read() -> None:
    dates = real_world_dates()
    assert len(dates) >= 300
    assert [text for text in dates if parse_date(text) is None] == []


# --- properties ------------------------------------------------------------------------

# Fragments of dates, so that generated text reaches the deeper branches of the reader.
PIECES = [*"0123456789 :-+,./()TZtzWAMPamp\x00é", "Sep", "mars", "GMT", "EST", "24:00", "2003-"]
DATEISH = st.lists(st.sampled_from(PIECES), max_size=30).map("".join)
OFFSETS = st.integers(-14 * 60, 14 * 60).map(lambda m: timezone(timedelta(minutes=m)))
MOMENTS = st.datetimes(datetime(1000, 1, 2), datetime(9998, 12, 30), timezones=OFFSETS)


@given(st.one_of(st.text(), DATEISH))
@example("Sat, 07 Sep 2002 00:00:01 GMT\x00")
@example("2003-12-13T18:30:02+23:59")
def test_never_raises_and_answers_in_utc(text: str) -> None:
    result = parse_date(text)
    assert result is None or result.tzinfo is UTC


@given(MOMENTS)
def test_rfc2822_round_trip(moment: datetime) -> None:
    check(format_datetime(moment), moment.replace(microsecond=0).astimezone(UTC))


@given(MOMENTS)
def test_rfc3339_round_trip(moment: datetime) -> None:
    check(moment.isoformat(), moment.astimezone(UTC))
    check(moment.isoformat(sep=" ").lower(), moment.astimezone(UTC))


# The common RFC 822 form has a shortcut; generated dates in that form, valid or not,
# must read the same through it as through the general reader.
COMMON_RFC822 = st.builds(
    "{}{} {} {} {}:{}:{} {}".format,
    st.sampled_from(["", "Mon, ", "Sun, ", "Xyz, ", "mon, "]),
    st.sampled_from(["1", "01", "9", "29", "30", "31", "32", "0", "00"]),
    st.sampled_from(["Jan", "Feb", "May", "Dec", "jan", "Foo"]),
    st.sampled_from(["2024", "2000", "1999", "0000", "9999", "0001"]),
    st.sampled_from(["00", "12", "23", "24", "99"]),
    st.sampled_from(["00", "59", "60"]),
    st.sampled_from(["00", "59", "60", "61"]),
    st.sampled_from(["GMT", "UTC", "UT", "Z", "EST", "PDT", "+0000", "-0500", "+2400", "-2359"]),
)


def _general(text: str) -> datetime | str | None:
    try:
        return dates._parse_any(text)
    except (ValueError, OverflowError):
        return "refused"


def _shortcut(text: str) -> datetime | str | None:
    match = dates._RFC822_COMMON.fullmatch(text)
    if match is None:
        return "not taken"
    try:
        return dates._from_common_rfc822(match)
    except (ValueError, OverflowError):
        return "refused"


@given(COMMON_RFC822)
@example("Mon, 02 Jan 2006 15:04:05 GMT")
@example("Tue, 31 Dec 2024 23:59:60 -0500")
def test_the_common_rfc822_shortcut_reads_as_the_general_reader(text: str) -> None:
    shortcut = _shortcut(text)
    assert shortcut == "not taken" or shortcut == _general(text)
