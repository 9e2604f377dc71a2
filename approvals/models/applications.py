"""Applications and their legal lifecycle.

The status is a protected django-fsm-2 field: it changes only through the transition methods below,
and ``approvals.services`` writes an audit row for every change. The transitions hold the legal
rules (what may follow what, under which condition); who does the work is the flow's business.
"""

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import connection, models
from django.utils.translation import gettext_lazy as _
from django_fsm import GET_STATE, ConcurrentTransition, ConcurrentTransitionMixin, FSMField, FSMFieldMixin, transition

import prepared
from approvals.choices import fast_choice_display
from writebehind import insert_from, insert_row, update_row

from .agencies import Agency
from .rules import RuleSet

two_digits = RegexValidator(r"^\d{2}$", _("应为两位数字。"))


class ApplicationType(models.TextChoices):
    INITIAL = "initial", _("首次")
    RENEWAL = "renewal", _("延续")
    CHANGE = "change", _("变更")
    EXTENSION = "extension", _("扩项")
    CANCELLATION = "cancellation", _("注销")


# Types that list scope items: the full scope (first, renewal) or only the new items (extension).
SCOPE_TYPES = (ApplicationType.INITIAL, ApplicationType.RENEWAL, ApplicationType.EXTENSION)
# Types that concern a certificate the agency already holds (and name it).
CERTIFICATE_TYPES = (ApplicationType.RENEWAL, ApplicationType.CHANGE, ApplicationType.EXTENSION,
                     ApplicationType.CANCELLATION)


class ChangeKind(models.TextChoices):
    """What a change application (变更) may change (2021 measures; the list is the domain's)."""

    NAME = "name", _("机构名称")
    ADDRESS = "address", _("地址")
    LEGAL_NATURE = "legal_nature", _("法人性质")
    LEGAL_REPRESENTATIVE = "legal_representative", _("法定代表人")
    TOP_MANAGER = "top_manager", _("最高管理者")
    TECHNICAL_LEAD = "technical_lead", _("技术负责人")
    SIGNATORY = "signatory", _("授权签字人")
    CANCELLED_ITEMS = "cancelled_items", _("取消检验检测项目")
    STANDARDS = "standards", _("标准（方法）变更")
    SITE = "site", _("检验检测场所变更")


class CancellationReason(models.TextChoices):
    OWN_REQUEST = "own_request", _("机构申请注销")
    DISSOLUTION = "dissolution", _("机构依法终止")
    EXPIRY = "expiry", _("有效期届满未延续")
    RENEWAL_REFUSED = "renewal_refused", _("延续申请未获批准")


class ApplicationTrack(models.TextChoices):
    ORDINARY = "ordinary", _("一般程序")
    COMMITMENT = "commitment", _("告知承诺")


class ApplicationStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    SUBMITTED = "submitted", _("已提交，待受理")
    SUPPLEMENT_REQUESTED = "supplement_requested", _("待补正")
    REFUSED = "refused", _("不予受理")
    ACCEPTED = "accepted", _("已受理，技术评审中")
    AWAITING_DECISION = "awaiting_decision", _("已受理，待审批（无需技术评审）")
    RECTIFICATION = "rectification", _("待整改")
    REVIEW_PASSED = "review_passed", _("评审通过，待审批")
    REVIEW_FAILED = "review_failed", _("评审不通过，待审批")
    APPROVED = "approved", _("准予许可，待发证")
    PARTIALLY_APPROVED = "partially_approved", _("部分准予许可，待发证")
    DENIED = "denied", _("不予许可")
    CERTIFIED = "certified", _("已发证")
    CERTIFICATE_CANCELLED = "certificate_cancelled", _("准予注销，证书已注销")
    VERIFIED = "verified", _("已发证，承诺核查属实")
    COMMITMENT_REVOKED = "commitment_revoked", _("承诺不实，许可已撤销")
    WITHDRAWN = "withdrawn", _("已撤回")
    ABANDONED = "abandoned", _("逾期未补正，视为放弃申请")


S = ApplicationStatus
OPEN_STATES = [
    S.DRAFT,
    S.SUBMITTED,
    S.SUPPLEMENT_REQUESTED,
    S.ACCEPTED,
    S.AWAITING_DECISION,
    S.RECTIFICATION,
    S.REVIEW_PASSED,
    S.REVIEW_FAILED,
    S.APPROVED,
    S.PARTIALLY_APPROVED,
]
# A commitment-track certificate is still verified after issue (核查), but the licensing procedure has
# ended with it: the five reductions measure it there.
FINAL_STATES = [S.ABANDONED, S.REFUSED, S.DENIED, S.CERTIFIED, S.CERTIFICATE_CANCELLED, S.VERIFIED, S.COMMITMENT_REVOKED,
                S.WITHDRAWN]
# Once the authority has decided, the applicant can no longer withdraw: the decision stands.
WITHDRAWABLE_STATES = [s for s in OPEN_STATES if s not in (S.APPROVED, S.PARTIALLY_APPROVED)]


class ReviewMode(models.TextChoices):
    WRITTEN = "written", _("书面审查")
    ONSITE = "onsite", _("现场评审")
    REMOTE = "remote", _("远程评审")


def visibility(user) -> str:
    """Which applications a user may see: ``"agency"``, their own agency's; ``"submitted"``, for an
    official, every one ever submitted (a draft is the agency's own business until it is submitted);
    ``""``, none."""
    if not user.is_authenticated:
        return ""
    if user.agency_id:
        return "agency"
    if user.is_superuser or user.has_perm("approvals.view_application"):
        return "submitted"
    return ""


class ApplicationQuerySet(models.QuerySet):
    def visible_to(self, user) -> "ApplicationQuerySet":
        """Applications a user may see (``visibility``)."""
        return self.seen_as(visibility(user), agency_id=user.agency_id if user.is_authenticated else None)

    def seen_as(self, seen: str, *, agency_id: int | None = None) -> "ApplicationQuerySet":
        """The applications one way of seeing them (``visibility``) shows: for a compiled read, which
        takes the agency as a parameter."""
        if seen == "agency":
            return self.filter(agency_id=agency_id)
        if seen == "submitted":
            return self.filter(submitted_at__isnull=False)
        return self.none()


@fast_choice_display
class Application(ConcurrentTransitionMixin, models.Model):
    """资质认定申请."""

    agency = models.ForeignKey(Agency, verbose_name=_("申请机构"), on_delete=models.PROTECT, related_name="applications")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("创建人"), on_delete=models.PROTECT, related_name="+"
    )
    application_type = models.CharField(
        _("申请类型"), max_length=20, choices=ApplicationType.choices, default=ApplicationType.INITIAL
    )
    track = models.CharField(_("程序"), max_length=20, choices=ApplicationTrack.choices, default=ApplicationTrack.ORDINARY)
    status = FSMField(_("状态"), max_length=30, choices=ApplicationStatus.choices, default=S.DRAFT, protected=True)

    test_sites = models.TextField(_("检验检测场所地址"), blank=True, help_text=_("每行一个场所；首次、延续、扩项申请必填。"))
    field_code = models.CharField(
        _("检验检测领域代码"), max_length=2, validators=[two_digits], default="20",
        help_text=_("证书编号第5-6位：00 食品 … 20 综合，21 其他。"),
    )
    industry_code = models.CharField(
        _("行业主管部门代码"), max_length=2, validators=[two_digits], default="00",
        help_text=_("证书编号第7-8位。"),
    )
    authorised_signatories = models.TextField(_("授权签字人"), blank=True, help_text=_("每行一人：姓名、职务、签字领域。"))
    declaration = models.BooleanField(_("对申请材料真实性负责的声明"), default=False)

    subject_certificate = models.ForeignKey(
        "approvals.Certificate", verbose_name=_("所涉证书"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="applications", help_text=_("延续、变更、扩项、注销所针对的证书。"),
    )
    changes = models.JSONField(_("变更事项"), default=list, blank=True,
                               help_text=_("每项：{kind: 变更类型, value: 变更后内容}。"))
    cancellation_reason = models.CharField(_("注销原因"), max_length=20, choices=CancellationReason.choices,
                                           blank=True)
    commitment_signed_at = models.DateTimeField(_("告知承诺书签署时间"), null=True, blank=True)
    commitment_signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("承诺书签署人"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )
    commitment_text = models.TextField(_("签署的告知承诺书"), blank=True)

    rule_set = models.ForeignKey(RuleSet, verbose_name=_("适用规则集"), null=True, blank=True, on_delete=models.PROTECT)
    review_leader = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("评审组长"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )
    review_experts = models.CharField(_("评审员"), max_length=300, blank=True)
    review_mode = models.CharField(_("评审方式"), max_length=10, choices=ReviewMode.choices, blank=True)
    decision_reason = models.TextField(_("审批决定理由"), blank=True)

    created = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated = models.DateTimeField(_("更新时间"), auto_now=True)
    submitted_at = models.DateTimeField(_("首次提交时间"), null=True, blank=True)
    decided_at = models.DateTimeField(_("决定时间"), null=True, blank=True)
    # The last day of the applicant's period that lapsed unanswered (a supplement: the application is
    # then deemed abandoned); a late answer is refused with this date.
    lapsed_on = models.DateField(_("答复期限届满日"), null=True, blank=True)

    objects = ApplicationQuerySet.as_manager()

    class Meta:
        verbose_name = _("资质认定申请")
        verbose_name_plural = _("资质认定申请")
        ordering = ["-created"]
        permissions = [
            ("accept_application", _("受理申请")),
            ("review_application", _("技术评审")),
            ("decide_application", _("审批决定")),
            ("issue_certificate", _("发证")),
            ("respond_application", _("答复补正与整改（申请机构）")),
            ("monitor_service", _("监测办理情况（政务服务中心）")),
        ]
        indexes = [models.Index(fields=["agency", "-created"]), models.Index(fields=["status"])]

    def __str__(self) -> str:
        return f"{self.reference} {self.agency}"

    # --- saving what changed --------------------------------------------------------------------
    @property
    def state_fields(self) -> tuple:
        """django-fsm's state fields (the status), found once: its own filters every field of the model
        on every instance built, a twentieth of a list page of applications."""
        return _STATE_FIELDS

    @classmethod
    def from_db(cls, db, field_names, values):
        instance = super().from_db(db, field_names, values)
        instance._loaded_values = dict(zip(field_names, values, strict=True))
        return instance

    def refresh_from_db(self, *args, **kwargs) -> None:
        """As Django's; what was read is what was refreshed (``changed_fields`` and the status guard)."""
        super().refresh_from_db(*args, **kwargs)
        loaded = getattr(self, "_loaded_values", None)
        fields = kwargs.get("fields", args[1] if len(args) > 1 else None)
        if fields is None:
            self._loaded_values = {field.attname: getattr(self, field.attname) for field in self._meta.concrete_fields}
        elif loaded is not None:
            for field in self._meta.concrete_fields:
                if field.name in fields or field.attname in fields:
                    loaded[field.attname] = getattr(self, field.attname)

    def changed_fields(self) -> list[str] | None:
        """The fields whose value differs from what was read (JSON ones always count: they change in
        place), with ``updated``; None for an object not read whole from the database."""
        loaded = getattr(self, "_loaded_values", None)
        if loaded is None:
            return None
        changed = []
        for field in self._meta.concrete_fields:
            if field.attname not in loaded:
                return None
            if (field.attname == "updated" or isinstance(field, models.JSONField)
                    or getattr(self, field.attname) != loaded[field.attname]):
                changed.append(field.name)
        return changed

    def save_changes(self, *, recording: models.Model | None = None) -> None:
        """Save only the fields that changed since the row was read (all of them if it was not read
        whole): a status change writes the status and what its service set, not forty columns.

        Like django-fsm's ``ConcurrentTransitionMixin``, the UPDATE only takes the row while it still
        has the status it was read with; else ``ConcurrentTransition``. ``recording`` (the status
        change's own row) is inserted too, its id set on it: on PostgreSQL in the UPDATE's statement,
        written only if the UPDATE took the row (one round trip fewer on every transition)."""
        fields = self.changed_fields()
        together = fields is not None and recording is not None and connection.vendor == "postgresql"
        if fields is None:
            self.save()
        else:
            sql, params = update_row(self, fields, where={"status": self._loaded_values["status"]})
            if together:
                insert, values = insert_from(recording, "changed")
                pk = connection.ops.quote_name(self._meta.pk.column)
                sql, params = f"WITH changed AS ({sql} RETURNING {pk}) {insert}", [*params, *values]
            with connection.cursor() as cursor:
                prepared.execute(cursor, sql, params)
                taken = cursor.fetchone() if together else cursor.rowcount
                if not taken:
                    raise ConcurrentTransition("Cannot save object! The state has been changed since fetched "
                                               "from the database!")
            self._update_initial_state()
        if together:
            recording.pk, recording._state.adding, recording._state.db = taken[0], False, connection.alias
        elif recording is not None:
            insert_row(recording)
        self._loaded_values = {field.attname: getattr(self, field.attname) for field in self._meta.concrete_fields}

    @property
    def reference(self) -> str:
        """申请编号, derived from the creation year and the primary key."""
        return self.reference_of(created=self.created, pk=self.pk)

    @staticmethod
    def reference_of(*, created, pk: int | None) -> str:
        """The reference from the two values it is made of (for lists read as values, not models)."""
        return f"SQ{created.year if created else 0}{pk or 0:06d}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATES

    # --- conditions (model methods, so the flow and the pages can ask the same question) ------
    def asks_scope(self) -> bool:
        """Whether the application lists scope items: the full scope (first, renewal) or the new items
        (extension); a change or a cancellation concerns the certificate's existing scope."""
        return self.application_type in SCOPE_TYPES

    def is_complete_for_submission(self) -> bool:
        if not self.declaration:
            return False
        if self.application_type in CERTIFICATE_TYPES and self.subject_certificate_id is None:
            return False
        if self.track == ApplicationTrack.COMMITMENT and self.commitment_signed_at is None:
            return False
        if self.application_type == ApplicationType.CHANGE and not self.changes:
            return False
        if self.application_type == ApplicationType.CANCELLATION and not self.cancellation_reason:
            return False
        if not self.asks_scope():
            return True
        return self.scope_items.exists() and bool(self.test_sites.strip())

    def needs_technical_review(self) -> bool:
        """技术评审: the ordinary track reviews first applications, renewals and extensions; a change only
        when it changes what the rule set says needs review (a new site); the commitment track and a
        cancellation decide without one."""
        if self.track == ApplicationTrack.COMMITMENT or self.application_type == ApplicationType.CANCELLATION:
            return False
        if self.application_type == ApplicationType.CHANGE:
            reviewed = set(self.rule_set.change_kinds_reviewed if self.rule_set else [])
            return any(change.get("kind") in reviewed for change in self.changes)
        return True

    def accepted_state(self) -> str:
        return S.ACCEPTED if self.needs_technical_review() else S.AWAITING_DECISION

    def approved_state(self) -> str:
        return S.CERTIFICATE_CANCELLED if self.application_type == ApplicationType.CANCELLATION else S.APPROVED

    def has_open_deficiencies(self, kind: str) -> bool:
        return self.deficiencies.filter(kind=kind, resolved_at__isnull=True).exists()

    def has_decided_every_item(self) -> bool:
        return not self.scope_items.filter(approved__isnull=True).exists()

    def has_approved_items(self) -> bool:
        return self.scope_items.filter(approved=True).exists()

    def has_refused_items(self) -> bool:
        return self.scope_items.filter(approved=False).exists()

    # --- the legal lifecycle -----------------------------------------------------------------
    @transition(status, source=S.DRAFT, target=S.SUBMITTED, conditions=[is_complete_for_submission])
    def submit(self):
        """申请: the applicant submits the application."""

    @transition(status, source=S.SUBMITTED,
                target=GET_STATE(accepted_state, states=[S.ACCEPTED, S.AWAITING_DECISION]))
    def accept(self):
        """受理: on to the technical review, or straight to the decision where none is needed."""

    @transition(status, source=S.SUBMITTED, target=S.SUPPLEMENT_REQUESTED)
    def request_supplement(self):
        """补正: one notice listing every defect (一次性告知); the acceptance clock stops."""

    @transition(status, source=S.SUBMITTED,
                target=GET_STATE(accepted_state, states=[S.ACCEPTED, S.AWAITING_DECISION]))
    def deem_accepted(self):
        """视为受理 (Administrative Licensing Law art. 32): the acceptance limit passed without a
        decision, so the application counts as accepted from the day it was received."""

    @transition(status, source=S.SUPPLEMENT_REQUESTED, target=S.ABANDONED)
    def deem_abandoned(self):
        """视为放弃: the supplement period passed without an answer; the application ends."""

    @transition(status, source=S.SUPPLEMENT_REQUESTED, target=S.SUBMITTED)
    def resubmit(self):
        """The applicant answers the supplement notice; the acceptance clock resumes."""

    @transition(status, source=S.SUBMITTED, target=S.REFUSED)
    def refuse(self):
        """不予受理, with reasons in writing."""

    @transition(status, source=S.ACCEPTED, target=S.REVIEW_PASSED)
    def pass_review(self):
        """技术评审通过."""

    @transition(status, source=S.ACCEPTED, target=S.RECTIFICATION)
    def request_rectification(self):
        """整改: findings with a deadline; the review clock stops."""

    @transition(status, source=S.RECTIFICATION, target=S.ACCEPTED)
    def submit_rectification(self):
        """The applicant reports the rectification; the review resumes."""

    @transition(status, source=S.RECTIFICATION, target=S.ACCEPTED)
    def lapse_rectification(self):
        """The rectification limit passed: the items still open are judged nonconforming and the review
        goes on to its conclusion."""

    @transition(status, source=S.ACCEPTED, target=S.REVIEW_FAILED)
    def fail_review(self):
        """技术评审不通过."""

    @transition(status, source=[S.REVIEW_PASSED, S.AWAITING_DECISION],
                target=GET_STATE(approved_state, states=[S.APPROVED, S.CERTIFICATE_CANCELLED]),
                conditions=[has_decided_every_item])
    def approve(self):
        """准予许可 (the whole requested scope); for a cancellation, 准予注销 (nothing to issue)."""

    @transition(
        status,
        source=[S.REVIEW_PASSED, S.AWAITING_DECISION],
        target=S.PARTIALLY_APPROVED,
        conditions=[has_decided_every_item, has_approved_items, has_refused_items],
    )
    def approve_partially(self):
        """部分准予许可: part of the scope approved, the rest refused with reasons."""

    @transition(status, source=[S.REVIEW_PASSED, S.REVIEW_FAILED, S.AWAITING_DECISION], target=S.DENIED)
    def deny(self):
        """不予许可, with reasons in writing."""

    @transition(status, source=[S.APPROVED, S.PARTIALLY_APPROVED], target=S.CERTIFIED)
    def certify(self):
        """发证."""

    @transition(status, source=S.CERTIFIED, target=S.VERIFIED)
    def confirm_commitment(self):
        """核查: the post-verification of a commitment-track certificate found the commitment true."""

    @transition(status, source=S.CERTIFIED, target=S.COMMITMENT_REVOKED)
    def revoke_false_commitment(self):
        """核查: the commitment was false; the licence is revoked (撤销) and published."""

    @transition(status, source=WITHDRAWABLE_STATES, target=S.WITHDRAWN)
    def withdraw(self):
        """撤回: the applicant withdraws before the decision."""


_STATE_FIELDS = tuple(field for field in Application._meta.fields if isinstance(field, FSMFieldMixin))


class ScopeItem(models.Model):
    """One line of the capability scope applied for (and, after the decision, approved or not)."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="scope_items")
    seq = models.PositiveIntegerField(_("序号"))
    category = models.CharField(_("类别（产品/项目/参数）"), max_length=100)
    item = models.CharField(_("检测对象/项目"), max_length=200)
    parameter = models.CharField(_("参数"), max_length=200)
    standard = models.CharField(_("依据的标准（方法）名称及编号"), max_length=300)
    limitation = models.CharField(_("限制范围"), max_length=200, blank=True)
    approved = models.BooleanField(_("准予"), null=True, blank=True)
    refusal_reason = models.CharField(_("不予许可理由"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("能力范围")
        verbose_name_plural = _("能力范围")
        ordering = ["application", "seq"]
        constraints = [models.UniqueConstraint(fields=["application", "seq"], name="scope_item_seq_unique")]

    def __str__(self) -> str:
        return f"{self.seq}. {self.item} / {self.parameter}"


@fast_choice_display
class Deficiency(models.Model):
    """A defect in a supplement notice (补正) or a review finding needing rectification (整改)."""

    class Kind(models.TextChoices):
        SUPPLEMENT = "supplement", _("补正")
        RECTIFICATION = "rectification", _("整改")

    class Grade(models.TextChoices):
        SERIOUS = "serious", _("严重")
        GENERAL = "general", _("一般")
        OBSERVATION = "observation", _("观察项")

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="deficiencies")
    kind = models.CharField(_("类型"), max_length=20, choices=Kind.choices)
    round = models.PositiveSmallIntegerField(_("轮次"))
    description = models.TextField(_("问题描述"))
    clause = models.CharField(_("条款（RB/T 214-2017）"), max_length=30, blank=True)
    grade = models.CharField(_("等级"), max_length=20, choices=Grade.choices, blank=True)
    document_code = models.CharField(_("材料代码"), max_length=50, blank=True)
    created = models.DateTimeField(_("提出时间"), auto_now_add=True)
    raised_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    response = models.TextField(_("答复"), blank=True)
    resolved_at = models.DateTimeField(_("答复时间"), null=True, blank=True)
    # Set when the applicant's period lapsed with the item still open: a rectification item is then
    # judged nonconforming (判定为不符合).
    lapsed_at = models.DateTimeField(_("逾期判定时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("补正/整改事项")
        verbose_name_plural = _("补正/整改事项")
        ordering = ["application", "kind", "round", "id"]

    def __str__(self) -> str:
        return self.description[:50]


@fast_choice_display
class StatusChange(models.Model):
    """Audit trail: every change of an application's status, who made it, when and why."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="status_changes")
    transition = models.CharField(_("操作"), max_length=50)
    source = models.CharField(_("原状态"), max_length=30, choices=ApplicationStatus.choices)
    target = models.CharField(_("新状态"), max_length=30, choices=ApplicationStatus.choices)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("操作人"), null=True, on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField(_("时间"))
    comment = models.TextField(_("意见"), blank=True)

    class Meta:
        verbose_name = _("状态变更记录")
        verbose_name_plural = _("状态变更记录")
        ordering = ["application", "at", "id"]

    def __str__(self) -> str:
        return f"{self.source} → {self.target}"
