"""Dagster assets: raw copies of each source, the weekly KPI mart and the tracker; KPI math in ``kpi_math``."""
