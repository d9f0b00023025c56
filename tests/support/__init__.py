"""Helpers shared by the golden tests and the benchmarks (importable as `tests.support`)."""
