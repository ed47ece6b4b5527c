"""The settings that only the HubSpot portal can confirm (``stages``, ``pipelines``), checked before a run writes.

Called by :class:`resources.settings.SettingsResource` when a run's resources are set up (so before the
first asset of any run, from the CLI, the schedule or the UI) and by ``funnel-ledger check``. Two cheap
reads: the contact properties (the lifecycle stage options) and the deal pipelines.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from resources.hubspot import HubSpotResource, PipelineStage, PropertyDef
from settings import Settings, SettingsError


@dataclass(frozen=True)
class PortalFacts:
    """What the preflight read, for the log line and the check row."""

    lifecycle_stages: int
    pipelines: int
    pipeline_stages: int


def _labelled(pairs: Sequence[tuple[str, str]]) -> str:
    return ", ".join(f"{value} ({label})" if label and label != value else value for value, label in pairs) or "none"


def _label_hint(unknown: Sequence[str], pairs: Sequence[tuple[str, str]]) -> str:
    """Where a setting names something by its label (what the HubSpot UI shows), the id to write instead."""
    by_label = {label.casefold(): value for value, label in pairs}
    hints = [f"'{name}' is the label of {by_label[name.casefold()]}" for name in unknown if name.casefold() in by_label]
    return f" ({'; '.join(hints)})" if hints else ""


def stage_problem(stages: Sequence[str], properties: Sequence[PropertyDef]) -> str | None:
    """Why ``stages`` does not fit the portal's ``lifecyclestage`` options, or None when every stage is one.

    A portal whose lifecycle property lists no options (an old or restricted one) cannot be checked here;
    the mirror then dates each stage by the properties that exist.
    """
    lifecycle = next((prop for prop in properties if prop.name == "lifecyclestage"), None)
    if lifecycle is None or not lifecycle.options:
        return None
    known = {value for value, _ in lifecycle.options}
    unknown = [stage for stage in stages if stage not in known]
    if not unknown:
        return None
    hint = _label_hint(unknown, lifecycle.options)
    return (
        f"setting 'stages': {', '.join(unknown)} is not a lifecycle stage of this HubSpot portal{hint}; "
        f"use the internal values: {_labelled(lifecycle.options)}"
    )


def pipeline_problem(pipelines: Sequence[str] | None, stages: Sequence[PipelineStage]) -> str | None:
    """Why ``pipelines`` names a deal pipeline the portal does not have, or None when all exist (or unset)."""
    if pipelines is None:
        return None
    labels = {stage.pipeline_id: stage.pipeline_label for stage in stages}
    unknown = [pipeline for pipeline in pipelines if pipeline not in labels]
    if not unknown:
        return None
    hint = _label_hint(unknown, list(labels.items()))
    return (
        f"setting 'pipelines': {', '.join(unknown)} is not a deal pipeline id of this HubSpot portal{hint}; "
        f"its pipelines are: {_labelled(sorted(labels.items()))} (leave the setting out for all of them)"
    )


def check_portal(settings: Settings, hubspot: HubSpotResource) -> PortalFacts:
    """Confirm ``stages`` and ``pipelines`` against the portal; raises :class:`SettingsError` naming the setting.

    Both problems are reported together, one per line, as the settings file's own errors are.
    """
    properties = hubspot.get_properties("contacts")
    deal_stages = hubspot.get_deal_pipelines()
    problems = [
        problem
        for problem in (stage_problem(settings.stages, properties), pipeline_problem(settings.pipelines, deal_stages))
        if problem
    ]
    if problems:
        raise SettingsError("\n".join(problems))
    lifecycle = next((prop for prop in properties if prop.name == "lifecyclestage"), None)
    return PortalFacts(
        lifecycle_stages=len(lifecycle.options) if lifecycle else 0,
        pipelines=len({stage.pipeline_id for stage in deal_stages}),
        pipeline_stages=len(deal_stages),
    )
