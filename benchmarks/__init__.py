"""Benchmarks (`make bench`): sync, warehouse, KPI and pipeline speed at scale, and the peer comparison."""
