"""The page's form for a drafted rule set; it yields the same input the API takes."""

from django import forms
from django.utils.translation import gettext_lazy as _

from approvals.models import ApplicationType, RuleSet
from workflows import steps as declared

from .proposal import ASSUMPTIONS, DROPPABLE

LIMITED = ("accept", "review", "decide", "issue")


def _codes(value: str) -> list[str]:
    return [code.strip() for code in value.replace("，", ",").split(",") if code.strip()]


class SimulationForm(forms.Form):
    rule_set = forms.ModelChoiceField(label=_("出发规则集"), queryset=RuleSet.objects.filter(is_promise=False),
                                      to_field_name="code", empty_label=None)
    since = forms.DateField(label=_("办结日期自"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(label=_("办结日期至"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    drop_steps = forms.MultipleChoiceField(label=_("取消环节"), required=False, widget=forms.CheckboxSelectMultiple,
                                           choices=[(node, declared.title(node)) for node in DROPPABLE])
    drop_documents = forms.CharField(label=_("不再要求的材料（代码，逗号分隔）"), required=False)
    shared_documents = forms.CharField(label=_("改为数据共享的材料（代码，逗号分隔）"), required=False)
    fee_yuan = forms.DecimalField(label=_("收费（元）"), required=False, min_value=0, decimal_places=2)
    commitment_types = forms.MultipleChoiceField(label=_("开放告知承诺的申请类型"), required=False,
                                                 widget=forms.CheckboxSelectMultiple, choices=ApplicationType.choices)
    assumption = forms.ChoiceField(label=_("实际用时假设"), widget=forms.RadioSelect, initial="as_recorded",
                                   choices=[(key, _(text)) for key, text in ASSUMPTIONS.items()])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for node in LIMITED:
            self.fields[f"limit_{node}"] = forms.IntegerField(
                label=_("%(step)s时限（工作日）") % {"step": declared.title(node)}, required=False, min_value=1,
                max_value=365)

    def clean(self):
        data = super().clean()
        since, until = data.get("since"), data.get("until")
        if since and until and until < since:
            self.add_error("until", _("结束日期不能早于开始日期。"))
        return data

    def proposal_input(self) -> dict:
        """The API's input, from the cleaned form."""
        data = self.cleaned_data
        return {
            "rule_set": data["rule_set"].code,
            "limits": {node: data[f"limit_{node}"] for node in LIMITED if data.get(f"limit_{node}")},
            "drop_steps": data["drop_steps"], "drop_documents": _codes(data["drop_documents"]),
            "shared_documents": _codes(data["shared_documents"]), "fee_yuan": data["fee_yuan"],
            "commitment_types": data["commitment_types"], "assumption": data["assumption"],
        }
