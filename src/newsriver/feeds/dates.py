"""Reading the dates that feeds carry, however badly they are written.

Feeds promise RFC 822 (RSS) or RFC 3339 (Atom, JSON Feed) but deliver every variation
their authors' tools could produce: wrong weekdays, 2-digit years, named or missing
zones, lowercase ISO separators, localised month names, trailing comments. One
unreadable date must never cost us an entry, so `parse_date` answers None instead of
raising, and always answers in UTC so that entries from different feeds sort together.

The cheap, strict forms are tried first because this runs for every entry of every
feed; a token-based reader only sees what the two precompiled patterns rejected.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

__all__ = ["parse_date"]

# Real dates are short; refusing long text bounds the work done on garbage.
_MAX_LENGTH = 200
# More tokens than a date could have means prose, not a date.
_MAX_TOKENS = 16

# Month names by month number: English, German, French, Spanish, Italian, Portuguese
# and Dutch full names and their usual abbreviations, lowercase.
_MONTH_WORDS = (
    "jan january januar janvier janv enero ene gennaio gen janeiro januari",
    "feb february februar février févr fév fevrier febrero febbraio fevereiro fev februari",
    "mar march märz mär mrz maerz mars marzo março marco maart mrt",
    "apr april avril avr abril abr aprile",
    "may mai mayo maggio mag maio mei",
    "jun june juni juin junio giugno giu junho",
    "jul july juli juillet juil julio luglio lug julho",
    "aug august août aout agosto ago augustus",
    "sep sept september septembre septiembre setiembre settembre set setembro",
    "oct october oktober okt octobre octubre ottobre ott outubro out",
    "nov november novembre noviembre novembro",
    "dec december dezember dez décembre déc decembre diciembre dic dicembre dezembro",
)
_MONTHS = {word: number for number, words in enumerate(_MONTH_WORDS, 1) for word in words.split()}
_ENGLISH_MONTHS = tuple(words.split()[1] for words in _MONTH_WORDS)

# Zone abbreviations seen in feeds, as hours[:minutes] east of UTC. Several are
# ambiguous worldwide; the reading chosen is the one feeds mean most often
# (CST is US Central, not China; IST is India, not Ireland or Israel).
_ZONE_TEXT = """
UT=0 UTC=0 GMT=0 Z=0 WET=0 WEST=1 BST=1 IST=5:30 CET=1 CEST=2 MET=1 MEST=2 MEZ=1 MESZ=2
EET=2 EEST=3 MSK=3 MSD=4 IDT=3 EAT=3 CAT=2 WAT=1 SAST=2 PKT=5 NPT=5:45 ICT=7 WIB=7
HKT=8 SGT=8 PHT=8 AWST=8 JST=9 KST=9 ACST=9:30 ACDT=10:30 AEST=10 AEDT=11 NZST=12 NZDT=13
EST=-5 EDT=-4 CST=-6 CDT=-5 MST=-7 MDT=-6 PST=-8 PDT=-7 AKST=-9 AKDT=-8 HST=-10
AST=-4 ADT=-3 NST=-3:30 NDT=-2:30 BRT=-3 ART=-3 AT=-4 ET=-5 CT=-6 MT=-7 PT=-8
"""


def _zone_minutes(spec: str) -> int:
    """Turn a table entry like "-3:30" into minutes, keeping the sign on the minutes."""
    hours, _, minutes = spec.partition(":")
    total = abs(int(hours)) * 60 + int(minutes or 0)
    return -total if hours.startswith("-") else total


_ZONES = {
    name: _zone_minutes(spec) for name, spec in (item.split("=") for item in _ZONE_TEXT.split())
}
# Military letters use the NATO reading (A = +1, N = -1). RFC 822 printed the signs
# backwards and RFC 5322 says to treat them as unknown; nobody writes "A" except by
# the NATO table, while "Z" is everywhere.
_ZONES.update({letter: 60 * n for n, letter in enumerate("ABCDEFGHIKLM", 1)})
_ZONES.update({letter: -60 * n for n, letter in enumerate("NOPQRSTUVWXY", 1)})

# RFC 3339 as written in practice: any case, space or T, short fields, named UTC.
_ISO_RE = re.compile(
    r"([0-9]{4})(?:-([0-9]{1,2})(?:-([0-9]{1,2})"
    r"(?:(?:T|\s+)([0-9]{1,2})(?::([0-9]{1,2})(?::([0-9]{1,2})(?:[.,]([0-9]+))?)?)?"
    r"\s*(?:Z|UTC|GMT|UT|([+-])([0-9]{1,2})(?::?([0-9]{1,2}))?)?)?)?)?",
    re.ASCII | re.IGNORECASE,
)

# RFC 822 as written in practice: weekday (ignored, often wrong) and seconds optional,
# 1- or 2-digit day, 2- or 4-digit year, dashes of RFC 850, a trailing comment.
_RFC822_RE = re.compile(
    r"(?:[A-Za-z]+\.?,?\s*)?([0-9]{1,2})[\s-]+([A-Za-z]+)\.?,?[\s-]+([0-9]{4}|[0-9]{2})"
    r"(?:,?\s+([0-9]{1,2}):([0-9]{2})(?::([0-9]{2})(?:\.([0-9]+))?)?)?"
    r"(?:\s*(?:([+-])([0-9]{2}):?([0-9]{2})|([A-Za-z]+)))?\s*(?:\([^()]*\))?",
    re.ASCII,
)

# The RSS date most generators write ("Mon, 02 Jan 2006 15:04:05 GMT"), read without
# the generality of _RFC822_RE: a quarter of the time, for the same result.
_RFC822_COMMON = re.compile(
    r"(?:(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun), )?([0-9]{1,2}) "
    r"(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) ([0-9]{4}) "
    r"([0-9]{2}):([0-9]{2}):([0-9]{2}) (?:([+-])([0-9]{2})([0-9]{2})|(GMT|UTC|UT|Z|[ECMP][SD]T))"
)
# The 1- and 2-digit fields _RFC822_COMMON matches, by their text: a lookup costs a
# fraction of int(), which every entry's date would otherwise pay four times.
_TWO_DIGITS = {
    **{str(number): number for number in range(10)},
    **{f"{number:02d}": number for number in range(100)},
}
_ENGLISH_MONTH_NUMBERS = {
    name: number
    for number, name in enumerate(
        ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"), 1
    )
}

# Everything else is read as a bag of tokens. Offsets must not run into a colon so
# that "+00:zz" is refused rather than read as "+00".
_TOKEN_RE = re.compile(
    r"(?P<ymd>(?P<y>[0-9]{4})[-/.](?P<m>[0-9]{1,2})[-/.](?P<d>[0-9]{1,2}))(?![0-9])"
    r"|(?P<offset>[+-](?P<off_h>[0-9]{1,2})(?::?(?P<off_m>[0-9]{2}))?)(?![0-9:])"
    r"|(?P<time>[0-9]{1,2}:[0-9]{1,2}(?::[0-9]{1,2}(?:[.,][0-9]+)?)?)(?![:0-9])"
    r"|(?P<number>[0-9]+)"
    r"|(?P<meridiem>[ap]\.?m)\b\.?"
    r"|(?P<word>[^\W\d_]+)",
    re.IGNORECASE,
)
_ONE_SECOND = timedelta(seconds=1)
_LEADING_WEEKDAY_RE = re.compile(r"\s*[^\W\d_]+\.?\s*,")
_COMMENT_RE = re.compile(r"\([^()]*\)")


def parse_date(value: str | None) -> datetime | None:
    """Read a feed date as an aware UTC datetime, or None when it cannot be read.

    Never raises: a broken date in one entry must not stop the rest of the feed. A
    date without a zone is taken as UTC, since guessing the publisher's zone is
    impossible and UTC keeps the error bounded and the result deterministic.
    """
    if not value:
        return None
    text = value.strip()
    if not text or len(text) > _MAX_LENGTH:
        return None
    try:
        return _parse(text)
    except (ValueError, OverflowError):
        # Out-of-range fields (month 13, day 32, year 0, offsets past a day) and
        # results that leave datetime's range land here.
        return None


def _parse(text: str) -> datetime | None:
    """Try the forms from most common and cheapest to rarest and slowest."""
    common = _RFC822_COMMON.fullmatch(text)
    if common is not None:
        return _from_common_rfc822(common)
    return _parse_any(text)


def _from_common_rfc822(match: re.Match[str]) -> datetime:
    """Build the date of an _RFC822_COMMON match: what _parse_any makes of it, sooner."""
    day, month, year, hour, minute, second, sign, off_h, off_m, zone = match.groups()
    offset = _offset(sign, off_h, off_m) if sign else _ZONES[zone]
    clock = (_TWO_DIGITS[hour], _TWO_DIGITS[minute], _TWO_DIGITS[second], 0)
    return _assemble(int(year), _ENGLISH_MONTH_NUMBERS[month], _TWO_DIGITS[day], clock, offset)


def _parse_any(text: str) -> datetime | None:
    """Read any supported form, the common RFC 822 one included."""
    head = text[:4]
    if head.isascii() and head.isdigit():
        # fromisoformat takes any character between date and time ("2013-01-27-01").
        if len(text) <= 10 or text[10] in "T " or text[4] != "-":
            found = _from_isoformat(text)
            if found is not None:
                return found
        iso = _ISO_RE.fullmatch(text)
        if iso is not None:
            return _from_iso_match(iso)
    rfc822 = _RFC822_RE.fullmatch(text)
    if rfc822 is not None:
        found = _from_rfc822_match(rfc822)
        if found is not None:
            return found
    return _from_tokens(text)


def _from_isoformat(text: str) -> datetime | None:
    """Let the C parser take well-formed RFC 3339, which is most Atom and JSON dates."""
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def _from_iso_match(match: re.Match[str]) -> datetime:
    """Build ISO dates fromisoformat refuses: "2003-12", "t"/"z", "24:00", ":60", "+00:0"."""
    year, month, day, hour, minute, second, fraction, sign, off_h, off_m = match.groups()
    return _assemble(
        int(year),
        int(month or 1),
        int(day or 1),
        (int(hour or 0), int(minute or 0), int(second or 0), _microseconds(fraction)),
        _offset(sign, off_h, off_m) if sign else 0,
    )


def _from_rfc822_match(match: re.Match[str]) -> datetime | None:
    """Build the usual RSS date; None hands odd month or zone words to the token reader."""
    day, month_word, year, hour, minute, second, fraction, sign, off_h, off_m, zone_word = (
        match.groups()
    )
    month = _month_number(month_word)
    if month is None:
        return None
    if sign:
        offset = _offset(sign, off_h, off_m)
    elif zone_word:
        zone = _ZONES.get(zone_word.upper())
        if zone is None:
            return None
        offset = zone
    else:
        offset = 0
    clock = (int(hour or 0), int(minute or 0), int(second or 0), _microseconds(fraction))
    return _assemble(_year(year), month, int(day), clock, offset)


def _from_tokens(text: str) -> datetime | None:
    """Read the rare forms by token class rather than position.

    Covers asctime ("Sun Jan  4 16:29:06 PST 2004"), month-first and 12-hour dates,
    "GMT+1", localised names and junk around the date. Unknown words are skipped, so
    a leading weekday in any language is harmless once its comma is gone (French
    "mar," would otherwise read as March).
    """
    weekday = _LEADING_WEEKDAY_RE.match(text)
    if weekday is not None:
        text = text[weekday.end() :]
    text = _COMMENT_RE.sub(" ", text)
    tokens = list(_TOKEN_RE.finditer(text))
    if len(tokens) > _MAX_TOKENS:
        return None
    state = _Tokens()
    for token in tokens:
        if not state.take(token):
            return None
    return state.result()


class _Tokens:
    """What the token reader has learnt so far about one date string."""

    def __init__(self) -> None:
        self.numbers: list[str] = []
        self.ymd: tuple[int, int, int] | None = None
        self.month: int | None = None
        self.clock: tuple[int, int, int, int] | None = None
        self.offset: int | None = None
        self.zone: int | None = None
        self.after_clock = False

    def take(self, token: re.Match[str]) -> bool:
        """Record one token; False when it contradicts what came before."""
        kind = token.lastgroup
        after_clock, self.after_clock = self.after_clock, False
        if kind == "ymd":
            if self.ymd is not None:
                return False
            self.ymd = (int(token["y"]), int(token["m"]), int(token["d"]))
        elif kind == "offset":
            return self._take_offset(token)
        elif kind == "time":
            if self.clock is not None:
                return False
            self.clock = _clock(token["time"])
            self.after_clock = True
        elif kind == "number":
            self.numbers.append(token["number"])
        elif kind == "meridiem" and after_clock and self.clock is not None:
            self.clock = _twelve_hour(self.clock, token["meridiem"][0].lower() == "p")
        else:
            self._take_word(token[0])
        return True

    def _take_offset(self, token: re.Match[str]) -> bool:
        """Before any clock a signed number is a dash-separated date part ("06-Nov-94")."""
        if self.clock is None:
            if ":" in token["offset"]:
                return False
            self.numbers.append(token["offset"][1:])
            return True
        if self.offset is not None:
            return False
        self.offset = _offset(token["offset"][0], token["off_h"], token["off_m"])
        return True

    def _take_word(self, word: str) -> None:
        """Take the first month name and the first zone after the clock; skip the rest.

        Zones count only after the clock so that words like "at" (Atlantic Time) or a
        stray "T" (military -7) in the surrounding text do not shift the date.
        """
        if self.month is None:
            self.month = _month_number(word)
            if self.month is not None:
                return
        if self.zone is None and self.clock is not None:
            self.zone = _ZONES.get(word.upper())

    def result(self) -> datetime | None:
        """Assign the bare numbers to day and year, then build the date."""
        if self.ymd is not None:
            if self.numbers or self.month is not None:
                return None
            year, month, day = self.ymd
        else:
            if self.month is None:
                return None
            month = self.month
            picked = _day_and_year(self.numbers)
            if picked is None:
                return None
            day, year = picked
        offset = self.offset if self.offset is not None else (self.zone or 0)
        return _assemble(year, month, day, self.clock or (0, 0, 0, 0), offset)


def _day_and_year(numbers: list[str]) -> tuple[int, int] | None:
    """One 4-digit year and one day, or day then 2-digit year as RFC 822 writes them."""
    if len(numbers) != 2 or any(len(number) not in (1, 2, 4) for number in numbers):
        return None
    first, second = numbers
    if len(first) == 4 and len(second) <= 2:
        return int(second), int(first)
    if len(first) <= 2 and len(second) >= 2:
        return int(first), _year(second)
    return None


def _assemble(
    year: int, month: int, day: int, clock: tuple[int, int, int, int], offset: int
) -> datetime:
    """Make the UTC datetime, rolling "24:00:00" to the next day and a leap second on.

    Raises ValueError or OverflowError for impossible fields; the caller's guard
    turns those into None.
    """
    hour, minute, second, micro = clock
    if hour == 24 and minute == second == micro == 0:
        return _assemble(year, month, day, (0, 0, 0, 0), offset) + timedelta(days=1)
    if second == 60:
        return _assemble(year, month, day, (hour, minute, 59, micro), offset) + _ONE_SECOND
    stamp = datetime(year, month, day, hour, minute, second, micro, tzinfo=UTC)
    # Skipping the subtraction for UTC dates is worth a third of the time of a call.
    return stamp - timedelta(minutes=offset) if offset else stamp


def _clock(text: str) -> tuple[int, int, int, int]:
    """Split "H:M[:S[.f]]"; range checks are left to datetime."""
    main, _, fraction = text.replace(",", ".").partition(".")
    parts = [int(part) for part in main.split(":")]
    parts.append(0)
    return parts[0], parts[1], parts[2], _microseconds(fraction)


def _twelve_hour(clock: tuple[int, int, int, int], pm: bool) -> tuple[int, int, int, int]:
    """Convert "8:56 pm"; an hour outside 1-12 is refused rather than guessed."""
    hour = clock[0]
    if not 1 <= hour <= 12:
        raise ValueError("12-hour clock out of range")
    return (hour % 12 + (12 if pm else 0), *clock[1:])


def _offset(sign: str, hours: str, minutes: str | None) -> int:
    """Minutes east of UTC; offsets of a day or more ("-99:99") are refused."""
    whole, part = int(hours), int(minutes or 0)
    if whole > 23 or part > 59:
        raise ValueError("zone offset out of range")
    return -(whole * 60 + part) if sign == "-" else whole * 60 + part


def _microseconds(fraction: str | None) -> int:
    """Any number of fraction digits, truncated to what datetime can hold."""
    return int(fraction[:6].ljust(6, "0")) if fraction else 0


def _year(digits: str) -> int:
    """RFC 822's 2-digit years: below 50 is this century, the rest the last one."""
    if len(digits) == 2:
        year = int(digits)
        return year + (2000 if year < 50 else 1900)
    return int(digits)


def _month_number(word: str) -> int | None:
    """Accept listed names in any case, or any 3+ letter start of an English name."""
    key = word.casefold()
    month = _MONTHS.get(key)
    if month is None and len(key) >= 3:
        for number, name in enumerate(_ENGLISH_MONTHS, 1):
            if name.startswith(key):
                return number
    return month
