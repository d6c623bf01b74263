"""Time zones of meetings: managers enter wall-clock times in the meeting's zone, the database keeps UTC.

A local time that does not exist (the hour skipped when clocks go forward) is refused rather than silently
shifted, so a candidate is never sent a time that nobody meant.
"""

from __future__ import annotations

from datetime import UTC, datetime
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from caseportal.i18n import gettext as _

from .errors import Invalid

DEFAULT_TIMEZONE = "Europe/Stockholm"


@lru_cache(maxsize=1)
def timezone_names() -> tuple[str, ...]:
    """Every IANA zone name the system knows, sorted, for the zone select."""
    return tuple(sorted(available_timezones()))


def valid_timezone(name: str) -> bool:
    if name not in timezone_names():
        return False
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def to_utc(local: datetime, tz: str) -> datetime:
    """A wall-clock time in zone ``tz`` as aware UTC.

    An hour that is skipped when clocks go forward is refused (it would silently move); in the
    repeated hour when clocks go back the first occurrence (summer time) is taken.
    """
    if not valid_timezone(tz):
        raise Invalid(_("Unknown time zone: %(tz)s.", tz=tz))
    zone = ZoneInfo(tz)
    naive = local.replace(tzinfo=None, fold=0)
    aware = naive.replace(tzinfo=zone)
    as_utc = aware.astimezone(UTC)
    if as_utc.astimezone(zone).replace(tzinfo=None) != naive:
        raise Invalid(_("%(time)s does not exist in %(tz)s: the clocks move forward then. Please pick another "
                        "time.", time=naive.strftime("%Y-%m-%d %H:%M"), tz=tz))
    return as_utc


def to_local(value: datetime | None, tz: str) -> datetime | None:
    """An aware datetime as naive wall-clock time in ``tz``, for datetime-local inputs."""
    if value is None:
        return None
    zone = ZoneInfo(tz) if valid_timezone(tz) else UTC
    return value.astimezone(zone).replace(tzinfo=None)
