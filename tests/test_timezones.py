"""Morocco's clock as the tzdata package has it (IANA 2026c and later), never the system's."""

from __future__ import annotations

import zoneinfo
from datetime import UTC, date, datetime, timedelta

import pytest

from inbox_bot.core.errors import ConfigError
from inbox_bot.core.models import Deadline
from inbox_bot.core.timezones import check_tzdata, zone


def test_zoneinfo_reads_the_package_not_the_system() -> None:
    assert zoneinfo.TZPATH == ()


def test_old_zone_data_is_refused() -> None:
    with pytest.raises(ConfigError, match="2026c"):
        check_tzdata("2026b")
    check_tzdata("2026c")


@pytest.mark.parametrize(
    ("local", "offset_hours"),
    [
        (datetime(2026, 2, 25, 16, 0), 0),  # Ramadan 2026: Morocco drops to +00
        (datetime(2026, 5, 10, 16, 0), 1),  # the usual +01
        (datetime(2026, 9, 19, 16, 0), 1),  # the last day of the old scheme
        (datetime(2026, 10, 15, 16, 0), 0),  # permanent UTC+00 from 2026-09-20 (IANA 2026c)
        (datetime(2027, 5, 10, 16, 0), 0),  # and it stays so, with no Ramadan change
    ],
)
def test_morocco_offsets(local: datetime, offset_hours: int) -> None:
    closes = Deadline(local=local).closes_at()
    assert closes.utcoffset() == timedelta(hours=offset_hours)


@pytest.mark.parametrize(
    ("local", "closes_utc"),
    [
        (datetime(2026, 2, 25, 16, 0), datetime(2026, 2, 25, 16, 0, tzinfo=UTC)),
        (datetime(2026, 5, 10, 16, 0), datetime(2026, 5, 10, 15, 0, tzinfo=UTC)),
        (datetime(2026, 11, 20, 16, 0), datetime(2026, 11, 20, 16, 0, tzinfo=UTC)),
    ],
)
def test_deadline_is_strict_on_both_sides(local: datetime, closes_utc: datetime) -> None:
    closes = Deadline(local=local).closes_at()
    assert closes == closes_utc
    one_second = timedelta(seconds=1)
    assert closes_utc - one_second < closes  # 15:59:59 local is on time
    assert not closes_utc < closes  # 16:00:00 local is already late


def test_a_date_alone_closes_at_the_end_of_that_day() -> None:
    closes = Deadline(local=date(2026, 10, 30)).closes_at()
    assert closes == datetime(2026, 10, 31, 0, 0, tzinfo=UTC)


def test_unknown_zone_is_an_error() -> None:
    with pytest.raises(ValueError, match="unknown time zone"):
        zone("Africa/Rabat")
