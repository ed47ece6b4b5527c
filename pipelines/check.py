"""``funnel-ledger check``: validate the settings, then reach every configured system with one cheap call.

Each check is one function registered with :func:`register_check`; it gets a :class:`CheckContext` (the
settings, the environment's locations and the live resources built exactly as the job builds them) and
returns a :class:`CheckResult`. Adding a source or a target is one more function:

    @register_check("Tracker (Google Sheet)", applies=_tracker_is(GoogleSheetTrackerResource))
    def check_google_sheet(context: CheckContext) -> CheckResult: ...

Nothing here prints a secret: details are built from ids, counts and the resources' own error messages
(which name variables, never values), and the whole table goes through :func:`redact_secrets` with the
secret values of the environment as a last line of defence.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Literal, TextIO

from pipelines.sensors import ALERT_WEBHOOK_ENV, redact_secrets
from resources.api_versions import SUNSET_WARNING_DAYS, utc_today, versions_in_use
from resources.http import ApiError, Sleeper, redact_url, url_host
from resources.preflight import check_portal
from resources.quarantine import quarantined_lines
from resources.sheets import GoogleSheetTrackerResource
from resources.tracker import WorkbookTrackerResource
from settings import RuntimeEnv, Settings, SettingsError, load_settings, resolve_config_path

Status = Literal["ok", "not configured", "warning", "skipped", "FAILED"]
OK: Status = "ok"
NOT_CONFIGURED: Status = "not configured"
# Works today, but needs a person soon: an API version near its sunset, owner-tab rows the run leaves out
# (exit code stays 0).
WARNING: Status = "warning"
SKIPPED: Status = "skipped"
FAILED: Status = "FAILED"

HUBSPOT_TOKEN_ENV = "HUBSPOT_ACCESS_TOKEN"
# Values never to show, whatever a library puts in an exception (the table is redacted against them).
SECRET_ENVS = (
    HUBSPOT_TOKEN_ENV,
    "LINKEDIN_ACCESS_TOKEN",
    "GOOGLE_ADS_DEVELOPER_TOKEN",
    "GOOGLE_ADS_CLIENT_SECRET",
    "GOOGLE_ADS_REFRESH_TOKEN",
    "GOOGLE_SERVICE_ACCOUNT_JSON_B64",
    ALERT_WEBHOOK_ENV,
)
# The retries a check allows before it reports: the job's 5 retries with backoff would keep a person at a
# wrong base URL waiting half a minute per source.
CHECK_MAX_RETRIES = 1


@dataclass(frozen=True)
class CheckResult:
    """One row of the check table, and the lines printed under it (e.g. each owner-tab row left out)."""

    source: str
    status: Status
    detail: str
    lines: tuple[str, ...] = ()


@dataclass
class CheckContext:
    """What a check may use: settings, locations, the live resources (as the job builds them), a sleeper.

    Attributes:
        settings: Validated settings (defaults when the file is invalid: the APIs are still checked).
        runtime: Locations and base URLs from the environment.
        resources: Resources by key (``hubspot``, ``linkedin``, ``google_ads``, ``ga4``, ``warehouse``,
            ``tracker``), unconfigured and with ``EnvVar`` fields unresolved, exactly as in the job.
        sleeper: How API retries wait (tests pass a recorder).
        environ: The environment the checks read variables from.
        today: The date checks judge deadlines on (API sunsets); tests pass a fixed one.
    """

    settings: Settings
    runtime: RuntimeEnv
    resources: Mapping[str, Any]
    sleeper: Sleeper = time.sleep
    environ: Mapping[str, str] = field(default_factory=lambda: os.environ)
    today: Callable[[], date] = utc_today


CheckFn = Callable[[CheckContext], CheckResult]


@dataclass(frozen=True)
class _Registered:
    source: str
    run: CheckFn
    applies: Callable[[CheckContext], bool]


_CHECKS: list[_Registered] = []


def register_check(
    source: str, *, applies: Callable[[CheckContext], bool] | None = None
) -> Callable[[CheckFn], CheckFn]:
    """Register a check; rows appear in registration order.

    Args:
        source: The name in the table's first column.
        applies: Whether the check concerns this configuration (e.g. only for a workbook tracker);
            default always.
    """

    def register(fn: CheckFn) -> CheckFn:
        _CHECKS.append(_Registered(source=source, run=fn, applies=applies or (lambda _: True)))
        return fn

    return register


def _api(resource: Any, context: CheckContext) -> Any:
    """A resource ready to call: fewer retries than the job, waits through the context's sleeper."""
    ready = resource.model_copy(update={"max_retries": CHECK_MAX_RETRIES})
    return ready.with_clock(clock=time.monotonic, sleeper=context.sleeper)


def _not_configured(missing: Iterable[str]) -> CheckResult | None:
    names = list(missing)
    return None if not names else CheckResult("", NOT_CONFIGURED, f"{', '.join(names)} not set; source is skipped")


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


# --- sources -------------------------------------------------------------------------------------------


@register_check("HubSpot")
def check_hubspot(context: CheckContext) -> CheckResult:
    """Required: the token must exist and read the deal pipelines (one GET)."""
    if not context.environ.get(HUBSPOT_TOKEN_ENV, "").strip():
        return CheckResult(
            "HubSpot",
            FAILED,
            f"{HUBSPOT_TOKEN_ENV} is not set (HubSpot is required): create a private app with the README's "
            "scopes and export its token",
        )
    hubspot = _api(context.resources["hubspot"].process_config_and_initialize(), context)
    try:
        # The same preflight a run does before it writes: stages and pipelines against the portal.
        facts = check_portal(context.settings, hubspot)
    except SettingsError as error:
        return CheckResult("HubSpot", FAILED, f"token works, but {str(error).replace(chr(10), '; ')}")
    return CheckResult(
        "HubSpot",
        OK,
        f"token accepted at {redact_url(hubspot.base_url)}; {_plural(facts.pipelines, 'deal pipeline')}, "
        f"{_plural(facts.pipeline_stages, 'stage')} readable; settings 'stages' and 'pipelines' found in the portal "
        "(contact, meeting and schema scopes are checked by the first run)",
    )


@register_check("LinkedIn Ads")
def check_linkedin(context: CheckContext) -> CheckResult:
    """Optional: read the ad account (one GET)."""
    linkedin = context.resources["linkedin"]
    skipped = _not_configured(linkedin.missing_settings())
    if skipped:
        return skipped
    info = _api(linkedin, context).account_info()
    return CheckResult(
        "LinkedIn Ads",
        OK,
        f"ad account {linkedin._account()} readable (currency {info.currency or 'unknown'}, "
        f"LinkedIn-Version {linkedin.api_version})",
    )


@register_check("Google Ads")
def check_google_ads(context: CheckContext) -> CheckResult:
    """Optional: refresh an access token and read the customer's currency and time zone (one searchStream)."""
    google_ads = context.resources["google_ads"]
    skipped = _not_configured(google_ads.missing_settings())
    if skipped:
        return skipped
    info = _api(google_ads, context).account_info()
    return CheckResult(
        "Google Ads",
        OK,
        f"customer {google_ads.customer_id} readable (currency {info.currency or 'unknown'}, time zone "
        f"{info.time_zone or 'unknown'}, API {google_ads.api_version})",
    )


@register_check("GA4")
def check_ga4(context: CheckContext) -> CheckResult:
    """Optional: sign in with the service account and run a one-metric report over two days."""
    ga4 = context.resources["ga4"]
    skipped = _not_configured(ga4.missing_settings())
    if skipped:
        return skipped
    report = _api(ga4, context).run_report(
        {"dateRanges": [{"startDate": "yesterday", "endDate": "today"}], "metrics": [{"name": "sessions"}]}
    )
    sessions = sum(int(row.get("sessions", 0)) for row in report.rows)
    return CheckResult(
        "GA4",
        OK,
        f"property {ga4._property()} readable (time zone {report.metadata.time_zone or 'unknown'}; "
        f"{sessions:,} sessions yesterday and today)",
    )


# --- API versions --------------------------------------------------------------------------------------


@register_check("API versions")
def check_api_versions(context: CheckContext) -> CheckResult:
    """No call: every API version a run would use, against the vendors' sunsets (resources/api_versions.py).

    FAILED once a version the settings choose is past its sunset (the run would stop), a warning from
    ``SUNSET_WARNING_DAYS`` days before, else ok with the next date to watch. HubSpot's ends of support stay
    warnings: its endpoints keep answering, and only a newer funnel-ledger release can move off them.
    """
    ads = context.settings.ads
    notices = versions_in_use(
        google_ads=ads.google_ads_api_version if context.resources["google_ads"].configured else None,
        linkedin=ads.linkedin_api_version if context.resources["linkedin"].configured else None,
        today=context.today(),
    )
    retired = [n for n in notices if n.state == "retired" and n.lifecycle.setting is not None]
    ending = [n for n in notices if n.state == "ending" or (n.state == "retired" and n.lifecycle.setting is None)]
    if retired or ending:
        status = FAILED if retired else WARNING
        return CheckResult("API versions", status, "; ".join(n.text() for n in [*retired, *ending]))
    unknown = [n.text() for n in notices if n.state == "unknown"]
    dated = sorted((n for n in notices if n.days_left is not None), key=lambda n: n.days_left or 0)
    detail = f"no sunset in the next {SUNSET_WARNING_DAYS} days"
    if dated and (first := dated[0]).entry is not None:
        detail += f" (first: {first.lifecycle.api} {first.version}, {first.lifecycle.ending} {first.entry.sunset_text})"
    return CheckResult("API versions", OK, "; ".join([detail, *unknown]))


# --- where the pipeline writes -------------------------------------------------------------------------


@register_check("Warehouse")
def check_warehouse(context: CheckContext) -> CheckResult:
    """Connect and report the schema version against this version's migrations; nothing is changed.

    An empty, unversioned or older warehouse is fine (the next run creates or migrates it); one carrying a
    revision this version does not know, or missing a table or column, fails as the run would.
    """
    import sqlalchemy as sa

    warehouse = context.resources["warehouse"]
    shown = sa.engine.make_url(warehouse.url).render_as_string(hide_password=True)
    try:
        status = warehouse.schema_status()
    except sa.exc.SQLAlchemyError as error:
        # The driver's text can hold the URL; show the error class and its first line only.
        reason = str(getattr(error, "orig", None) or error).splitlines()[0]
        return CheckResult(
            "Warehouse", FAILED, f"cannot use {shown} ({type(error).__name__}: {reason}): check WAREHOUSE_URL"
        )
    if status.state in ("newer", "damaged"):
        return CheckResult("Warehouse", FAILED, status.describe())
    detail = f"{shown}: connected, {status.describe()}"
    quarantined = quarantined_lines(warehouse) if status.state == "current" else []
    if quarantined:
        # Records the last runs could not read: a person should fix them at the source (exit code stays 0).
        count = _plural(len(quarantined), "record")
        return CheckResult("Warehouse", WARNING, f"{detail}; {count} quarantined (cannot be read)", tuple(quarantined))
    return CheckResult("Warehouse", OK, detail)


def _tracker_is(kind: type) -> Callable[[CheckContext], bool]:
    """Whether the tracker resource writes to this kind of target (chosen from the environment)."""

    def applies(context: CheckContext) -> bool:
        return isinstance(context.resources["tracker"].backend(), kind)

    return applies


@register_check("Tracker (workbook)", applies=_tracker_is(WorkbookTrackerResource))
def check_workbook(context: CheckContext) -> CheckResult:
    """The local workbook: it, or the folder it will be created in, must be writable (nothing is changed)."""
    path = Path(context.resources["tracker"].backend().path).resolve()
    if path.exists():
        if path.is_dir():
            return CheckResult(
                "Tracker (workbook)", FAILED, f"{path} is a folder: set TRACKER_WORKBOOK to a .xlsx file"
            )
        if not os.access(path, os.W_OK):
            return CheckResult("Tracker (workbook)", FAILED, f"{path} is not writable by this user")
        return CheckResult("Tracker (workbook)", OK, f"{path} exists and is writable (updated in place)")
    folder = path.parent
    while not folder.exists():  # the run creates missing folders; the first existing one must be writable
        folder = folder.parent
    try:
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".funnel-ledger-check-"):
            pass
    except OSError as error:
        return CheckResult(
            "Tracker (workbook)",
            FAILED,
            f"cannot create {path}: {folder} is not writable ({error.strerror}); set TRACKER_WORKBOOK",
        )
    return CheckResult("Tracker (workbook)", OK, f"{path} will be created on the first run (folder writable)")


@register_check("Tracker (Google Sheet)", applies=_tracker_is(GoogleSheetTrackerResource))
def check_google_sheet(context: CheckContext) -> CheckResult:
    """Sign in with the service account and read the spreadsheet's title and tabs (no grid data)."""
    from resources.sheets import _translate

    sheet = context.resources["tracker"].backend()
    tracker = sheet.tracker()  # SettingsError when no service account is configured
    metadata = _translate(
        lambda: tracker.client.http_client.spreadsheets_get(
            tracker.spreadsheet_id, params={"fields": "properties.title,sheets.properties.title"}
        ),
        sheet,
    )
    title = (metadata.get("properties") or {}).get("title", "")
    tabs = len(metadata.get("sheets") or [])
    return CheckResult(
        "Tracker (Google Sheet)",
        OK,
        f"'{title}' ({_plural(tabs, 'tab')}) readable at {sheet.location}; edit access is confirmed by the first "
        "write (share it with the service account's client_email as an Editor)",
    )


@register_check("Targets and Costs")
def check_owner_tabs(context: CheckContext) -> CheckResult:
    """Validate the owner's Targets and Costs tabs as the run will, naming each row it would leave out."""
    from assets.weekly_kpis import owner_tab_rules

    source = "Targets and Costs"
    tracker = context.resources["tracker"].backend()
    try:
        owner = tracker.owner_tabs(owner_tab_rules(context.settings))
    except Exception as error:  # reported, not raised: the tracker's own row says more when it is unreachable
        reason = (str(error).splitlines() or [""])[0]
        return CheckResult(source, SKIPPED, f"cannot read the owner tabs ({type(error).__name__}: {reason})")
    valid = f"{_plural(len(owner.targets), 'target')} and {_plural(len(owner.costs), 'cost')} valid"
    rows = sorted({(problem.tab, problem.row) for problem in owner.problems})
    if not rows:
        empty = owner.targets.empty and owner.costs.empty
        return CheckResult(source, OK, "no targets or costs entered yet" if empty else valid)
    return CheckResult(
        source,
        WARNING,
        f"{_plural(len(rows), 'row')} left out of the numbers until fixed ({valid}):",
        lines=tuple(str(problem) for problem in owner.problems),
    )


@register_check("Alerts")
def check_alerts(context: CheckContext) -> CheckResult:
    """The run-failure webhook is only shape-checked: a check must not post to the team's channel."""
    from urllib.parse import urlsplit

    url = context.environ.get(ALERT_WEBHOOK_ENV, "").strip()
    if not url:
        return CheckResult(
            "Alerts", NOT_CONFIGURED, f"{ALERT_WEBHOOK_ENV} not set; failed runs show only in the Dagster UI"
        )
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return CheckResult("Alerts", FAILED, f"{ALERT_WEBHOOK_ENV} is not an http(s) URL")
    return CheckResult("Alerts", OK, f"failed runs are posted to {url_host(url)} (not called by check)")


# --- running -------------------------------------------------------------------------------------------


def run_check(registered: _Registered, context: CheckContext) -> CheckResult:
    """Run one check; what it raises becomes a FAILED row with the error's own advice."""
    try:
        result = registered.run(context)
    except (ApiError, SettingsError) as error:
        return CheckResult(registered.source, FAILED, str(error).splitlines()[0])
    except Exception as error:  # a check must report, not crash the table
        first = (str(error).splitlines() or [""])[0]
        return CheckResult(registered.source, FAILED, f"{type(error).__name__}: {first}")
    # Checks may leave the source out of the rows they return (see _not_configured).
    return CheckResult(registered.source, result.status, result.detail, result.lines)


def build_context(
    settings: Settings,
    runtime: RuntimeEnv,
    *,
    sleeper: Sleeper = time.sleep,
    environ: Mapping[str, str] | None = None,
    today: Callable[[], date] = utc_today,
) -> CheckContext:
    """The resources the job would use, built by the job's own helper, in a context for the checks."""
    from pipelines.definitions import destination_resources, live_source_resources

    resources: dict[str, Any] = {**live_source_resources(settings, runtime), **destination_resources(runtime)}
    return CheckContext(
        settings=settings,
        runtime=runtime,
        resources=resources,
        sleeper=sleeper,
        environ=os.environ if environ is None else environ,
        today=today,
    )


def run_checks(context: CheckContext) -> list[CheckResult]:
    """Every registered check that applies, in order."""
    return [run_check(registered, context) for registered in _CHECKS if registered.applies(context)]


def format_table(results: Iterable[CheckResult], *, secrets: Iterable[str] = ()) -> str:
    """The results as an aligned text table (a result's extra lines indented under it), secrets masked."""
    results = list(results)
    rows = [("source", "status", "detail"), *((r.source, r.status, r.detail) for r in results)]
    widths = [max(len(row[i]) for row in rows) for i in range(2)]
    lines = [f"{rows[0][0]:<{widths[0]}}  {rows[0][1]:<{widths[1]}}  {rows[0][2]}"]
    lines.append(f"{'-' * widths[0]}  {'-' * widths[1]}  {'-' * 6}")
    for result in results:
        lines.append(f"{result.source:<{widths[0]}}  {result.status:<{widths[1]}}  {result.detail}")
        lines.extend(f"{'':<{widths[0]}}  {'':<{widths[1]}}    {line}" for line in result.lines)
    return redact_secrets("\n".join(lines), secrets)


def _secret_values(environ: Mapping[str, str]) -> list[str]:
    values = [environ.get(name, "").strip() for name in SECRET_ENVS]
    try:
        from resources.google_auth import load_service_account_info

        info = load_service_account_info(environ)
    except SettingsError:
        info = None
    if info:
        values.extend(str(info.get(key, "")) for key in ("private_key", "private_key_id"))
    return [value for value in values if value]


def check_command(
    config: str | None = None,
    *,
    out: TextIO | None = None,
    sleeper: Sleeper = time.sleep,
    environ: Mapping[str, str] | None = None,
    today: Callable[[], date] = utc_today,
) -> int:
    """``funnel-ledger check``: print the settings verdict and the table; 1 when anything FAILED, else 0.

    Args:
        config: ``--config``; default ``FUNNEL_LEDGER_CONFIG`` or ./funnel-ledger.yaml.
        out: Where to print (default stdout).
        sleeper: How API retries wait (tests pass a recorder).
        environ: The environment to read (default ``os.environ``; the resources read ``os.environ``).
        today: The date API sunsets are judged on (default: today in UTC).
    """
    out = out or sys.stdout
    env = os.environ if environ is None else environ
    secrets = _secret_values(env)
    config_path = resolve_config_path(config, env)
    settings_row: CheckResult
    try:
        settings = load_settings(config_path, env)
        where = str(config_path) if config_path else "no settings file, defaults"
        settings_row = CheckResult(
            "Settings", OK, f"{where}: timezone {settings.timezone}, weeks start {settings.week_start}"
        )
    except SettingsError as error:
        print(redact_secrets(str(error), secrets), file=out)
        print("(the APIs below are checked with default settings)\n", file=out)
        settings = Settings()
        settings_row = CheckResult("Settings", FAILED, "invalid settings, see above")
    # check validates live mode: FUNNEL_LEDGER_MODE=demo is ignored, as `funnel-ledger run` ignores it.
    runtime = RuntimeEnv.from_environ({**env, "FUNNEL_LEDGER_MODE": "live"})
    context = build_context(settings, runtime, sleeper=sleeper, environ=env, today=today)
    results = [settings_row, *run_checks(context)]
    print(format_table(results, secrets=secrets), file=out, flush=True)
    failed = [r.source for r in results if r.status == FAILED]
    if failed:
        print(f"\n{len(failed)} failed: {', '.join(failed)}", file=out)
        return 1
    warned = [r.source for r in results if r.status == WARNING]
    print("\nall configured sources reachable" + (f"; act soon on: {', '.join(warned)}" if warned else ""), file=out)
    return 0
