"""REST API for people (DRF)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import selectors
from instantpainting.links import absolute_url
from instantpainting.throttles import PerIPThrottle, PerUserThrottle


class UserOutput(serializers.Serializer):
    username = serializers.CharField()
    display_name = serializers.CharField()
    bio = serializers.CharField()
    avatar_url = serializers.CharField(allow_null=True)
    profile_url = serializers.CharField()
    date_joined = serializers.DateTimeField()
    post_count = serializers.IntegerField()
    likes_received = serializers.IntegerField()


class UserDetailApi(APIView):
    throttle_classes = [PerUserThrottle, PerIPThrottle]
    throttle_scope = "gallery_read"

    @extend_schema(
        responses={200: UserOutput, 404: OpenApiResponse(description="No such user")},
        summary="A user's public profile",
        tags=["users"],
    )
    def get(self, request: Request, username: str) -> Response:
        user = selectors.user_by_username(username=username)
        if user is None:
            raise NotFound(_("No such user."))
        profile = selectors.profile_of(user=user)
        stats = selectors.profile_stats(user=user)
        avatar = profile.get_avatar_url()
        data: dict[str, Any] = {
            "username": user.get_username(),
            "display_name": profile.name,
            "bio": profile.bio,
            "avatar_url": absolute_url(request=request, path=avatar) if avatar else None,
            "profile_url": absolute_url(request=request, path=profile.get_absolute_url()),
            "date_joined": user.date_joined,
            "post_count": stats.post_count,
            "likes_received": stats.likes_received,
        }
        return Response(UserOutput(data).data)
