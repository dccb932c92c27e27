"""Benchmarks of the hosted survey flow; see bench/README.md."""
