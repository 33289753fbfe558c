"""Bench-only app: a plaintext twin of klinika.patients.Patient, the baseline of bench/encrypted_page.py.

Installed only by bench/settings.py; never part of klinika's INSTALLED_APPS.
"""
