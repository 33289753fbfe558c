"""Sent after the transaction that changed an appointment commits (never for a rolled-back change).

Receivers get `appointment` (or `entry`) and must not assume a request: the reminders and
notifications hook in here without scheduling importing them.
"""
from django.db import transaction
from django.dispatch import Signal

appointment_booked = Signal()
appointment_cancelled = Signal()
appointment_rescheduled = Signal()  # appointment = the new one; its rescheduled_from is the old one
appointment_status_changed = Signal()
waitlist_offer_made = Signal()


def send_on_commit(signal, **kwargs):
    transaction.on_commit(lambda: signal.send(sender="scheduling", **kwargs))
