from django.urls import path

from klinika.lifecycle.retention import views

app_name = "retention"
urlpatterns = [
    path("", views.queue, name="queue"),
    path("approve/", views.approve, name="approve"),
    path("holds/", views.place_hold, name="hold"),
    path("holds/<uuid:hold_id>/release/", views.release_hold, name="release"),
]
