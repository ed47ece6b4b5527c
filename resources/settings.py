"""The Dagster resource that hands the validated settings to the assets that need them.

Every asset of the weekly job requires it, so its setup is the run's preflight: Dagster sets resources up
before the first step runs (once per run: the weekly job executes its steps in one process), and a settings
file that no longer validates, or a ``stages``/``pipelines`` value the HubSpot portal does not have, fails
the run there, before any source is read or any row written. Its nested ``lease`` takes the warehouse's run
lease first (:mod:`resources.run_lease`), so no two runs write at once.
"""

from __future__ import annotations

from dagster import ConfigurableResource, InitResourceContext

from resources.hubspot import HubSpotResource
from resources.preflight import check_portal
from resources.run_lease import RunLeaseResource
from settings import Settings, load_settings


class SettingsResource(ConfigurableResource):
    """The settings file, read where an asset needs it (``config_path`` None = defaults lookup).

    Attributes:
        config_path: The settings file; None = ``FUNNEL_LEDGER_CONFIG`` or ./funnel-ledger.yaml.
        portal: The HubSpot portal the settings are checked against before the run writes; None skips
            that check (a job without HubSpot).
        lease: The warehouse's run lease, set up (taken) before this resource and released when the run
            ends; None takes no lease (tests of a single asset).
    """

    config_path: str | None = None
    portal: HubSpotResource | None = None
    lease: RunLeaseResource | None = None

    def load(self) -> Settings:
        return load_settings(self.config_path)

    def setup_for_execution(self, context: InitResourceContext) -> None:
        settings = self.load()
        if self.portal is None:
            return
        facts = check_portal(settings, self.portal)
        if context.log is not None:
            context.log.info(
                f"preflight: settings valid; {len(settings.stages)} stages are lifecycle stages of the portal, "
                f"pipelines {'all' if settings.pipelines is None else ', '.join(settings.pipelines)} of "
                f"{facts.pipelines} found"
            )
