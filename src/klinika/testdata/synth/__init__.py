"""Synthetic Polish people for test environments: generated from a seed, never real.

generate_patients() yields columnar batches of patients (memory flat in the number of
people); generate_practitioners() gives doctors, nurses and midwives with valid licence
numbers. Nothing here writes to a database: importers store the batches.
"""
from klinika.testdata.synth.people import PatientBatch, generate_patients
from klinika.testdata.synth.staff import generate_practitioners

__all__ = ["PatientBatch", "generate_patients", "generate_practitioners"]
