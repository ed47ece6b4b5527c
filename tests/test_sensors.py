"""The run-failure alert sensor: what it posts to a webhook, retries, redaction, and silence without a URL."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterable, Iterator
from typing import Any

import dagster as dg
import pytest
from werkzeug.wrappers import Request, Response

from emulators.server import RunningServer, serve_in_thread
from pipelines.definitions import build_definitions
from pipelines.sensors import (
    ALERT_WEBHOOK_ENV,
    SENSOR_NAME,
    FailedStep,
    alert_text,
    build_run_failure_alert_sensor,
    redact_secrets,
)
from resources.http import ApiError
from settings import RuntimeEnv, parse_settings
from tests.conftest import FakeClock


class WebhookReceiver:
    """A Slack-style incoming webhook: records each JSON body; answers ``fail_first`` requests with 503."""

    def __init__(self, fail_first: int = 0, status: int = 200) -> None:
        self.bodies: list[dict[str, Any]] = []
        self.paths: list[str] = []
        self.attempts = 0
        self.fail_first = fail_first
        self.status = status
        self._lock = threading.Lock()

    def __call__(self, environ: Any, start_response: Any) -> Iterable[bytes]:
        request = Request(environ)
        with self._lock:
            self.attempts += 1
            if self.attempts <= self.fail_first:
                return Response("busy", status=503)(environ, start_response)
            self.paths.append(request.path)
            self.bodies.append(json.loads(request.get_data(as_text=True)))
        return Response("ok", status=self.status)(environ, start_response)


@dg.op
def fetch_contacts() -> int:
    return 1


@dg.op
def write_tracker(rows: int) -> None:
    # What a careless library might put in an exception: the header it sent.
    raise ApiError(
        f"Sheets refused {rows} rows: HTTP 403 (sent Authorization: Bearer ya29.a0SECRETSECRET)\nsecond line",
        service="Sheets",
        status=403,
    )


@dg.job
def failing_job() -> None:
    write_tracker(fetch_contacts())


@pytest.fixture(scope="module")
def failed_run() -> Iterator[tuple[dg.DagsterInstance, dg.ExecuteInProcessResult]]:
    with dg.instance_for_test() as instance:
        result = failing_job.execute_in_process(
            instance=instance,
            raise_on_error=False,
            tags={
                "dagster/asset_partition_range_start": "2026-11-02",
                "dagster/asset_partition_range_end": "2026-11-16",
            },
        )
        assert not result.success
        yield instance, result


def _context(instance: dg.DagsterInstance, result: dg.ExecuteInProcessResult) -> dg.RunFailureSensorContext:
    return dg.build_run_status_sensor_context(
        sensor_name=SENSOR_NAME,
        dagster_instance=instance,
        dagster_run=result.dagster_run,
        dagster_event=result.get_run_failure_event(),
    ).for_run_failure()


@pytest.fixture
def receiver() -> Iterator[tuple[WebhookReceiver, RunningServer]]:
    app = WebhookReceiver()
    with serve_in_thread(app) as server:
        yield app, server


def test_failed_run_posts_job_run_id_failed_step_and_redacted_first_error_line(failed_run, receiver):
    instance, result = failed_run
    app, server = receiver
    clock = FakeClock()
    sensor = build_run_failure_alert_sensor(
        environ={ALERT_WEBHOOK_ENV: f"{server.base_url}/services/T000/B000/XXXX"}, sleeper=clock.sleep
    )
    sensor(_context(instance, result))
    assert app.paths == ["/services/T000/B000/XXXX"]
    assert app.bodies == [
        {
            "text": (
                f"Funnel Ledger run failed: job failing_job, run {result.run_id}\n"
                "Weeks: 2026-11-02 to 2026-11-16\n"
                "Failed step:\n"
                "- write_tracker: ApiError: Sheets refused 1 rows: HTTP 403 (sent Authorization: Bearer ***)"
            )
        }
    ]
    assert clock.sleeps == []


def test_webhook_503_is_retried_through_the_shared_session_without_real_sleeps(failed_run):
    instance, result = failed_run
    app = WebhookReceiver(fail_first=2)
    clock = FakeClock()
    with serve_in_thread(app) as server:
        sensor = build_run_failure_alert_sensor(
            environ={ALERT_WEBHOOK_ENV: f"{server.base_url}/hook"}, sleeper=clock.sleep
        )
        sensor(_context(instance, result))
    assert app.attempts == 3
    assert len(app.bodies) == 1 and app.bodies[0]["text"].startswith("Funnel Ledger run failed: job failing_job")
    assert len(clock.sleeps) == 2  # one backoff wait per 503, through the injected sleeper


def test_refused_webhook_is_logged_not_raised(failed_run):
    instance, result = failed_run
    app = WebhookReceiver(status=404)
    with serve_in_thread(app) as server:
        sensor = build_run_failure_alert_sensor(environ={ALERT_WEBHOOK_ENV: f"{server.base_url}/revoked"})
        outcome = sensor(_context(instance, result))
    assert outcome is None
    assert app.attempts == 1  # 404 is not retried


def test_unset_webhook_posts_nothing(failed_run, receiver, monkeypatch):
    instance, result = failed_run
    app, _ = receiver
    monkeypatch.delenv(ALERT_WEBHOOK_ENV, raising=False)
    build_run_failure_alert_sensor()(_context(instance, result))  # reads os.environ at evaluation time
    build_run_failure_alert_sensor(environ={ALERT_WEBHOOK_ENV: "  "})(_context(instance, result))
    assert app.attempts == 0


def test_webhook_url_is_read_from_the_environment_at_evaluation_time(failed_run, receiver, monkeypatch):
    instance, result = failed_run
    app, server = receiver
    sensor = build_run_failure_alert_sensor()  # built before the variable exists
    monkeypatch.setenv(ALERT_WEBHOOK_ENV, f"{server.base_url}/late")
    sensor(_context(instance, result))
    assert app.paths == ["/late"]


def test_alert_text_lists_at_most_five_steps_and_falls_back_to_the_run_error():
    steps = [FailedStep(step_key=f"step_{i}", error=f"ApiError: boom {i}") for i in range(7)]
    text = alert_text(job_name="weekly_tracker_job", run_id="r1", steps=steps, tags={"dagster/partition": "2026-11-16"})
    assert text.splitlines() == [
        "Funnel Ledger run failed: job weekly_tracker_job, run r1",
        "Week: 2026-11-16",
        "Failed steps:",
        *(f"- step_{i}: ApiError: boom {i}" for i in range(5)),
        "- … and 2 more",
    ]
    assert alert_text(job_name="j", run_id="r2", steps=[], run_error="Run could not start\nmore") == (
        "Funnel Ledger run failed: job j, run r2\nError: Run could not start"
    )


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("HTTP 401 with Bearer pat-na1-11111111-2222", "HTTP 401 with Bearer ***"),
        ("token pat-eu1-abc_DEF-123 refused", "token *** refused"),
        ("google said ya29.a0AfH6SMB-x_y.z bad", "google said *** bad"),
        ("authorization: bearer abc.def", "authorization: Bearer ***"),
        ("no secret: pattern-matching is fine", "no secret: pattern-matching is fine"),
    ],
)
def test_redact_secrets_masks_token_shapes(raw: str, expected: str):
    assert redact_secrets(raw) == expected


def test_redact_secrets_masks_known_values_longest_first():
    assert redact_secrets("key s3cr3t-long and s3cr3t", ["s3cr3t", "s3cr3t-long", "ab"]) == "key *** and ***"


def test_sensor_is_registered_in_the_definitions_and_running_by_default():
    defs = build_definitions(parse_settings({}), RuntimeEnv.from_environ({"FUNNEL_LEDGER_DATA_DIR": "/tmp/unused"}))
    sensor = defs.resolve_sensor_def(SENSOR_NAME)
    assert sensor.default_status == dg.DefaultSensorStatus.RUNNING
