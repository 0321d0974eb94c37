"""Time zones from the tzdata package only, never from the system.

Morocco left its +01/Ramadan scheme for permanent UTC+00 on 2026-09-20 (IANA 2026c). A machine with older
system zone files reads "16h00 heure Maroc" an hour wrong, so zoneinfo is pointed at the package's data and
older data is refused.
"""

from __future__ import annotations

import zoneinfo
from datetime import datetime
from functools import cache

import tzdata

from inbox_bot.core.errors import ConfigError

MINIMUM_IANA_VERSION = "2026c"
MOROCCO = "Africa/Casablanca"

# An empty search path makes zoneinfo fall back on the tzdata package alone.
zoneinfo.reset_tzpath(to=[])


def check_tzdata(version: str = tzdata.IANA_VERSION) -> None:
    if version < MINIMUM_IANA_VERSION:
        raise ConfigError(
            f"time zone data {version} is older than {MINIMUM_IANA_VERSION} and gets Morocco's clock wrong",
            fix=f"pip install --upgrade 'tzdata>={MINIMUM_IANA_VERSION[:4]}.3'",
        )


@cache
def zone(name: str) -> zoneinfo.ZoneInfo:
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"unknown time zone {name!r}: use an IANA name such as {MOROCCO!r}") from exc


def morocco_time(instant: datetime) -> datetime:
    return instant.astimezone(zone(MOROCCO))


check_tzdata()
