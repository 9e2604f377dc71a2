from django import forms
from django.utils.translation import gettext_lazy as _

from .validation import max_upload_bytes


class LookupForm(forms.Form):
    number = forms.RegexField(
        label=_("证书编号"), regex=r"^\d{12}$", max_length=12,
        error_messages={"invalid": _("证书编号为12位数字。")},
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off", "placeholder": "例如 262420000001"}),
    )

    def clean_number(self):
        return self.cleaned_data["number"].strip()


class UploadForm(forms.Form):
    requirement = forms.ChoiceField(label=_("材料"))
    file = forms.FileField(label=_("文件"), help_text=_("PDF、JPEG或PNG，按文件内容判断格式。"))

    def __init__(self, *args, requirements, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["requirement"].choices = [(r.code, r.name) for r in requirements]
        self.fields["file"].help_text = _("PDF、JPEG或PNG，按文件内容判断格式；单个文件不超过%(mb)d MB。") % {
            "mb": max_upload_bytes() // (1024 * 1024)
        }
        self.fields["file"].widget.attrs["accept"] = ".pdf,.jpg,.jpeg,.png,application/pdf,image/jpeg,image/png"
