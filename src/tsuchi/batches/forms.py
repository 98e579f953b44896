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
            "sender_name",
            "reply_to",
            "email_subject",
            "email_body",
            "sms_body",
        ]
        widgets = {"retrieval_deadline": forms.DateInput(attrs={"type": "date"})}

    def __init__(self, *args, departments, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = departments
        if departments.count() == 1:
            self.fields["department"].initial = departments.first()
