"""Bench-only app: plaintext twins of the tables the patient summary reads (bench/patient_summary.py).

Installed only by bench/summary_settings.py; never part of klinika's INSTALLED_APPS.
"""
from django.apps import AppConfig


class PlainRecordsConfig(AppConfig):
    name = "bench.plainrecords"
    label = "benchplainrecords"
    verbose_name = "Bench: plaintext twins of the visit-record tables"
