from django.urls import include, path

from klinika.api import api
from klinika.web import views as web_views

urlpatterns = [
    path("", web_views.dashboard, name="dashboard"),
    path("healthz", web_views.healthz, name="healthz"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/", api.urls),
    path("", include("klinika.accounts.urls")),
    path("patients/", include("klinika.patients.urls")),
    path("staff/", include("klinika.staff.urls")),
    path("schedule/", include("klinika.scheduling.urls")),
    path("", include("klinika.accounts.support_urls")),
    path("r/", include("klinika.scheduling.reminder_urls")),
    path("records/", include("klinika.records.urls")),
    path("edocs/", include("klinika.edocs.urls")),
    path("retention/", include("klinika.lifecycle.retention.urls")),
    path("breach/", include("klinika.breach.urls")),
    path("clinic/termination/", include("klinika.lifecycle.termination.urls")),
    path("clinic/export/", include("klinika.lifecycle.handover.urls")),
]
