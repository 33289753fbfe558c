import re

from django import forms
from django.contrib.auth import password_validation
from django.utils.translation import gettext_lazy as _

from klinika.accounts.roles import CLINIC_ROLES


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


class AcceptInvitationForm(forms.Form):
    """A new login's name and first password (checked by Django's password validators, for this user)."""

    first_name = forms.CharField(label=_("First name"), max_length=100,
                                 widget=forms.TextInput(attrs={"autocomplete": "given-name", "autofocus": True}))
    last_name = forms.CharField(label=_("Last name"), max_length=100,
                                widget=forms.TextInput(attrs={"autocomplete": "family-name"}))
    password1 = forms.CharField(label=_("New password"), max_length=200, strip=False,
                                widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))
    password2 = forms.CharField(label=_("New password again"), max_length=200, strip=False,
                                widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))

    def __init__(self, *args, user=None, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)

    def clean_password2(self):
        password1, password2 = self.cleaned_data.get("password1"), self.cleaned_data["password2"]
        if password1 and password1 != password2:
            raise forms.ValidationError(_("The two passwords differ. Type the same password twice."),
                                        code="password_mismatch")
        password_validation.validate_password(password2, self.user)
        return password2


class InviteStaffForm(forms.Form):
    login = forms.CharField(label=_("Login"), max_length=60)
    role = forms.ChoiceField(label=_("Role"), choices=[(r.value, r.label) for r in CLINIC_ROLES])
    first_name = forms.CharField(label=_("First name"), max_length=100)
    last_name = forms.CharField(label=_("Last name"), max_length=100)
    email = forms.EmailField(label=_("E-mail"), max_length=254)

    def clean_login(self):
        login = self.cleaned_data["login"].strip()
        if any(c.isspace() for c in login):
            raise forms.ValidationError(_("A login has no spaces."), code="invalid")
        return login
