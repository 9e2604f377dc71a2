"""REST API of the officials' decisions on a certificate (暂停, 恢复, 撤销), with the contract of
``approvals.api``: 400 bad input (a message per field), 403 a caller who may not decide, 404 a
certificate outside the caller's scope, 409 a decision the certificate's status does not allow now."""

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from approvals.models import CertificateAction
from approvals.services.certificates import MAX_REASON

from . import certificates as register


class DecisionSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=MAX_REASON)
    on = serializers.DateField(required=False, allow_null=True, help_text="生效日期，留空为今天；不能晚于今天。")


class CertificateDecision(APIView):
    """暂停 / 恢复 / 撤销 a certificate: recorded with its reason and date, published on the verify page,
    and its letter rendered after commit."""

    kind = ""

    @extend_schema(request=DecisionSerializer, responses={
        200: inline_serializer("CertificateDecisionResult", {
            "number": serializers.CharField(), "status": serializers.CharField(),
            "status_display": serializers.CharField(), "action": serializers.DictField()}),
        400: OpenApiTypes.OBJECT, 403: OpenApiTypes.OBJECT, 404: OpenApiTypes.OBJECT, 409: OpenApiTypes.OBJECT})
    def post(self, request, number: str):
        certificate = get_object_or_404(register.visible_certificates(user=request.user), number=number)
        if not register.may_decide(request.user):
            raise PermissionDenied(_("只有具有证书管理权限的工作人员可以暂停、恢复或撤销证书。"))
        data = DecisionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        action = register.certificate_decide(certificate=certificate, by=request.user, kind=self.kind,
                                             reason=data.validated_data["reason"], on=data.validated_data.get("on"))
        letter = action.letter
        return Response({
            "number": certificate.number,
            "status": certificate.status,
            "status_display": certificate.get_status_display(),
            "action": {"seq": action.seq, "kind": action.kind, "kind_display": action.get_kind_display(),
                       "reason": action.reason, "effective_on": action.effective_on,
                       "letter_url": reverse("documents-api:issued-pdf", args=[letter.pk])},
        })


class CertificateSuspend(CertificateDecision):
    kind = CertificateAction.Kind.SUSPEND


class CertificateRestore(CertificateDecision):
    kind = CertificateAction.Kind.RESTORE


class CertificateRevoke(CertificateDecision):
    kind = CertificateAction.Kind.REVOKE
