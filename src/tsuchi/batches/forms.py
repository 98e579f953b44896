from django import forms
from django.utils.translation import gettext_lazy as _

from tsuchi.accounts.models import Department
from tsuchi.batches.models import Batch


class BatchCreateForm(forms.ModelForm):
    department = forms.ModelChoiceField(queryset=Department.objects.none(), label=_("Department"))

    class Meta:
        model = Batch
        fields = [
            "department",
            "title",
            "notice_type",
            "retrieval_deadline",
            "identity_check",
            "signing_level",
            "visible_stamp",
            "sender_name",
            "reply_to",
            "email_subject",
            "email_body",
            "sms_body",
        ]
        widgets = {"retrieval_deadline": forms.DateInput(attrs={"type": "date"})}

    def __init__(self, *args, departments, **kwargs):
        # Labels sit above their fields: no colon after them (not in Japanese either).
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = departments
        if departments.count() == 1:
            self.fields["department"].initial = departments.first()


class UploadForm(forms.Form):
    batch_pdf = forms.FileField(
        label=_("Batch PDF from the core system"),
        widget=forms.ClearableFileInput(attrs={"accept": "application/pdf"}),
    )
    records_csv = forms.FileField(
        label=_("Application records CSV from the e-application system"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
    )
    profile = forms.ChoiceField(label=_("Notice profile"))

    def __init__(self, *args, profiles, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.fields["profile"].choices = [(p.key, p.name) for p in profiles]


class ReviewDecisionForm(forms.Form):
    decision = forms.ChoiceField(
        choices=[
            ("accept", _("Accept as it is")),
            ("correct", _("Correct the record")),
            ("paper", _("Send on paper")),
            ("exclude", _("Exclude from this batch")),
        ]
    )
    field = forms.CharField(required=False, max_length=64)
    value = forms.CharField(required=False, max_length=400)


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=400, required=False)


class CopyForm(forms.Form):
    title = forms.CharField(label=_("Title of the new batch"), max_length=200)
