"""Conformance tests: the emulators read by code this project did not write (vendor clients, recorded calls)."""
