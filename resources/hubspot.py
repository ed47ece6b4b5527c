"""HubSpot CRM v3 client as a Dagster resource: contacts, deals, meetings, associations, pipelines.

Responses are parsed here, at the boundary, into typed records; nothing downstream sees HubSpot JSON.
Calls are paced under the portal's limits (burst per 10 s, search per second) and retried through the
shared session factory; a refused call raises :class:`~resources.http.ApiError` naming what to fix.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar, Literal

import requests

from resources.base import ApiResource, json_body
from resources.http import ApiError
from resources.hubspot_associations import read_deal_contacts
from resources.hubspot_values import merged_ids, stage_probability
from resources.quarantine import (
    BadValue,
    ParsedRecords,
    QuarantinedRecord,
    field_value,
    read_decimal,
    read_instant_ms,
    read_number,
)
from resources.source_identity import SourceIdentity

ObjectType = Literal["contacts", "deals", "meetings"]

SEARCH_PAGE_SIZE = 200
LIST_PAGE_SIZE = 100
SEARCH_RESULT_CAP = 10_000  # HubSpot answers 400 when paging past 10,000 results of one query
ASSOCIATION_BATCH_SIZE = 1_000

CONTACT_PROPERTIES = (
    "createdate",
    "lastmodifieddate",
    "lifecyclestage",
    "hs_analytics_source",
    "hs_analytics_source_data_1",
    "hs_merged_object_ids",
)
DEAL_PROPERTIES = (
    "createdate",
    "hs_lastmodifieddate",
    "closedate",
    "amount",
    "amount_in_home_currency",
    "deal_currency_code",
    "pipeline",
    "dealstage",
    "hs_is_closed",
    "hs_is_closed_won",
    "hs_deal_stage_probability",
    "hs_mrr",
    "hs_analytics_source",
    "hs_analytics_source_data_1",
    "hs_merged_object_ids",
)
MEETING_PROPERTIES = ("hs_createdate", "hs_lastmodifieddate", "hs_meeting_outcome", "hs_timestamp")
MODIFIED_PROPERTY: dict[str, str] = {
    "contacts": "lastmodifieddate",
    **dict.fromkeys(("deals", "meetings"), "hs_lastmodifieddate"),
}
SCOPES_HELP = "crm.objects.contacts.read, crm.objects.deals.read and crm.objects.appointments.read (meetings)"


def parse_instant_ms(value: str | int | None) -> int | None:
    """HubSpot datetime string (ISO-8601, with or without milliseconds, or epoch ms) → epoch ms UTC.

    Raises:
        ValueError: Not a date, or outside 1970-2199 (:func:`resources.quarantine.read_instant_ms`).
    """
    return read_instant_ms(value)


def parse_decimal(value: str | float | None) -> str | None:
    """An amount kept exact (as normalised text); blank → None.

    HubSpot sends every property as a string; a JSON number is schema drift, read the same way.

    Raises:
        ValueError: Not a number, NaN or Infinity, or beyond ±10^18.
    """
    number = read_decimal(value)
    return None if number is None else format(number, "f")


def parse_bool(value: str | bool | None) -> bool | None:
    if isinstance(value, bool):
        return value  # drift: a JSON boolean where HubSpot sends "true"/"false"
    if value is None or value == "":
        return None
    return value.strip().lower() == "true"


def parse_float(value: str | float | None) -> float | None:
    """A number (drift: a JSON number where HubSpot sends a string, as in Airbyte's recorded records).

    Raises:
        ValueError: Not a number, NaN or Infinity, or beyond ±10^18.
    """
    return read_number(value)


@dataclass(frozen=True)
class ContactRecord:
    contact_id: str
    created_at_ms: int | None
    updated_at_ms: int | None
    lifecyclestage: str | None
    analytics_source: str | None
    analytics_source_data_1: str | None
    archived: bool
    stage_dates_ms: dict[str, int] = field(default_factory=dict)  # property name → epoch ms
    merged_ids: tuple[str, ...] = ()  # records merged into this one (hs_merged_object_ids), gone from HubSpot


@dataclass(frozen=True)
class DealRecord:
    deal_id: str
    created_at_ms: int | None
    updated_at_ms: int | None
    close_date_ms: int | None
    amount: str | None
    amount_in_home_currency: str | None
    currency_code: str | None
    pipeline: str | None
    dealstage: str | None
    is_closed: bool | None
    is_closed_won: bool | None
    deal_stage_probability: float | None
    mrr: str | None
    analytics_source: str | None
    analytics_source_data_1: str | None
    archived: bool
    contact_ids: tuple[str, ...] | None = None  # None = associations not fetched with this record
    more_contacts: bool = False  # the embedded list was cut (HubSpot embeds 100): read the rest in batch
    merged_ids: tuple[str, ...] = ()  # deals merged into this one (hs_merged_object_ids), gone from HubSpot


@dataclass(frozen=True)
class AccountDetails:
    """The portal a token reaches (``GET /account-info/v3/details``)."""

    portal_id: int
    time_zone: str | None
    company_currency: str | None
    ui_domain: str | None
    data_hosting_location: str | None
    account_type: str | None


@dataclass(frozen=True)
class MeetingRecord:
    meeting_id: str
    created_at_ms: int | None
    updated_at_ms: int | None
    outcome: str | None
    archived: bool


@dataclass(frozen=True)
class PipelineStage:
    pipeline_id: str
    pipeline_label: str
    stage_id: str
    stage_label: str
    display_order: int
    is_closed: bool
    probability: float | None


@dataclass(frozen=True)
class PropertyDef:
    name: str
    type: str
    options: tuple[tuple[str, str], ...] = ()  # (value, label)


def _instant(props: dict[str, Any], raw: dict[str, Any], name: str, fallback: str) -> int | None:
    """A property's instant, else the record's own (``createdAt``/``updatedAt``); epoch 0 counts as unset."""
    return field_value(name, props.get(name), parse_instant_ms) or field_value(
        fallback, raw.get(fallback), parse_instant_ms
    )


def parse_contact(raw: dict[str, Any], stage_properties: Sequence[str]) -> ContactRecord:
    """One contact. Raises :class:`~resources.quarantine.BadValue` naming a date that cannot be read."""
    props = raw.get("properties") or {}
    dates = {
        name: ms
        for name in stage_properties
        if (ms := field_value(name, props.get(name), parse_instant_ms)) is not None
    }
    return ContactRecord(
        contact_id=str(raw["id"]),
        created_at_ms=_instant(props, raw, "createdate", "createdAt"),
        updated_at_ms=_instant(props, raw, "lastmodifieddate", "updatedAt"),
        lifecyclestage=props.get("lifecyclestage") or None,
        analytics_source=props.get("hs_analytics_source") or None,
        analytics_source_data_1=props.get("hs_analytics_source_data_1") or None,
        archived=bool(raw.get("archived", False)),
        stage_dates_ms=dates,
        merged_ids=merged_ids(raw),
    )


def parse_deal(raw: dict[str, Any]) -> DealRecord:
    """One deal. Raises :class:`~resources.quarantine.BadValue` naming a date or number that cannot be read."""
    props = raw.get("properties") or {}
    contact_ids: tuple[str, ...] | None = None
    more_contacts = False
    associations = raw.get("associations")
    if isinstance(associations, dict):
        contacts = associations.get("contacts") or {}
        contact_ids = tuple(sorted({str(item["id"]) for item in contacts.get("results", [])}))
        more_contacts = bool(((contacts.get("paging") or {}).get("next") or {}).get("after"))
    return DealRecord(
        deal_id=str(raw["id"]),
        created_at_ms=_instant(props, raw, "createdate", "createdAt"),
        updated_at_ms=_instant(props, raw, "hs_lastmodifieddate", "updatedAt"),
        close_date_ms=field_value("closedate", props.get("closedate"), parse_instant_ms),
        amount=field_value("amount", props.get("amount"), parse_decimal),
        amount_in_home_currency=field_value(
            "amount_in_home_currency", props.get("amount_in_home_currency"), parse_decimal
        ),
        currency_code=props.get("deal_currency_code") or None,
        pipeline=props.get("pipeline") or None,
        dealstage=props.get("dealstage") or None,
        is_closed=parse_bool(props.get("hs_is_closed")),
        is_closed_won=parse_bool(props.get("hs_is_closed_won")),
        deal_stage_probability=field_value(
            "hs_deal_stage_probability", props.get("hs_deal_stage_probability"), parse_float
        ),
        mrr=field_value("hs_mrr", props.get("hs_mrr"), parse_decimal),
        analytics_source=props.get("hs_analytics_source") or None,
        analytics_source_data_1=props.get("hs_analytics_source_data_1") or None,
        archived=bool(raw.get("archived", False)),
        contact_ids=contact_ids,
        more_contacts=more_contacts,
        merged_ids=merged_ids(raw),
    )


def parse_meeting(raw: dict[str, Any]) -> MeetingRecord:
    """One meeting. Raises :class:`~resources.quarantine.BadValue` naming a date that cannot be read."""
    props = raw.get("properties") or {}
    return MeetingRecord(
        meeting_id=str(raw["id"]),
        created_at_ms=_instant(props, raw, "hs_createdate", "createdAt"),
        updated_at_ms=_instant(props, raw, "hs_lastmodifieddate", "updatedAt"),
        outcome=props.get("hs_meeting_outcome") or None,
        archived=bool(raw.get("archived", False)),
    )


RecordParser = Callable[[dict[str, Any]], Any]
RECORD_TYPES: dict[str, str] = {"contacts": "contact", "deals": "deal", "meetings": "meeting"}


def parse_page(
    object_type: ObjectType, page: Iterable[dict[str, Any]], stage_properties: Sequence[str]
) -> ParsedRecords[Any]:
    """A page of records: those that parse, and the others quarantined (naming the field that failed)."""
    parse: RecordParser = {
        "contacts": lambda raw: parse_contact(raw, stage_properties),
        "deals": parse_deal,
        "meetings": parse_meeting,
    }[object_type]
    parsed: ParsedRecords[Any] = ParsedRecords()
    for raw in page:
        try:
            parsed.append(parse(raw))
        except BadValue as error:
            parsed.quarantined.append(QuarantinedRecord.of("hubspot", RECORD_TYPES[object_type], str(raw["id"]), error))
    return parsed


class HubSpotResource(ApiResource):
    """HubSpot CRM through a private-app access token (``HUBSPOT_ACCESS_TOKEN``)."""

    service_name: ClassVar[str] = "HubSpot"
    base_url_env: ClassVar[str] = "HUBSPOT_BASE_URL"
    credential_envs: ClassVar[tuple[str, ...]] = ("HUBSPOT_ACCESS_TOKEN",)

    access_token: str
    base_url: str = "https://api.hubapi.com"
    requests_per_10s: int = 100
    search_requests_per_second: int = 4

    def _request(self, method: str, path: str, endpoint: str, **kwargs: Any) -> dict[str, Any]:
        limiter = (
            self.limiter("search", self.search_requests_per_second, 1.0)
            if endpoint.endswith(".search")
            else self.limiter("burst", self.requests_per_10s, 10.0)
        )
        token = self.clean_secret("HUBSPOT_ACCESS_TOKEN", self.access_token)
        headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
        response = self.send(
            method,
            f"{self.base_url.rstrip('/')}{path}",
            endpoint=endpoint,
            limiter=limiter,
            headers=headers,
            **kwargs,
        )
        if response.status_code >= 400:
            raise self._error(response, endpoint)
        payload = json_body(response)
        if not isinstance(payload, dict):
            raise ApiError(
                f"HubSpot {endpoint} answered HTTP {response.status_code} with a body that is not a JSON object "
                "(cut off or an error page); rerun later (the sync resumes where it stopped)",
                service="HubSpot",
                status=response.status_code,
            )
        if payload.get("status") == "error":
            # A proxy or HubSpot itself can answer 200 with an error object; read as data it is an empty page.
            raise ApiError(
                f"HubSpot {endpoint} answered HTTP {response.status_code} with an error "
                f"({payload.get('category', 'no category')}): {payload.get('message', '')}; rerun later",
                service="HubSpot",
                status=response.status_code,
                category=payload.get("category"),
            )
        return payload

    def _error(self, response: requests.Response, endpoint: str) -> ApiError:
        body = json_body(response)
        body = body if isinstance(body, dict) else {}
        category = body.get("category") or body.get("policyName")
        detail = body.get("message", "")
        status = response.status_code
        if status == 401:
            advice = "check HUBSPOT_ACCESS_TOKEN: it must be a valid private-app access token"
        elif status == 403:
            advice = f"the private app lacks a scope for {endpoint}; it needs {SCOPES_HELP}"
        elif status == 429:
            advice = "rate limit still exceeded after retries; lower hubspot.requests_per_10s or retry later"
        elif status == 404:
            advice = "check HUBSPOT_BASE_URL (it should be https://api.hubapi.com)"
        elif status >= 500:
            advice = "HubSpot kept failing after retries; rerun later (the sync resumes where it stopped)"
        else:
            advice = "the request was refused; see the message above"
        return ApiError(
            f"HubSpot {endpoint} failed with HTTP {status} {category or ''}: {detail} -- {advice}".replace("  ", " "),
            service="HubSpot",
            status=status,
            category=category,
        )

    # --- endpoints -------------------------------------------------------------------------------

    def get_properties(self, object_type: ObjectType) -> list[PropertyDef]:
        """Property definitions of an object type (used to find the stage-date properties that exist)."""
        payload = self._request("GET", f"/crm/v3/properties/{object_type}", f"{object_type}.properties")
        definitions = []
        for item in payload.get("results", []):
            options = tuple((str(o.get("value")), str(o.get("label"))) for o in item.get("options") or [])
            definitions.append(PropertyDef(name=item["name"], type=str(item.get("type", "string")), options=options))
        return definitions

    def get_deal_pipelines(self) -> list[PipelineStage]:
        """Every deal pipeline's stages with their closed flag and win probability."""
        payload = self._request("GET", "/crm/v3/pipelines/deals", "pipelines")
        stages = []
        for pipeline in payload.get("results", []):
            for stage in pipeline.get("stages", []):
                metadata = stage.get("metadata") or {}
                stages.append(
                    PipelineStage(
                        pipeline_id=str(pipeline["id"]),
                        pipeline_label=str(pipeline.get("label", "")),
                        stage_id=str(stage["id"]),
                        stage_label=str(stage.get("label", "")),
                        display_order=int(stage.get("displayOrder", 0)),
                        is_closed=str(metadata.get("isClosed", "false")).lower() == "true",
                        probability=stage_probability(metadata.get("probability")),
                    )
                )
        return stages

    def list_pages(
        self,
        object_type: ObjectType,
        properties: Sequence[str],
        *,
        archived: bool = False,
        associations: Sequence[str] = (),
    ) -> Iterator[list[dict[str, Any]]]:
        """Every record of a type through the list endpoint, 100 a page (raw JSON; parse with ``parse_*``)."""
        after: str | None = None
        while True:
            params: list[tuple[str, str]] = [
                ("limit", str(LIST_PAGE_SIZE)),
                ("properties", ",".join(properties)),
                ("archived", "true" if archived else "false"),
            ]
            params += [("associations", name) for name in associations]
            if after:
                params.append(("after", after))
            payload = self._request("GET", f"/crm/v3/objects/{object_type}", f"{object_type}.list", params=params)
            yield payload.get("results", [])
            after = ((payload.get("paging") or {}).get("next") or {}).get("after")
            if not after:
                return

    def search_modified_since(
        self, object_type: ObjectType, properties: Sequence[str], since_ms: int
    ) -> Iterator[list[dict[str, Any]]]:
        """Records modified at or after ``since_ms``, 200 a page, sorted by id.

        HubSpot refuses to page past 10,000 results of one query; before reaching it the query is
        re-anchored on ``hs_object_id > last id`` so any number of changes costs ⌈N/200⌉ calls.
        """
        modified = MODIFIED_PROPERTY[object_type]
        last_id: int | None = None
        while True:
            filters: list[dict[str, Any]] = [{"propertyName": modified, "operator": "GTE", "value": str(since_ms)}]
            if last_id is not None:
                filters.append({"propertyName": "hs_object_id", "operator": "GT", "value": str(last_id)})
            offset = 0
            reanchor = False
            while True:
                body = {
                    "filterGroups": [{"filters": filters}],
                    "sorts": [{"propertyName": "hs_object_id", "direction": "ASCENDING"}],
                    "properties": list(properties),
                    "limit": SEARCH_PAGE_SIZE,
                    "after": str(offset),
                }
                payload = self._request(
                    "POST", f"/crm/v3/objects/{object_type}/search", f"{object_type}.search", json=body
                )
                results = payload.get("results", [])
                if results:
                    yield results
                    last_id = int(results[-1]["id"])
                next_after = ((payload.get("paging") or {}).get("next") or {}).get("after")
                if not next_after or not results:
                    return
                offset = int(next_after)
                if offset + SEARCH_PAGE_SIZE > SEARCH_RESULT_CAP:
                    reanchor = True
                    break
            if not reanchor:
                return

    def deal_contact_ids(self, deal_ids: Iterable[str]) -> dict[str, tuple[str, ...]]:
        """Associated contact ids per deal; deals without any → () (see :func:`read_deal_contacts`)."""
        return read_deal_contacts(self._request, deal_ids, batch_size=ASSOCIATION_BATCH_SIZE)

    def account_details(self) -> AccountDetails:
        """The portal this token reaches (``GET /account-info/v3/details``): id, time zone, currency.

        ``companyCurrency`` is the portal's company (home) currency, the currency of every deal's
        ``amount_in_home_currency`` and of an ``amount`` whose deal has no ``deal_currency_code``
        (https://developers.hubspot.com/docs/api-reference/latest/account/account-information/get-account-details).
        """
        payload = self._request("GET", "/account-info/v3/details", "account_info")
        portal_id = payload.get("portalId")
        if not isinstance(portal_id, int) or isinstance(portal_id, bool):
            raise ApiError(
                f"HubSpot account_info answered without a numeric portalId ({str(portal_id)[:40]!r}); check "
                "HUBSPOT_BASE_URL (it should be https://api.hubapi.com)",
                service="HubSpot",
                status=200,
            )
        return AccountDetails(
            portal_id=portal_id,
            time_zone=payload.get("timeZone"),
            company_currency=payload.get("companyCurrency"),
            ui_domain=payload.get("uiDomain"),
            data_hosting_location=payload.get("dataHostingLocation"),
            account_type=payload.get("accountType"),
        )

    def source_identity(self, details: AccountDetails | None = None) -> SourceIdentity:
        """The portal this token reaches, as the warehouse records it (one account-info call).

        Args:
            details: The portal's account details when the caller has read them already (the mirror
                reads them once for the identity and the company currency); else they are read here.
        """
        details = details or self.account_details()
        where = f" ({details.ui_domain})" if details.ui_domain else ""
        return SourceIdentity(
            "hubspot", str(details.portal_id), f"HubSpot portal {details.portal_id}{where}", "HUBSPOT_ACCESS_TOKEN"
        )
