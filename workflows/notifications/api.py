"""``/api/v1/notifications/``: the caller's own notifications, the unread count, mark read.

Every query is scoped to ``request.user``: another user's notification is a 404, never a 403.
"""

from django.http import Http404
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import generics, serializers, status
from rest_framework.pagination import CursorPagination
from rest_framework.response import Response
from rest_framework.views import APIView

from approvals.api.serializers import WholeNumberField

from ..models import Notification
from . import selectors, services


class NotificationSerializer(serializers.ModelSerializer):
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    is_read = serializers.BooleanField(read_only=True)

    class Meta:
        model = Notification
        fields = ["id", "kind", "kind_display", "title", "body", "url", "created_at", "is_read", "read_at"]
        read_only_fields = fields


class PageSize(serializers.Serializer):
    page_size = WholeNumberField(required=False, min_value=1, max_value=100)


class NewestFirst(CursorPagination):
    """Keyset pages, newest first, with the unread count alongside (no COUNT of the whole list)."""

    ordering = "-id"
    page_size = 20
    max_page_size = 100
    page_size_query_param = "page_size"

    def get_page_size(self, request):
        """A page size that is no number is a 400, as the schema's integer says (DRF would ignore it)."""
        size = PageSize(data=request.query_params.dict())
        size.is_valid(raise_exception=True)
        return size.validated_data.get("page_size", self.page_size)

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"] = {"type": "integer", "minimum": 1, "maximum": self.max_page_size}
        return parameters

    def get_paginated_response(self, data):
        return Response({
            "unread_count": selectors.unread_count(user=self.request.user),
            "next": self.get_next_link(),
            "previous": self.get_previous_link(),
            "results": data,
        })

    def get_paginated_response_schema(self, schema):
        schema = super().get_paginated_response_schema(schema)
        schema["properties"] = {"unread_count": {"type": "integer"}, **schema["properties"]}
        return schema


class UnreadQuery(serializers.Serializer):
    unread = serializers.BooleanField(required=False)


@extend_schema(
    tags=["notifications"],
    parameters=[OpenApiParameter("unread", bool, description="只列出未读消息")],
)
class NotificationList(generics.ListAPIView):
    """站内消息列表（最新在前）与未读数。"""

    serializer_class = NotificationSerializer
    pagination_class = NewestFirst

    def get_queryset(self):
        # "true"/"false" (or 1/0) as the schema says; anything else is a 400, not silently "all"
        query = UnreadQuery(data=self.request.query_params.dict())
        query.is_valid(raise_exception=True)
        unread = query.validated_data.get("unread", False)
        return selectors.notifications_for(user=self.request.user, unread_only=unread)


class NotificationRead(APIView):
    """将一条站内消息标为已读。"""

    @extend_schema(tags=["notifications"], request=None, responses=NotificationSerializer)
    def post(self, request, pk: int):
        try:
            notification = services.notification_mark_read(notification_id=pk, user=request.user)
        except Notification.DoesNotExist:
            raise Http404 from None
        return Response(NotificationSerializer(notification).data)


class NotificationReadAll(APIView):
    """将全部站内消息标为已读。"""

    @extend_schema(
        tags=["notifications"], request=None,
        responses=inline_serializer("NotificationsMarked", {"marked": serializers.IntegerField(),
                                                             "unread_count": serializers.IntegerField()}),
    )
    def post(self, request):
        marked = services.notifications_mark_all_read(user=request.user)
        return Response({"marked": marked, "unread_count": selectors.unread_count(user=request.user)},
                        status=status.HTTP_200_OK)
