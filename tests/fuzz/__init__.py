"""Fuzzing of everything that reads partner input (issue #16): harness, short run, regressions.

The long run is ``python -m tests.fuzz``; see ``tests/fuzz/README.md``.
"""
