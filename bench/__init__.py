"""Benchmark suite of the IMS backend: `make bench` (`QUICK=1` for a short run). See bench/run.py."""
