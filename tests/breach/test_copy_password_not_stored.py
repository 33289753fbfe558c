"""A postgres:// URL of a leaked copy is stored and shown without its password."""
import datetime

import pytest
from django.utils import timezone

from klinika.breach import services
from klinika.breach.copies import without_password
from klinika.breach.models import Incident
from klinika.tenancy.context import clinic_context


@pytest.mark.parametrize("given, stored", [
    ("postgres://bob:s3cret@db.example:5433/leak", "postgres://bob@db.example:5433/leak"),  # pragma: allowlist secret
    ("postgresql://bob:s3cret@[::1]/leak?sslmode=require",  # pragma: allowlist secret
     "postgresql://bob@[::1]/leak?sslmode=require"),
    ("postgres://bob@db.example/leak", "postgres://bob@db.example/leak"),
    ("pg:leak_copy", "pg:leak_copy"),
    ("/srv/copy/klinika.sqlite3", "/srv/copy/klinika.sqlite3"),
    ("  sqlite:/tmp/x.db ", "sqlite:/tmp/x.db"),
])
def test_only_the_password_is_dropped(given, stored):
    assert without_password(given) == stored


@pytest.mark.django_db
def test_an_incident_never_stores_the_password(clinic):
    incident = services.open_incident(
        clinic, summary="Copy found on a test server", detected_at=timezone.now() - datetime.timedelta(hours=1),
        source_kind="database_copy", source_ref="postgres://bob:s3cret@db.example/leak",  # pragma: allowlist secret
        keystore_exposed=False, root_key_exposed=False, contact_point="iod@klinika.example")
    with clinic_context(clinic):
        stored = Incident.objects.get(pk=incident.pk).source_ref
    assert stored == "postgres://bob@db.example/leak"
    assert "s3cret" not in stored
