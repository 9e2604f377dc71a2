"""REST API of documents, following the error contract of ``approvals.api``: 400 bad input (with
a message per field), 403 a role that may not act, 404 anything outside the caller's scope, 409 an
action the application's state does not allow now. Querysets are always scoped to the caller."""

from django.core.exceptions import ValidationError
from django.http import FileResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle
from rest_framework.views import APIView

from approvals.exceptions import DomainError
from approvals.models import Application, ApplicationTrack, ApplicationType, RuleSet

from . import selectors, services
from .contexts import verify_url
from .models import Document, RenderedDocument
from .uploads import limit_uploads, too_large
from .validation import too_large_message


class RequirementSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    name_en = serializers.CharField()
    description = serializers.CharField()
    mandatory = serializers.BooleanField()
    accepted_formats = serializers.ListField(child=serializers.CharField())
    via_data_sharing = serializers.BooleanField()
    reusable_months = serializers.IntegerField(allow_null=True)
    rule_set = serializers.CharField(source="rule_set.code")
    application_type = serializers.CharField()
    track = serializers.CharField()


class DocumentSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    requirement = serializers.CharField(source="requirement.code")
    name = serializers.CharField(source="original_name")
    content_type = serializers.CharField()
    size = serializers.IntegerField()
    sha256 = serializers.CharField()
    uploaded_at = serializers.DateTimeField()
    supplement_round = serializers.IntegerField()
    reused_from = serializers.IntegerField(source="reused_from_id", allow_null=True)
    rejected_reason = serializers.CharField()
    rejected_at = serializers.DateTimeField(allow_null=True)
    download_url = serializers.SerializerMethodField()

    def get_download_url(self, doc: Document) -> str:
        return reverse("documents-api:document-file", args=[doc.application_id, doc.pk])


class RenderedSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    kind_display = serializers.CharField(source="get_kind_display")
    round = serializers.IntegerField()
    state = serializers.CharField()
    pages = serializers.IntegerField()
    sha256 = serializers.CharField()
    rendered_at = serializers.DateTimeField(allow_null=True)
    download_url = serializers.SerializerMethodField()

    def get_download_url(self, rendered: RenderedDocument) -> str | None:
        return reverse("documents-api:issued-pdf", args=[rendered.pk]) if rendered.state == "ready" else None


def _checklist_item(status_) -> dict:
    return {
        "requirement": RequirementSerializer(status_.requirement).data,
        "state": status_.state,
        "state_display": status_.state_label,
        "satisfied": status_.is_satisfied,
        "deficiencies": [{"round": d.round, "reason": d.description} for d in status_.deficiencies],
        "documents": DocumentSerializer(status_.documents, many=True).data,
        "reusable": [
            {"id": d.pk, "name": d.original_name, "application": d.application.reference, "uploaded_at": d.uploaded_at}
            for d in status_.reusable
        ],
    }


def _application(request, pk: int) -> Application:
    return get_object_or_404(Application.objects.visible_to(request.user).select_related("agency", "rule_set"), pk=pk)


def _pdf(rendered: RenderedDocument) -> FileResponse:
    if rendered.state != RenderedDocument.State.READY:
        raise DomainError(_("文书正在生成，请稍后再试。"))
    response = FileResponse(rendered.file.open("rb"), as_attachment=True, filename=rendered.filename,
                            content_type="application/pdf")
    response["X-Content-Type-Options"] = "nosniff"
    return response


class RequirementList(APIView):
    """The required-document catalogue for an application type and track (rule set in force today,
    or ``rule_set`` by code)."""

    @extend_schema(
        parameters=[OpenApiParameter("application_type", enum=ApplicationType.values),
                    OpenApiParameter("track", enum=ApplicationTrack.values),
                    OpenApiParameter("rule_set", str)],
        responses=RequirementSerializer(many=True),
    )
    def get(self, request):
        application_type = request.query_params.get("application_type", ApplicationType.INITIAL)
        track = request.query_params.get("track", ApplicationTrack.ORDINARY)
        errors = {}
        if application_type not in ApplicationType.values:
            errors["application_type"] = [_("申请类型只能是：%(v)s。") % {"v": "、".join(ApplicationType.values)}]
        if track not in ApplicationTrack.values:
            errors["track"] = [_("程序只能是：%(v)s。") % {"v": "、".join(ApplicationTrack.values)}]
        code = request.query_params.get("rule_set")
        rule_set = RuleSet.objects.filter(code=code).first() if code else RuleSet.in_force_on(timezone.localdate())
        if rule_set is None:
            errors["rule_set"] = [_("没有该规则集。")]
        if errors:
            raise ValidationError(errors)
        items = selectors.catalogue(rule_set=rule_set, application_type=application_type, track=track)
        return Response(RequirementSerializer(items, many=True).data)


class ApplicationDocuments(APIView):
    """An application's documents as a checklist (GET), or a new one (POST): multipart
    ``requirement`` + ``file`` to upload, or ``reuse`` (an earlier document's id) to reuse."""

    parser_classes = [MultiPartParser, FormParser, JSONParser]

    def initialize_request(self, request, *args, **kwargs):
        limit_uploads(request)  # before anything reads the body
        return super().initialize_request(request, *args, **kwargs)

    @extend_schema(responses=inline_serializer("DocumentChecklist", {
        "application": serializers.IntegerField(), "rule_set": serializers.CharField(),
        "complete": serializers.BooleanField(), "missing": serializers.ListField(child=serializers.CharField()),
        "requirements": serializers.ListField(child=serializers.DictField()),
    }))
    def get(self, request, pk: int):
        application = _application(request, pk)
        own = request.user.agency_id == application.agency_id
        checklist = selectors.checklist(application=application, with_reusable=own)
        return Response({
            "application": application.pk,
            "rule_set": selectors.rule_set_for(application).code,
            "complete": all(s.is_satisfied for s in checklist),
            "missing": [s.requirement.code for s in checklist if not s.is_satisfied],
            "requirements": [_checklist_item(s) for s in checklist],
        })

    @extend_schema(
        request={"multipart/form-data": inline_serializer("DocumentUpload", {
            "requirement": serializers.CharField(), "file": serializers.FileField(required=False),
            "reuse": serializers.IntegerField(required=False)})},
        responses={201: DocumentSerializer},
    )
    def post(self, request, pk: int):
        application = _application(request, pk)
        reuse = request.data.get("reuse")
        if reuse not in (None, ""):
            try:
                reuse = int(reuse)
            except (TypeError, ValueError):
                raise ValidationError({"reuse": [_("请给出要复用的材料编号。")]}) from None
            document = services.document_reuse(application=application, by=request.user, document=reuse)
        else:
            upload = request.FILES.get("file")
            if too_large(request._request):
                raise ValidationError({"file": [too_large_message()]})
            if upload is None:
                raise ValidationError({"file": [_("请选择要上传的文件。")]})
            document = services.document_upload(application=application, by=request.user,
                                                 requirement=request.data.get("requirement", ""), file=upload)
        return Response(DocumentSerializer(document).data, status=status.HTTP_201_CREATED)


class ApplicationDocumentDetail(APIView):
    """One document's record (GET) or its removal from a draft or an open supplement (DELETE)."""

    def _document(self, request, pk: int, doc: int) -> Document:
        application = _application(request, pk)
        return get_object_or_404(Document.objects.current().select_related("requirement", "application"),
                                 application=application, pk=doc)

    @extend_schema(operation_id="application_document_retrieve", responses=DocumentSerializer)
    def get(self, request, pk: int, doc: int):
        return Response(DocumentSerializer(self._document(request, pk, doc)).data)

    @extend_schema(responses={204: None})
    def delete(self, request, pk: int, doc: int):
        services.document_remove(document=self._document(request, pk, doc), by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class DocumentFile(ApplicationDocumentDetail):
    """The uploaded file itself."""

    http_method_names = ["get", "head", "options"]

    @extend_schema(operation_id="application_document_file", responses={
        (200, "application/pdf"): bytes, (200, "image/jpeg"): bytes, (200, "image/png"): bytes})
    def get(self, request, pk: int, doc: int):
        document = self._document(request, pk, doc)
        response = FileResponse(document.file.open("rb"), as_attachment=True, filename=document.original_name,
                                content_type=document.content_type)
        response["X-Content-Type-Options"] = "nosniff"
        return response


class ApplicationIssued(APIView):
    """The PDFs issued for an application: notices, decision letter, certificate."""

    @extend_schema(responses=RenderedSerializer(many=True))
    def get(self, request, pk: int):
        application = _application(request, pk)
        return Response(RenderedSerializer(selectors.rendered_for(application=application), many=True).data)


class IssuedPdf(APIView):
    @extend_schema(responses={(200, "application/pdf"): bytes})
    def get(self, request, pk: int):
        rendered = get_object_or_404(
            selectors.visible_rendered(user=request.user).select_related("application", "certificate"), pk=pk
        )
        return _pdf(rendered)


class CertificatePdf(APIView):
    """The certificate PDF, for the agency it was issued to and for officials."""

    @extend_schema(responses={(200, "application/pdf"): bytes})
    def get(self, request, number: str):
        certificate = get_object_or_404(selectors.visible_certificates(user=request.user), number=number)
        rendered = get_object_or_404(RenderedDocument.objects.select_related("application", "certificate", "version"),
                                     version_id=certificate.current_id, kind=RenderedDocument.Kind.CERTIFICATE)
        return _pdf(rendered)


class PublicVerifyThrottle(AnonRateThrottle):
    """Enough for anyone checking certificates by hand, too little to walk the number space."""

    rate = "120/min"


class PublicCertificate(APIView):
    """公开查询: a certificate's status and the authority's decisions (date and reason), agency, dates,
    scope, whether the shown version's signature checks, and every version with what it changed.
    ``?version=N`` shows version N (an old version says it has been superseded)."""

    permission_classes = [AllowAny]
    authentication_classes = []
    throttle_classes = [PublicVerifyThrottle]

    @extend_schema(auth=[], parameters=[OpenApiParameter("version", int, required=False)],
                   responses={200: inline_serializer("PublicCertificate", {
                       "number": serializers.CharField(), "version": serializers.IntegerField(),
                       "current_version": serializers.IntegerField(), "superseded": serializers.BooleanField(),
                       "status": serializers.CharField(), "status_display": serializers.CharField(),
                       "genuine": serializers.BooleanField(), "signature": serializers.DictField(),
                       "agency": serializers.DictField(), "issuing_authority": serializers.CharField(),
                       "approved_on": serializers.DateField(), "issued_on": serializers.DateField(),
                       "expires_on": serializers.DateField(), "scope": serializers.ListField(child=serializers.DictField()),
                       "actions": serializers.ListField(child=serializers.DictField()),
                       "versions": serializers.ListField(child=serializers.DictField()),
                       "verify_url": serializers.URLField(),
                   }), 400: OpenApiTypes.OBJECT, 404: OpenApiTypes.OBJECT})
    def get(self, request, number: str):
        raw = request.query_params.get("version", "")
        if raw and (not raw.isdigit() or len(raw) > 4):
            return Response({"version": [_("版本应为正整数。")]}, status=status.HTTP_400_BAD_REQUEST)
        check = selectors.certificate_check(number=number, version=int(raw) if raw else None)
        if not check.found:
            return Response({"detail": check.reason}, status=status.HTTP_404_NOT_FOUND)
        payload = check.payload
        return Response({
            "number": payload["number"],
            "version": check.version.version,
            "current_version": check.current.version,
            "superseded": check.superseded,
            "status": check.status,
            "status_display": check.status_label,
            "genuine": check.genuine,
            "signature": {"valid": check.genuine, "algorithm": "Ed25519", "key_id": check.key_id,
                          "signed_at": check.signed_at, "detail": check.reason},
            "agency": payload["agency"],
            "test_sites": payload["test_sites"],
            "issuing_authority": payload["issuing_authority"],
            "approved_on": payload["approved_on"],
            "issued_on": payload["issued_on"],
            "expires_on": payload["expires_on"],
            "scope": payload["scope"],
            "authorised_signatories": payload["authorised_signatories"],
            "actions": [
                {"kind": a.kind, "kind_display": a.get_kind_display(), "effective_on": a.effective_on,
                 "reason": a.reason, "status": a.target}
                for a in check.actions
            ],
            "versions": [
                {"version": row.version.version, "number": row.version.number, "issued_on": row.version.issued_on,
                 "expires_on": row.version.expires_on, "current": row.is_current,
                 "application_type": row.version.application.application_type,
                 "changes": [{"field": label, "before": before, "after": after}
                             for label, before, after in row.header_changes],
                 "annex": {"added": row.annex.added, "removed": row.annex.removed,
                           "changed": [{"before": b, "after": a} for b, a in row.annex.changed]},
                 "verify_url": verify_url(row.version.number, row.version.version)}
                for row in check.history
            ],
            "verify_url": verify_url(payload["number"], check.version.version),
        })
