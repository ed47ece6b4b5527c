"""The test suite: unit, emulator, warehouse and end-to-end tests (see docs/architecture.md)."""
