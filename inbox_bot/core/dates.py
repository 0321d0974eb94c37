"""Deadlines as people type them in a rule file: `10/05/2026 16h00`, `2026-05-10 16:00`, `10 mai 2026 à 16h`.

Numbers separated by slashes, dashes or dots are read day first (DD/MM/YYYY), as in Morocco and France:
`05/10/2026` is the 5th of October. A form that cannot be read without guessing (a two-digit year, a month
above 12 in the second place, `minuit` which could be the start or the end of the day) is refused with a
message that says what to write instead.
"""

from __future__ import annotations

import re
from datetime import date, datetime

from inbox_bot.core.months import MONTHS, WEEKDAYS, alternation, fold_name

_ISO = re.compile(r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})")
_DAY_FIRST = re.compile(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{2,4})")
_NAMED = re.compile(
    rf"(?:({alternation(WEEKDAYS)}),?\s+)?(\d{{1,2}})(?:er|st|nd|rd|th)?\s+({alternation(MONTHS)})\.?,?\s+(\d{{2,4}})"
)
_TIME = re.compile(r"(\d{1,2})\s*(?:[:hH]\s*(\d{2})?(?::(\d{2}))?)?\s*(?:([aApP])\.?\s?[mM]\.?)?")
_ZONE = re.compile(r"\b(?:gmt|utc|heure|time|cet|cest|wet|west)\b|[+-]\d{2}:?\d{2}$", re.IGNORECASE)
_NOON = re.compile(r"midi|noon|12h?\s*pm", re.IGNORECASE)
_MIDNIGHT = re.compile(r"minuit|midnight", re.IGNORECASE)
EXAMPLE = "write `10/05/2026 16h00` (day first) or `2026-05-10 16:00`"


def parse_local(text: str) -> date | datetime:
    """A date, or a date and time, with no zone; ValueError says what to write instead."""
    value = " ".join(re.sub(r"(?<=\d)T(?=\d)", " ", text).split())
    if not value:
        raise ValueError(f"the deadline is empty: {EXAMPLE}")
    day, rest = _date_part(value)
    rest = rest.strip(" ,").removeprefix("à ").removeprefix("a ").strip()
    if not rest:
        return day
    if _MIDNIGHT.fullmatch(rest):
        raise ValueError(
            f"{text!r}: midnight is ambiguous (start or end of the day?); for the end of {day:%d/%m/%Y} write "
            f"the date alone, {day:%d/%m/%Y}"
        )
    if _NOON.fullmatch(rest):
        return datetime(day.year, day.month, day.day, 12, 0)
    if _ZONE.search(rest):
        raise ValueError(
            f"{text!r}: write the local time alone and the zone in `zone` (\"GMT+1\" is \"Etc/GMT-1\", Morocco "
            f"is \"Africa/Casablanca\")"
        )
    return _with_time(day, rest, text)


def _date_part(value: str) -> tuple[date, str]:
    if match := _ISO.match(value):
        year, month, day = (int(part) for part in match.groups())
    elif match := _NAMED.match(folded := fold_name(value)):
        return _named(value, folded, match)
    elif match := _DAY_FIRST.match(value):
        day, month, year = (int(part) for part in match.groups())
        if len(match.group(3)) != 4:
            raise ValueError(f"{value!r}: write the year with four digits ({EXAMPLE})")
        if month > 12 >= day:
            raise ValueError(
                f"{value!r}: dates are read day first (DD/MM/YYYY) and {month} is not a month; "
                f"did you mean {year}-{day:02d}-{month:02d}? {EXAMPLE}"
            )
    else:
        raise ValueError(f"{value!r} is not a date: {EXAMPLE}")
    try:
        return date(year, month, day), value[match.end():]
    except ValueError as exc:
        raise ValueError(f"{value!r}: {exc} ({EXAMPLE})") from None


def _named(value: str, folded: str, match: re.Match[str]) -> tuple[date, str]:
    """"vendredi 8 mai 2026 à 16h": a weekday that is not the date's is a mistake in one of them."""
    weekday, day, month, year = match.group(1), int(match.group(2)), MONTHS[match.group(3)], match.group(4)
    if len(year) != 4:
        raise ValueError(f"{value!r}: write the year with four digits ({EXAMPLE})")
    try:
        read = date(int(year), month, day)
    except ValueError as exc:
        raise ValueError(f"{value!r}: {exc} ({EXAMPLE})") from None
    if weekday is not None and WEEKDAYS[weekday] != read.weekday():
        raise ValueError(f"{value!r}: {read:%d/%m/%Y} is not a {weekday}: check which one is right, then {EXAMPLE}")
    return read, folded[match.end():] if len(folded) == len(value) else value[match.end():]


def _with_time(day: date, rest: str, text: str) -> datetime:
    match = _TIME.fullmatch(rest)
    if match is None:
        raise ValueError(f"{text!r}: cannot read the time {rest!r}; write it as 16h00 or 16:00")
    hour, minute, second = (int(part or 0) for part in match.groups()[:3])
    if meridiem := (match.group(4) or "").lower():
        if not 1 <= hour <= 12:
            raise ValueError(f"{text!r}: {rest!r} is not a time of day; write it as 16h00 or 16:00")
        hour = hour % 12 + (12 if meridiem == "p" else 0)
    if hour > 23 or minute > 59 or second > 59:
        raise ValueError(f"{text!r}: {rest!r} is not a time of day; write it as 16h00 or 16:00")
    return datetime(day.year, day.month, day.day, hour, minute, second)
