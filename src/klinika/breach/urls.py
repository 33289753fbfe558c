from django.urls import path

from klinika.breach import views

app_name = "breach"
urlpatterns = [
    path("", views.incident_list, name="incidents"),
    path("<uuid:public_id>/", views.incident_detail, name="incident"),
    path("<uuid:public_id>/progress/", views.notice_progress, name="progress"),
    path("<uuid:public_id>/scope/", views.rescope, name="rescope"),
    path("<uuid:public_id>/reported/", views.mark_reported, name="reported"),
    path("<uuid:public_id>/report/<str:kind>.<str:fmt>", views.download, name="report"),
]
