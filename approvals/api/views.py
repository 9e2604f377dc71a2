from django.db.models import Prefetch
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, permissions, status, viewsets
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.generics import RetrieveAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from approvals import services
from approvals.converters import DatabaseIdConverter
from approvals.models import Application, Certificate, ScopeItem

from .serializers import AgencySerializer, ApplicationSerializer, CertificateSerializer, MeSerializer


class TokenView(ObtainAuthToken):
    """POST {username, password} → {token}. Send it as ``Authorization: Token <token>``."""

    @extend_schema(request=None, responses={200: {"type": "object", "properties": {"token": {"type": "string"}}}})
    def post(self, request, *args, **kwargs):
        return super().post(request, *args, **kwargs)


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


class ApplicationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin,
                         mixins.UpdateModelMixin, viewsets.GenericViewSet):
    """Applications the caller may see: their agency's own, or all of them for an official.

    Drafts are created and edited here; submit, withdraw and the timeline are the flow's endpoints.
    """

    serializer_class = ApplicationSerializer
    lookup_value_regex = DatabaseIdConverter.regex  # a malformed or overlong id is a 404, never a query
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        return (
            Application.objects.visible_to(self.request.user)
            .select_related("agency", "rule_set", "certificate", "subject_certificate", "commitment_signed_by")
            .prefetch_related(Prefetch("scope_items", queryset=ScopeItem.objects.order_by("seq")), "deficiencies")
            .order_by("-created", "-id")
        )

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
