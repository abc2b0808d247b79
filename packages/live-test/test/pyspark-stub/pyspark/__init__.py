"""A stand-in for the few pyspark APIs job.py's CSV and value rules use, evaluated row by row in Python.

Spark is not available here (no PyPI), so job-py.test.ts runs job.py's own rule-building functions against this stub
and compares the results with the local engine. It models Spark's documented semantics for what it covers: SQL null
propagation and three-valued logic, trim(BOTH chars FROM col), 1-based substr, and nothing else.
"""
