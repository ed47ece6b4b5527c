"""Property definitions served by ``/crm/v3/properties``: HubSpot's standard ones, fixture ones, inferred ones.

Derived by the emulator's store; they also give search its property types and list/get their known names.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterable, Mapping
from typing import Any

from emulators.hubspot.wire import _EPOCH_ISO, _SINGULAR, JSON

#: HubSpot's default lifecycle stages (internal value, label), in pipeline order.
DEFAULT_LIFECYCLE_STAGES: tuple[tuple[str, str], ...] = (
    ("subscriber", "Subscriber"),
    ("lead", "Lead"),
    ("marketingqualifiedlead", "Marketing Qualified Lead"),
    ("salesqualifiedlead", "Sales Qualified Lead"),
    ("opportunity", "Opportunity"),
    ("customer", "Customer"),
    ("evangelist", "Evangelist"),
    ("other", "Other"),
)

_ANALYTICS_SOURCES: tuple[tuple[str, str], ...] = (
    ("ORGANIC_SEARCH", "Organic Search"),
    ("PAID_SEARCH", "Paid Search"),
    ("EMAIL_MARKETING", "Email Marketing"),
    ("SOCIAL_MEDIA", "Organic Social"),
    ("REFERRALS", "Referrals"),
    ("OTHER_CAMPAIGNS", "Other Campaigns"),
    ("DIRECT_TRAFFIC", "Direct Traffic"),
    ("OFFLINE", "Offline Sources"),
    ("PAID_SOCIAL", "Paid Social"),
    ("AI_REFERRALS", "AI Referrals"),
)

_MEETING_OUTCOMES: tuple[tuple[str, str], ...] = (
    ("SCHEDULED", "Scheduled"),
    ("COMPLETED", "Completed"),
    ("RESCHEDULED", "Rescheduled"),
    ("NO_SHOW", "No Show"),
    ("CANCELED", "Canceled"),
)

#: The company currency of a portal whose account-info the fixture does not give.
DEFAULT_COMPANY_CURRENCY = "USD"

_FIELD_TYPE_BY_TYPE = {
    "string": "text",
    "number": "number",
    "datetime": "date",
    "date": "date",
    "enumeration": "select",
    "bool": "booleancheckbox",
}

_DATE_LIKE_NAME = re.compile(r"date|timestamp|_time$")
_NUMBER_TEXT = re.compile(r"-?(0|[1-9]\d*)(\.\d+)?")


def _option(label: str, value: str, order: int) -> JSON:
    return {"label": label, "value": value, "displayOrder": order, "hidden": False}


def _property_definition(
    name: str,
    label: str,
    prop_type: str,
    object_type: str,
    *,
    field_type: str | None = None,
    options: list[JSON] | None = None,
    hubspot_defined: bool = True,
    description: str = "",
) -> JSON:
    return {
        "name": name,
        "label": label,
        "type": prop_type,
        "fieldType": field_type or _FIELD_TYPE_BY_TYPE.get(prop_type, "text"),
        "description": description,
        "groupName": f"{_SINGULAR.get(object_type, object_type)}information",
        "options": options or [],
        "displayOrder": -1,
        "calculated": False,
        "externalOptions": False,
        "hasUniqueValue": name == "hs_object_id",
        "hidden": False,
        "hubspotDefined": hubspot_defined,
        "modificationMetadata": {"archivable": True, "readOnlyDefinition": True, "readOnlyValue": False},
        "formField": False,
        "createdAt": _EPOCH_ISO,
        "updatedAt": _EPOCH_ISO,
        "archived": False,
    }


def _complete_definition(raw: Mapping[str, Any], object_type: str) -> JSON:
    """Fill the fields the official client requires into a fixture-provided property definition."""
    name = str(raw["name"])
    prop_type = str(raw.get("type", "string"))
    base = _property_definition(
        name,
        str(raw.get("label", name)),
        prop_type,
        object_type,
        field_type=raw.get("fieldType"),
        hubspot_defined=bool(raw.get("hubspotDefined", name.startswith("hs_"))),
    )
    base.update(copy.deepcopy(dict(raw)))
    base["options"] = [
        {
            "label": str(opt.get("label", opt.get("value", ""))),
            "value": str(opt.get("value", "")),
            "displayOrder": int(opt.get("displayOrder", i)),
            "hidden": bool(opt.get("hidden", False)),
            **({"description": opt["description"]} if "description" in opt else {}),
        }
        for i, opt in enumerate(base.get("options") or [])
    ]
    if base.get("description") is None:
        base["description"] = ""
    return base


def portal_currencies(account: Mapping[str, Any], deals: Mapping[str, JSON]) -> tuple[str, list[str]]:
    """The portal's company currency and additional currencies, as account-info serves them.

    Both come from the fixture's ``account`` when it gives them; the additional currencies otherwise are
    the other ``deal_currency_code`` values of the stored deals, sorted (HubSpot accepts only the
    portal's currencies on a deal).
    """
    company = str(account.get("companyCurrency") or DEFAULT_COMPANY_CURRENCY)
    if "additionalCurrencies" in account:
        return company, [str(code) for code in account["additionalCurrencies"] or []]
    codes = {str(record["properties"].get("deal_currency_code") or "") for record in deals.values()}
    return company, sorted(code for code in codes if code and code != company)


def _infer_type(name: str, values: list[str]) -> str:
    """Guess a property's type from its name and the values seen in the fixture."""
    if _DATE_LIKE_NAME.search(name):
        return "datetime"
    if values and all(v.lower() in ("true", "false") for v in values):
        return "bool"
    # Leading zeros (zip codes, phone numbers) mean text, not numbers.
    if values and all(_NUMBER_TEXT.fullmatch(v) for v in values):
        return "number"
    return "string"


def _derive_property_definitions(
    records_by_type: Mapping[str, Mapping[str, JSON]],
    explicit_props: Mapping[str, list[JSON]],
    deal_pipelines: list[JSON],
    currencies: Iterable[str] = (DEFAULT_COMPANY_CURRENCY,),
) -> dict[str, dict[str, JSON]]:
    """Derive property definitions: fixture definitions, standard ones, then anything seen on records.

    Args:
        records_by_type: Object type -> id -> stored record.
        explicit_props: Object type -> the fixture's own definitions (replace the standard ones).
        deal_pipelines: The served deal pipelines (their stages are ``dealstage``'s options).
        currencies: The portal's currencies, company currency first (``deal_currency_code``'s options).

    Returns:
        Object type -> property name -> definition.
    """
    props: dict[str, dict[str, JSON]] = {}
    for object_type in _SINGULAR:
        records = records_by_type.get(object_type, {})
        seen: dict[str, list[str]] = {}
        for record in records.values():
            for name, value in record["properties"].items():
                bucket = seen.setdefault(name, [])
                if value not in (None, ""):
                    bucket.append(value)
        defs: dict[str, JSON] = {}
        explicit = explicit_props.get(object_type)
        if explicit is not None:
            for raw in explicit:
                definition = _complete_definition(raw, object_type)
                defs[definition["name"]] = definition
        else:
            for definition in _standard_definitions(object_type, seen, deal_pipelines, tuple(currencies)):
                defs[definition["name"]] = definition
        for name, values in seen.items():
            if name not in defs:
                prop_type = _infer_type(name, values)
                options = [_option("Yes", "true", 0), _option("No", "false", 1)] if prop_type == "bool" else None
                defs[name] = _property_definition(
                    name,
                    name,
                    prop_type,
                    object_type,
                    options=options,
                    hubspot_defined=name.startswith("hs_"),
                )
        for name, definition in defs.items():
            # Values present on records but missing from an enumeration's options are added, so
            # the options always describe the data being served.
            if definition["type"] == "enumeration":
                known = {o["value"] for o in definition["options"]}
                for value in dict.fromkeys(seen.get(name, [])):
                    if value not in known:
                        definition["options"].append(_option(value, value, len(definition["options"])))
                        known.add(value)
        props[object_type] = defs
    return props


def _standard_definitions(
    object_type: str, seen: Mapping[str, list[str]], deal_pipelines: list[JSON], currencies: tuple[str, ...]
) -> list[JSON]:
    t = object_type

    def d(name: str, label: str, prop_type: str, **kw: Any) -> JSON:
        return _property_definition(name, label, prop_type, t, **kw)

    def enum(name: str, label: str, pairs: Iterable[tuple[str, str]], field_type: str = "select") -> JSON:
        options = [_option(lbl, val, i) for i, (val, lbl) in enumerate(pairs)]
        return d(name, label, "enumeration", field_type=field_type, options=options)

    # hs_merged_object_ids: the ids merged into a record (semicolon-separated), set by a merge.
    common = [
        d("hs_object_id", "Record ID", "number"),
        enum("hs_merged_object_ids", "Merged Record IDs", [], "checkbox"),
    ]
    if t == "contacts":
        stages: list[tuple[str, str]] = list(DEFAULT_LIFECYCLE_STAGES)
        known_stage_ids = {s for s, _ in stages}
        # Custom lifecycle stages (numeric ids) seen in the data get their own stage properties too.
        stages += [(v, v) for v in dict.fromkeys(seen.get("lifecyclestage", [])) if v not in known_stage_ids]
        defs = [
            *common,
            d("email", "Email", "string"),
            d("firstname", "First Name", "string"),
            d("lastname", "Last Name", "string"),
            d("createdate", "Create Date", "datetime"),
            d("lastmodifieddate", "Last Modified Date", "datetime"),
            enum("lifecyclestage", "Lifecycle Stage", stages, field_type="radio"),
            enum("hs_analytics_source", "Original Source", _ANALYTICS_SOURCES),
            d("hs_analytics_source_data_1", "Original Source Drill-Down 1", "string"),
            d("hs_analytics_source_data_2", "Original Source Drill-Down 2", "string"),
            enum("hs_latest_source", "Latest Source", _ANALYTICS_SOURCES),
            d("hs_latest_source_data_1", "Latest Source Drill-Down 1", "string"),
            d("hs_latest_source_data_2", "Latest Source Drill-Down 2", "string"),
            d("hs_v2_date_entered_current_stage", "Date entered current stage", "datetime"),
        ]
        for stage_id, label in stages:
            defs += [
                d(f"hs_lifecyclestage_{stage_id}_date", f"Became a {label} Date", "datetime"),
                d(
                    f"hs_v2_date_entered_{stage_id}",
                    f"Date entered '{label} (Lifecycle Stage Pipeline)'",
                    "datetime",
                ),
                d(
                    f"hs_v2_date_exited_{stage_id}",
                    f"Date exited '{label} (Lifecycle Stage Pipeline)'",
                    "datetime",
                ),
            ]
        return defs
    if t == "deals":
        pipelines = deal_pipelines

        stage_pairs = [(s["id"], s["label"]) for p in pipelines for s in p["stages"]]
        defs = [
            *common,
            d("dealname", "Deal Name", "string"),
            d("amount", "Amount", "number"),
            enum("dealstage", "Deal Stage", stage_pairs, field_type="radio"),
            enum("pipeline", "Pipeline", [(p["id"], p["label"]) for p in pipelines]),
            d("closedate", "Close Date", "datetime"),
            d("createdate", "Create Date", "datetime"),
            d("hs_createdate", "HubSpot Create Date", "datetime"),
            d("hs_lastmodifieddate", "Last Modified Date", "datetime"),
            enum("hs_is_closed", "Is Deal Closed?", [("true", "True"), ("false", "False")]),
            enum("hs_is_closed_won", "Is Closed Won", [("true", "True"), ("false", "False")]),
            enum("hs_is_closed_lost", "Is closed lost", [("true", "True"), ("false", "False")]),
            d("hs_deal_stage_probability", "Deal probability", "number"),
            d("amount_in_home_currency", "Amount in company currency", "number"),
            # An enumeration of the portal's currencies (HubSpot's definition: type enumeration, fieldType
            # select); a code seen on a deal and not listed is added with the other seen values below.
            enum("deal_currency_code", "Currency", [(code, code) for code in currencies]),
            d("hs_closed_amount", "Closed Deal Amount", "number"),
            d("hs_closed_won_count", "Closed won count", "number"),
            enum("hs_analytics_source", "Original Source Type", _ANALYTICS_SOURCES),
        ]
        for stage_id, label in dict(stage_pairs).items():
            defs += [
                d(f"hs_v2_date_entered_{stage_id}", f"Date entered '{label}'", "datetime"),
                d(f"hs_v2_date_exited_{stage_id}", f"Date exited '{label}'", "datetime"),
            ]
        # The boolean flags are HubSpot "bool" properties.
        for flag in defs:
            if flag["name"] in ("hs_is_closed", "hs_is_closed_won", "hs_is_closed_lost"):
                flag["type"] = "bool"
                flag["fieldType"] = "booleancheckbox"
        return defs
    if t == "meetings":
        return [
            *common,
            d("hs_meeting_title", "Meeting name", "string"),
            d("hs_meeting_start_time", "Meeting start time", "datetime"),
            d("hs_meeting_end_time", "Meeting end time", "datetime"),
            enum("hs_meeting_outcome", "Meeting outcome", _MEETING_OUTCOMES),
            d("hs_timestamp", "Activity date", "datetime"),
            d("hs_createdate", "Create date", "datetime"),
            d("hs_lastmodifieddate", "Last modified date", "datetime"),
            d("hubspot_owner_id", "Activity assigned to", "string"),
            d("hs_activity_type", "Call and meeting type", "string"),
        ]
    return [
        *common,
        d("name", "Company name", "string"),
        d("domain", "Company Domain Name", "string"),
        d("createdate", "Create Date", "datetime"),
        d("hs_lastmodifieddate", "Last Modified Date", "datetime"),
    ]
