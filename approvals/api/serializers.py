import copy
import re

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from approvals import offering
from approvals.models import Agency, Application, ApplicationTrack, ApplicationType, Certificate, Deficiency, ScopeItem, User
from approvals.models.applications import ReviewMode


class TextField(serializers.CharField):
    """A text field that takes text only: DRF's own turns a number into a string, which the schema
    (type: string) does not allow."""

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class WholeNumberField(serializers.IntegerField):
    """A whole number written as digits only: DRF's own takes " 6", "6\n" or "6.0" from a query string,
    which the schema (type: integer) does not allow."""

    def to_internal_value(self, data):
        if isinstance(data, bool) or (isinstance(data, str) and not re.fullmatch(r"[0-9]+", data)):
            self.fail("invalid")
        return super().to_internal_value(data)


class FlagField(serializers.BooleanField):
    """A yes/no written as JSON true or false: DRF's own also takes 0, 1, "yes", "off" and the like,
    which the schema (type: boolean) does not allow."""

    def to_internal_value(self, data):
        if not isinstance(data, bool):
            self.fail("invalid", input=data)
        return data


class FieldsBuiltOnce:
    """A ModelSerializer that builds its fields from the model once per class, then copies them.

    DRF rebuilds every field of a ModelSerializer from the model's metadata for each serializer it
    makes, nested ones included: most of a list response's time. What it builds depends on the class
    alone (its Meta and declared fields), never on the instance or the request, so each serializer
    gets a deep copy of the first build, as DRF itself does for declared fields.
    """

    def get_fields(self):
        built = type(self).__dict__.get("_fields_built")
        if built is None:
            built = super().get_fields()
            type(self)._fields_built = built  # on this class only: a subclass builds its own
        return copy.deepcopy(built)


class StrictModelSerializer(FieldsBuiltOnce, serializers.ModelSerializer):
    """Model fields stored as text are written as text, and yes/no fields as true or false, nothing else."""

    serializer_field_mapping = {
        **serializers.ModelSerializer.serializer_field_mapping,
        models.BooleanField: FlagField,
        models.CharField: TextField,
        models.TextField: TextField,
        models.EmailField: serializers.EmailField,
    }


class AgencySerializer(StrictModelSerializer):
    class Meta:
        model = Agency
        fields = ["id", "name", "credit_code", "address", "legal_representative", "contact_name", "contact_phone",
                  "contact_email", "created"]
        read_only_fields = ["id", "created"]


class MeSerializer(FieldsBuiltOnce, serializers.ModelSerializer):
    agency = AgencySerializer(read_only=True, allow_null=True)  # officials belong to no agency
    roles = serializers.SerializerMethodField()
    name = serializers.CharField(source="get_full_name")

    class Meta:
        model = User
        fields = ["id", "username", "name", "email", "agency", "roles"]

    def get_roles(self, user) -> list[str]:
        return sorted(group.name for group in user.groups.all())


class ScopeItemSerializer(StrictModelSerializer):
    class Meta:
        model = ScopeItem
        fields = ["seq", "category", "item", "parameter", "standard", "limitation", "approved", "refusal_reason"]
        read_only_fields = ["seq", "approved", "refusal_reason"]


class DeficiencySerializer(FieldsBuiltOnce, serializers.ModelSerializer):
    class Meta:
        model = Deficiency
        fields = ["id", "kind", "round", "description", "clause", "grade", "document_code", "created", "response",
                  "resolved_at"]


class ApplicationSerializer(StrictModelSerializer):
    """A draft is written through this serializer; everything after submission is read-only here."""

    reference = serializers.CharField(read_only=True)
    agency = AgencySerializer(read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    scope = ScopeItemSerializer(source="scope_items", many=True, required=False)
    deficiencies = DeficiencySerializer(many=True, read_only=True)
    rule_set = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)
    # blank until the acceptance decides it
    review_mode = serializers.ChoiceField(choices=ReviewMode.choices, allow_blank=True, read_only=True)
    certificate_number = serializers.SerializerMethodField(help_text="本申请颁发的证书编号（首次申请）")
    certificate = TextField(
        required=False, allow_blank=True, write_only=True, max_length=40,
        help_text="延续、变更、扩项、注销：所涉证书的编号",
    )
    subject_certificate = serializers.SlugRelatedField(slug_field="number", read_only=True, allow_null=True,
                                                       help_text="所涉证书的现行编号")
    changes = serializers.ListField(child=serializers.DictField(), required=False, max_length=20,
                                    help_text="变更：[{kind: 变更类型, value: 变更后内容}]")
    # a method field: a dotted source with a default is left out of a PATCH answer (DRF skips defaults on partial)
    commitment_signed_by = serializers.SerializerMethodField()

    class Meta:
        model = Application
        fields = [
            "id", "reference", "agency", "application_type", "track", "status", "status_display", "test_sites",
            "field_code", "industry_code", "authorised_signatories", "declaration", "scope", "deficiencies",
            "rule_set", "review_mode", "review_experts", "decision_reason", "certificate_number", "created",
            "updated", "submitted_at", "decided_at", "certificate", "subject_certificate", "changes",
            "cancellation_reason", "commitment_signed_at", "commitment_signed_by", "commitment_text",
        ]
        read_only_fields = ["status", "review_mode", "review_experts", "decision_reason", "submitted_at",
                            "decided_at", "commitment_signed_at", "commitment_text"]

    def get_commitment_signed_by(self, application) -> str | None:
        signer = application.commitment_signed_by
        return signer.username if signer else None

    def get_certificate_number(self, application) -> str | None:
        certificate = getattr(application, "certificate", None)
        return certificate.number if certificate else None

    def validate(self, attrs):
        attrs = super().validate(attrs)
        kind = attrs.get("application_type", getattr(self.instance, "application_type", "initial"))
        track = attrs.get("track", getattr(self.instance, "track", "ordinary"))
        if not offering.is_offered(kind, track):
            raise serializers.ValidationError({"application_type": _("该类申请（%(type)s，%(track)s）尚未开放网上办理。") % {
                "type": ApplicationType(kind).label, "track": ApplicationTrack(track).label}})
        return attrs

    def validate_scope(self, value):
        if len(value) > 2000:
            raise serializers.ValidationError(_("能力范围一次最多2000项。"))
        return value


class CertificateSerializer(FieldsBuiltOnce, serializers.ModelSerializer):
    """The certificate's current version (earlier ones: the public check's ``versions``)."""

    application = serializers.IntegerField(source="application_id", read_only=True)
    version = serializers.IntegerField(source="current.version", read_only=True)
    agency_name = serializers.CharField(source="current.agency_name", read_only=True)
    address = serializers.CharField(source="current.address", read_only=True)
    test_sites = serializers.CharField(source="current.test_sites", read_only=True)
    issuing_authority = serializers.CharField(source="current.issuing_authority", read_only=True)
    approved_on = serializers.DateField(source="current.approved_on", read_only=True)
    issued_on = serializers.DateField(source="current.issued_on", read_only=True)
    expires_on = serializers.DateField(source="current.expires_on", read_only=True)
    scope = serializers.JSONField(source="current.scope", read_only=True)
    status = serializers.SerializerMethodField()

    class Meta:
        model = Certificate
        fields = ["number", "version", "application", "agency_name", "address", "test_sites", "issuing_authority",
                  "approved_on", "issued_on", "expires_on", "status", "scope"]

    def get_status(self, certificate) -> str:
        return certificate.status_on(timezone.localdate())


class TokenRequestSerializer(serializers.Serializer):
    username = TextField(max_length=150)
    password = TextField(max_length=128, trim_whitespace=False, style={"input_type": "password"})


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField()
    expires = serializers.DateTimeField(help_text="after this moment the token gets 401; ask for a new one")


class ErrorSerializer(serializers.Serializer):
    """The body of a 401, 403, 404, 409 or 429 answer."""

    detail = serializers.CharField()


# --- lists: the same fields, written row by row ---------------------------------------------------
def moment_text(value, zone):
    """What DRF's DateTimeField writes for a stored (aware) moment: ISO 8601 in the current time zone,
    UTC as "Z"; a list's rows take the zone once (the list tests hold the rows equal to the serializers')."""
    if value is None:
        return None
    text = value.astimezone(zone).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def _text(value):
    return str(value) if value is not None else None


def _flag(value):
    return bool(value) if value is not None else None


# An agency's fields in a list row, as AgencySerializer writes them.
AGENCY_FIELDS = ("name", "credit_code", "address", "legal_representative", "contact_name", "contact_phone",
                 "contact_email", "created")


def _agency_data(application, zone) -> dict:
    """The row's agency: read with the row as values (``agency_<field>``: the list's first page,
    ``approvals.api.views.ROW_VALUES``), else its related object."""
    if hasattr(application, "agency_name"):
        values = {name: getattr(application, f"agency_{name}") for name in AGENCY_FIELDS}
    else:
        agency = application.agency
        values = {name: getattr(agency, name) for name in AGENCY_FIELDS}
    data = {"id": application.agency_id}
    data.update((name, _text(value)) for name, value in values.items() if name != "created")
    data["created"] = moment_text(values["created"], zone)
    return data


def _scope_data(item) -> dict:
    return {"seq": item.seq, "category": _text(item.category), "item": _text(item.item),
            "parameter": _text(item.parameter), "standard": _text(item.standard), "limitation": _text(item.limitation),
            "approved": _flag(item.approved), "refusal_reason": _text(item.refusal_reason)}


def _deficiency_data(deficiency, zone) -> dict:
    return {"id": deficiency.id, "kind": deficiency.kind, "round": deficiency.round,
            "description": _text(deficiency.description), "clause": _text(deficiency.clause), "grade": deficiency.grade,
            "document_code": _text(deficiency.document_code), "created": moment_text(deficiency.created, zone),
            "response": _text(deficiency.response), "resolved_at": moment_text(deficiency.resolved_at, zone)}


def _related_values(application) -> tuple:
    """A row's rule set code, certificate number, subject certificate number and signer's username: read with
    the row as values (the list's first page, ``approvals.api.views.ROW_VALUES``), else from its related
    objects."""
    if hasattr(application, "rule_set_code"):
        return (application.rule_set_code, application.certificate_number, application.subject_certificate_number,
                application.signer_username)
    certificate = getattr(application, "certificate", None)
    subject, rule_set, signer = application.subject_certificate, application.rule_set, application.commitment_signed_by
    return (rule_set.code if rule_set is not None else None, certificate.number if certificate else None,
            subject.number if subject is not None else None, signer.username if signer else None)


def application_rows_data(applications, *, scope: dict | None = None, deficiencies: dict | None = None) -> list[dict]:
    """What ``ApplicationSerializer`` gives for each application of a list page (with its agency, rule
    set, certificates, signer, scope items and deficiencies loaded), written field by field: DRF's
    generic walk over some 900 fields of a page cost more than the queries that read them.
    ``scope`` and ``deficiencies``: each application's rows by its id, when they were read apart from
    the applications (else their prefetched ``scope_items`` and ``deficiencies``).
    ``tests/approvals/test_api_list_rows.py`` holds the two to the same output."""
    zone = timezone.get_current_timezone()  # one for the page's moments
    # What rows share is written once per page: an agency's fields (a page read in one statement holds
    # one version of each agency) and a status's label (translated on every call).
    agencies: dict[int, dict] = {}
    status_labels: dict[str, str] = {}
    result = []
    for application in applications:
        agency = agencies.get(application.agency_id)
        if agency is None:
            agency = agencies[application.agency_id] = _agency_data(application, zone)
        status = application.status
        status_display = status_labels.get(status)
        if status_display is None:
            status_display = status_labels[status] = str(application.get_status_display())
        items = scope.get(application.id, ()) if scope is not None else application.scope_items.all()
        found = deficiencies.get(application.id, ()) if deficiencies is not None else application.deficiencies.all()
        rule_set_code, certificate_number, subject_number, signer_username = _related_values(application)
        changes = application.changes
        result.append({
            "id": application.id,
            "reference": application.reference,
            "agency": agency,
            "application_type": application.application_type,
            "track": application.track,
            "status": status,
            "status_display": status_display,
            "test_sites": _text(application.test_sites),
            "field_code": _text(application.field_code),
            "industry_code": _text(application.industry_code),
            "authorised_signatories": _text(application.authorised_signatories),
            "declaration": _flag(application.declaration),
            "scope": [_scope_data(item) for item in items],
            "deficiencies": [_deficiency_data(deficiency, zone) for deficiency in found],
            "rule_set": rule_set_code,
            "review_mode": application.review_mode,
            "review_experts": _text(application.review_experts),
            "decision_reason": _text(application.decision_reason),
            "certificate_number": certificate_number,
            "created": moment_text(application.created, zone),
            "updated": moment_text(application.updated, zone),
            "submitted_at": moment_text(application.submitted_at, zone),
            "decided_at": moment_text(application.decided_at, zone),
            "subject_certificate": subject_number,
            "changes": None if changes is None else [
                None if change is None else {str(key): value for key, value in change.items()} for change in changes],
            "cancellation_reason": application.cancellation_reason,
            "commitment_signed_at": moment_text(application.commitment_signed_at, zone),
            "commitment_signed_by": signer_username,
            "commitment_text": _text(application.commitment_text),
        })
    return result
