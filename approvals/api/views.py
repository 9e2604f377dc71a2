from django.contrib.auth import authenticate
from django.db.models import Exists, F, OuterRef, Prefetch
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.generics import RetrieveAPIView
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from approvals import services
from approvals.api.reads import ReadsOutsideTransaction
from approvals.authentication import lockout_message, token_expires_at
from approvals.converters import DatabaseIdConverter
from approvals.models import Application, Certificate, Deficiency, ScopeItem
from approvals.models.applications import visibility
from approvals.pagination import StrictPageNumberPagination
from compiled import CompiledIdRows, CompiledRead

from .serializers import (
    AGENCY_FIELDS,
    AgencySerializer,
    ApplicationSerializer,
    CertificateSerializer,
    ErrorSerializer,
    MeSerializer,
    TokenRequestSerializer,
    TokenSerializer,
    application_rows_data,
)


class TokenView(APIView):
    """POST {username, password} → {token, expires}. Send it as ``Authorization: Token <token>``.

    After LOGIN_FAILURE_LIMIT wrong passwords the username is locked for this address (429), like the
    login page; the endpoint is also rate-limited per address. The token expires after
    API_TOKEN_TTL_HOURS and is revoked by ``POST auth/logout/``.
    """

    authentication_classes: list = []
    permission_classes = [permissions.AllowAny]
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "auth"

    @extend_schema(request=TokenRequestSerializer, responses={200: TokenSerializer, 401: ErrorSerializer}, auth=[])
    def post(self, request):
        credentials = TokenRequestSerializer(data=request.data)
        credentials.is_valid(raise_exception=True)
        # the plain HttpRequest: django-axes counts the failure against it and marks a lockout there
        user = authenticate(request._request, **credentials.validated_data)
        if getattr(request._request, "axes_locked_out", False):
            return Response({"detail": lockout_message()}, status=status.HTTP_429_TOO_MANY_REQUESTS)
        if user is None or not user.is_active:
            response = Response({"detail": _("用户名或密码不正确。")}, status=status.HTTP_401_UNAUTHORIZED)
            response["WWW-Authenticate"] = 'Token realm="api"'
            return response
        token = services.api_token_issue(user=user)
        return Response(TokenSerializer({"token": token.key, "expires": token_expires_at(token)}).data)


class LogoutView(APIView):
    """Revoke the caller's API tokens (204): the key stops working at once."""

    @extend_schema(request=None, responses={204: None, 401: ErrorSerializer})
    def post(self, request):
        services.api_tokens_revoke(user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class MeView(APIView):
    @extend_schema(responses=MeSerializer)
    def get(self, request):
        return Response(MeSerializer(request.user).data)


class AgencyCreateView(APIView):
    """Register the caller's agency (the caller becomes one of its users)."""

    @extend_schema(request=AgencySerializer, responses={201: AgencySerializer})
    def post(self, request):
        serializer = AgencySerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        agency = services.agency_register(by=request.user, **serializer.validated_data)
        return Response(AgencySerializer(agency).data, status=status.HTTP_201_CREATED)


# What get_queryset's prefetches read for a list page, compiled once per process (the ``compiled`` package).
SCOPE_OF_PAGE = CompiledIdRows(lambda ids: ScopeItem.objects.filter(application__in=ids).order_by("seq"),
                               StrictPageNumberPagination.page_size)
DEFICIENCIES_OF_PAGE = CompiledIdRows(lambda ids: Deficiency.objects.filter(application__in=ids),
                               StrictPageNumberPagination.page_size)


def _listed(seen: str, agency: int | None):
    """The applications one way of seeing them shows (``visibility``), with what a list row names."""
    return (Application.objects.seen_as(seen, agency_id=agency)
            .select_related("agency", "rule_set", "certificate", "subject_certificate", "commitment_signed_by")
            .order_by("-created", "-id"))


# What a list row shows of the objects joined to an application (application_rows_data): its agency's
# fields, the rule set's code, the certificates' numbers and the signer's username, read as values of the
# row. A whole rule set (four JSON documents decoded), certificate and agency were built for each row, the
# same agency twenty times on an agency's own page. And whether the row has deficiencies (``list``).
ROW_VALUES = {**{f"agency_{name}": F(f"agency__{name}") for name in AGENCY_FIELDS},
              "rule_set_code": F("rule_set__code"), "certificate_number": F("certificate__number"),
              "subject_certificate_number": F("subject_certificate__number"),
              "signer_username": F("commitment_signed_by__username"),
              "has_deficiencies": Exists(Deficiency.objects.filter(application_id=OuterRef("pk")))}


def _first_page(seen: str, agency: int | None):
    return (Application.objects.seen_as(seen, agency_id=agency).annotate(**ROW_VALUES)
            .order_by("-created", "-id")[:StrictPageNumberPagination.page_size])


# The list's first page, the one nearly every request asks for, compiled once per process for each way
# of seeing applications (the ``compiled`` package): building the query with its five joins cost more
# than running it. Each takes the agency of the one who sees.
_OWN_FIRST_PAGE = CompiledRead(lambda agency: _first_page("agency", agency), "agency")
_SUBMITTED_FIRST_PAGE = CompiledRead(lambda: _first_page("submitted", None))
FIRST_PAGE = {"agency": lambda agency: _OWN_FIRST_PAGE.all(agency=agency),
              "submitted": lambda agency: _SUBMITTED_FIRST_PAGE.all()}


def rows_by_application(read: CompiledIdRows, ids: list[int]) -> dict[int, list]:
    """The rows of ``read`` for these applications, each application's in the read's order."""
    rows: dict[int, list] = {}
    for row in read.all(ids):
        rows.setdefault(row.application_id, []).append(row)
    return rows


class ApplicationViewSet(ReadsOutsideTransaction, mixins.ListModelMixin, mixins.RetrieveModelMixin,
                         mixins.CreateModelMixin, mixins.UpdateModelMixin, viewsets.GenericViewSet):
    """Applications the caller may see: their agency's own, or all of them for an official.

    Drafts are created and edited here; submit, withdraw and the timeline are the flow's endpoints.
    """

    serializer_class = ApplicationSerializer
    lookup_value_regex = DatabaseIdConverter.regex  # a malformed or overlong id is a 404, never a query
    http_method_names = ["get", "post", "patch", "head", "options"]

    def _applications(self):
        user = self.request.user
        return _listed(visibility(user), user.agency_id if user.is_authenticated else None)

    def get_queryset(self):
        return self._applications().prefetch_related(
            Prefetch("scope_items", queryset=ScopeItem.objects.order_by("seq")), "deficiencies")

    def list(self, request, *args, **kwargs):
        queryset = self.filter_queryset(self._applications())
        first_page = FIRST_PAGE.get(visibility(request.user))
        if first_page is None or self.filter_backends:
            page = self.paginate_queryset(queryset)
        else:
            page = self.paginator.paginate_rows(queryset, request,
                                                first_page=lambda: first_page(request.user.agency_id))
        if page is None:
            return super().list(request, *args, **kwargs)
        # The page's scope items and deficiencies: the rows get_queryset's prefetches read, compiled; the
        # deficiencies only of applications that have any (the first page knows: most have none).
        ids = [application.id for application in page]
        noted = [application.id for application in page if getattr(application, "has_deficiencies", True)]
        return self.get_paginated_response(application_rows_data(
            page, scope=rows_by_application(SCOPE_OF_PAGE, ids),
            deficiencies=rows_by_application(DEFICIENCIES_OF_PAGE, noted) if noted else {}))

    def _check_applicant(self):
        user = self.request.user
        if not user.agency_id or not user.has_perm("approvals.add_application"):
            raise PermissionDenied("只有申请机构的用户可以填写申请。")

    def perform_create(self, serializer):
        self._check_applicant()
        data = dict(serializer.validated_data)
        scope = data.pop("scope_items", [])
        serializer.instance = services.application_create(by=self.request.user, scope=scope, **data)

    def perform_update(self, serializer):
        self._check_applicant()
        data = dict(serializer.validated_data)
        scope = data.pop("scope_items", None)
        serializer.instance = services.application_update(
            application=serializer.instance, by=self.request.user, scope=scope, **data
        )

    @extend_schema(request=None, responses=ApplicationSerializer)
    @action(detail=True, methods=["post"])
    def commitment(self, request, pk=None):
        """签署告知承诺书: the applicant signs the rule set's commitment letter for this draft."""
        self._check_applicant()
        application = self.get_object()
        if application.agency_id != request.user.agency_id:
            raise PermissionDenied("只有申请机构本身可以签署告知承诺书。")
        services.commitment_sign(application=application, by=request.user)
        return Response(self.get_serializer(self.get_queryset().get(pk=application.pk)).data)

    def get_serializer(self, *args, **kwargs):
        if self.action == "partial_update":
            kwargs["partial"] = True
        return super().get_serializer(*args, **kwargs)

    def update(self, request, *args, **kwargs):
        response = super().update(request, *args, **kwargs)
        response.data = self.get_serializer(self.get_queryset().get(pk=kwargs["pk"])).data
        return response

    def create(self, request, *args, **kwargs):
        response = super().create(request, *args, **kwargs)
        response.data = self.get_serializer(self.get_queryset().get(pk=response.data["id"])).data
        return response


class CertificateView(RetrieveAPIView):
    """A certificate, for its own agency and for officials (the public lookup is a separate endpoint)."""

    serializer_class = CertificateSerializer
    lookup_field = "number"
    permission_classes = [permissions.IsAuthenticated]

    def get_queryset(self):
        visible = Application.objects.visible_to(self.request.user)
        return Certificate.objects.filter(application__in=visible).select_related("current")
