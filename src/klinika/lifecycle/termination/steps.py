"""The termination's steps, in the only order they may happen, and the fault-injection hook.

KLINIKA_TERMINATION_CRASH_AFTER=<step> (never honoured in production) makes the process exit on
the spot right after that step's effect and before its state is recorded: the kill-at-each-step
test runs the command again and expects the same end state as an uninterrupted run.
"""
import os

from django.utils.translation import gettext_lazy as _

from klinika.environments import is_production

NOTICE = "notice"
DELIVERED = "delivered"
ACKNOWLEDGED = "acknowledged"
GRACE = "grace"
SHRED = "shred"
ROTATE_ROOT = "rotate-root"
ROWS = "rows"
CERTIFICATE = "certificate"

ORDER = (NOTICE, DELIVERED, ACKNOWLEDGED, GRACE, SHRED, ROTATE_ROOT, ROWS, CERTIFICATE)
# Extra crash points inside a step (after the first chunk of rows is removed and committed).
ROWS_CHUNK = "rows-chunk"
CRASH_POINTS = ORDER + (ROWS_CHUNK,)

LABELS = {
    NOTICE: _("Notice of termination given"),
    DELIVERED: _("Handover export delivered"),
    ACKNOWLEDGED: _("Handover export acknowledged by the clinic"),
    GRACE: _("Grace period over"),
    SHRED: _("Clinic keys destroyed (crypto-shred)"),
    ROTATE_ROOT: _("Root key rotated (backups covered once the old generation is destroyed)"),
    ROWS: _("Clinic data removed from the live database"),
    CERTIFICATE: _("Deletion certificate issued"),
}

# The Termination field that records each step as done.
DONE_FIELD = {
    NOTICE: "notice_at", DELIVERED: "delivered_at", ACKNOWLEDGED: "acknowledged_at", GRACE: "grace_ended_at",
    SHRED: "shredded_at", ROTATE_ROOT: "root_retired_at", ROWS: "rows_removed_at", CERTIFICATE: "certified_at",
}

CRASH_ENV = "KLINIKA_TERMINATION_CRASH_AFTER"


def crash_point(step: str) -> None:
    """Die here, as a kill -9 would, if the environment asks for it (tests only)."""
    if os.environ.get(CRASH_ENV) == step and not is_production():
        os._exit(86)


def done(termination, step: str) -> bool:
    return getattr(termination, DONE_FIELD[step]) is not None


def next_step(termination) -> str | None:
    return next((step for step in ORDER if not done(termination, step)), None)
