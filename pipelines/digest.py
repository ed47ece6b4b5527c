"""The weekly digest: after a scheduled run, the Scorecard's top lines and a link to the tracker, by Slack and e-mail.

The tracker asset writes the digest text into its materialization metadata; the sensor here (or
``funnel-ledger run --digest``) sends it. Where it goes is read from the environment when it is sent, never at
load time. A send that fails is logged and never fails the run: the numbers are in the sheet either way.
"""

from __future__ import annotations

import os
import smtplib
import ssl
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Any, Literal
from urllib.parse import urlsplit

import requests
from dagster import (
    DagsterEventType,
    DagsterRunStatus,
    DefaultSensorStatus,
    RunStatusSensorContext,
    SensorDefinition,
    run_status_sensor,
)

from assets.tracker import DIGEST_METADATA_KEY, SCHEDULE_TAG
from resources.http import DEFAULT_TIMEOUT, Sleeper, build_session
from settings import SettingsError

SLACK_WEBHOOK_ENV = "DIGEST_SLACK_WEBHOOK_URL"
SMTP_HOST_ENV = "DIGEST_SMTP_HOST"
SMTP_PORT_ENV = "DIGEST_SMTP_PORT"
SMTP_SECURITY_ENV = "DIGEST_SMTP_SECURITY"
SMTP_USERNAME_ENV = "DIGEST_SMTP_USERNAME"
SMTP_PASSWORD_ENV = "DIGEST_SMTP_PASSWORD"
EMAIL_FROM_ENV = "DIGEST_EMAIL_FROM"
EMAIL_TO_ENV = "DIGEST_EMAIL_TO"
SMTP_TIMEOUT_S = 30.0

Security = Literal["starttls", "ssl", "none"]
_DEFAULT_PORTS: dict[str, int] = {"starttls": 587, "ssl": 465, "none": 25}


@dataclass(frozen=True)
class SmtpTarget:
    """Where and how the digest e-mail is sent (the password stays in the environment until sending)."""

    host: str
    port: int
    security: Security
    sender: str
    recipients: tuple[str, ...]
    username: str | None = None


@dataclass(frozen=True)
class DigestTargets:
    """The digest's destinations, read from the environment; both empty means no digest."""

    slack_webhook_url: str | None = None
    smtp: SmtpTarget | None = None

    @property
    def enabled(self) -> bool:
        return bool(self.slack_webhook_url or self.smtp)

    @classmethod
    def from_environ(cls, environ: Mapping[str, str] | None = None) -> DigestTargets:
        """Read the digest variables; a half-configured e-mail names the variable that is missing.

        Raises:
            SettingsError: A variable is set to something unusable (a port that is not a number, a security
                mode that does not exist, a host without a sender or recipients).
        """
        env = os.environ if environ is None else environ
        slack = env.get(SLACK_WEBHOOK_ENV, "").strip() or None
        host = env.get(SMTP_HOST_ENV, "").strip()
        if not host:
            return cls(slack_webhook_url=slack)
        security = env.get(SMTP_SECURITY_ENV, "starttls").strip().lower() or "starttls"
        if security not in _DEFAULT_PORTS:
            raise SettingsError(f"{SMTP_SECURITY_ENV}={security!r}: must be starttls, ssl or none")
        port_text = env.get(SMTP_PORT_ENV, "").strip()
        if port_text and not port_text.isdigit():
            raise SettingsError(f"{SMTP_PORT_ENV}={port_text!r}: must be a port number such as 587")
        sender = env.get(EMAIL_FROM_ENV, "").strip()
        recipients = tuple(part.strip() for part in env.get(EMAIL_TO_ENV, "").split(",") if part.strip())
        if not sender:
            raise SettingsError(f"{SMTP_HOST_ENV} is set but {EMAIL_FROM_ENV} is not: set the digest's sender")
        if not recipients:
            raise SettingsError(
                f"{SMTP_HOST_ENV} is set but {EMAIL_TO_ENV} is not: list the recipients, separated by commas"
            )
        return cls(
            slack_webhook_url=slack,
            smtp=SmtpTarget(
                host=host,
                port=int(port_text) if port_text else _DEFAULT_PORTS[security],
                security=security,  # type: ignore[arg-type]
                sender=sender,
                recipients=recipients,
                username=env.get(SMTP_USERNAME_ENV, "").strip() or None,
            ),
        )


@dataclass(frozen=True)
class Delivery:
    """What happened to one channel's send: for the run log, never raised."""

    channel: Literal["slack", "email"]
    delivered: bool
    detail: str


def post_to_slack(
    url: str, text: str, *, session: requests.Session | None = None, sleeper: Sleeper = time.sleep
) -> Delivery:
    """POST the digest to a Slack incoming webhook (``{"text": ...}``), retrying 429/5xx through the shared session.

    The webhook URL is a secret: only its host appears in the result.
    """
    host = urlsplit(url).netloc
    session = session or build_session(max_retries=3, backoff_max=30.0, retry_after_max=60.0, sleeper=sleeper)
    try:
        response = session.post(url, json={"text": text}, timeout=DEFAULT_TIMEOUT)
    except requests.RequestException as error:
        return Delivery("slack", False, f"{host} unreachable ({type(error).__name__}): check {SLACK_WEBHOOK_ENV}")
    if response.status_code >= 400:
        return Delivery("slack", False, f"{host} refused the digest with HTTP {response.status_code}")
    return Delivery("slack", True, f"posted to {host}")


def send_email(
    target: SmtpTarget,
    subject: str,
    text: str,
    *,
    password: str | None = None,
    smtp_factory: Callable[..., smtplib.SMTP] | None = None,
) -> Delivery:
    """Send the digest as a plain-text e-mail over SMTP (STARTTLS, implicit TLS, or plain on a trusted relay)."""
    message = EmailMessage()
    message["Subject"] = subject
    message["From"] = target.sender
    message["To"] = ", ".join(target.recipients)
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain=target.sender.rpartition("@")[2] or None)
    message.set_content(text)
    factory = smtp_factory or (smtplib.SMTP_SSL if target.security == "ssl" else smtplib.SMTP)
    where = f"{target.host}:{target.port}"
    try:
        with factory(target.host, target.port, timeout=SMTP_TIMEOUT_S) as client:
            if target.security == "starttls":
                client.starttls(context=ssl.create_default_context())
            if target.username:
                client.login(target.username, password or "")
            refused = client.send_message(message)
    except (OSError, smtplib.SMTPException) as error:
        # The SMTP error text is the server's; it carries no credentials of ours.
        reason = getattr(error, "smtp_error", b"") or str(error) or type(error).__name__
        reason = reason.decode(errors="replace") if isinstance(reason, bytes) else str(reason)
        return Delivery("email", False, f"{where} did not take the digest: {reason.splitlines()[0][:200]}")
    if refused:
        return Delivery("email", False, f"{where} refused {', '.join(sorted(refused))}")
    return Delivery("email", True, f"sent to {len(target.recipients)} recipient(s) via {where}")


def send_digest(
    text: str,
    *,
    subject: str,
    environ: Mapping[str, str] | None = None,
    session: requests.Session | None = None,
    sleeper: Sleeper = time.sleep,
    smtp_factory: Callable[..., smtplib.SMTP] | None = None,
) -> list[Delivery]:
    """Send the digest to every configured channel; returns what happened to each, never raises for a send.

    Raises:
        SettingsError: The digest variables are set to something unusable (named in the message); nothing is
            sent then. Callers in a run log it instead of failing.
    """
    env = os.environ if environ is None else environ
    targets = DigestTargets.from_environ(env)
    deliveries: list[Delivery] = []
    if targets.slack_webhook_url:
        deliveries.append(post_to_slack(targets.slack_webhook_url, text, session=session, sleeper=sleeper))
    if targets.smtp:
        password = env.get(SMTP_PASSWORD_ENV) or None
        deliveries.append(send_email(targets.smtp, subject, text, password=password, smtp_factory=smtp_factory))
    return deliveries


def digest_subject(week_start: str) -> str:
    """The e-mail subject: the week the digest is about."""
    return f"Funnel Ledger: week of {week_start}"


def digest_from_metadata(metadata: Mapping[str, Any]) -> str | None:
    """The digest text the tracker asset recorded in its materialization metadata, if any."""
    entry = metadata.get(DIGEST_METADATA_KEY)
    if entry is None:
        return None
    value = getattr(entry, "value", getattr(entry, "text", entry))
    return str(value) if value else None


SENSOR_NAME = "weekly_digest_sensor"


def run_digest_text(instance: Any, run_id: str, asset_key: Any) -> str | None:
    """The digest the tracker asset recorded in ``run_id`` (None when the run did not write the tracker)."""
    connection = instance.get_records_for_run(run_id, of_type=DagsterEventType.ASSET_MATERIALIZATION)
    for record in reversed(connection.records):
        materialization = record.asset_materialization
        # A multi-week run records the digest on one week's event (its latest), in no set order among them.
        if materialization is not None and materialization.asset_key == asset_key:
            text = digest_from_metadata(materialization.metadata)
            if text is not None:
                return text
    return None


def build_weekly_digest_sensor(
    *,
    job_name: str,
    asset_key: Any,
    environ: Mapping[str, str] | None = None,
    sleeper: Sleeper = time.sleep,
    smtp_factory: Callable[..., smtplib.SMTP] | None = None,
) -> SensorDefinition:
    """A sensor that sends the digest after each successful *scheduled* run of ``job_name``.

    Manual runs and backfills send nothing: the digest answers "how did last week go" once a week.
    """

    @run_status_sensor(
        name=SENSOR_NAME,
        run_status=DagsterRunStatus.SUCCESS,
        monitored_jobs=None,
        description=(
            f"After a scheduled run, sends the Scorecard's top lines and a link to the tracker to "
            f"${SLACK_WEBHOOK_ENV} and/or by e-mail (${SMTP_HOST_ENV}); unset means nothing is sent."
        ),
        default_status=DefaultSensorStatus.RUNNING,
    )
    def _digest(context: RunStatusSensorContext) -> None:
        run = context.dagster_run
        if run.job_name != job_name or SCHEDULE_TAG not in run.tags:
            return
        env = os.environ if environ is None else environ
        try:
            targets = DigestTargets.from_environ(env)
        except SettingsError as error:
            context.log.error(f"weekly digest not sent for run {run.run_id}: {error}")
            return
        if not targets.enabled:
            context.log.info(f"no digest destination set ({SLACK_WEBHOOK_ENV}, {SMTP_HOST_ENV}): nothing sent")
            return
        text = run_digest_text(context.instance, run.run_id, asset_key)
        if not text:
            context.log.warning(f"run {run.run_id} recorded no digest: nothing sent")
            return
        week = run.tags.get("dagster/asset_partition_range_end") or run.tags.get("dagster/partition") or "?"
        for delivery in send_digest(
            text, subject=digest_subject(week), environ=env, sleeper=sleeper, smtp_factory=smtp_factory
        ):
            log = context.log.info if delivery.delivered else context.log.error
            log(f"weekly digest ({delivery.channel}) for run {run.run_id}: {delivery.detail}")

    return _digest
