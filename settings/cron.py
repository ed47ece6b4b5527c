"""The rules a ``schedule_cron`` and a ``start_date`` must meet so that Dagster can hold them.

Called by the settings model's validators: a cron Dagster would refuse (or that never fires) and a start
date its weekly partitions cannot hold fail at settings validation and in ``funnel-ledger check``, not as a
traceback when the definitions load or the run starts.
"""

from __future__ import annotations

import warnings
from datetime import date, datetime

# Dagster 1.13 ships croniter vendored (``dagster._vendored.croniter``; no separate croniter package is
# installed) and validates a schedule's cron through it when a ScheduleDefinition is built. Both are asked
# here, so a cron passes exactly when the weekly schedule will accept it.
CRON_FIELDS = "5 fields: minute 0-59, hour 0-23, day of month 1-31, month 1-12, day of week 0-7"
CRON_EXAMPLE = "e.g. '0 6 * * 1' for Mondays at 06:00"
# The first and last week start the pipeline tracks. Every source dates its records as Unix-epoch
# instants and the week arithmetic counts days from 1970-01-01; the KPI frames hold instants as pandas
# nanosecond timestamps, which end in April 2262, and Dagster's weekly partitions overflow Python's date
# range near year 1 and year 9999 (``start_date: 0001-01-01`` raised OverflowError).
EARLIEST_START_DATE = date(1970, 1, 1)
LATEST_START_DATE = date(2199, 12, 31)


def cron_problem(expression: str) -> str | None:
    """Why Dagster's weekly schedule could not run on ``expression``, or None when it can.

    Args:
        expression: The ``schedule_cron`` setting as written.

    Returns:
        The end of a one-line message that follows the quoted expression ("is not a valid cron ...").
    """
    from dagster import DagsterInvalidDefinitionError, ScheduleDefinition
    from dagster._vendored.croniter import CroniterBadDateError, CroniterError, croniter

    try:
        # 2000 is a leap year, so '0 6 29 2 *' finds a date; croniter gives up on a day no month has.
        croniter(expression, datetime(2000, 1, 1)).get_next(datetime)
    except CroniterBadDateError:
        return f"never fires: no month has that day ({CRON_EXAMPLE})"
    except (CroniterError, ValueError, KeyError):
        return f"is not a cron expression ({CRON_FIELDS}, steps above 0; {CRON_EXAMPLE})"
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            ScheduleDefinition(name="schedule_cron", cron_schedule=expression, job_name="settings_check")
        except DagsterInvalidDefinitionError:
            return f"is not a cron expression Dagster accepts ({CRON_FIELDS}; {CRON_EXAMPLE})"
    # Dagster warns (and runs more often than written) when a step exceeds its field, as in '*/90'.
    if any("greater than the expected range" in str(warning.message) for warning in caught):
        return f"has a step larger than its field, so Dagster would run it more often than written ({CRON_EXAMPLE})"
    return None


def start_date_problem(value: date) -> str | None:
    """Why the weekly partitions cannot start at ``value``, or None when they can."""
    if EARLIEST_START_DATE <= value <= LATEST_START_DATE:
        return None
    return (
        f"{value.isoformat()} is outside the weeks the pipeline can track: use a date from "
        f"{EARLIEST_START_DATE.isoformat()} to {LATEST_START_DATE.isoformat()} (the first week to report)"
    )
