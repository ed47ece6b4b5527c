"""The one weekly partitioning of the project, derived from the settings (KPIS.md §1 "Week")."""

from __future__ import annotations

from datetime import date, datetime

from dagster import WeeklyPartitionsDefinition

from settings import Settings, SettingsError

WEEK_DAY_OFFSET = {"sunday": 0, "monday": 1}


def weekly_partitions(settings: Settings) -> WeeklyPartitionsDefinition:
    """Weekly partitions keyed by the week's first date, in the reporting time zone."""
    return WeeklyPartitionsDefinition(
        start_date=settings.start_date.isoformat(),
        day_offset=WEEK_DAY_OFFSET[settings.week_start],
        timezone=settings.timezone,
    )


def week_keys_between(
    settings: Settings,
    *,
    first: date | None,
    last: date | None,
    default_weeks: int,
    now: datetime | None = None,
) -> list[str]:
    """Partition keys of the complete weeks whose start lies in [first, last].

    Without bounds, the latest ``default_weeks`` complete weeks. Raises :class:`SettingsError` when the
    range holds no complete week.
    """
    partitions = weekly_partitions(settings)
    keys = list(partitions.get_partition_keys(current_time=now))
    if not keys:
        raise SettingsError(
            f"setting 'start_date' ({settings.start_date}) leaves no complete week before now; set it earlier"
        )
    if first is None and last is None:
        return keys[-default_weeks:]
    low = (first or date.min).isoformat()
    high = (last or date.max).isoformat()
    selected = [key for key in keys if low <= key <= high]
    if not selected:
        raise SettingsError(
            f"no complete week starts between {first or 'the beginning'} and {last or 'now'}: "
            "the tracked weeks "
            f"run from {keys[0]} (setting 'start_date') to {keys[-1]} (the latest complete week)"
        )
    return selected
