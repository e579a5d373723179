"""Validation of the Exports page's input: the appendix choice, codebook and .qdpx uploads."""
from __future__ import annotations

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.contrib.auth import get_user_model
from django.template.defaultfilters import filesizeformat

from apps.cases.models import Case
from apps.coding.models import Code
from apps.transcripts.models import Expert

from .appendix import APPENDIX_FORMATS
from .selectors import GROUP_CODE_CASE_EXPERT, GROUPINGS, AppendixSelection


class ReadChoicesField(forms.ModelMultipleChoiceField):
    """A ModelMultipleChoiceField whose choices the view may have read already (`known`,
    by the text of their ids): then the chosen ids are checked against them, with the
    same messages, and no query."""

    known: dict[str, object] | None = None

    def _check_values(self, value):
        if self.known is None:
            return super()._check_values(value)
        try:
            value = frozenset(value)
        except TypeError:
            raise ValidationError(self.error_messages["invalid_list"], code="invalid_list") from None
        for val in value:
            self.validate_no_null_characters(val)
            if str(val) in self.known:
                continue
            try:
                int(val)
            except (ValueError, TypeError):
                raise ValidationError(self.error_messages["invalid_pk_value"], code="invalid_pk_value",
                                      params={"pk": val}) from None
            raise ValidationError(self.error_messages["invalid_choice"], code="invalid_choice", params={"value": val})
        return [self.known[str(val)] for val in value]


class AppendixForm(forms.Form):
    """The appendix's codes, cases, experts and coders (none chosen: the primary coding, or
    with `all_coders` every coder's), grouping and format."""

    codes = ReadChoicesField(queryset=Code.objects.none(), required=False)
    subcodes = forms.BooleanField(required=False, label="With their sub-codes")
    cases = forms.ModelMultipleChoiceField(queryset=Case.objects.none(), required=False)
    experts = forms.ModelMultipleChoiceField(queryset=Expert.objects.none(), required=False)
    coders = forms.ModelMultipleChoiceField(queryset=get_user_model().objects.none(), required=False)
    all_coders = forms.BooleanField(required=False, label="Every coder's codings (not only the primary coder's)")
    grouping = forms.ChoiceField(choices=list(GROUPINGS.items()), initial=GROUP_CODE_CASE_EXPERT, required=False)
    format = forms.ChoiceField(choices=[(f.key, f.label) for f in APPENDIX_FORMATS.values()], initial="docx",
                               required=False)
    memos = forms.BooleanField(required=False, label="Include memos")
    real_names = forms.BooleanField(required=False, label="Include the experts' real names")
    table = forms.BooleanField(required=False, label="Excerpts in tables (DOCX)")
    times = forms.BooleanField(required=False, label="Each excerpt's time in its recording")
    omit_suggested = forms.BooleanField(required=False,
                                        label="Leave out codings accepted from the suggestion engine")

    def __init__(self, *args, project, codes: list[Code] | None = None, **kwargs):
        """`codes`: the project's codes not in the trash, where the view has read them."""
        super().__init__(*args, **kwargs)
        self.fields["codes"].queryset = Code.objects.filter(project=project, deleted_at__isnull=True)
        if codes is not None:
            self.fields["codes"].known = {str(code.pk): code for code in codes}
        self.fields["cases"].queryset = Case.objects.filter(project=project)
        self.fields["experts"].queryset = Expert.objects.filter(project=project)
        # Coders are users who coded in this project; ids of others are simply not valid choices.
        self.fields["coders"].queryset = get_user_model().objects.filter(segments__project=project).distinct()

    def selection(self) -> AppendixSelection:
        data = self.cleaned_data
        return AppendixSelection(
            code_ids=tuple(c.pk for c in data["codes"]), include_subcodes=data["subcodes"],
            case_ids=tuple(c.pk for c in data["cases"]), expert_ids=tuple(e.pk for e in data["experts"]),
            coder_ids=tuple(u.pk for u in data["coders"]), all_coders=data["all_coders"],
            grouping=data["grouping"] or GROUP_CODE_CASE_EXPERT,
            include_memos=data["memos"], real_names=data["real_names"], include_times=data["times"],
            include_suggested=not data["omit_suggested"])


class QdpxExportForm(forms.Form):
    """The .qdpx download's one option (a GET parameter)."""

    omit_suggested = forms.BooleanField(required=False,
                                        label="Leave out codings accepted from the suggestion engine")

    def omits_suggested(self) -> bool:
        return self.is_valid() and self.cleaned_data["omit_suggested"]


class UploadForm(forms.Form):
    """One uploaded file, within the upload size limit and with one of the given endings."""

    file = forms.FileField()
    endings: tuple[str, ...] = ()

    def clean_file(self):
        upload = self.cleaned_data["file"]
        limit = settings.CASECODER_MAX_UPLOAD_BYTES
        if upload.size > limit:
            raise forms.ValidationError(f"The file is {filesizeformat(upload.size)}; at most "
                                        f"{filesizeformat(limit)} can be uploaded.")
        if self.endings and not upload.name.lower().endswith(self.endings):
            raise forms.ValidationError(f"Choose a {' or '.join(self.endings)} file (this one is {upload.name}).")
        return upload


class CodebookImportForm(UploadForm):
    endings = (".qdc", ".csv", ".xml")


class QdpxImportForm(UploadForm):
    endings = (".qdpx", ".zip")
    project_name = forms.CharField(max_length=200, required=False, label="Name of the new project")


class QdpxConfirmForm(forms.Form):
    """The choice for an upload whose selections cannot all be placed exactly."""

    IMPORT, CANCEL = "import", "cancel"
    pending = forms.IntegerField(widget=forms.HiddenInput)
    action = forms.ChoiceField(choices=[(IMPORT, "Import without them"), (CANCEL, "Cancel")])
