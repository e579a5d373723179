from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError

from . import limits
from .inputs import BoundedIntegerField
from .models import Role
from .throttle import client_address, login_failed, login_succeeded, seconds_locked


class ProjectForm(forms.Form):
    name = forms.CharField(max_length=limits.NAME)
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False,
                                  max_length=limits.DESCRIPTION)


class InviteForm(forms.Form):
    login = forms.CharField(max_length=254, label="User name or e-mail")
    role = forms.ChoiceField(choices=Role.choices, initial=Role.CODER)


class RoleForm(forms.Form):
    role = forms.ChoiceField(choices=Role.choices)


class ProjectSettingsForm(forms.Form):
    independent_coding = forms.BooleanField(required=False)


class HistoryFilterForm(forms.Form):
    """The filters of the project history; every field is optional."""

    target_type = forms.CharField(required=False, max_length=40)
    actor = forms.CharField(required=False, max_length=150)
    page = BoundedIntegerField(required=False, min_value=1)


class ThrottledLoginMixin:
    """Refuses sign-ins while the user name or address is locked, and counts failures
    (apps.projects.throttle). `throttled` tells the view to answer 429."""

    throttled = False

    def clean(self):
        username = self.cleaned_data.get("username") or ""
        address = client_address(self.request)
        wait = seconds_locked(username=username, address=address)
        if wait:
            self.throttled = True
            minutes = (wait + 59) // 60
            raise ValidationError(
                f"Too many failed sign-ins. Try again in {minutes} minute{'s' if minutes != 1 else ''}.",
                code="throttled",
            )
        try:
            cleaned = super().clean()
        except ValidationError:
            login_failed(username=username, address=address)
            raise
        login_succeeded(username=username)
        return cleaned


class ThrottledAuthenticationForm(ThrottledLoginMixin, AuthenticationForm):
    pass


class ThrottledAdminAuthenticationForm(ThrottledLoginMixin, AdminAuthenticationForm):
    pass
