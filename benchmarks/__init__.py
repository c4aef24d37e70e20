"""Benchmarks: separate commands, not tests. Each writes its section of docs/BENCHMARKS.md."""
