"""REST API for the gallery (DRF). Thin: parse, call one service or selector, shape output."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    inline_serializer,
)
from rest_framework import permissions, serializers, status
from rest_framework.exceptions import NotFound
from rest_framework.pagination import PageNumberPagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.selectors import profile_of, user_by_username, user_is_moderator
from accounts.services import account_delete
from gallery import selectors, services
from gallery.follows import follow_counts
from gallery.models import REPORT_DETAILS_MAX_LENGTH, TAG_MAX_LENGTH, TAGS_PER_POST, TITLE_MAX_LENGTH, Post, Report
from instantpainting import errors
from instantpainting.links import absolute_url
from instantpainting.throttles import PerIPThrottle, PerUserThrottle


class PersonOutput(serializers.Serializer):
    """A user as the API shows them anywhere: a post's author, a commenter, a follower."""

    username = serializers.CharField()
    display_name = serializers.CharField()
    profile_url = serializers.CharField()
    avatar_url = serializers.CharField(allow_null=True)


def person(request: Request, user: Any) -> dict[str, Any]:
    """The `PersonOutput` of `user`, with absolute links."""
    profile = profile_of(user=user)
    avatar = profile.get_avatar_url()
    return {
        "username": user.get_username(),
        "display_name": profile.name,
        "profile_url": absolute_url(request=request, path=reverse("gallery:profile", args=[user.get_username()])),
        "avatar_url": absolute_url(request=request, path=avatar) if avatar else None,
    }


class PostOutput(serializers.ModelSerializer):
    """A post with everything needed to show it and reproduce it."""

    prompt = serializers.CharField(source="image.generation.prompt")
    model = serializers.CharField(source="image.generation.model.name")
    category = serializers.CharField(source="image.generation.model.category")
    width = serializers.IntegerField(source="image.width")
    height = serializers.IntegerField(source="image.height")
    seed = serializers.IntegerField(source="image.seed")
    style = serializers.CharField(source="image.generation.style")  # type: ignore[assignment]  # DRF's Field.style is another thing
    settings = serializers.SerializerMethodField()
    author = serializers.SerializerMethodField()
    liked = serializers.SerializerMethodField()
    image_url = serializers.SerializerMethodField()
    animation_url = serializers.SerializerMethodField(help_text="the animated WebP of an animated post, else null")
    thumb_url = serializers.SerializerMethodField()
    url = serializers.SerializerMethodField()
    share_url = serializers.SerializerMethodField()
    remix_of: serializers.PrimaryKeyRelatedField[Post] = serializers.PrimaryKeyRelatedField(read_only=True)
    tags = serializers.SerializerMethodField()
    comment_count = serializers.IntegerField(read_only=True)
    is_featured = serializers.BooleanField(read_only=True)
    awaiting_review = serializers.BooleanField(read_only=True)

    class Meta:
        model = Post
        fields = [
            "id",
            "title",
            "prompt",
            "model",
            "category",
            "width",
            "height",
            "seed",
            "style",
            "settings",
            "author",
            "like_count",
            "liked",
            "comment_count",
            "tags",
            "image_url",
            "animated",
            "animation_url",
            "thumb_url",
            "url",
            "share_url",
            "remix_of",
            "is_featured",
            "awaiting_review",
            "created_at",
        ]

    def _abs(self, path: str) -> str:
        return absolute_url(request=self.context["request"], path=path)

    @extend_schema_field(OpenApiTypes.OBJECT)
    def get_settings(self, obj: Post) -> dict[str, Any]:
        return dict(selectors.post_settings(post=obj))

    @extend_schema_field(PersonOutput)
    def get_author(self, obj: Post) -> dict[str, Any]:
        return person(self.context["request"], obj.author)

    def get_tags(self, obj: Post) -> list[str]:
        return [tag.name for tag in obj.tags.all()]

    def get_liked(self, obj: Post) -> bool:
        liked = getattr(obj, "liked", None)
        if liked is None:
            return selectors.post_liked_by(post=obj, user=self.context["request"].user)
        return bool(liked)

    def get_image_url(self, obj: Post) -> str:
        return self._abs(obj.image.get_file_url())

    def get_animation_url(self, obj: Post) -> str | None:
        return self._abs(reverse("gallery:post-animation", args=[obj.pk])) if obj.animated else None

    def get_thumb_url(self, obj: Post) -> str:
        return self._abs(obj.image.get_thumb_url())

    def get_url(self, obj: Post) -> str:
        return self._abs(obj.get_absolute_url())

    def get_share_url(self, obj: Post) -> str:
        return self._abs(obj.get_share_path())


class PostListQuery(serializers.Serializer):
    ordering = serializers.ChoiceField(choices=selectors.ORDERINGS, default="latest")
    category = serializers.CharField(max_length=32, required=False, allow_blank=True, default="")
    style = serializers.CharField(max_length=40, required=False, allow_blank=True, default="")  # type: ignore[assignment]  # as above
    q = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    featured = serializers.BooleanField(required=False, default=False)
    tag = serializers.CharField(max_length=TAG_MAX_LENGTH + 1, required=False, allow_blank=True, default="")


class PublishInput(serializers.Serializer):
    image = serializers.UUIDField(help_text=_("The public id of one of your generated images."))
    title = serializers.CharField(max_length=TITLE_MAX_LENGTH, required=False, allow_blank=True, default="")
    tags = serializers.ListField(
        child=serializers.CharField(max_length=TAG_MAX_LENGTH + 1),
        required=False,
        max_length=TAGS_PER_POST,
        help_text=_('Tags besides the title\'s #words, e.g. ["sunset", "山水"].'),
    )
    animated = serializers.BooleanField(
        required=False, default=False, help_text=_("Show the job's animation (an interpolation's) over the image.")
    )


class ReportInput(serializers.Serializer):
    reason = serializers.ChoiceField(choices=Report.Reason.choices)
    details = serializers.CharField(max_length=REPORT_DETAILS_MAX_LENGTH, required=False, allow_blank=True, default="")


def _visible_post(request: Request, pk: Any) -> Post:
    post = selectors.post_get(pk=pk)
    if post is None:
        raise NotFound(_("No such post."))
    if not selectors.post_is_visible(post=post) and not user_is_moderator(user=request.user):
        raise errors.Gone(str(_("This post was removed.")))
    return post


class _GalleryApiView(APIView):
    throttle_classes = [PerUserThrottle, PerIPThrottle]
    throttle_scopes = {"GET": "gallery_read", "POST": "gallery_write", "DELETE": "gallery_write"}


QUERY_PARAMETERS = [
    OpenApiParameter(
        "ordering",
        OpenApiTypes.STR,
        enum=list(selectors.ORDERINGS),
        description="latest (default) or popular (likes in the last days)",
    ),
    OpenApiParameter("category", OpenApiTypes.STR, description="Model category, e.g. anime, food, landscape"),
    OpenApiParameter("style", OpenApiTypes.STR, description="Style qualifier name"),
    OpenApiParameter("q", OpenApiTypes.STR, description="Words to find in the prompt or title"),
    OpenApiParameter("featured", OpenApiTypes.BOOL, description="Only featured posts"),
    OpenApiParameter("tag", OpenApiTypes.STR, description="Only posts with this tag (without #)"),
    OpenApiParameter("page", OpenApiTypes.INT),
]


class PostListCreateApi(_GalleryApiView):
    permission_classes = [permissions.IsAuthenticatedOrReadOnly]

    @extend_schema(
        parameters=QUERY_PARAMETERS, responses=PostOutput(many=True), summary="Gallery feed", tags=["gallery"]
    )
    def get(self, request: Request) -> Response:
        query = PostListQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        posts = selectors.posts_feed(viewer=request.user, **query.validated_data)
        paginator = PageNumberPagination()
        page = paginator.paginate_queryset(posts, request, view=self)
        return paginator.get_paginated_response(PostOutput(page, many=True, context={"request": request}).data)

    @extend_schema(
        request=PublishInput,
        responses={
            201: PostOutput,
            400: OpenApiResponse(description="Field errors: {field: [message]}; unknown or someone else's image"),
            409: OpenApiResponse(description="The image is already published"),
            429: OpenApiResponse(description="Too many requests; see Retry-After"),
        },
        summary="Publish one of your images",
        tags=["gallery"],
    )
    def post(self, request: Request) -> Response:
        data = PublishInput(data=request.data)
        data.is_valid(raise_exception=True)
        image = selectors.image_of_user(user=request.user, public_id=data.validated_data["image"])
        if image is None:
            # Unknown and someone else's images get the same answer.
            return Response({"image": [_("No such picture among yours.")]}, status=status.HTTP_400_BAD_REQUEST)
        post = services.post_publish(
            user=request.user,
            image=image,
            title=data.validated_data["title"],
            tags=data.validated_data.get("tags"),
            animated=data.validated_data["animated"],
        )
        return Response(PostOutput(post, context={"request": request}).data, status=status.HTTP_201_CREATED)


class PostDetailApi(_GalleryApiView):
    permission_classes = [permissions.IsAuthenticatedOrReadOnly]

    @extend_schema(
        responses={
            200: PostOutput,
            404: OpenApiResponse(description="No such post"),
            410: OpenApiResponse(description="Removed by moderators"),
        },
        summary="One post",
        tags=["gallery"],
    )
    def get(self, request: Request, pk: int) -> Response:
        return Response(PostOutput(_visible_post(request, pk), context={"request": request}).data)

    @extend_schema(
        request=None,
        responses={204: None, 403: OpenApiResponse(description="Not the author or a moderator")},
        summary="Unpublish a post (the image becomes private again)",
        tags=["gallery"],
    )
    def delete(self, request: Request, pk: int) -> Response:
        post = selectors.post_get(pk=pk)
        if post is None:
            raise NotFound(_("No such post."))
        services.post_unpublish(post=post, user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class PostLikeApi(_GalleryApiView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(
        request=None,
        responses=inline_serializer(
            "LikeState", {"liked": serializers.BooleanField(), "like_count": serializers.IntegerField()}
        ),
        summary="Like or unlike a post (toggle)",
        tags=["gallery"],
    )
    def post(self, request: Request, pk: int) -> Response:
        post = _visible_post(request, pk)
        liked, count = services.post_like_toggle(post=post, user=request.user)
        return Response({"liked": liked, "like_count": count})


class PostReportApi(_GalleryApiView):
    permission_classes = [permissions.IsAuthenticated]
    throttle_scopes = {"POST": "gallery_report"}

    @extend_schema(
        request=ReportInput,
        responses={
            201: inline_serializer(
                "ReportCreated", {"id": serializers.IntegerField(), "status": serializers.CharField()}
            ),
            409: OpenApiResponse(description="You already reported this post"),
        },
        summary="Report a post to the moderators",
        tags=["gallery"],
    )
    def post(self, request: Request, pk: int) -> Response:
        post = _visible_post(request, pk)
        data = ReportInput(data=request.data)
        data.is_valid(raise_exception=True)
        report = services.post_report(post=post, user=request.user, **data.validated_data)
        return Response({"id": report.pk, "status": report.status}, status=status.HTTP_201_CREATED)


class UserOutput(serializers.Serializer):
    username = serializers.CharField()
    display_name = serializers.CharField()
    bio = serializers.CharField()
    avatar_url = serializers.CharField(allow_null=True)
    profile_url = serializers.CharField()
    date_joined = serializers.DateTimeField()
    post_count = serializers.IntegerField()
    likes_received = serializers.IntegerField()
    followers = serializers.IntegerField()
    following = serializers.IntegerField()
    followers_url = serializers.CharField()


class AccountDeleteInput(serializers.Serializer):
    password = serializers.CharField(
        trim_whitespace=False,
        help_text=_("Your password; an account made through a social login, which has none, gives its username."),
    )


class UserDetailApi(_GalleryApiView):
    permission_classes = [permissions.IsAuthenticatedOrReadOnly]
    throttle_scopes = {"GET": "gallery_read", "DELETE": "account_delete"}

    @extend_schema(
        responses={200: UserOutput, 404: OpenApiResponse(description="No such user")},
        summary="A user's public profile",
        tags=["users"],
    )
    def get(self, request: Request, username: str) -> Response:
        user = user_by_username(username=username)
        if user is None:
            raise NotFound(_("No such user."))
        profile = profile_of(user=user)
        stats = selectors.profile_stats(user=user)
        follows = follow_counts(user=user)
        avatar = profile.get_avatar_url()
        data: dict[str, Any] = {
            "username": user.get_username(),
            "display_name": profile.name,
            "bio": profile.bio,
            "avatar_url": absolute_url(request=request, path=avatar) if avatar else None,
            "profile_url": absolute_url(request=request, path=reverse("gallery:profile", args=[user.get_username()])),
            "date_joined": user.date_joined,
            "post_count": stats.post_count,
            "likes_received": stats.likes_received,
            "followers": follows.followers,
            "following": follows.following,
            "followers_url": absolute_url(
                request=request, path=reverse("api:api-user-followers", args=[user.get_username()])
            ),
        }
        return Response(UserOutput(data).data)

    @extend_schema(
        request=AccountDeleteInput,
        responses={
            204: None,
            400: OpenApiResponse(description="Wrong password (nothing is deleted)"),
            403: OpenApiResponse(description="Not your own account"),
        },
        summary="Delete your own account and everything in it (pictures, posts, comments, files)",
        tags=["users"],
    )
    def delete(self, request: Request, username: str) -> Response:
        if username != request.user.get_username():
            raise errors.NotAllowed(str(_("You can delete only your own account.")))
        data = AccountDeleteInput(data=request.data)
        data.is_valid(raise_exception=True)
        account_delete(user=request.user, password=data.validated_data["password"])
        return Response(status=status.HTTP_204_NO_CONTENT)
