"""Outcome forms of the task pages: one form per outcome, named in the step declarations
(``workflows.steps``), shaped for ``task_complete``.

Each form turns what the official typed into the outcome's declared input (``workflows.inputs``),
which the API takes as it is. Forms check what a form can check (required reasons, at least one
defect); the input and the service remain the judges, and their errors land back on these forms.
"""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from approvals.models import Application
from approvals.models.applications import Deficiency, ReviewMode
from approvals.selectors import reviewers
from documents import selectors as documents_selectors
from documents.forms import MultipleFileField

textarea = forms.Textarea(attrs={"rows": 3})


class OutcomeForm(forms.Form):
    """Base of the outcome forms: ``outcome`` is what ``task_complete`` receives."""

    outcome = ""
    title = ""
    button = ""
    tone = "primary"  # the button's colour: primary, warning or danger
    confirm = ""  # what the confirmation dialog says the action does (every outcome is irreversible)
    formset_class = None
    formset_key = ""  # the key under which the service reports errors of the formset's rows

    def __init__(self, *args, application: Application, **kwargs):
        self.application = application
        kwargs.setdefault("prefix", self.outcome)
        super().__init__(*args, **kwargs)
        self.formset = self.build_formset(args[0] if args else kwargs.get("data"))

    def build_formset(self, data):
        if self.formset_class is None:
            return None
        return self.formset_class(data=data, prefix=f"{self.outcome}-rows", form_kwargs=self.row_kwargs())

    def row_kwargs(self) -> dict[str, Any]:
        """Keyword arguments for each row form of the formset."""
        return {}

    def is_valid(self) -> bool:
        valid = super().is_valid()
        return (self.formset.is_valid() if self.formset is not None else True) and valid

    def rows(self) -> list[tuple[int, dict[str, Any]]]:
        return self.formset.rows() if self.formset is not None else []

    def service_data(self) -> dict[str, Any]:
        return {"comment": self.cleaned_data.get("comment", "")}


class RowsFormSet(forms.BaseFormSet):
    """A list the official grows row by row; blank rows are ignored, at least one row is needed."""

    minimum_message = _("请至少填写一项。")

    def rows(self) -> list[tuple[int, dict[str, Any]]]:
        return [
            (index, {k: v for k, v in form.cleaned_data.items() if k != "DELETE"})
            for index, form in enumerate(self.forms)
            if form.has_changed() and not (self.can_delete and self._should_delete_form(form))
        ]

    def clean(self):
        if any(self.errors):
            return
        if not self.rows():
            raise forms.ValidationError(self.minimum_message)


# --- 受理 ---------------------------------------------------------------------------------------
class AcceptForm(OutcomeForm):
    outcome, title, button = "accept", _("受理"), _("受理")
    confirm = _("受理后申请进入技术评审，系统出具受理通知书，此操作不能撤回。")
    review_leader = forms.ModelChoiceField(
        label=_("评审组长"), queryset=None, required=False, empty_label=_("暂不指定（进入评审待认领队列）"),
        help_text=_("指定后，技术评审任务直接进入评审组长的待办。"),
    )
    review_experts = forms.CharField(label=_("评审员"), max_length=300, required=False,
                                     help_text=_("多人以顿号分隔，例如：王五、赵六。"))
    comment = forms.CharField(label=_("受理意见"), widget=textarea, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["review_leader"].queryset = reviewers()

    def service_data(self):
        leader = self.cleaned_data.get("review_leader")
        return {"comment": self.cleaned_data["comment"], "review_leader": leader.pk if leader else None,
                "review_experts": self.cleaned_data["review_experts"]}


class DefectForm(forms.Form):
    description = forms.CharField(label=_("问题描述"), widget=forms.Textarea(attrs={"rows": 2}))
    document_code = forms.ChoiceField(label=_("涉及的申请材料（可选）"), required=False)

    def __init__(self, *args, document_choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["document_code"].choices = [("", "—"), *document_choices]


class DefectFormSet(RowsFormSet):
    minimum_message = _("请逐项列明需要补正的问题，至少一项。")


class SupplementForm(OutcomeForm):
    outcome, title, button, tone = "supplement", _("一次性告知补正"), _("发出补正通知"), "warning"
    confirm = _("补正通知将一次性发给申请机构，受理计时停止；发出后不能修改，以后各轮只能针对申请机构补充或修改的内容。")
    formset_class = forms.formset_factory(DefectForm, formset=DefectFormSet, extra=2, can_delete=True)
    formset_key = "deficiencies"
    comment = forms.CharField(label=_("补正通知说明"), widget=textarea, required=False)

    def row_kwargs(self):
        """A defect may name one of the documents the catalogue asks this application for."""
        requested = documents_selectors.requirements_for(self.application).filter(via_data_sharing=False)
        return {"document_choices": [(r.code, r.name) for r in requested]}

    def service_data(self):
        return {"comment": self.cleaned_data["comment"], "deficiencies": [row for _i, row in self.rows()]}


class RefuseForm(OutcomeForm):
    outcome, title, button, tone = "refuse", pgettext_lazy("outcome", "不予受理"), pgettext_lazy("outcome", "不予受理"), "danger"
    confirm = _("将作出不予受理决定并出具不予受理通知书，本申请的办理随即终止，不能撤回。")
    comment = forms.CharField(label=_("不予受理理由"), widget=textarea)


# --- 技术评审 -----------------------------------------------------------------------------------
def review_mode_field():
    return forms.ChoiceField(label=_("评审方式"), choices=[("", "—")] + list(ReviewMode.choices))


class ReviewPassForm(OutcomeForm):
    outcome, title, button = "pass", _("评审通过"), _("评审通过")
    confirm = _("评审结论“通过”将提交审批决定，不能撤回。")
    review_mode = review_mode_field()
    comment = forms.CharField(label=_("评审结论"), widget=textarea, required=False)

    def service_data(self):
        return {"comment": self.cleaned_data["comment"], "review_mode": self.cleaned_data["review_mode"]}


class FindingForm(forms.Form):
    clause = forms.CharField(label=_("条款（RB/T 214-2017）"), max_length=30)
    grade = forms.ChoiceField(label=_("等级"), choices=[("", "—")] + list(Deficiency.Grade.choices))
    description = forms.CharField(label=_("问题描述"), widget=forms.Textarea(attrs={"rows": 2}))


class FindingFormSet(RowsFormSet):
    minimum_message = _("请逐项列明整改发现（条款、等级、描述），至少一项。")


class RectifyForm(OutcomeForm):
    outcome, title, button, tone = "rectify", _("要求整改"), _("发出整改通知"), "warning"
    confirm = _("整改通知将发给申请机构，技术评审计时停止，发出后不能修改。")
    formset_class = forms.formset_factory(FindingForm, formset=FindingFormSet, extra=2, can_delete=True)
    formset_key = "deficiencies"
    review_mode = review_mode_field()
    comment = forms.CharField(label=_("整改要求说明"), widget=textarea, required=False)

    def service_data(self):
        return {"comment": self.cleaned_data["comment"], "review_mode": self.cleaned_data["review_mode"],
                "findings": [row for _i, row in self.rows()]}


class ReviewFailForm(OutcomeForm):
    outcome, title, button, tone = "fail", _("评审不通过"), _("评审不通过"), "danger"
    confirm = _("评审结论“不通过”将提交审批决定，不能撤回。")
    review_mode = review_mode_field()
    comment = forms.CharField(label=_("不通过理由"), widget=textarea)

    def service_data(self):
        return {"comment": self.cleaned_data["comment"], "review_mode": self.cleaned_data["review_mode"]}


# --- 审批决定 -----------------------------------------------------------------------------------
class ApproveForm(OutcomeForm):
    outcome, title, button = "approve", _("准予许可（全部能力范围）"), _("准予许可")
    confirm = _("将作出准予许可决定并出具决定书，申请转入发证，不能撤回。")
    comment = forms.CharField(label=_("审批意见"), widget=textarea, required=False)


class ItemDecisionForm(forms.Form):
    seq = forms.IntegerField(widget=forms.HiddenInput)
    refuse = forms.BooleanField(label=pgettext_lazy("outcome", "不予许可"), required=False)
    reason = forms.CharField(label=_("理由"), max_length=300, required=False)

    def clean(self):
        data = super().clean()
        if data.get("refuse") and not (data.get("reason") or "").strip():
            self.add_error("reason", _("不予许可的能力项须写明理由。"))
        return data


class ItemDecisionFormSet(forms.BaseFormSet):
    def clean(self):
        if any(self.errors):
            return
        if not any(form.cleaned_data.get("refuse") for form in self.forms):
            raise forms.ValidationError(_("请勾选不予许可的能力项；全部准予请选择“准予许可”。"))
        if all(form.cleaned_data.get("refuse") for form in self.forms):
            raise forms.ValidationError(_("不能全部不予许可；全部不予许可请选择“不予许可”。"))


class ApprovePartiallyForm(OutcomeForm):
    outcome, title, button, tone = "approve_partially", _("部分准予许可"), _("部分准予许可"), "warning"
    confirm = _("将对勾选的能力项不予许可、其余准予许可，并出具决定书，不能撤回。")
    formset_class = forms.formset_factory(ItemDecisionForm, formset=ItemDecisionFormSet, extra=0)
    formset_key = "refused_items"
    comment = forms.CharField(label=_("决定理由"), widget=textarea)

    def build_formset(self, data):
        items = list(self.application.scope_items.all())
        formset = self.formset_class(data=data, prefix=f"{self.outcome}-rows",
                                     initial=[{"seq": item.seq} for item in items])
        # Each row shows the scope item it decides; a tampered seq is caught by the service.
        for form, item in zip(formset.forms, items, strict=False):
            form.item = item
        return formset

    def rows(self):
        return [(i, form.cleaned_data) for i, form in enumerate(self.formset.forms) if form.cleaned_data.get("refuse")]

    def service_data(self):
        return {"comment": self.cleaned_data["comment"],
                "refused_items": {row["seq"]: row["reason"].strip() for _i, row in self.rows()}}


class DenyForm(OutcomeForm):
    outcome, title, button, tone = "deny", pgettext_lazy("outcome", "不予许可"), pgettext_lazy("outcome", "不予许可"), "danger"
    confirm = _("将作出不予许可决定并出具决定书，本申请的办理随即终止，不能撤回。")
    comment = forms.CharField(label=_("不予许可理由"), widget=textarea)


# --- 发证 ---------------------------------------------------------------------------------------
class IssueForm(OutcomeForm):
    outcome, title, button = "issue", _("发证"), _("颁发证书")
    confirm = _("将生成证书编号并签发电子证书，证书随即可被公开核验，不能撤回。")

    def service_data(self):
        return {}


# --- 注销决定 ------------------------------------------------------------------------------------
class CancelApproveForm(OutcomeForm):
    outcome, title, button, tone = "approve", _("准予注销"), _("准予注销"), "danger"
    confirm = _("将作出准予注销决定，证书随即注销并在公开核验页显示注销日期，不能撤回。")
    comment = forms.CharField(label=_("注销决定说明"), widget=textarea, required=False)


class CancelDenyForm(OutcomeForm):
    outcome, title, button, tone = "deny", _("不予注销"), _("不予注销"), "warning"
    confirm = _("将作出不予注销决定并出具决定书，证书保持原状态，不能撤回。")
    comment = forms.CharField(label=_("不予注销理由"), widget=textarea)


# --- 核查 (the commitment track's post-verification) -------------------------------------------------
class CommitmentConfirmForm(OutcomeForm):
    outcome, title, button = "confirm", _("核查属实"), _("核查属实")
    confirm = _("将记录告知承诺核查属实，证书继续有效，不能撤回。")
    comment = forms.CharField(label=_("核查结论"), widget=textarea, required=False)


class FalseCommitmentForm(OutcomeForm):
    outcome, title, button, tone = "false_commitment", _("承诺不实"), _("承诺不实，撤销许可"), "danger"
    confirm = _("将撤销许可和证书并公开撤销理由，机构三年内不得适用告知承诺，不能撤回。")
    comment = forms.CharField(label=_("撤销理由（将公开）"), widget=textarea)


# --- 补正 / 整改 (the applicant's tasks) -----------------------------------------------------------
class AnswerForm(forms.Form):
    response = forms.CharField(
        label=_("答复说明"), widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("逐项说明已补正或整改的内容；提交后申请回到受理或技术评审环节。"),
    )
    report = forms.FileField(
        label=_("整改报告"), required=False,
        help_text=_("整改答复必须附整改报告（PDF、JPEG或PNG）。"),
    )
    evidence = MultipleFileField(
        label=_("证明材料"), required=False, help_text=_("可选，可一次选择多个文件（PDF、JPEG或PNG）。"),
    )

    def __init__(self, *args, rectification: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if not rectification:
            del self.fields["report"]

    def files_to_attach(self) -> list[tuple[str, object]]:
        """(role, file) for each file chosen, the report first."""
        chosen = [("report", self.cleaned_data["report"])] if self.cleaned_data.get("report") else []
        return chosen + [("evidence", f) for f in self.cleaned_data.get("evidence") or []]
