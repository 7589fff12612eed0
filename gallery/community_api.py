"""REST API for comments, follows and notifications (DRF). Thin: parse, call one service or selector, shape."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field, inline_serializer
from rest_framework import permissions, serializers, status
from rest_framework.exceptions import NotFound
from rest_framework.pagination import PageNumberPagination
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.selectors import user_by_username, user_is_moderator
from gallery import collections, comments, follows, notifications, selectors, tags
from gallery.api import PersonOutput, PostOutput, ReportInput, _GalleryApiView, _visible_post, person
from gallery.models import (
    COLLECTION_NAME_MAX_LENGTH,
    COMMENT_MAX_LENGTH,
    TAG_MAX_LENGTH,
    Collection,
    Comment,
    Notification,
)
from instantpainting.links import absolute_url


class CommentOutput(serializers.Serializer):
    id = serializers.IntegerField()
    post = serializers.IntegerField(source="post_id")
    parent = serializers.IntegerField(source="parent_id", allow_null=True)  # type: ignore[assignment]  # DRF's Field.parent is another thing
    author = serializers.SerializerMethodField()
    body = serializers.CharField(help_text="Empty when `deleted`")
    deleted = serializers.BooleanField(
        source="is_tombstone",
        help_text="A removed comment kept for the replies under it: no author, no text (show “Comment deleted”)",
    )
    created_at = serializers.DateTimeField()
    edited_at = serializers.DateTimeField(allow_null=True)
    url = serializers.SerializerMethodField()
    can_edit = serializers.SerializerMethodField()
    can_remove = serializers.SerializerMethodField()

    @extend_schema_field(PersonOutput(allow_null=True))
    def get_author(self, obj: Comment) -> dict[str, Any] | None:
        return person(self.context["request"], obj.author) if obj.author is not None else None

    def get_url(self, obj: Comment) -> str:
        return absolute_url(request=self.context["request"], path=obj.get_absolute_url())

    def get_can_edit(self, obj: Comment) -> bool:
        return obj.author_id is not None and bool(obj.author_id == self.context["request"].user.pk)

    def get_can_remove(self, obj: Comment) -> bool:
        user = self.context["request"].user
        if not user.is_authenticated or obj.is_tombstone:
            return False
        return user.pk in (obj.author_id, self.context["post_author_id"]) or bool(self.context["is_moderator"])


def _comment_context(request: Request, post_author_id: int) -> dict[str, Any]:
    return {"request": request, "post_author_id": post_author_id, "is_moderator": user_is_moderator(user=request.user)}


class CommentInput(serializers.Serializer):
    body = serializers.CharField(max_length=COMMENT_MAX_LENGTH, trim_whitespace=True)
    parent = serializers.IntegerField(  # type: ignore[assignment]  # as above
        required=False, allow_null=True, min_value=1, help_text="id of the comment this replies to"
    )


class CommentEditInput(serializers.Serializer):
    body = serializers.CharField(max_length=COMMENT_MAX_LENGTH, trim_whitespace=True)


class _CommentWrites(_GalleryApiView):
    throttle_scopes = {
        "GET": "gallery_read",
        "POST": "comment_write",
        "PATCH": "comment_write",
        "DELETE": "gallery_write",
    }


class PostCommentsApi(_CommentWrites):
    permission_classes = [permissions.IsAuthenticatedOrReadOnly]

    @extend_schema(responses=CommentOutput(many=True), summary="A post's comments, in thread order", tags=["comments"])
    def get(self, request: Request, pk: int) -> Response:
        post = _visible_post(request, pk)
        paginator = PageNumberPagination()
        page = paginator.paginate_queryset(comments.comments_of(post=post), request, view=self)
        context = _comment_context(request, post.author_id)
        return paginator.get_paginated_response(CommentOutput(page, many=True, context=context).data)

    @extend_schema(
        request=CommentInput,
        responses={
            201: CommentOutput,
            400: OpenApiResponse(description="Field errors: {field: [message]}"),
            404: OpenApiResponse(description="No such post, or `parent` is not a comment on it"),
            429: OpenApiResponse(description="Too many comments; see Retry-After"),
        },
        summary="Comment on a post, or reply to a comment",
        tags=["comments"],
    )
    def post(self, request: Request, pk: int) -> Response:
        post = _visible_post(request, pk)
        data = CommentInput(data=request.data)
        data.is_valid(raise_exception=True)
        comment = comments.comment_create(
            post=post, user=request.user, body=data.validated_data["body"], parent=data.validated_data.get("parent")
        )
        return Response(
            CommentOutput(comment, context=_comment_context(request, post.author_id)).data,
            status=status.HTTP_201_CREATED,
        )


def _comment_or_404(pk: Any) -> Comment:
    comment = comments.comment_get(pk=pk)
    if comment is None:
        raise NotFound(_("No such comment."))
    return comment


class CommentDetailApi(_CommentWrites):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(
        request=CommentEditInput,
        responses={200: CommentOutput, 403: OpenApiResponse(description="Not the comment's author")},
        summary="Edit your comment",
        tags=["comments"],
    )
    def patch(self, request: Request, pk: int) -> Response:
        comment = _comment_or_404(pk)
        data = CommentEditInput(data=request.data)
        data.is_valid(raise_exception=True)
        comment = comments.comment_edit(comment=comment, user=request.user, body=data.validated_data["body"])
        return Response(CommentOutput(comment, context=_comment_context(request, comment.post.author_id)).data)

    @extend_schema(
        request=None,
        responses={
            204: None,
            403: OpenApiResponse(description="Not the comment's or the post's author, nor a moderator"),
        },
        summary="Delete a comment (replies by others stay, under “Comment deleted”)",
        tags=["comments"],
    )
    def delete(self, request: Request, pk: int) -> Response:
        comments.comment_delete(comment=_comment_or_404(pk), user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class CommentReportApi(_GalleryApiView):
    permission_classes = [permissions.IsAuthenticated]
    throttle_scopes = {"POST": "gallery_report"}

    @extend_schema(
        request=ReportInput,
        responses={
            201: inline_serializer(
                "CommentReportCreated", {"id": serializers.IntegerField(), "status": serializers.CharField()}
            ),
            409: OpenApiResponse(description="You already reported this comment"),
        },
        summary="Report a comment to the moderators",
        tags=["comments"],
    )
    def post(self, request: Request, pk: int) -> Response:
        comment = _comment_or_404(pk)
        data = ReportInput(data=request.data)
        data.is_valid(raise_exception=True)
        report = comments.comment_report(comment=comment, user=request.user, **data.validated_data)
        return Response({"id": report.pk, "status": report.status}, status=status.HTTP_201_CREATED)


def _user_or_404(username: str) -> Any:
    user = user_by_username(username=username)
    if user is None:
        raise NotFound(_("No such user."))
    return user


class FollowApi(_GalleryApiView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(
        request=None,
        responses=inline_serializer(
            "FollowState",
            {
                "following": serializers.BooleanField(),
                "followers": serializers.IntegerField(),
                "following_count": serializers.IntegerField(),
            },
        ),
        summary="Follow a person (POST) or unfollow them (DELETE)",
        tags=["users"],
    )
    def post(self, request: Request, username: str) -> Response:
        return self._set(request, username, on=True)

    @extend_schema(request=None, responses={200: None}, summary="Unfollow a person", tags=["users"])
    def delete(self, request: Request, username: str) -> Response:
        return self._set(request, username, on=False)

    def _set(self, request: Request, username: str, *, on: bool) -> Response:
        whom = _user_or_404(username)
        now = follows.follow_set(follower=request.user, followed=whom, on=on)
        counts = follows.follow_counts(user=whom)
        return Response({"following": now, "followers": counts.followers, "following_count": counts.following})


class _PeopleListApi(_GalleryApiView):
    which = "followers"

    @extend_schema(responses=PersonOutput(many=True), tags=["users"])
    def get(self, request: Request, username: str) -> Response:
        whose = _user_or_404(username)
        rows = follows.followers_of(user=whose) if self.which == "followers" else follows.following_of(user=whose)
        paginator = PageNumberPagination()
        page = paginator.paginate_queryset(rows, request, view=self)
        return paginator.get_paginated_response([person(request, user) for user in page or []])


class FollowersApi(_PeopleListApi):
    which = "followers"


class FollowingApi(_PeopleListApi):
    which = "following"


class FollowingFeedApi(_GalleryApiView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(responses=PostOutput(many=True), summary="Posts of the people I follow", tags=["gallery"])
    def get(self, request: Request) -> Response:
        paginator = PageNumberPagination()
        page = paginator.paginate_queryset(follows.following_feed(viewer=request.user), request, view=self)
        return paginator.get_paginated_response(PostOutput(page, many=True, context={"request": request}).data)


class NotificationOutput(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=Notification.Kind.choices)
    text = serializers.SerializerMethodField()
    url = serializers.SerializerMethodField()
    actor = serializers.SerializerMethodField()
    actor_count = serializers.IntegerField()
    post = serializers.IntegerField(source="post_id", allow_null=True)
    comment = serializers.IntegerField(source="comment_id", allow_null=True)
    is_read = serializers.BooleanField()
    updated_at = serializers.DateTimeField()

    def get_text(self, obj: Notification) -> str:
        return notifications.notification_text(obj)

    def get_url(self, obj: Notification) -> str:
        return absolute_url(request=self.context["request"], path=notifications.notification_url(obj))

    @extend_schema_field(PersonOutput(allow_null=True))
    def get_actor(self, obj: Notification) -> dict[str, Any] | None:
        return person(self.context["request"], obj.actor) if obj.actor is not None else None


class MarkReadInput(serializers.Serializer):
    ids = serializers.ListField(child=serializers.IntegerField(min_value=1), required=False, max_length=500)


class NotificationsApi(_GalleryApiView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(responses=NotificationOutput(many=True), summary="My notifications, newest first", tags=["users"])
    def get(self, request: Request) -> Response:
        paginator = PageNumberPagination()
        page = paginator.paginate_queryset(notifications.notifications_of(user=request.user), request, view=self)
        response = paginator.get_paginated_response(
            NotificationOutput(page, many=True, context={"request": request}).data
        )
        response.data["unread"] = notifications.unread_count(user_id=request.user.pk or 0)
        return response

    @extend_schema(
        request=MarkReadInput,
        responses=inline_serializer(
            "MarkedRead", {"marked": serializers.IntegerField(), "unread": serializers.IntegerField()}
        ),
        summary="Mark my notifications read (all, or those in `ids`)",
        tags=["users"],
    )
    def post(self, request: Request) -> Response:
        data = MarkReadInput(data=request.data)
        data.is_valid(raise_exception=True)
        marked = notifications.notifications_mark_read(user=request.user, ids=data.validated_data.get("ids"))
        return Response({"marked": marked, "unread": notifications.unread_count(user_id=request.user.pk or 0)})


class CollectionOutput(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    is_public = serializers.BooleanField()
    owner = serializers.SerializerMethodField()
    size = serializers.IntegerField(required=False)
    share_url = serializers.SerializerMethodField()
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()

    @extend_schema_field(PersonOutput)
    def get_owner(self, obj: Collection) -> dict[str, Any]:
        return person(self.context["request"], obj.owner)

    def get_share_url(self, obj: Collection) -> str | None:
        """The page's link; for a private collection it opens for its owner only."""
        return absolute_url(request=self.context["request"], path=obj.get_absolute_url())


class CollectionInput(serializers.Serializer):
    name = serializers.CharField(max_length=COLLECTION_NAME_MAX_LENGTH)
    is_public = serializers.BooleanField(required=False, default=False)


class CollectionEditInput(serializers.Serializer):
    name = serializers.CharField(max_length=COLLECTION_NAME_MAX_LENGTH, required=False)
    is_public = serializers.BooleanField(required=False)


class CollectionAddInput(serializers.Serializer):
    post = serializers.IntegerField(min_value=1)


class CollectionsApi(_GalleryApiView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(responses=CollectionOutput(many=True), summary="My collections", tags=["collections"])
    def get(self, request: Request) -> Response:
        paginator = PageNumberPagination()
        rows = collections.collections_of(user=request.user).select_related("owner__profile")
        page = paginator.paginate_queryset(rows, request, view=self)
        return paginator.get_paginated_response(CollectionOutput(page, many=True, context={"request": request}).data)

    @extend_schema(
        request=CollectionInput,
        responses={201: CollectionOutput, 409: OpenApiResponse(description="A collection of yours has this name")},
        summary="Make a collection",
        tags=["collections"],
    )
    def post(self, request: Request) -> Response:
        data = CollectionInput(data=request.data)
        data.is_valid(raise_exception=True)
        made = collections.collection_create(owner=request.user, **data.validated_data)
        return Response(CollectionOutput(made, context={"request": request}).data, status=status.HTTP_201_CREATED)


def _collection_or_404(request: Request, pk: Any) -> Collection:
    found = collections.collection_get(pk=pk, viewer=request.user)
    if found is None:
        raise NotFound(_("No such collection."))
    return found


class CollectionDetailApi(_GalleryApiView):
    permission_classes = [permissions.IsAuthenticatedOrReadOnly]
    throttle_scopes = {"GET": "gallery_read", "PATCH": "gallery_write", "DELETE": "gallery_write"}

    @extend_schema(responses=CollectionOutput, summary="A collection (yours, or a public one)", tags=["collections"])
    def get(self, request: Request, pk: int) -> Response:
        return Response(CollectionOutput(_collection_or_404(request, pk), context={"request": request}).data)

    @extend_schema(
        request=CollectionEditInput,
        responses=CollectionOutput,
        summary="Rename, or make public or private",
        tags=["collections"],
    )
    def patch(self, request: Request, pk: int) -> Response:
        data = CollectionEditInput(data=request.data)
        data.is_valid(raise_exception=True)
        found = collections.collection_update(
            collection=_collection_or_404(request, pk), user=request.user, **data.validated_data
        )
        return Response(CollectionOutput(found, context={"request": request}).data)

    @extend_schema(
        request=None, responses={204: None}, summary="Delete a collection (the posts stay)", tags=["collections"]
    )
    def delete(self, request: Request, pk: int) -> Response:
        collections.collection_delete(collection=_collection_or_404(request, pk), user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class CollectionPostsApi(_GalleryApiView):
    permission_classes = [permissions.IsAuthenticatedOrReadOnly]

    @extend_schema(responses=PostOutput(many=True), summary="The posts in a collection", tags=["collections"])
    def get(self, request: Request, pk: int) -> Response:
        found = _collection_or_404(request, pk)
        paginator = PageNumberPagination()
        page = paginator.paginate_queryset(
            collections.collection_posts(collection=found, viewer=request.user), request, view=self
        )
        return paginator.get_paginated_response(PostOutput(page, many=True, context={"request": request}).data)

    @extend_schema(
        request=CollectionAddInput,
        responses=inline_serializer("CollectionSaved", {"added": serializers.BooleanField()}),
        summary="Save a post to the collection",
        tags=["collections"],
    )
    def post(self, request: Request, pk: int) -> Response:
        found = _collection_or_404(request, pk)
        data = CollectionAddInput(data=request.data)
        data.is_valid(raise_exception=True)
        post = _visible_post(request, data.validated_data["post"])
        added = collections.collection_add(collection=found, user=request.user, post=post)
        return Response({"added": added}, status=status.HTTP_201_CREATED if added else status.HTTP_200_OK)


class CollectionPostApi(_GalleryApiView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(
        request=None, responses={204: None}, summary="Take a post out of the collection", tags=["collections"]
    )
    def delete(self, request: Request, pk: int, post_pk: int) -> Response:
        found = _collection_or_404(request, pk)
        post = selectors.post_get(pk=post_pk)
        if post is None or not collections.collection_remove(collection=found, user=request.user, post=post):
            raise NotFound(_("This post is not in the collection."))
        return Response(status=status.HTTP_204_NO_CONTENT)


class TagOutput(serializers.Serializer):
    name = serializers.CharField()
    post_count = serializers.IntegerField()
    url = serializers.SerializerMethodField()
    posts_url = serializers.SerializerMethodField()

    def get_url(self, obj: Any) -> str:
        return absolute_url(request=self.context["request"], path=obj.get_absolute_url())

    def get_posts_url(self, obj: Any) -> str:
        return absolute_url(request=self.context["request"], path=reverse("api:api-posts") + f"?tag={obj.name}")


class TagQuery(serializers.Serializer):
    q = serializers.CharField(max_length=TAG_MAX_LENGTH + 1, required=False, allow_blank=True, default="")


class TagsApi(_GalleryApiView):
    @extend_schema(
        parameters=[TagQuery],
        responses=TagOutput(many=True),
        summary="Tags in use, most used first; q finds tags containing it",
        tags=["gallery"],
    )
    def get(self, request: Request) -> Response:
        query = TagQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        paginator = PageNumberPagination()
        page = paginator.paginate_queryset(tags.tags_search(q=query.validated_data["q"]), request, view=self)
        return paginator.get_paginated_response(TagOutput(page, many=True, context={"request": request}).data)
