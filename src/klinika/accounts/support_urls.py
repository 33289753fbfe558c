from django.urls import path

from klinika.accounts import support_views

urlpatterns = [
    path("support/", support_views.support_page, name="support"),
    path("support/<int:grant_id>/revoke/", support_views.revoke, name="support-revoke"),
    path("support/<int:grant_id>/enter/", support_views.enter, name="support-enter"),
    path("support/leave/", support_views.leave, name="support-leave"),
]
