"""What a GA4 property holds: sessions loaded from the fixture, and the dimension and metric catalogue.

Used by the request parser, the filters and the report engine of :mod:`emulators.ga4`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

#: Where "not a valid dimension/metric" errors send the caller.
SCHEMA_URL = "https://developers.google.com/analytics/devguides/reporting/data/v1/api-schema"


@dataclass(frozen=True, slots=True)
class Session:
    """One fixture session; ``idx`` is its position in ``ga4.sessions``."""

    idx: int
    day: str  # YYYY-MM-DD, property-local
    user: str
    new_user: bool
    channel_group: str
    source_medium: str
    campaign: str
    engaged: bool
    duration_s: float
    pageviews: int
    key_events: float
    events: tuple[tuple[str, int], ...]
    event_total: int


# A fact is one session (or one (session, event name) pair) inside one date range.
_Getter = Callable[[Session, str | None, str], str]


def _source(s: Session) -> str:
    return s.source_medium.split(" / ", 1)[0]


def _medium(s: Session) -> str:
    parts = s.source_medium.split(" / ", 1)
    return parts[1] if len(parts) == 2 else "(not set)"


#: Dimension api name → (UI name, category, value getter(session, event name, date range name)).
DIMENSIONS: dict[str, tuple[str, str, _Getter]] = {
    "date": ("Date", "Time", lambda s, e, r: s.day.replace("-", "")),
    "dateRange": ("Date range", "Time", lambda s, e, r: r),
    "sessionDefaultChannelGroup": (
        "Session default channel group",
        "Traffic source",
        lambda s, e, r: s.channel_group,
    ),
    "sessionSourceMedium": ("Session source / medium", "Traffic source", lambda s, e, r: s.source_medium),
    "sessionSource": ("Session source", "Traffic source", lambda s, e, r: _source(s)),
    "sessionMedium": ("Session medium", "Traffic source", lambda s, e, r: _medium(s)),
    "sessionCampaignName": ("Session campaign", "Traffic source", lambda s, e, r: s.campaign),
    "eventName": ("Event name", "Event", lambda s, e, r: e or "(not set)"),
}

#: Metric api name → (UI name, type).
METRICS: dict[str, tuple[str, str]] = {
    "sessions": ("Sessions", "TYPE_INTEGER"),
    "totalUsers": ("Total users", "TYPE_INTEGER"),
    "newUsers": ("New users", "TYPE_INTEGER"),
    "engagedSessions": ("Engaged sessions", "TYPE_INTEGER"),
    "engagementRate": ("Engagement rate", "TYPE_FLOAT"),
    "bounceRate": ("Bounce rate", "TYPE_FLOAT"),
    "averageSessionDuration": ("Average session duration", "TYPE_SECONDS"),
    "screenPageViews": ("Views", "TYPE_INTEGER"),
    "keyEvents": ("Key events", "TYPE_FLOAT"),
    "eventCount": ("Event count", "TYPE_INTEGER"),
}


# ---------------------------------------------------------------------------------------- fixture loading


def _as_bool(value: Any, where: str) -> bool:
    if isinstance(value, bool):
        return value
    raise ValueError(f"{where} must be a boolean, got {value!r}")


def _as_number(value: Any, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value) or value < 0:
        raise ValueError(f"{where} must be a non-negative number, got {value!r}")
    return float(value)


def _load_session(idx: int, raw: Any) -> Session:
    where = f"ga4.sessions[{idx}]"
    if not isinstance(raw, Mapping):
        raise ValueError(f"{where} must be an object")
    day = raw.get("date")
    try:
        date.fromisoformat(str(day))
    except ValueError as exc:
        raise ValueError(f"{where}.date must be YYYY-MM-DD, got {day!r}") from exc
    if len(str(day)) != 10:
        raise ValueError(f"{where}.date must be YYYY-MM-DD, got {day!r}")
    user = raw.get("user")
    if not isinstance(user, str) or not user:
        raise ValueError(f"{where}.user must be a non-empty string")
    events_raw = raw.get("events") or {}
    if not isinstance(events_raw, Mapping):
        raise ValueError(f"{where}.events must be an object of event name → count")
    events: list[tuple[str, int]] = []
    for name, count in events_raw.items():
        number = _as_number(count, f"{where}.events[{name!r}]")
        if not number.is_integer():
            raise ValueError(f"{where}.events[{name!r}] must be an integer")
        if number:
            events.append((str(name), int(number)))
    pageviews = _as_number(raw.get("pageviews", 0), f"{where}.pageviews")
    if not pageviews.is_integer():
        raise ValueError(f"{where}.pageviews must be an integer")
    return Session(
        idx=idx,
        day=str(day),
        user=user,
        new_user=_as_bool(raw.get("new_user", False), f"{where}.new_user"),
        channel_group=str(raw.get("channel_group") or "Unassigned"),
        source_medium=str(raw.get("source_medium") or "(not set)"),
        campaign=str(raw.get("campaign") or "(not set)"),
        engaged=_as_bool(raw.get("engaged", False), f"{where}.engaged"),
        duration_s=_as_number(raw.get("duration_s", 0), f"{where}.duration_s"),
        pageviews=int(pageviews),
        key_events=_as_number(raw.get("key_events", 0), f"{where}.key_events"),
        events=tuple(sorted(events)),
        event_total=sum(c for _, c in events),
    )


@dataclass
class Property:
    """The one GA4 property a fixture describes, its sessions sorted by day."""

    property_id: str
    time_zone: str
    currency: str
    thresholding: bool
    data_loss: bool
    sessions: list[Session]  # sorted by day
    days: list[str]  # sessions' days, for bisecting a date range
    by_idx: dict[int, Session]


def load_property(data: Mapping[str, Any]) -> Property:
    sessions_raw = data.get("sessions") or []
    if not isinstance(sessions_raw, list):
        raise ValueError("ga4.sessions must be a list")
    property_id = str(data.get("property_id") or "")
    if not property_id.isdigit():
        raise ValueError(f"ga4.property_id must be a numeric string, got {property_id!r}")
    time_zone = str(data.get("time_zone") or "UTC")
    try:
        ZoneInfo(time_zone)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"ga4.time_zone is not an IANA time zone: {time_zone!r}") from exc
    sessions = sorted((_load_session(i, s) for i, s in enumerate(sessions_raw)), key=lambda s: (s.day, s.idx))
    return Property(
        property_id=property_id,
        time_zone=time_zone,
        currency=str(data.get("currency") or "USD"),
        thresholding=bool(data.get("thresholding", False)),
        data_loss=bool(data.get("data_loss_from_other_row", False)),
        sessions=sessions,
        days=[s.day for s in sessions],
        by_idx={s.idx: s for s in sessions},
    )
