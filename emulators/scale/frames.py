"""KPI input frames at benchmark scale, built straight from the HubSpot columns (no emulator, no warehouse).

Used by the KPI benchmark in ``benchmarks/run.py``.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

import numpy as np
import pandas as pd

from .hubspot import DEAL_STAGES, SOURCES, STAGES, contact_columns, deal_columns

PIPELINE_STAGES = pd.DataFrame(
    {
        "pipeline_id": ["default"] * 4,
        "stage_id": list(DEAL_STAGES),
        "is_closed": [False, False, True, True],
        "probability": [0.2, 0.9, 1.0, 0.0],
    }
)


def _utc(epoch_s: np.ndarray) -> pd.Series:
    # NaT for "never" (-1) without a Python-level loop: NaT is int64 min in datetime64.
    ns = np.where(epoch_s >= 0, epoch_s * 1_000_000_000, np.iinfo(np.int64).min).astype("datetime64[ns]")
    return pd.Series(ns).dt.tz_localize("UTC")


def kpi_frames(contacts: int, *, end: datetime, deals: int | None = None, seed: int = 21) -> dict[str, pd.DataFrame]:
    """The frames ``compute_hubspot_kpis`` takes, built directly from columns (no emulator, no warehouse).

    Args:
        contacts: Number of contacts.
        end: The as-of instant.
        deals: Number of deals (default: a fifth of the contacts).
        seed: Random seed.

    Returns:
        ``contacts``, ``deals``, ``deal_contacts``, ``meetings`` and ``pipeline_stages`` frames in the
        shape ``read_hubspot_inputs`` produces.
    """
    c = contact_columns(contacts, end=end, seed=seed)
    d = deal_columns(deals if deals is not None else max(1, contacts // 5), contacts=contacts, end=end, seed=seed + 1)
    source_values = np.array(SOURCES, dtype=object)
    contact_ids = pd.Series(c.ids.astype(str), dtype=object)
    contact_frame = pd.DataFrame(
        {
            "contact_id": contact_ids,
            "created_at": _utc(c.created_s),
            "lifecyclestage": np.array(STAGES, dtype=object)[c.stage],
            "analytics_source": source_values[c.source],
            "analytics_source_data_1": None,
            "archived": c.archived,
        }
    )
    for k, stage in enumerate(STAGES):
        contact_frame[f"hs_v2_date_entered_{stage}"] = _utc(c.entered_s[:, k])
    del c
    stage_names = np.array(DEAL_STAGES, dtype=object)[d.stage]
    deal_ids = pd.Series(d.ids.astype(str), dtype=object)
    deal_frame = pd.DataFrame(
        {
            "deal_id": deal_ids,
            "created_at": _utc(d.created_s),
            "close_date": _utc(d.close_s),
            "amount": d.amount.astype(np.float64),
            "amount_in_home_currency": np.nan,
            "pipeline": "default",
            "dealstage": stage_names,
            "is_closed": pd.Series(np.isin(stage_names, ["closedwon", "closedlost"]), dtype=object),
            "is_closed_won": pd.Series(stage_names == "closedwon", dtype=object),
            "deal_stage_probability": np.nan,
            "mrr": np.nan,
            "analytics_source": source_values[d.source],
            "analytics_source_data_1": None,
            "archived": d.archived,
        }
    )
    links = pd.DataFrame({"deal_id": deal_ids, "contact_id": pd.Series(d.contact_id.astype(str), dtype=object)})
    meetings = pd.DataFrame(
        {
            "meeting_id": pd.Series([], dtype=object),
            "created_at": pd.Series([], dtype="datetime64[ns, UTC]"),
            "outcome": pd.Series([], dtype=object),
            "archived": pd.Series([], dtype=bool),
        }
    )
    return {
        "contacts": contact_frame,
        "deals": deal_frame,
        "deal_contacts": links,
        "meetings": meetings,
        "pipeline_stages": PIPELINE_STAGES.copy(),
    }


def weeks_ending(end: date, weeks: int) -> list[date]:
    """The Mondays of the ``weeks`` complete weeks before ``end``, oldest first."""
    last = end - timedelta(days=end.weekday() + 7)
    return [last - timedelta(weeks=weeks - 1 - i) for i in range(weeks)]
