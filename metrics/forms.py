"""The dashboard's filters (also parsed by the API, so both refuse bad input the same way)."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from approvals.models import ApplicationStatus, ApplicationTrack, ApplicationType

from .models import ENDED_STATES, MetricsExport
from .selectors import Filters

OUTCOME_CHOICES = [(s.value, s.label) for s in ApplicationStatus if s in ENDED_STATES]


class FilterForm(forms.Form):
    """Period (by the day an application ended) and dimensions; every field is optional."""

    application_type = forms.ChoiceField(
        label=_("申请类型"), required=False, choices=[("", _("全部")), *ApplicationType.choices]
    )
    track = forms.ChoiceField(label=_("程序"), required=False, choices=[("", _("全部")), *ApplicationTrack.choices])
    outcome = forms.ChoiceField(label=_("办理结果"), required=False, choices=[("", _("全部")), *OUTCOME_CHOICES])
    authority = forms.CharField(label=_("发证机关"), required=False, max_length=100)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # "from" is a Python keyword: these two are added by name.
        date_input = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
        self.fields = {
            "from": forms.DateField(label=_("办结日期自"), required=False, widget=date_input,
                                    error_messages={"invalid": _("请输入有效日期，格式为 YYYY-MM-DD。")}),
            "to": forms.DateField(label=_("至"), required=False, widget=date_input,
                                  error_messages={"invalid": _("请输入有效日期，格式为 YYYY-MM-DD。")}),
            **self.fields,
        }
        for name in ("application_type", "track", "outcome"):
            self.fields[name].error_messages["invalid_choice"] = _("“%(value)s”不是有效的选项。")

    def clean(self):
        data = super().clean()
        start, end = data.get("from"), data.get("to")
        if start and end and start > end:
            raise ValidationError({"to": _("结束日期不能早于开始日期。")})
        return data

    def filters(self) -> Filters:
        """The cleaned filters (call after ``is_valid()``)."""
        data = self.cleaned_data
        return Filters(
            start=data.get("from"), end=data.get("to"), application_type=data.get("application_type") or "",
            track=data.get("track") or "", authority=(data.get("authority") or "").strip(),
            outcome=data.get("outcome") or "",
        )


# Every parameter the form reads ("from" and "to" are added by name).
FILTER_PARAMETERS = ("from", "to", *FilterForm.base_fields)


def parse_filters(params) -> Filters:
    """Filters from query parameters; raises ``ValidationError`` (field → Chinese messages) on bad input.
    Without any of the form's parameters (most requests) there is nothing to check and no filter: the
    form, whose fields are deep-copied for every instance, was a fifth of the five-reductions API."""
    if not any(name in params for name in FILTER_PARAMETERS):
        return Filters()
    form = FilterForm(params)
    if not form.is_valid():
        raise ValidationError({name: [error["message"] for error in errors]
                               for name, errors in form.errors.get_json_data().items()})
    return form.filters()


class ExportForm(forms.Form):
    kind = forms.ChoiceField(label=_("内容"), choices=MetricsExport.Kind.choices)
    format = forms.ChoiceField(label=_("格式"), choices=MetricsExport.Format.choices)
