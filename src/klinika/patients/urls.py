from django.urls import path

from klinika.patients import merge_views, views

app_name = "patients"
urlpatterns = [
    path("", views.search_page, name="search"),
    path("search/", views.search_results, name="search-results"),
    path("new/", views.register, name="new"),
    path("validate/", views.validate_field, name="validate"),
    path("<int:pk>/", views.card, name="card"),
    path("<int:pk>/edit/", views.edit, name="edit"),
    path("<int:pk>/merge/", merge_views.merge_page, name="merge"),
    path("merges/", merge_views.merges, name="merges"),
    path("merges/<int:merge_id>/confirm/", merge_views.confirm, name="merge-confirm"),
    path("merges/<int:merge_id>/revert/", merge_views.revert, name="merge-revert"),
]
