from django.urls import path

from klinika.accounts import views

urlpatterns = [
    path("login/", views.login_view, name="login"),
    path("login/verify/", views.verify_view, name="login-verify"),
    path("logout/", views.logout_view, name="logout"),
]
