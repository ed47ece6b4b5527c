"""Fault injection for client tests: the emulators' own fault tools (kept here as the tests' import path)."""

from emulators.faults import Fault, FaultyApp, read_timeouts, reset, status

__all__ = ["Fault", "FaultyApp", "read_timeouts", "reset", "status"]
