"""``/api/v1/notifications/``: the caller's own notifications, the unread count, mark read.

Every query is scoped to ``request.user``: another user's notification is a 404, never a 403.
"""

from django.http import Http404
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import generics, serializers, status
from rest_framework.pagination import CursorPagination
from rest_framework.response import Response
from rest_framework.views import APIView

from ..models import Notification
from . import selectors, services


class NotificationSerializer(serializers.ModelSerializer):
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    is_read = serializers.BooleanField(read_only=True)

    class Meta:
        model = Notification
        fields = ["id", "kind", "kind_display", "title", "body", "url", "created_at", "is_read", "read_at"]
        read_only_fields = fields


class NewestFirst(CursorPagination):
    """Keyset pages, newest first, with the unread count alongside (no COUNT of the whole list)."""

    ordering = "-id"
    page_size = 20
    max_page_size = 100
    page_size_query_param = "page_size"

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


@extend_schema(
    tags=["notifications"],
    parameters=[OpenApiParameter("unread", bool, description="只列出未读消息")],
)
class NotificationList(generics.ListAPIView):
    """站内消息列表（最新在前）与未读数。"""

    serializer_class = NotificationSerializer
    pagination_class = NewestFirst

    def get_queryset(self):
        unread = self.request.query_params.get("unread", "").lower() in {"1", "true", "yes"}
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
