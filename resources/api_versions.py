"""Each vendor API's versions and the dates they stop being served: one table, read by everything that cares.

The clients (``resources/google_ads.py``, ``resources/linkedin_ads.py``) turn a vendor's "retired version"
answer into a message that says what to set; ``funnel-ledger check`` (``pipelines/check.py``) and the
Insights radar (``assets/radar.py``) warn :data:`SUNSET_WARNING_DAYS` days ahead. The emulators keep their
own copy of the vendors' calendars (they import no product code); a test checks that the two agree.

Dates are the vendors' own. Where a vendor has announced only a month or a policy ("about a year after
release"), the entry is marked ``projected`` and dated early (the 1st of the month for Google, the 15th
for LinkedIn, whose published sunsets fall between the 15th and the 22nd), so warnings come early rather
than late. Update the table when a vendor publishes a new version (docs/api-versions.md says how).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Literal

#: Days before a sunset from which ``check`` and the Insights radar warn.
SUNSET_WARNING_DAYS = 60


def utc_today() -> date:
    """Today's date in UTC: the vendors announce sunsets by UTC day."""
    return datetime.now(UTC).date()


@dataclass(frozen=True)
class ApiVersion:
    """One version of one API.

    Attributes:
        name: As the client sends it (``v26``, ``202608``, ``v4``).
        released: When the vendor released it; None when only its retirement matters here.
        sunset: The first day it is no longer served (or supported); None when none is announced.
        projected: True when ``sunset`` is this table's reading of a month or a policy, not a published day.
    """

    name: str
    released: date | None
    sunset: date | None
    projected: bool = False

    def live_on(self, day: date) -> bool:
        """Whether the vendor serves this version on ``day``."""
        return (self.released is None or self.released <= day) and (self.sunset is None or day < self.sunset)

    @property
    def sunset_text(self) -> str:
        """The sunset as a reader should see it: ``2027-01-15`` or ``about 2027-11-01 (projected)``."""
        if self.sunset is None:
            return "no sunset announced"
        return f"about {self.sunset} (projected)" if self.projected else str(self.sunset)


@dataclass(frozen=True)
class ApiLifecycle:
    """The versions of one API, with the setting that picks one (if the user can) and where the vendor lists them.

    Attributes:
        api: The API's name in messages.
        setting: The settings key that chooses the version; None when this release of funnel-ledger fixes it.
        schedule_url: The vendor's page listing versions and their sunsets.
        versions: Every version this table knows, oldest first.
        ending: What the vendor calls the end ("sunset", "end of support").
        in_use: For an API whose version is fixed in code: the versions called and what for.
        project: How to date a version the table does not list (LinkedIn's monthly rule); None: unknown.
    """

    api: str
    setting: str | None
    schedule_url: str
    versions: tuple[ApiVersion, ...]
    ending: str = "sunset"
    in_use: dict[str, str] = field(default_factory=dict)
    project: Callable[[str], ApiVersion | None] | None = None

    def listed(self, name: str) -> ApiVersion | None:
        """The version as this table lists it; None when it is not listed."""
        return next((version for version in self.versions if version.name == name), None)

    def find(self, name: str) -> ApiVersion | None:
        """The listed version, else the projected one (LinkedIn), else None."""
        listed = self.listed(name)
        if listed is not None:
            return listed
        return self.project(name) if self.project else None

    def newest(self) -> ApiVersion:
        """The most recently released version listed (the default of the setting)."""
        return self.versions[-1]

    def replacement_for(self, name: str) -> ApiVersion | None:
        """The version to move to from ``name``: the newest listed, if it outlives ``name``; else None."""
        newest = self.newest()
        if newest.name == name:
            return None
        current = self.listed(name)  # a version this table does not list is not one to stay on
        current_end = current.sunset if current is not None else None
        if current_end is not None and newest.sunset is not None and newest.sunset <= current_end:
            return None
        return newest


def _month(year: int, month: int, day: int = 1) -> date:
    return date(year, month, day)


# --- Google Ads API ------------------------------------------------------------------------------------
# Confirmed sunsets, from Google's "sunset reminder" posts on the Ads Developer Blog
# (https://developers.google.com/ads/blog/posts/...): v19 2026-02-11 (2025/12/google-ads-api-v19-sunset-
# reminder), v20 2026-06-10 (2026/04/...-v20-...), v21 2026-08-05 (2026/06/...-v21-...), v22 2026-10-07
# (2026/09/google-ads-api-v22-sunset-reminder).
# Releases: v21 2025-08-06 (blog, 2025/08 "Google Ads API v21"), v23 2026-01-28 (2026/01/announcing-v23-of-
# google-ads-api), v24 2026-04-22 (2026/04/announcing-v24-...), v25 2026-07-22 (release notes "v25
# (2026-07-22)"), v26 2026-10-14 (2026/10/announcing-v26-of-google-ads-api).
# Projected sunsets of v23-v26 (a month each, "each major release will now be available for one year after
# the release"): 2025/09/more-frequent-releases-coming-for: v23 February 2027, v24 May 2027, v25 August
# 2027, v26 November 2027. Minor versions (v26_1, ...) share their major's path and sunset.
# Schedule page: https://developers.google.com/google-ads/api/docs/sunset-dates
GOOGLE_ADS = ApiLifecycle(
    api="Google Ads API",
    setting="ads.google_ads_api_version",
    schedule_url="https://developers.google.com/google-ads/api/docs/sunset-dates",
    versions=(
        ApiVersion("v19", None, date(2026, 2, 11)),
        ApiVersion("v20", None, date(2026, 6, 10)),
        ApiVersion("v21", date(2025, 8, 6), date(2026, 8, 5)),
        ApiVersion("v22", None, date(2026, 10, 7)),
        ApiVersion("v23", date(2026, 1, 28), _month(2027, 2), projected=True),
        ApiVersion("v24", date(2026, 4, 22), _month(2027, 5), projected=True),
        ApiVersion("v25", date(2026, 7, 22), _month(2027, 8), projected=True),
        ApiVersion("v26", date(2026, 10, 14), _month(2027, 11), projected=True),
    ),
)


# --- LinkedIn Marketing API ----------------------------------------------------------------------------
# Monthly versions (LinkedIn-Version: YYYYMM), "supported and stable for a minimum of one year before
# sunset" (https://learn.microsoft.com/linkedin/marketing/versioning). Published sunset days, from the
# migrations table (https://learn.microsoft.com/linkedin/marketing/integrations/migrations): 202407
# 2025-07-22, 202408 2025-08-18, 202409 2025-09-15, 202410 2025-10-15, 202411 2025-11-17, 202510
# 2026-10-15, 202511 2026-11-16, 202601 2027-01-15, 202602 2027-02-15, 202603 2027-03-16; 202508
# 2026-08-17 (deprecation notice on the recent-changes page). No 202512 was released (the migrations table
# goes from 202511 to 202601). 202604-202608 are documented releases (recent-changes: "August 2026 -
# Version 202608 (Latest)") whose sunsets are not published yet: projected to the 15th, a year on.
# Releases are dated to the 1st of their month (LinkedIn publishes the month only).
LINKEDIN_SCHEDULE_URL = "https://learn.microsoft.com/en-us/linkedin/marketing/integrations/migrations"


def _linkedin(name: str, sunset: date | None = None) -> ApiVersion:
    year, month = int(name[:4]), int(name[4:])
    if sunset is not None:
        return ApiVersion(name, date(year, month, 1), sunset)
    return ApiVersion(name, date(year, month, 1), date(year + 1, month, 15), projected=True)


def _project_linkedin(name: str) -> ApiVersion | None:
    """A ``YYYYMM`` the table does not list: released that month, retired about a year later."""
    if len(name) != 6 or not name.isdigit() or not 1 <= int(name[4:]) <= 12:
        return None
    return _linkedin(name)


LINKEDIN = ApiLifecycle(
    api="LinkedIn Marketing API",
    setting="ads.linkedin_api_version",
    schedule_url=LINKEDIN_SCHEDULE_URL,
    versions=(
        _linkedin("202407", date(2025, 7, 22)),
        _linkedin("202408", date(2025, 8, 18)),
        _linkedin("202409", date(2025, 9, 15)),
        _linkedin("202410", date(2025, 10, 15)),
        _linkedin("202411", date(2025, 11, 17)),
        _linkedin("202508", date(2026, 8, 17)),
        _linkedin("202510", date(2026, 10, 15)),
        _linkedin("202511", date(2026, 11, 16)),
        _linkedin("202601", date(2027, 1, 15)),
        _linkedin("202602", date(2027, 2, 15)),
        _linkedin("202603", date(2027, 3, 16)),
        _linkedin("202604"),
        _linkedin("202605"),
        _linkedin("202606"),
        _linkedin("202607"),
        _linkedin("202608"),
    ),
    project=_project_linkedin,
)


# --- HubSpot -------------------------------------------------------------------------------------------
# HubSpot moved to date-based versions (/crm/objects/2026-03/...) on 2026-03-30, with a new version each
# March and September supported for at least 18 months (https://developers.hubspot.com/docs/api-reference/
# legacy/migration-guide; 2026-09 shipped 2026-09-08, changelog "CRM API Write Validation Enforcement").
# The numbered versions this project calls stay served but lose support: v4 (associations) on 2027-03-30
# (changelog "deprecating-support-for-hubspot-v4-apis"), v1-v3 in September 2027 (changelog "legacy-apis-
# and-legacy-apps-whats-going-unsupported-and-when"; a month only, so the 1st is used). This release keeps
# v3/v4: they answer unchanged until then, and moving means new paths for every call, checked against
# HubSpot's date-versioned SDK; ``check`` and the radar warn from 60 days before v4's end of support.
HUBSPOT = ApiLifecycle(
    api="HubSpot API",
    setting=None,
    schedule_url="https://developers.hubspot.com/docs/api-reference/legacy/migration-guide",
    ending="end of support",
    versions=(
        ApiVersion("v4", None, date(2027, 3, 30)),
        ApiVersion("v3", None, _month(2027, 9), projected=True),
        ApiVersion("2026-03", date(2026, 3, 30), date(2027, 9, 30), projected=True),
        ApiVersion("2026-09", date(2026, 9, 8), date(2028, 3, 8), projected=True),
    ),
    in_use={
        "v3": "CRM objects, search, properties, pipelines and account info",
        "v4": "deal-contact associations",
    },
)

# --- Google Analytics Data API and Sheets API ----------------------------------------------------------
# GA4's Data API v1beta is its Beta channel ("no breaking changes expected"; developers.google.com/analytics/
# devguides/reporting/data/v1) and Sheets v4 is current; neither has an announced sunset.
GA4_DATA = ApiLifecycle(
    api="Google Analytics Data API",
    setting=None,
    schedule_url="https://developers.google.com/analytics/devguides/reporting/data/v1",
    versions=(ApiVersion("v1beta", None, None),),
    in_use={"v1beta": "GA4 reports"},
)
SHEETS = ApiLifecycle(
    api="Google Sheets API",
    setting=None,
    schedule_url="https://developers.google.com/sheets/api",
    versions=(ApiVersion("v4", None, None),),
    in_use={"v4": "the Google Sheet tracker"},
)

LIFECYCLES: tuple[ApiLifecycle, ...] = (GOOGLE_ADS, LINKEDIN, HUBSPOT, GA4_DATA, SHEETS)


# --- what the clients say when a vendor refuses a version ---------------------------------------------


def retired_version_message(lifecycle: ApiLifecycle, version: str, answer: str) -> str:
    """One line for a refused version: the setting, the version, its sunset and the version to use.

    Args:
        lifecycle: The API's table.
        version: The version the client sent.
        answer: What the vendor answered, for the record (``HTTP 426 NONEXISTENT_VERSION``).
    """
    known = lifecycle.listed(version)
    if known is None:
        state = (
            f"{version} is not served (not a version this release of funnel-ledger lists: never released or retired)"
        )
    elif known.sunset is None:
        state = f"{version} is not served"
    else:
        state = f"{version} is no longer served, sunset {known.sunset_text}"
    better = lifecycle.replacement_for(version)
    where = lifecycle.setting or "the API version"
    if better is not None:
        todo = f"set {where} to {better.name}, served until {better.sunset_text}"
    else:
        todo = (
            f"set {where} to a newer version listed at {lifecycle.schedule_url} (this release of funnel-ledger "
            f"knows none newer than {version}; upgrade it too)"
        )
    return f"{lifecycle.api} {state}; it answered {answer}: {todo}"


# --- what check and the radar say ahead of a sunset ----------------------------------------------------

NoticeState = Literal["live", "ending", "retired", "unknown"]


@dataclass(frozen=True)
class VersionNotice:
    """Where one version in use stands on one day.

    Attributes:
        lifecycle: The API's table.
        version: The version in use.
        state: ``live``, ``ending`` (sunset within the warning window), ``retired`` or ``unknown``.
        days_left: Days from the day asked about to the sunset (negative once past); None without a sunset.
        purpose: What this project calls the version for (APIs whose version is fixed in code).
    """

    lifecycle: ApiLifecycle
    version: str
    state: NoticeState
    days_left: int | None
    purpose: str = ""

    @property
    def entry(self) -> ApiVersion | None:
        return self.lifecycle.find(self.version)

    def text(self) -> str:
        """One line for a person: what happens when, and what to change."""
        api, entry = self.lifecycle.api, self.entry
        used_for = f" ({self.purpose})" if self.purpose else ""
        if entry is None or self.state == "unknown":
            return (
                f"{api} {self.version} is not in this release's version table, so its sunset is not tracked: "
                f"check {self.lifecycle.schedule_url}"
            )
        if self.state == "live":
            until = f"served until {entry.sunset_text}" if entry.sunset else "no sunset announced"
            return f"{api} {self.version}{used_for}: {until}"
        when = (
            f"reached its {self.lifecycle.ending} on {entry.sunset_text}"
            if self.state == "retired"
            else f"reaches its {self.lifecycle.ending} on {entry.sunset_text}, in {self.days_left} days"
        )
        return f"{api} {self.version}{used_for} {when}: {self._action()}"

    def _action(self) -> str:
        if self.lifecycle.setting is None:
            return "upgrade funnel-ledger to a release that calls the vendor's newer versions"
        better = self.lifecycle.replacement_for(self.version)
        if better is None:
            return f"set {self.lifecycle.setting} to a newer version from {self.lifecycle.schedule_url}"
        return f"set {self.lifecycle.setting} to {better.name}, served until {better.sunset_text}"


def version_notice(
    lifecycle: ApiLifecycle, version: str, today: date, *, warn_days: int = SUNSET_WARNING_DAYS
) -> VersionNotice:
    """Where ``version`` of ``lifecycle`` stands on ``today``."""
    purpose = lifecycle.in_use.get(version, "")
    entry = lifecycle.find(version)
    if entry is None:
        return VersionNotice(lifecycle, version, "unknown", None, purpose)
    if entry.sunset is None:
        return VersionNotice(lifecycle, version, "live", None, purpose)
    left = (entry.sunset - today).days
    state: NoticeState = "retired" if left <= 0 else "ending" if left <= warn_days else "live"
    return VersionNotice(lifecycle, version, state, left, purpose)


def versions_in_use(
    *, google_ads: str | None, linkedin: str | None, today: date, warn_days: int = SUNSET_WARNING_DAYS
) -> list[VersionNotice]:
    """Every API version a run would call on ``today``: the configured ad platforms' and the fixed ones.

    Args:
        google_ads: ``ads.google_ads_api_version`` when Google Ads is configured, else None.
        linkedin: ``ads.linkedin_api_version`` when LinkedIn is configured, else None.
        today: The day to judge on.
        warn_days: How far ahead a sunset counts as ``ending``.
    """
    chosen: list[tuple[ApiLifecycle, str]] = []
    if google_ads is not None:
        chosen.append((GOOGLE_ADS, google_ads))
    if linkedin is not None:
        chosen.append((LINKEDIN, linkedin))
    fixed: Iterable[tuple[ApiLifecycle, str]] = (
        (lifecycle, version) for lifecycle in (HUBSPOT, GA4_DATA, SHEETS) for version in lifecycle.in_use
    )
    return [version_notice(lifecycle, version, today, warn_days=warn_days) for lifecycle, version in [*chosen, *fixed]]
