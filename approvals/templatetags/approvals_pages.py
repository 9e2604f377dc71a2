"""Labels and colours of the domain's states for the pages."""

from django import template
from django.utils.translation import gettext_lazy as _

from approvals.models import ApplicationStatus as S

register = template.Library()

TRANSITION_LABELS = {
    "submit": _("提交申请"),
    "accept": _("受理"),
    "request_supplement": _("一次性告知补正"),
    "resubmit": _("补正后重新提交"),
    "refuse": _("不予受理"),
    "pass_review": _("技术评审通过"),
    "request_rectification": _("要求整改"),
    "submit_rectification": _("提交整改"),
    "fail_review": _("技术评审不通过"),
    "approve": _("准予许可"),
    "approve_partially": _("部分准予许可"),
    "deny": _("不予许可"),
    "certify": _("发证"),
    "withdraw": _("撤回申请"),
    "confirm_commitment": _("告知承诺核查属实"),
    "revoke_false_commitment": _("承诺不实，撤销许可"),
}

STATUS_TONES = {
    S.DRAFT: "grey",
    S.SUBMITTED: "blue",
    S.SUPPLEMENT_REQUESTED: "amber",
    S.REFUSED: "red",
    S.ACCEPTED: "blue",
    S.RECTIFICATION: "amber",
    S.REVIEW_PASSED: "blue",
    S.REVIEW_FAILED: "amber",
    S.APPROVED: "green",
    S.PARTIALLY_APPROVED: "green",
    S.DENIED: "red",
    S.CERTIFIED: "green",
    S.AWAITING_DECISION: "blue",
    S.CERTIFICATE_CANCELLED: "grey",
    S.VERIFIED: "green",
    S.COMMITMENT_REVOKED: "red",
    S.WITHDRAWN: "grey",
}


@register.filter
def transition_label(name: str) -> str:
    return TRANSITION_LABELS.get(name, name)


@register.filter
def status_tone(status: str) -> str:
    return STATUS_TONES.get(status, "grey")
