"""Benchmarks: run with `make bench`. Never part of the test suite."""
