from django.urls import path

from klinika.lifecycle.termination import views

app_name = "termination"
urlpatterns = [
    path("", views.termination_page, name="status"),
    path("<uuid:public_id>/certificate.json", views.certificate_download, {"kind": "json"}, name="certificate-json"),
    path("<uuid:public_id>/certificate.pdf", views.certificate_download, {"kind": "pdf"}, name="certificate-pdf"),
]
