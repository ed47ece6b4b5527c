"""Run-failure alerts: a sensor that posts a short, secret-free message to a Slack-compatible webhook.

The webhook URL is read from ``ALERT_WEBHOOK_URL`` when the sensor runs, never at load time, so the same
code location works with and without alerting; unset means a log line and nothing posted.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import requests
from dagster import DefaultSensorStatus, RunFailureSensorContext, SensorDefinition, run_failure_sensor

from resources.http import DEFAULT_TIMEOUT, Sleeper, build_session, url_host

ALERT_WEBHOOK_ENV = "ALERT_WEBHOOK_URL"
SENSOR_NAME = "run_failure_alert_sensor"
MAX_STEPS_LISTED = 5
MAX_LINE_CHARS = 300

# Defensive: error messages are meant to be secret-free already, but a library could echo a header or a
# token one day, and an alert channel is a wide audience. Bearer values, HubSpot private-app tokens
# (pat-na1-…) and Google access tokens (ya29.…) are masked wherever they appear.
_SECRET_PATTERNS = (
    re.compile(r"(?i)\bBearer\s+[^\s\"'(),;\]]+"),
    re.compile(r"\bpat-[A-Za-z0-9][A-Za-z0-9_-]*"),
    re.compile(r"\bya29\.[A-Za-z0-9._-]+"),
)


def redact_secrets(text: str, extra_values: Iterable[str] = ()) -> str:
    """Mask anything that looks like a token, and any of ``extra_values``, in ``text``.

    Args:
        text: Text about to be shown to people (an alert, a check table).
        extra_values: Known secret values to mask verbatim (values shorter than 4 characters are
            ignored: masking "a" everywhere would garble the text without protecting anything).

    Returns:
        The text with every match replaced by ``***``.
    """
    for value in sorted({v for v in extra_values if len(v) >= 4}, key=len, reverse=True):
        text = text.replace(value, "***")
    for pattern in _SECRET_PATTERNS:
        text = pattern.sub(lambda match: "Bearer ***" if match.group(0)[:1] in "Bb" else "***", text)
    return text


def first_line(text: str | None) -> str:
    """The first non-empty line of ``text``, trimmed to a length an alert can show."""
    for line in (text or "").splitlines():
        if line.strip():
            line = line.strip()
            return line if len(line) <= MAX_LINE_CHARS else line[: MAX_LINE_CHARS - 1] + "…"
    return ""


@dataclass(frozen=True)
class FailedStep:
    """One failed step of a run and the first line of the error a person should read."""

    step_key: str
    error: str


def _root_error(error: Any) -> tuple[str, str]:
    """(class name, message) of the innermost cause: Dagster wraps what an asset raised in its own errors."""
    seen = error
    while getattr(seen, "cause", None) is not None:
        seen = seen.cause
    return str(getattr(seen, "cls_name", "") or ""), str(getattr(seen, "message", "") or "")


def _error_line(error: Any) -> str:
    cls_name, message = _root_error(error)
    line = first_line(message)
    # Serialized errors read "module.ClassName: message"; the bare class name is enough for a reader.
    prefix, sep, rest = line.partition(": ")
    if sep and cls_name and prefix.rsplit(".", 1)[-1] == cls_name:
        return f"{cls_name}: {rest}"
    return f"{cls_name}: {line}" if cls_name and line else line or cls_name


def failed_steps(context: RunFailureSensorContext) -> list[FailedStep]:
    """The failed steps of the run in the context, with the root cause's first line for each."""
    steps = []
    for event in context.get_step_failure_events():
        data = event.event_specific_data
        error = getattr(data, "error", None)
        steps.append(FailedStep(step_key=event.step_key or "?", error=_error_line(error) if error else ""))
    return steps


def alert_text(
    *,
    job_name: str,
    run_id: str,
    steps: Sequence[FailedStep],
    run_error: str | None = None,
    tags: Mapping[str, str] | None = None,
) -> str:
    """The alert message: job, run id, the failed steps and each error's first line, secrets masked.

    Args:
        job_name: The failed run's job.
        run_id: The failed run's id (the Dagster UI finds it under Runs).
        steps: Failed steps; only the first few are listed, with a count of the rest.
        run_error: The run-level failure message, shown when no step failed (e.g. a run that could not
            start).
        tags: The run's tags; a partition range tag is shown so the reader knows which weeks failed.
    """
    lines = [f"Funnel Ledger run failed: job {job_name}, run {run_id}"]
    tags = tags or {}
    start = tags.get("dagster/asset_partition_range_start") or tags.get("dagster/partition")
    end = tags.get("dagster/asset_partition_range_end")
    if start:
        lines.append(f"Weeks: {start} to {end}" if end and end != start else f"Week: {start}")
    if steps:
        lines.append(f"Failed step{'s' if len(steps) > 1 else ''}:")
        lines.extend(f"- {step.step_key}: {step.error or 'no error message'}" for step in steps[:MAX_STEPS_LISTED])
        if len(steps) > MAX_STEPS_LISTED:
            lines.append(f"- … and {len(steps) - MAX_STEPS_LISTED} more")
    elif run_error:
        lines.append(f"Error: {first_line(run_error)}")
    return redact_secrets("\n".join(lines))


def post_alert(
    url: str, text: str, *, session: requests.Session | None = None, sleeper: Sleeper = time.sleep
) -> requests.Response:
    """POST ``{"text": text}`` to a Slack-compatible webhook, retrying 429/5xx through the shared session.

    Args:
        url: The incoming-webhook URL (it is a secret: it is never logged).
        text: Message text.
        session: A session to reuse; default one from :func:`resources.http.build_session`.
        sleeper: How retries wait (tests pass a recorder).

    Returns:
        The final response (after retries); a caller decides what a non-2xx means.
    """
    session = session or build_session(max_retries=3, backoff_max=30.0, retry_after_max=60.0, sleeper=sleeper)
    return session.post(url, json={"text": text}, timeout=DEFAULT_TIMEOUT)


def build_run_failure_alert_sensor(
    *,
    name: str = SENSOR_NAME,
    environ: Mapping[str, str] | None = None,
    sleeper: Sleeper = time.sleep,
    default_status: DefaultSensorStatus = DefaultSensorStatus.RUNNING,
) -> SensorDefinition:
    """A run-failure sensor for every job of the code location, posting to ``ALERT_WEBHOOK_URL``.

    Args:
        name: Sensor name.
        environ: Where the webhook URL is read at evaluation time (default ``os.environ``).
        sleeper: How webhook retries wait (tests pass a recorder).
        default_status: Running by default: without a webhook URL it only logs, so it is harmless.
    """

    @run_failure_sensor(
        name=name,
        description=f"Posts failed runs (job, run id, failed steps, first error line) to ${ALERT_WEBHOOK_ENV}.",
        default_status=default_status,
    )
    def _alert(context: RunFailureSensorContext) -> None:
        env = os.environ if environ is None else environ
        url = env.get(ALERT_WEBHOOK_ENV, "").strip()
        run = context.dagster_run
        if not url:
            context.log.info(f"{ALERT_WEBHOOK_ENV} is not set: no alert posted for failed run {run.run_id}")
            return
        text = alert_text(
            job_name=run.job_name,
            run_id=run.run_id,
            steps=failed_steps(context),
            run_error=context.failure_event.message,
            tags=run.tags,
        )
        host = url_host(url)  # never the netloc: it keeps user:password@
        try:
            response = post_alert(url, text, sleeper=sleeper)
        except requests.RequestException as error:
            # Only the host: the webhook URL's path is its secret.
            context.log.error(f"alert for run {run.run_id} not delivered: {host} unreachable ({type(error).__name__})")
            return
        if response.status_code >= 400:
            # Failing the tick would retry it forever against a webhook that refuses (revoked, wrong URL);
            # the log line says what to fix and later failures still get their alert attempt.
            context.log.error(
                f"alert for run {run.run_id} refused by {host} with HTTP {response.status_code}: "
                f"check {ALERT_WEBHOOK_ENV}"
            )
            return
        context.log.info(f"alert for failed run {run.run_id} posted to {host}")

    return _alert


run_failure_alert_sensor = build_run_failure_alert_sensor()
