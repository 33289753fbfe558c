"""A user's own API tokens: create one (shown once), see when each was used, revoke it."""
from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from klinika.accounts.forms import ApiTokenForm
from klinika.accounts.models import ApiToken
from klinika.accounts.policy import require
from klinika.accounts.services import tokens


@require_http_methods(["GET", "POST"])
def tokens_page(request):
    require(request.user, "accounts.api_tokens")
    form = ApiTokenForm(request.POST or None)
    created = None
    status = 200
    if request.method == "POST":
        if form.is_valid():
            created, _token = tokens.create_token(request.user, form.cleaned_data["name"], form.cleaned_data["days"])
            form = ApiTokenForm()
        else:
            status = 400
    now = timezone.now()
    own = list(ApiToken.objects.filter(user=request.user).order_by("-created_at"))
    for token in own:
        token.expired = token.expires_at is not None and token.expires_at <= now
    response = render(request, "accounts/api_tokens.html", {"form": form, "created": created, "tokens": own},
                      status=status)
    # The new token is on this page only: no cache may keep a copy of it.
    add_never_cache_headers(response)
    return response


@require_POST
def revoke(request, token_id):
    require(request.user, "accounts.api_tokens")
    if not tokens.revoke_token(request.user, token_id):
        raise Http404
    messages.success(request, _("The token is revoked: integrations using it stop working now."))
    return redirect("api-tokens")
