"""Signed, expiring test datasets and the guard that keeps real data out of test environments.

container.py is the file format (no database); services.py makes the keys, loads, expires and
guards; guard.py stops a non-production process at start. docs/test-environments.md explains.
"""
