from django.urls import path

from klinika.lifecycle.handover import views

app_name = "handover"
urlpatterns = [
    path("", views.exports, name="exports"),
    path("<uuid:public_id>/manifest.json", views.manifest, name="manifest"),
    path("<uuid:public_id>/resume/", views.resume, name="resume"),
]
