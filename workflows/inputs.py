"""The input of each outcome: one serializer that the API, the task pages and the service share.

A completion validates its fields with the outcome's input, then calls the outcome's service with
the validated data as keyword arguments: a field's ``source`` is the service's parameter name (the
API's ``comment`` is the written ``reason`` of a refusal, the ``response`` of an answer), so the
mapping is declared here, once, and ``tests/workflows/test_steps.py`` checks every input against its
service's signature.
"""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from approvals.api.serializers import TextField
from approvals.models.applications import Deficiency, ReviewMode

COMMENT_MAX = 5000


def _comment(*, source: str | None = None, required: bool = False, help_text: str = ""):
    kwargs = {"source": source} if source else {}
    return TextField(required=required, allow_blank=not required, max_length=COMMENT_MAX,
                                 trim_whitespace=True, help_text=help_text, **kwargs)


class DeficiencyInput(serializers.Serializer):
    description = TextField(max_length=2000)
    clause = TextField(max_length=30, required=False, allow_blank=True)
    grade = serializers.ChoiceField(choices=Deficiency.Grade.choices, required=False, allow_blank=True)
    document_code = TextField(max_length=50, required=False, allow_blank=True)


class OutcomeInput(serializers.Serializer):
    """Base of the outcome inputs: unknown fields are refused, not ignored."""

    def to_internal_value(self, data):
        if hasattr(data, "keys"):
            unknown = sorted(set(data.keys()) - set(self.fields) - {"outcome"})
            if unknown:
                raise serializers.ValidationError(
                    {name: [_("此办理结果不接受该字段。")] for name in unknown}
                )
        return super().to_internal_value(data)


class CommentInput(OutcomeInput):
    comment = _comment(help_text="意见（可选）")


class ReasonInput(OutcomeInput):
    comment = _comment(source="reason", required=True, help_text="理由（必填，书面告知申请人）")


class AnswerInput(OutcomeInput):
    comment = _comment(source="response", required=True, help_text="答复说明（必填）")


class AcceptInput(CommentInput):
    review_leader = serializers.IntegerField(required=False, allow_null=True, min_value=1,
                                             help_text="评审组长的用户 id（可选）")
    review_experts = TextField(required=False, allow_blank=True, max_length=300)


class SupplementInput(CommentInput):
    deficiencies = DeficiencyInput(many=True, allow_empty=False, help_text="一次性告知的全部补正事项")


class ReviewInput(CommentInput):
    review_mode = serializers.ChoiceField(choices=ReviewMode.choices, required=False, allow_blank=True)


class RectifyInput(ReviewInput):
    findings = DeficiencyInput(many=True, allow_empty=False, help_text="评审发现的问题（条款、等级、描述）")


class ReviewFailInput(ReasonInput):
    review_mode = serializers.ChoiceField(choices=ReviewMode.choices, required=False, allow_blank=True)


class ApprovePartiallyInput(ReasonInput):
    refused_items = serializers.DictField(child=TextField(max_length=300), allow_empty=False,
                                          help_text="{能力项序号: 不予许可理由}")

    def validate_refused_items(self, value):
        try:
            return {int(seq): reason for seq, reason in value.items()}
        except ValueError:
            raise serializers.ValidationError(_("键应为能力项序号（整数）。")) from None


class LapseInput(OutcomeInput):
    """What a period that ran out needs: its last day (the law acts, no one fills this in)."""

    due = serializers.DateField(help_text="期限的最后一日")


class NoInput(OutcomeInput):
    """An outcome that takes nothing but the decision itself."""
