from django.urls import path

from klinika.accounts import invitation_views, staff_views, token_views, views

urlpatterns = [
    path("login/", views.login_view, name="login"),
    path("login/verify/", views.verify_view, name="login-verify"),
    path("logout/", views.logout_view, name="logout"),
    path("invitation/<str:token>/", invitation_views.invitation_view, name="invitation"),
    path("accounts/", staff_views.account_list, name="staff-accounts"),
    path("accounts/<int:user_id>/", staff_views.account_page, name="staff-account"),
    path("accounts/<int:user_id>/reset-two-factor/", staff_views.reset_two_factor, name="staff-account-reset-2fa"),
    path("tokens/", token_views.tokens_page, name="api-tokens"),
    path("tokens/<int:token_id>/revoke/", token_views.revoke, name="api-token-revoke"),
]
