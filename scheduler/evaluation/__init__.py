"""How well redline records edits, measured on generated and real pages: the evaluations that the
benchmarks in ``bench/`` report and the gates in ``tests/`` hold to their floors (one module
each, shared by both; see docs/decisions.md)."""
