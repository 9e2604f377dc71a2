"""An append-only log whose rows are chained by SHA-256: altering, removing or inserting a row
anywhere breaks every hash after it, and ``manage.py verify_audit`` names the first that fails."""

import hashlib
import json
from datetime import UTC
from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _

GENESIS = "0" * 64


class AuditEntryQuerySet(models.QuerySet):
    def for_application(self, application_id: int) -> "AuditEntryQuerySet":
        return self.filter(application_id=application_id).order_by("seq")


class AuditEntry(models.Model):
    """One event of the record. Never updated or deleted (a PostgreSQL trigger refuses both)."""

    seq = models.PositiveBigIntegerField(_("序号"), unique=True)
    at = models.DateTimeField(_("时间"))
    action = models.CharField(_("事件"), max_length=50)
    object_type = models.CharField(_("对象类型"), max_length=100, blank=True)
    object_id = models.CharField(_("对象编号"), max_length=64, blank=True)
    application_id = models.BigIntegerField(_("申请"), null=True, blank=True, db_index=True)
    actor_id = models.BigIntegerField(_("操作人编号"), null=True, blank=True)
    actor_name = models.CharField(_("操作人"), max_length=150, blank=True)
    summary = models.TextField(_("摘要"), blank=True)
    data = models.JSONField(_("内容"), default=dict, blank=True)
    prev_hash = models.CharField(_("前一条哈希"), max_length=64)
    hash = models.CharField(_("哈希"), max_length=64, unique=True)

    objects = AuditEntryQuerySet.as_manager()

    class Meta:
        verbose_name = _("审计记录")
        verbose_name_plural = _("审计记录")
        ordering = ["seq"]

    def __str__(self) -> str:
        return f"#{self.seq} {self.action} {self.object_type}:{self.object_id}"

    def canonical(self) -> dict[str, Any]:
        """Every field but the hash itself, in a form that survives a round trip through the database."""
        return {
            "seq": self.seq,
            "prev_hash": self.prev_hash,
            "at": self.at.astimezone(UTC).isoformat(timespec="microseconds"),
            "action": self.action,
            "object_type": self.object_type,
            "object_id": self.object_id,
            "application_id": self.application_id,
            "actor_id": self.actor_id,
            "actor_name": self.actor_name,
            "summary": self.summary,
            "data": self.data,
        }

    def compute_hash(self) -> str:
        text = json.dumps(self.canonical(), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        return hashlib.sha256(text.encode("utf-8")).hexdigest()


class AuditHead(models.Model):
    """The chain's head (one row): writers lock it, so two transactions never extend the same hash."""

    seq = models.PositiveBigIntegerField(default=0)
    hash = models.CharField(max_length=64, default=GENESIS)

    class Meta:
        verbose_name = _("审计链头")
        verbose_name_plural = _("审计链头")

    def __str__(self) -> str:
        return f"#{self.seq} {self.hash[:12]}"
