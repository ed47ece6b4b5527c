"""Dagster wiring: the definitions entry point, partitions, schedule and sensors, the CLI and the demo."""
