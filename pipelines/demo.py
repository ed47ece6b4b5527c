"""Demo mode: the production code against in-process emulators loaded with synthetic (or fixture) data.

Only base URLs and credentials differ from live mode. The emulators run inside whichever process loads
the definitions (the CLI, ``dagster dev``'s code server, a run worker), so every process gets its own,
identical copy. A new demo workbook starts with a realistic Targets tab (:func:`seed_demo_targets`), so
the first run already colours the weeks against target.
"""

from __future__ import annotations

import hashlib
import os
import re
import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

import openpyxl

from emulators.fixture import load_fixture
from emulators.suite import EmulatorSuite, start_emulators
from emulators.synthetic import World, generate_demo_fixture
from resources.ga4 import GA4Resource
from resources.google_ads import GoogleAdsResource
from resources.hubspot import HubSpotResource
from resources.linkedin_ads import LinkedInAdsResource
from settings import DEFAULT_DATA_DIR, RuntimeEnv, Settings
from sheets_sync.tabs import COSTS_TAB, COSTS_TEMPLATE, TARGETS_HEADER, TARGETS_TAB

# The demo emulators accept these; they guard nothing and are not secrets.
DEMO_HUBSPOT_TOKEN = "demo-token"
DEMO_WEEKS = 52
FIXTURE_ENV = "FUNNEL_LEDGER_FIXTURE"
SYNTHETIC_SOURCE = "synthetic portal"
DATA_DIR_ENV = "FUNNEL_LEDGER_DATA_DIR"


def fixture_data_dir(data_dir: Path, fixture_path: Path) -> Path:
    """The demo's own data folder for a fixture: ``<data dir>/demo-<name>-<content hash>``.

    Keyed by the file's content, so a second fixture (or the same file edited) never reads the warehouse,
    watermarks or tracker of another; rerunning one fixture reuses its folder.

    Raises:
        FixtureError: The fixture file cannot be read.
    """
    from emulators.fixture import FixtureError

    try:
        digest = hashlib.sha256(fixture_path.read_bytes()).hexdigest()[:12]
    except FileNotFoundError:
        raise FixtureError(f"{fixture_path}: fixture file not found") from None
    except OSError as error:
        raise FixtureError(f"{fixture_path}: cannot read fixture file: {error.strerror or error}") from None
    name = re.sub(r"[^A-Za-z0-9_-]+", "-", fixture_path.stem).strip("-")[:40] or "fixture"
    return data_dir / f"demo-{name}-{digest}"


def demo_runtime_environ(environ: Mapping[str, str], fixture_path: Path | None) -> dict[str, str]:
    """The environment a demo run reads its locations from: a fixture's demo gets its own data folder.

    ``WAREHOUSE_URL`` and ``TRACKER_WORKBOOK`` still win when set (then the warehouse's source identity
    check keeps two data sets apart).
    """
    env = dict(environ)
    if fixture_path is None and env.get(FIXTURE_ENV):
        fixture_path = Path(env[FIXTURE_ENV])
    if fixture_path is not None:
        base = Path(env.get(DATA_DIR_ENV) or DEFAULT_DATA_DIR)
        env[DATA_DIR_ENV] = str(fixture_data_dir(base, fixture_path))
    return env


def demo_runtime(environ: Mapping[str, str] | None = None, fixture_path: Path | None = None) -> RuntimeEnv:
    """The demo's locations (see :func:`demo_runtime_environ`), in demo mode."""
    env = demo_runtime_environ(os.environ if environ is None else environ, fixture_path)
    env["FUNNEL_LEDGER_MODE"] = "demo"
    return RuntimeEnv.from_environ(env)


@dataclass(frozen=True)
class DemoEnvironment:
    suite: EmulatorSuite
    fixture_source: str
    parts: frozenset[str] = field(default_factory=frozenset)
    fixture_ids: dict[str, str] = field(default_factory=dict)

    @property
    def synthetic(self) -> bool:
        """Whether the emulators serve the synthetic company (not a fixture file)."""
        return self.fixture_source.startswith(SYNTHETIC_SOURCE)

    @property
    def hubspot_url(self) -> str:
        return self.suite.urls["hubspot"]

    def resources(self, settings: Settings) -> dict[str, Any]:
        """The source resources of the demo: emulator URLs and demo credentials; a part the fixture lacks
        stays unconfigured (and is skipped like an unconfigured live source)."""
        urls, token_url = self.suite.urls, self.suite.token_url
        ads = settings.ads
        linkedin = LinkedInAdsResource(base_url=urls["linkedin"], read_environment=False)
        if "linkedin" in self.parts:
            linkedin = LinkedInAdsResource(
                base_url=urls["linkedin"],
                access_token="demo-linkedin-token",  # noqa: S106 (the demo emulator's token)
                account_id=self.fixture_ids["linkedin"],
                api_version=ads.linkedin_api_version,
                read_environment=False,
            )
        google_ads = GoogleAdsResource(base_url=urls["google_ads"], token_url=token_url, credentials={})
        if "google_ads" in self.parts:
            google_ads = GoogleAdsResource(
                base_url=urls["google_ads"],
                token_url=token_url,
                api_version=ads.google_ads_api_version,
                credentials={
                    "developer_token": "demo-developer-token",
                    "customer_id": self.fixture_ids["google_ads"],
                    "client_id": "demo-client",
                    "client_secret": "demo-client-secret",
                    "refresh_token": "demo-refresh-token",
                },
            )
        ga4 = GA4Resource(base_url=urls["ga4"], token_url=token_url, read_environment=False)
        if "ga4" in self.parts:
            ga4 = GA4Resource(
                base_url=urls["ga4"],
                token_url=token_url,
                property_id=self.fixture_ids["ga4"],
                service_account_info=demo_service_account(token_url),
                read_environment=False,
            )
        return {
            "hubspot": HubSpotResource(
                access_token=DEMO_HUBSPOT_TOKEN,
                base_url=self.hubspot_url,
                requests_per_10s=settings.hubspot.requests_per_10s,
                search_requests_per_second=settings.hubspot.search_requests_per_second,
            ),
            "linkedin": linkedin,
            "google_ads": google_ads,
            "ga4": ga4,
        }


@lru_cache(maxsize=1)
def _demo_private_key() -> str:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()


def demo_service_account(token_url: str) -> dict[str, Any]:
    """A service account made up for this process (the demo token endpoint trusts any signed grant)."""
    return {
        "type": "service_account",
        "project_id": "funnel-ledger-demo",
        "private_key_id": "demo",
        "private_key": _demo_private_key(),
        "client_email": "demo@funnel-ledger-demo.iam.gserviceaccount.com",
        "client_id": "0",
        "token_uri": token_url,
    }


_lock = threading.Lock()
_running: dict[tuple[str, str], DemoEnvironment] = {}


def demo_environment(
    fixture_path: Path | None = None, *, today: date | None = None, history_weeks: int = DEMO_WEEKS
) -> DemoEnvironment:
    """The process's demo emulators (started on first use, then reused).

    Without a fixture (``--fixture`` or ``FUNNEL_LEDGER_FIXTURE``) the synthetic portal is cut at midnight
    UTC today, so every run of one day sees the same data and a rerun appends no snapshot.
    """
    if fixture_path is None and os.environ.get(FIXTURE_ENV):
        fixture_path = Path(os.environ[FIXTURE_ENV])
    day = today or datetime.now(UTC).date()
    weeks = max(DEMO_WEEKS, history_weeks)
    key = (str(fixture_path or ""), f"{day.isoformat()}/{weeks}" if fixture_path is None else "")
    with _lock:
        if key not in _running:
            if fixture_path is not None:
                fixture = load_fixture(fixture_path)
                source = str(fixture_path)
            else:
                fixture = generate_demo_fixture(today=day, weeks=weeks)
                source = f"{SYNTHETIC_SOURCE}, {weeks} weeks to {day.isoformat()}"
            suite = start_emulators(fixture, hubspot_token=DEMO_HUBSPOT_TOKEN, hubspot_burst_limit=190)
            ids = {
                "linkedin": str((fixture.get("linkedin") or {}).get("account_id", "")),
                "google_ads": str((fixture.get("google_ads") or {}).get("customer_id", "")),
                "ga4": str((fixture.get("ga4") or {}).get("property_id", "")),
            }
            _running[key] = DemoEnvironment(
                suite=suite,
                fixture_source=source,
                parts=frozenset(part for part in ("linkedin", "google_ads", "ga4") if fixture.get(part)),
                fixture_ids=ids,
            )
        return _running[key]


def stop_demo_environments() -> None:
    """Stop every demo emulator this process started (the next use starts fresh ones)."""
    with _lock:
        for environment in _running.values():
            environment.suite.stop()
        _running.clear()


# What the synthetic company's marketing lead would set, per contact the world expects over the period
# (about 5% above its run rate, so some weeks hit and some miss): monthly volume targets, quarterly money
# targets, and a cost per lead to stay under. Rates measured on its 2026 data: 0.67 leads, 0.23 MQLs,
# 0.093 SQLs, 0.017 customers, 30.5 sessions, $1,154 pipeline and $260 revenue per expected contact.
_MONTHLY_PER_CONTACT = {
    "new_leads": (0.70, 5),
    "new_mqls": (0.245, 5),
    "new_sqls": (0.10, 1),
    "new_customers": (0.019, 1),
    "sessions": (32.0, 500),
}
_QUARTERLY_PER_CONTACT = {"pipeline_created": (1200.0, 50_000), "revenue_won": (270.0, 10_000)}
_FLAT_TARGETS = {"cost_per_lead": 90.0, "win_rate": 0.30}
_INBOUND_SHARE_OF_MQLS = 0.9  # a group target too, so a group row is coloured as well


def _months(first: date, last: date) -> Iterator[tuple[date, date]]:
    start = first.replace(day=1)
    while start <= last:
        following = (start.replace(day=28) + timedelta(days=4)).replace(day=1)
        yield start, following - timedelta(days=1)
        start = following


def _quarters(first: date, last: date) -> Iterator[tuple[date, date]]:
    start = date(first.year, 3 * ((first.month - 1) // 3) + 1, 1)
    while start <= last:
        end_month = start.month + 2
        following = date(start.year + 1, 1, 1) if end_month == 12 else date(start.year, end_month + 1, 1)
        yield start, following - timedelta(days=1)
        start = following


def demo_targets(first: date, last: date, *, world: World | None = None) -> list[list[object]]:
    """A realistic Targets tab for the synthetic company, covering the months and quarters of ``first..last``.

    Each target is about 5% above what the company's world expects over the period (its trend, weekday
    rhythm and summer and year-end dips included), rounded as a person would write it.

    Args:
        first: The first day to cover (e.g. the demo's first week).
        last: The last day to cover.
        world: The synthetic world (default: the demo's, seed 7).

    Returns:
        Rows ``kpi_id, channel, period_start, period_end, target`` (dates as ``YYYY-MM-DD``), header excluded.
    """
    world = world or World()

    def expected(start: date, end: date) -> float:
        return sum(world.expected_contacts(start + timedelta(days=i)) for i in range((end - start).days + 1))

    def rounded(value: float, step: float) -> float:
        return max(step, round(value / step) * step)

    rows: list[list[object]] = []
    for start, end in _months(first, last):
        contacts = expected(start, end)
        period = [start.isoformat(), end.isoformat()]
        for kpi_id, (per_contact, step) in _MONTHLY_PER_CONTACT.items():
            rows.append([kpi_id, "All", *period, rounded(contacts * per_contact, step)])
        mqls = contacts * _MONTHLY_PER_CONTACT["new_mqls"][0] * _INBOUND_SHARE_OF_MQLS
        rows.append(["new_mqls", "Inbound", *period, rounded(mqls, 5)])
        rows.append(["cost_per_lead", "All", *period, _FLAT_TARGETS["cost_per_lead"]])
    for start, end in _quarters(first, last):
        contacts = expected(start, end)
        period = [start.isoformat(), end.isoformat()]
        for kpi_id, (per_contact, step) in _QUARTERLY_PER_CONTACT.items():
            rows.append([kpi_id, "All", *period, rounded(contacts * per_contact, step)])
        rows.append(["win_rate", "All", *period, _FLAT_TARGETS["win_rate"]])
    return rows


def seed_demo_targets(workbook: Path, first: date, last: date) -> bool:
    """Start a new demo workbook with :func:`demo_targets` on its Targets tab (and the Costs template).

    An existing workbook is never touched: its Targets tab belongs to whoever edited it.

    Args:
        workbook: The demo's workbook path.
        first: The first day the targets cover.
        last: The last day they cover.

    Returns:
        Whether the workbook was created.
    """
    if workbook.exists():
        return False
    workbook.parent.mkdir(parents=True, exist_ok=True)
    book = openpyxl.Workbook()
    targets = book.active
    assert targets is not None  # a new workbook has its one sheet
    targets.title = TARGETS_TAB
    targets.append(list(TARGETS_HEADER))
    for row in demo_targets(first, last):
        targets.append(row)
    costs = book.create_sheet(COSTS_TAB)
    for template_row in COSTS_TEMPLATE:
        costs.append(list(template_row))
    book.save(workbook)
    return True
