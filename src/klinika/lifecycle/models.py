"""The lifecycle app's models, one module per part (each part's own models.py)."""
from klinika.lifecycle.handover.models import *  # noqa: F401,F403
from klinika.lifecycle.retention.models import *  # noqa: F401,F403
from klinika.lifecycle.termination.models import *  # noqa: F401,F403
