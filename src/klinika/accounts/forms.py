import re

from django import forms
from django.utils.translation import gettext_lazy as _


class LoginForm(forms.Form):
    username = forms.CharField(label=_("Login"), max_length=60,
                               widget=forms.TextInput(attrs={"autocomplete": "username", "autofocus": True}))
    password = forms.CharField(label=_("Password"), max_length=200, strip=False,
                               widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}))


class TokenForm(forms.Form):
    token = forms.CharField(
        label=_("Code from the authenticator app"), max_length=20,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}),
    )

    def clean_token(self):
        # Apps show the code as "123 456"; people type it that way.
        token = re.sub(r"\s", "", self.cleaned_data["token"])
        if not re.fullmatch(r"\d{6}", token):
            raise forms.ValidationError(_("Enter the 6-digit code from your authenticator app."), code="invalid")
        return token


class ResetTwoFactorForm(forms.Form):
    # Whoever phones in "I lost my phone" may not be who they say: the admin confirms who it is first.
    confirm = forms.BooleanField(
        label=_("I have confirmed who is asking (in person, or by calling back a number the clinic already has)."),
        error_messages={"required": _("Confirm that you have checked who is asking.")},
    )


class ApiTokenForm(forms.Form):
    name = forms.CharField(label=_("What the token is for"), max_length=80)
    days = forms.IntegerField(label=_("Valid for (days)"), min_value=1, max_value=365, initial=365)
