"""A drafted rule set: what the service centre would change, and how the replay should read it."""

import copy
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from approvals.models import RuleSet
from workflows import steps as declared

AS_RECORDED, SCALES = "as_recorded", "scales"
ASSUMPTIONS = {  # translated where shown
    AS_RECORDED: gettext_noop("各环节实际办理用时保持记录值不变（只改变法定时限）"),
    SCALES: gettext_noop("各环节实际办理用时按时限变化同比例伸缩"),
}
DROPPABLE = ("review", "decide", "issue")  # acceptance starts every procedure


@dataclass(frozen=True)
class Proposal:
    """Changes to a rule set, each one the issue's kinds: a limit, a step dropped (its rework goes with
    it), a document dropped or obtained by data sharing, the fee, the commitment track opened to a type."""

    base: RuleSet
    limits: dict[str, int] = field(default_factory=dict)  # node → working days
    drop_steps: frozenset[str] = frozenset()
    drop_documents: frozenset[str] = frozenset()  # catalogue codes no longer asked for
    shared_documents: frozenset[str] = frozenset()  # codes obtained by data sharing from now on
    fee_yuan: Decimal | None = None
    commitment_types: frozenset[str] = frozenset()  # their ordinary applications replayed without review
    assumption: str = AS_RECORDED

    def rules(self) -> RuleSet:
        """The drafted rule set, unsaved: the base with its limits and fee changed."""
        draft = copy.copy(self.base)
        for node, days in self.limits.items():
            setattr(draft, declared.STEPS[node].limit, days)
        if self.fee_yuan is not None:
            draft.fee_yuan = self.fee_yuan
        return draft

    def is_empty(self) -> bool:
        return not (self.limits or self.drop_steps or self.drop_documents or self.shared_documents
                    or self.fee_yuan is not None or self.commitment_types)

    def describe(self) -> list[str]:
        """The changes and the assumption, in words, for the page and the brief."""
        lines = [_("在“%(name)s”基础上：") % {"name": self.base.name}]
        for node, days in sorted(self.limits.items()):
            lines.append(_("%(step)s时限改为 %(days)s 个工作日（现为 %(now)s）") % {
                "step": declared.title(node), "days": days, "now": declared.limit_days(self.base, node)})
        for node in sorted(self.drop_steps):
            lines.append(_("取消“%(step)s”环节（连同其整改往返）") % {"step": declared.title(node)})
        for code in sorted(self.drop_documents):
            lines.append(_("不再要求提交材料 %(code)s") % {"code": code})
        for code in sorted(self.shared_documents):
            lines.append(_("材料 %(code)s 改为通过数据共享获取") % {"code": code})
        if self.fee_yuan is not None:
            lines.append(_("收费改为 %(fee)s 元") % {"fee": self.fee_yuan})
        for kind in sorted(self.commitment_types):
            lines.append(_("对“%(type)s”申请开放告知承诺（不经技术评审）") % {"type": kind})
        lines.append(_("假设：%(assumption)s") % {"assumption": _(ASSUMPTIONS[self.assumption])})
        return lines

    def as_json(self) -> dict[str, Any]:
        return {"rule_set": self.base.code, "limits": self.limits, "drop_steps": sorted(self.drop_steps),
                "drop_documents": sorted(self.drop_documents), "shared_documents": sorted(self.shared_documents),
                "fee_yuan": None if self.fee_yuan is None else str(self.fee_yuan),
                "commitment_types": sorted(self.commitment_types), "assumption": self.assumption}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "Proposal":
        """A proposal from the API's or the page's input; every bad value is named (ValidationError)."""
        errors: dict[str, str] = {}
        base = RuleSet.objects.filter(code=data.get("rule_set") or "").first()
        if base is None:
            errors["rule_set"] = _("规则集不存在。")
        limits = {}
        for node, days in (data.get("limits") or {}).items():
            if node not in declared.STEPS or not declared.STEPS[node].limit:
                errors["limits"] = _("未知环节：%(node)s") % {"node": node}
            elif not isinstance(days, int) or isinstance(days, bool) or not 0 < days <= 365:
                errors["limits"] = _("时限应为 1 到 365 之间的整数（工作日）。")
            else:
                limits[node] = days
        drop = frozenset(data.get("drop_steps") or [])
        if drop - set(DROPPABLE):
            errors["drop_steps"] = _("只能取消：%(nodes)s") % {"nodes": "、".join(DROPPABLE)}
        fee = data.get("fee_yuan")
        if fee not in (None, ""):
            try:
                fee = Decimal(str(fee))
                if fee < 0:
                    raise ValueError
            except (ValueError, ArithmeticError):
                errors["fee_yuan"] = _("收费应为不小于零的金额。")
        else:
            fee = None
        assumption = data.get("assumption") or AS_RECORDED
        if assumption not in ASSUMPTIONS:
            errors["assumption"] = _("假设只能是：%(choices)s") % {"choices": "、".join(ASSUMPTIONS)}
        if errors:
            raise ValidationError(errors)
        return cls(base=base, limits=limits, drop_steps=drop,
                   drop_documents=frozenset(data.get("drop_documents") or []),
                   shared_documents=frozenset(data.get("shared_documents") or []), fee_yuan=fee,
                   commitment_types=frozenset(data.get("commitment_types") or []), assumption=assumption)
