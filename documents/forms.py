import re

from django import forms
from django.utils.translation import gettext_lazy as _

from .selectors import normalise_certificate_number
from .validation import max_upload_bytes


class LookupForm(forms.Form):
    number = forms.CharField(
        label=_("证书编号"), max_length=40,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off", "placeholder": _("例如 262420000001"),
                                      "aria-describedby": "id_number_helptext"}),
        help_text=_("12位数字，可带空格。"),
    )

    def clean_number(self):
        number = normalise_certificate_number(self.cleaned_data["number"])
        if not re.fullmatch(r"\d{12}", number):
            raise forms.ValidationError(_("证书编号为12位数字。"), code="invalid")
        return number


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """One or several files from one input (``<input type=file multiple>``)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        """Each file cleaned; an optional field left empty is no file at all."""
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data if item or self.required]
        if not data and not self.required:
            return []
        return [single(data, initial)]


class UploadForm(forms.Form):
    requirement = forms.ChoiceField(label=_("材料"))
    file = MultipleFileField(label=_("文件"), help_text=_("PDF、JPEG或PNG，按文件内容判断格式。"))

    def __init__(self, *args, requirements, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["requirement"].choices = [(r.code, r.name) for r in requirements]
        self.fields["file"].help_text = _("PDF、JPEG或PNG，按文件内容判断格式；可一次选择多个文件，单个文件不超过%(mb)d MB。") % {
            "mb": max_upload_bytes() // (1024 * 1024)
        }
        self.fields["file"].widget.attrs["accept"] = ".pdf,.jpg,.jpeg,.png,application/pdf,image/jpeg,image/png"
