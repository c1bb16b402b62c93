"""Calendar durations (ISO 8601 `P1Y6M`, `P30D`) and their arithmetic on datetimes.

Terms and quota periods are calendar spans ("one year"), not fixed seconds, so
months and years are added on the calendar, clamping to the month's last day.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import datetime, timedelta

__all__ = ["Duration", "parse_duration"]

_ISO = re.compile(
    r"^P(?!$)(?:(?P<years>\d+)Y)?(?:(?P<months>\d+)M)?(?:(?P<weeks>\d+)W)?(?:(?P<days>\d+)D)?"
    r"(?:T(?=\d)(?:(?P<hours>\d+)H)?(?:(?P<minutes>\d+)M)?)?$"
)


@dataclass(frozen=True, slots=True, order=True)
class Duration:
    """A calendar span: whole months (years are 12 months) plus an exact remainder."""

    months: int = 0
    days: int = 0
    minutes: int = 0

    def after(self, start: datetime) -> datetime:
        """The moment this span after `start` ends."""
        month_index = start.month - 1 + self.months
        year = start.year + month_index // 12
        month = month_index % 12 + 1
        day = min(start.day, calendar.monthrange(year, month)[1])
        moved = start.replace(year=year, month=month, day=day)
        return moved + timedelta(days=self.days, minutes=self.minutes)

    def before(self, end: datetime) -> datetime:
        """The moment this span before `end` starts."""
        back = end - timedelta(days=self.days, minutes=self.minutes)
        month_index = back.month - 1 - self.months
        year = back.year + month_index // 12
        month = month_index % 12 + 1
        day = min(back.day, calendar.monthrange(year, month)[1])
        return back.replace(year=year, month=month, day=day)

    @property
    def is_zero(self) -> bool:
        return self.months == 0 and self.days == 0 and self.minutes == 0

    def __str__(self) -> str:
        if self.is_zero:
            return "P0D"
        years, months = divmod(self.months, 12)
        text = "P"
        text += f"{years}Y" if years else ""
        text += f"{months}M" if months else ""
        text += f"{self.days}D" if self.days else ""
        if self.minutes:
            hours, minutes = divmod(self.minutes, 60)
            text += "T" + (f"{hours}H" if hours else "") + (f"{minutes}M" if minutes else "")
        return text

    def describe(self) -> str:
        """Words for people: '1 year', '30 days'."""
        parts: list[str] = []
        years, months = divmod(self.months, 12)
        for amount, unit in ((years, "year"), (months, "month"), (self.days, "day")):
            if amount:
                parts.append(f"{amount} {unit}{'' if amount == 1 else 's'}")
        if self.minutes:
            parts.append(f"{self.minutes} minute{'' if self.minutes == 1 else 's'}")
        return ", ".join(parts) or "no time"


def parse_duration(text: str) -> Duration:
    """Parse an ISO 8601 duration such as `P1Y`, `P2W` or `P1DT12H`; ValueError if not one."""
    match = _ISO.match(text.strip().upper()) if isinstance(text, str) else None
    if match is None:
        raise ValueError(f"expected an ISO 8601 duration such as P1Y or P30D, got {text!r}")
    parts = {name: int(value) for name, value in match.groupdict().items() if value}
    return Duration(
        months=parts.get("years", 0) * 12 + parts.get("months", 0),
        days=parts.get("weeks", 0) * 7 + parts.get("days", 0),
        minutes=parts.get("hours", 0) * 60 + parts.get("minutes", 0),
    )
