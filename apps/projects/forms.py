from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError

from . import limits
from .inputs import BoundedIntegerField
from .models import Role
from .throttle import login_failed, login_succeeded, seconds_paused, sign_in_attempt


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


class PrimaryCoderForm(forms.Form):
    """The primary coder: a user id among the project's coding members, or empty for the first owner."""

    primary_coder = forms.TypedChoiceField(coerce=int, required=False, empty_value=None)

    def __init__(self, *args, coders: list[tuple[int, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["primary_coder"].choices = [("", "The first owner"), *coders]


class HistoryFilterForm(forms.Form):
    """The filters of the project history; every field is optional."""

    target_type = forms.CharField(required=False, max_length=40)
    actor = forms.CharField(required=False, max_length=150)
    page = BoundedIntegerField(required=False, min_value=1)


def _wait_text(seconds: int) -> str:
    minutes = (seconds + 59) // 60
    if minutes <= 90:
        return f"{minutes} minute{'s' if minutes != 1 else ''}"
    hours = (minutes + 59) // 60
    return f"{hours} hours"


class ThrottledLoginMixin:
    """Refuses sign-ins while this user name from this address (or browser), or this
    address, is paused, and counts failures (apps.projects.throttle). `throttled` tells the
    view to answer 429; after a success, `attempt` is what the device cookie is made from."""

    throttled = False
    attempt = None

    def clean(self):
        attempt = sign_in_attempt(self.request, self.cleaned_data.get("username") or "")
        wait = seconds_paused(attempt)
        if wait:
            self.throttled = True
            raise ValidationError(f"Too many failed sign-ins. Try again in {_wait_text(wait)}.", code="throttled")
        try:
            cleaned = super().clean()
        except ValidationError:
            login_failed(attempt)
            raise
        login_succeeded(attempt)
        self.attempt = attempt
        return cleaned


class ThrottledAuthenticationForm(ThrottledLoginMixin, AuthenticationForm):
    pass


class ThrottledAdminAuthenticationForm(ThrottledLoginMixin, AdminAuthenticationForm):
    pass
