from django.urls import path

from klinika.staff import views

app_name = "staff"
urlpatterns = [
    path("practitioners/", views.practitioner_list, name="practitioners"),
    path("practitioners/new/", views.practitioner_new, name="practitioner-new"),
    path("practitioners/<int:practitioner_id>/", views.practitioner_edit, name="practitioner-edit"),
]
