"""Google Ads conformance: the ``google-ads`` library's protobuf types parse every emulator answer strictly.

The library speaks gRPC only, so its message types are the judge instead of its client: each
``searchStream`` batch, each ``search`` page and each error detail is parsed with ``json_format.Parse``
and ``ignore_unknown_fields=False``, for the API version the pipeline sends by default
(``ads.google_ads_api_version``) and for the newest version the installed library carries, so a move of
the default is tested before it happens. Enum names (``errorCode`` values, ``quotaErrorDetails.rateScope``)
must exist in that version. Rows are also read by the project's parser
(:func:`resources.google_ads.parse_row`) and compared with what the protobuf holds.
"""

from __future__ import annotations

import importlib
import json
import pkgutil
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from types import ModuleType
from typing import Any

import google.ads.googleads
import pytest
import requests
from google.protobuf import any_pb2, json_format
from google.rpc import error_details_pb2  # noqa: F401  (registers google.rpc.ErrorInfo/BadRequest for Any)

from emulators.google_ads import GoogleAdsEmulator
from emulators.server import RunningServer, serve_in_thread
from resources.google_ads import ACCOUNT_QUERY, DAILY_QUERY, parse_row
from settings.model import Settings

CID = "1234567890"
HEADERS = {"Authorization": "Bearer ya29.conformance", "developer-token": "dev-token"}


def installed_versions() -> list[str]:
    names = [m.name for m in pkgutil.iter_modules(google.ads.googleads.__path__) if m.name[:1] == "v"]
    return sorted((n for n in names if n[1:].isdigit()), key=lambda n: int(n[1:]))


DEFAULT_VERSION = Settings().ads.google_ads_api_version
# The version in use and the newest the installed library knows (the same one when the default is newest),
# named by role so test ids do not change when the default moves.
VERSIONS = {"default": DEFAULT_VERSION, "newest-installed": installed_versions()[-1]}


class Protos:
    """The message types of one API version, imported from the installed google-ads library."""

    def __init__(self, version: str) -> None:
        self.version = version
        try:
            service: ModuleType = importlib.import_module(
                f"google.ads.googleads.{version}.services.types.google_ads_service"
            )
            errors: ModuleType = importlib.import_module(f"google.ads.googleads.{version}.errors.types.errors")
        except ModuleNotFoundError:
            pytest.skip(
                f"the installed google-ads library has no {version} message types (it carries "
                f"{', '.join(installed_versions())}); install a google-ads release that includes {version} "
                "to check the version in use"
            )
        self.stream_response = service.SearchGoogleAdsStreamResponse.pb()
        self.search_response = service.SearchGoogleAdsResponse.pb()
        self.failure = errors.GoogleAdsFailure.pb()

    def parse(self, message_type: Any, body: Any) -> Any:
        return json_format.Parse(json.dumps(body), message_type(), ignore_unknown_fields=False)

    def parse_detail(self, detail: dict[str, Any]) -> Any:
        """An error detail as ``google.protobuf.Any``: ``@type`` must name a type of this version."""
        return json_format.Parse(json.dumps(detail), any_pb2.Any(), ignore_unknown_fields=False)


@pytest.fixture(params=sorted(VERSIONS))
def protos(request: pytest.FixtureRequest) -> Protos:
    return Protos(VERSIONS[str(request.param)])


def fixture() -> dict[str, Any]:
    def stat(campaign: str, day: str, impressions: str, clicks: str, cost: str, conversions: float) -> dict[str, Any]:
        return {
            "campaign": {"id": campaign},
            "metrics": {"impressions": impressions, "clicks": clicks, "costMicros": cost, "conversions": conversions},
            "segments": {"date": day},
        }

    return {
        "customer_id": CID,
        "currency": "EUR",
        "time_zone": "Europe/Berlin",
        "campaigns": [
            {"id": "111", "name": "Search - Brand"},
            {"id": "222", "name": "Display - Retarget", "advertisingChannelType": "DISPLAY"},
        ],
        "rows": [
            stat("111", "2024-01-01", "1000", "80", "2500000000", 4.0),
            stat("111", "2024-01-02", "1200", "90", "2600000", 5.5),
            stat("222", "2024-01-02", "5000", "20", "900000000", 1.25),
        ],
    }


@pytest.fixture(scope="module")
def server() -> Iterator[RunningServer]:
    with serve_in_thread(GoogleAdsEmulator(fixture(), page_size=2, today=lambda: date(2024, 1, 3))) as srv:
        yield srv


def call(server: RunningServer, version: str, method: str, body: dict[str, Any], **headers: str) -> requests.Response:
    url = f"{server.base_url}/{version}/customers/{CID}/googleAds:{method}"
    return requests.post(url, json=body, headers={**HEADERS, **headers}, timeout=5)


def daily_query(start: str, end: str) -> str:
    return DAILY_QUERY.format(start=start, end=end)


def test_search_stream_batches_parse_strictly(server: RunningServer, protos: Protos) -> None:
    response = call(server, protos.version, "searchStream", {"query": daily_query("2024-01-01", "2024-01-02")})
    assert response.status_code == 200, response.text
    batches = response.json()
    parsed = [protos.parse(protos.stream_response, batch) for batch in batches]
    assert [len(p.results) for p in parsed] == [2, 1]  # page_size 2
    rows = [row for p in parsed for row in p.results]
    assert [(r.segments.date, r.campaign.id, r.metrics.cost_micros) for r in rows] == [
        ("2024-01-01", 111, 2_500_000_000),
        ("2024-01-02", 111, 2_600_000),
        ("2024-01-02", 222, 900_000_000),
    ]
    assert {(r.customer.currency_code, r.customer.time_zone) for r in rows} == {("EUR", "Europe/Berlin")}
    assert parsed[-1].query_resource_consumption > 0
    # The project's parser reads the same numbers from the same JSON.
    ours = [parse_row(row) for batch in batches for row in batch["results"]]
    assert [(r.date, r.campaign_id, r.impressions, r.clicks, r.cost, r.conversions) for r in ours] == [
        (
            date.fromisoformat(r.segments.date),
            str(r.campaign.id),
            r.metrics.impressions,
            r.metrics.clicks,
            Decimal(r.metrics.cost_micros) / Decimal(1_000_000),
            r.metrics.conversions,
        )
        for r in rows
    ]
    assert [r.cost for r in ours] == [Decimal("2500"), Decimal("2.6"), Decimal("900")]


def test_search_pages_parse_strictly(server: RunningServer, protos: Protos) -> None:
    query = daily_query("2024-01-01", "2024-01-02")
    first = call(server, protos.version, "search", {"query": query, "returnTotalResultsCount": True})
    assert first.status_code == 200, first.text
    page = protos.parse(protos.search_response, first.json())
    assert (len(page.results), page.total_results_count, bool(page.next_page_token)) == (2, 3, True)
    assert page.field_mask.paths[:2] == ["segments.date", "campaign.id"]
    second = call(server, protos.version, "search", {"query": query, "pageToken": page.next_page_token})
    last = protos.parse(protos.search_response, second.json())
    assert ([r.campaign.id for r in last.results], last.next_page_token) == ([222], "")


def test_empty_result_and_account_query(server: RunningServer, protos: Protos) -> None:
    empty = call(server, protos.version, "searchStream", {"query": daily_query("2023-01-01", "2023-01-02")})
    (batch,) = [protos.parse(protos.stream_response, b) for b in empty.json()]
    assert list(batch.results) == []
    account = call(server, protos.version, "searchStream", {"query": ACCOUNT_QUERY})
    (rows,) = [protos.parse(protos.stream_response, b).results for b in account.json()]
    assert [(r.customer.currency_code, r.customer.time_zone) for r in rows] == [("EUR", "Europe/Berlin")]


ERROR_CASES = [
    # No token at all: UNAUTHENTICATED with a google.rpc.ErrorInfo detail and no GoogleAdsFailure.
    ("no_bearer_token", 401, None),
    ("no_developer_token", 400, ("request_error", "DEVELOPER_TOKEN_PARAMETER_MISSING")),
    ("other_customer", 403, ("authorization_error", "USER_PERMISSION_DENIED")),
    ("bad_query", 400, ("query_error", None)),
    ("page_size", 400, ("request_error", "PAGE_SIZE_NOT_SUPPORTED")),
]


@pytest.mark.parametrize(("case", "status", "error_code"), ERROR_CASES, ids=[case for case, *_ in ERROR_CASES])
def test_error_bodies_parse_strictly(
    server: RunningServer, protos: Protos, case: str, status: int, error_code: tuple[str, str | None] | None
) -> None:
    version = protos.version
    body: dict[str, Any] = {"query": daily_query("2024-01-01", "2024-01-02")}
    headers: dict[str, str] = {}
    method = "searchStream"
    url_customer = CID
    if case == "no_bearer_token":
        headers["Authorization"] = "Bearer"  # the scheme without a token
    elif case == "no_developer_token":
        headers["developer-token"] = ""
    elif case == "other_customer":
        url_customer = "9999999999"
    elif case == "bad_query":
        body = {"query": "SELECT campaign.id FROM campaign WHERE"}
    elif case == "page_size":
        method, body = "search", {**body, "pageSize": 10}
    url = f"{server.base_url}/{version}/customers/{url_customer}/googleAds:{method}"
    response = requests.post(url, json=body, headers={**HEADERS, **headers}, timeout=5)
    assert response.status_code == status
    payload = response.json()
    error = (payload[0] if method == "searchStream" else payload)["error"]
    assert error["code"] == response.status_code
    failures = []
    for detail in error.get("details", []):
        packed = protos.parse_detail(detail)
        if detail["@type"].endswith(".errors.GoogleAdsFailure"):
            assert detail["@type"] == f"type.googleapis.com/google.ads.googleads.{version}.errors.GoogleAdsFailure"
            failure = protos.failure()
            assert packed.Unpack(failure)
            failures.append(failure)
    if error_code is None:
        assert failures == []
        assert [d["@type"] for d in error["details"]] == ["type.googleapis.com/google.rpc.ErrorInfo"]
        return
    (failure,) = failures
    (google_ads_error,) = failure.errors
    kind, expected = error_code
    assert google_ads_error.error_code.WhichOneof("error_code") == kind
    enum_value = getattr(google_ads_error.error_code, kind)
    enum_type = google_ads_error.error_code.DESCRIPTOR.fields_by_name[kind].enum_type
    name = enum_type.values_by_number[enum_value].name
    if expected is not None:
        assert name == expected
    assert failure.request_id == response.headers["request-id"]


def test_invalid_token_and_quota_details_parse_strictly(protos: Protos) -> None:
    emulator = GoogleAdsEmulator(fixture(), access_token="good", daily_operations=1, today=lambda: date(2024, 1, 3))
    with serve_in_thread(emulator) as srv:
        bad = call(srv, protos.version, "searchStream", {"query": ACCOUNT_QUERY}, Authorization="Bearer bad")
        assert bad.status_code == 401
        ok = call(srv, protos.version, "searchStream", {"query": ACCOUNT_QUERY}, Authorization="Bearer good")
        assert ok.status_code == 200
        spent = call(srv, protos.version, "searchStream", {"query": ACCOUNT_QUERY}, Authorization="Bearer good")
        assert spent.status_code == 429
    for response, kind, name in (
        (bad, "authentication_error", "OAUTH_TOKEN_INVALID"),
        (spent, "quota_error", "RESOURCE_EXHAUSTED"),
    ):
        (detail,) = response.json()[0]["error"]["details"]
        failure = protos.failure()
        assert protos.parse_detail(detail).Unpack(failure)
        (error,) = failure.errors
        enum_type = error.error_code.DESCRIPTOR.fields_by_name[kind].enum_type
        assert enum_type.values_by_number[getattr(error.error_code, kind)].name == name
    quota = failure.errors[0].details.quota_error_details
    assert (quota.rate_name, quota.retry_delay.seconds > 0) == ("Number of operations for basic access", True)
    rate_scope = quota.DESCRIPTOR.fields_by_name["rate_scope"].enum_type
    assert rate_scope.values_by_number[quota.rate_scope].name == "DEVELOPER"
