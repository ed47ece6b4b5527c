"""The weekly digest reaches a real local HTTP server and a real local SMTP server, and a failed send never fails."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from email import message_from_bytes
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from dagster import (
    AssetKey,
    DagsterEventType,
    DagsterInstance,
    MaterializeResult,
    asset,
    build_run_status_sensor_context,
    materialize,
)
from werkzeug.wrappers import Request, Response

from emulators.server import serve_in_thread
from pipelines.digest import (
    DigestTargets,
    build_weekly_digest_sensor,
    digest_subject,
    send_digest,
)
from settings import SettingsError

DIGEST = "Week of 2026-11-23 (All)\nNew MQLs 41 (+8 vs 33), target 45: 91%\nTracker: https://docs.example/sheet"


class WebhookRecorder:
    """A Slack-style incoming webhook: records each JSON body, answers with the statuses it is given."""

    def __init__(self, statuses: list[int] | None = None) -> None:
        self.bodies: list[dict[str, Any]] = []
        self.statuses = list(statuses or [])

    def __call__(self, environ: Any, start_response: Any) -> Any:
        request = Request(environ)
        self.bodies.append(json.loads(request.get_data()))
        status = self.statuses.pop(0) if self.statuses else 200
        return Response("ok" if status < 400 else "no_service", status=status)(environ, start_response)


class MailRecorder:
    """An aiosmtpd handler keeping every message it accepted."""

    def __init__(self) -> None:
        self.messages: list[Any] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append((envelope.rcpt_tos, message_from_bytes(envelope.content)))
        return "250 Message accepted for delivery"


def _authenticator(server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any) -> AuthResult:
    ok = isinstance(auth_data, LoginPassword) and auth_data.login == b"digest" and auth_data.password == b"s3cret-pw"
    return AuthResult(success=ok, handled=False)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def smtp_server() -> Iterator[tuple[MailRecorder, int]]:
    handler = MailRecorder()
    port = _free_port()
    controller = Controller(
        handler,
        hostname="127.0.0.1",
        port=port,
        authenticator=_authenticator,
        auth_require_tls=False,
    )
    controller.start()
    try:
        yield handler, port
    finally:
        controller.stop()


def _mail_env(port: int, **extra: str) -> dict[str, str]:
    return {
        "DIGEST_SMTP_HOST": "127.0.0.1",
        "DIGEST_SMTP_PORT": str(port),
        "DIGEST_SMTP_SECURITY": "none",
        "DIGEST_EMAIL_FROM": "funnel-ledger@example.com",
        "DIGEST_EMAIL_TO": "lead@example.com, cmo@example.com",
        **extra,
    }


def test_nothing_configured_means_no_digest() -> None:
    assert not DigestTargets.from_environ({}).enabled
    assert send_digest(DIGEST, subject="s", environ={}) == []


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({"DIGEST_SMTP_HOST": "smtp.example.com", "DIGEST_EMAIL_TO": "a@example.com"}, "DIGEST_EMAIL_FROM"),
        ({"DIGEST_SMTP_HOST": "smtp.example.com", "DIGEST_EMAIL_FROM": "a@example.com"}, "DIGEST_EMAIL_TO"),
        ({**_mail_env(25), "DIGEST_SMTP_PORT": "twenty-five"}, "DIGEST_SMTP_PORT"),
        ({**_mail_env(25), "DIGEST_SMTP_SECURITY": "tls1.0"}, "DIGEST_SMTP_SECURITY"),
    ],
)
def test_a_half_configured_email_names_the_variable(env: dict[str, str], named: str) -> None:
    with pytest.raises(SettingsError, match=named):
        DigestTargets.from_environ(env)


def test_default_ports_follow_the_security_mode() -> None:
    base = {k: v for k, v in _mail_env(0).items() if k != "DIGEST_SMTP_PORT"}
    assert DigestTargets.from_environ({**base, "DIGEST_SMTP_SECURITY": "starttls"}).smtp.port == 587  # type: ignore[union-attr]
    assert DigestTargets.from_environ({**base, "DIGEST_SMTP_SECURITY": "ssl"}).smtp.port == 465  # type: ignore[union-attr]


def test_slack_webhook_receives_the_digest_text() -> None:
    hook = WebhookRecorder()
    with serve_in_thread(hook) as server:
        url = f"{server.base_url}/services/T000/B000/XXXX"
        deliveries = send_digest(DIGEST, subject="s", environ={"DIGEST_SLACK_WEBHOOK_URL": url})
    assert hook.bodies == [{"text": DIGEST}]
    assert [(d.channel, d.delivered) for d in deliveries] == [("slack", True)]
    assert "XXXX" not in deliveries[0].detail  # the webhook path is its secret


def test_slack_5xx_is_retried_then_reported_without_raising() -> None:
    hook = WebhookRecorder(statuses=[503, 503, 503, 503])
    waits: list[float] = []
    with serve_in_thread(hook) as server:
        deliveries = send_digest(
            DIGEST,
            subject="s",
            environ={"DIGEST_SLACK_WEBHOOK_URL": f"{server.base_url}/hook/secret-path"},
            sleeper=waits.append,
        )
    assert len(hook.bodies) == 4  # the first try and three retries
    assert len(waits) == 3
    assert deliveries[0].delivered is False
    assert "HTTP 503" in deliveries[0].detail
    assert "secret-path" not in deliveries[0].detail


def test_unreachable_webhook_is_reported_without_raising() -> None:
    url = f"http://127.0.0.1:{_free_port()}/hook"
    deliveries = send_digest(DIGEST, subject="s", environ={"DIGEST_SLACK_WEBHOOK_URL": url}, sleeper=lambda _: None)
    assert deliveries[0].delivered is False
    assert "unreachable" in deliveries[0].detail


def test_email_reaches_every_recipient_with_subject_and_text(smtp_server: tuple[MailRecorder, int]) -> None:
    handler, port = smtp_server
    deliveries = send_digest(DIGEST, subject=digest_subject("2026-11-23"), environ=_mail_env(port))
    assert [(d.channel, d.delivered) for d in deliveries] == [("email", True)]
    [(recipients, message)] = handler.messages
    assert recipients == ["lead@example.com", "cmo@example.com"]
    assert message["Subject"] == "Funnel Ledger: week of 2026-11-23"
    assert message["From"] == "funnel-ledger@example.com"
    assert message.get_payload(decode=True).decode().replace("\r\n", "\n").strip() == DIGEST  # SMTP lines end in CRLF


def test_email_login_with_the_password_from_the_environment(smtp_server: tuple[MailRecorder, int]) -> None:
    handler, port = smtp_server
    good = _mail_env(port, DIGEST_SMTP_USERNAME="digest", DIGEST_SMTP_PASSWORD="s3cret-pw")
    assert send_digest(DIGEST, subject="s", environ=good)[0].delivered
    bad = _mail_env(port, DIGEST_SMTP_USERNAME="digest", DIGEST_SMTP_PASSWORD="wrong-pw")
    [failed] = send_digest(DIGEST, subject="s", environ=bad)
    assert failed.delivered is False
    assert "wrong-pw" not in failed.detail and "s3cret-pw" not in failed.detail
    assert len(handler.messages) == 1


def test_both_channels_are_tried_when_one_fails(smtp_server: tuple[MailRecorder, int]) -> None:
    handler, port = smtp_server
    env = {**_mail_env(port), "DIGEST_SLACK_WEBHOOK_URL": f"http://127.0.0.1:{_free_port()}/hook"}
    deliveries = send_digest(DIGEST, subject="s", environ=env, sleeper=lambda _: None)
    assert [(d.channel, d.delivered) for d in deliveries] == [("slack", False), ("email", True)]
    assert len(handler.messages) == 1


# --- the sensor: scheduled runs only, the text from the tracker's metadata ---------------------------------

TRACKER = AssetKey(["tracker", "weekly_tracker"])


@asset(key=TRACKER)
def fake_tracker() -> MaterializeResult:
    return MaterializeResult(metadata={"digest": DIGEST})


def _sensor_after(tags: dict[str, str], env: dict[str, str]) -> None:
    instance = DagsterInstance.ephemeral()
    result = materialize([fake_tracker], instance=instance, tags=tags)
    run = instance.get_run_by_id(result.run_id)
    assert run is not None
    success = next(e for e in result.all_events if e.event_type == DagsterEventType.RUN_SUCCESS)
    sensor = build_weekly_digest_sensor(job_name=run.job_name, asset_key=TRACKER, environ=env, sleeper=lambda _: None)
    context = build_run_status_sensor_context(
        sensor_name=sensor.name, dagster_event=success, dagster_instance=instance, dagster_run=run
    )
    sensor(context)  # type: ignore[call-arg]


def test_sensor_sends_the_recorded_digest_after_a_scheduled_run(smtp_server: tuple[MailRecorder, int]) -> None:
    handler, port = smtp_server
    hook = WebhookRecorder()
    with serve_in_thread(hook) as server:
        env = {**_mail_env(port), "DIGEST_SLACK_WEBHOOK_URL": f"{server.base_url}/hook"}
        _sensor_after({"dagster/schedule_name": "weekly_tracker_schedule"}, env)
    assert hook.bodies == [{"text": DIGEST}]
    assert len(handler.messages) == 1


def test_sensor_is_quiet_after_a_manual_run() -> None:
    hook = WebhookRecorder()
    with serve_in_thread(hook) as server:
        _sensor_after({}, {"DIGEST_SLACK_WEBHOOK_URL": f"{server.base_url}/hook"})
    assert hook.bodies == []


def test_sensor_never_raises_when_every_send_fails() -> None:
    env = {"DIGEST_SLACK_WEBHOOK_URL": f"http://127.0.0.1:{_free_port()}/hook", **_mail_env(_free_port())}
    _sensor_after({"dagster/schedule_name": "weekly_tracker_schedule"}, env)  # logs the failures, returns
