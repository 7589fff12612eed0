"""Signal receivers for the gallery (connected in GalleryConfig.ready)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Count, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.db.models.signals import post_delete, pre_delete
from django.dispatch import receiver

from gallery.comments import comments_of_leaving_user, recount_comments
from gallery.models import Comment, Like, Post, Report
from gallery.notifications import notifications_without_actor
from instantpainting.files import delete_stored_files_on_commit

# Set on the user being deleted between pre_delete and post_delete: the other people's posts
# whose like and comment counts the deletion changes.
_RECOUNT_ATTR = "_gallery_posts_to_recount"


@receiver(pre_delete, sender=get_user_model(), dispatch_uid="gallery.delete_user_share_files")
def delete_user_share_files(sender: Any, instance: Any, **kwargs: Any) -> None:
    """A deleted person's posts go by CASCADE; their share previews leave the storage with them.
    Remixes of their posts by others stay (Post.remix_of is SET_NULL).

    What others wrote stays, and nothing of the person shows: on the posts that remain, their
    comments go, or become tombstones where others replied (gallery.comments); they leave the
    notifications they were counted in, which stay while someone else is counted; the reports they
    filed stay for the moderators, without a reporter. This runs before the user row goes, so
    every way of deleting a user passes here (the account page, the API, the admin)."""
    posts = Post.objects.filter(Q(author=instance) | Q(image__generation__user=instance))
    delete_stored_files_on_commit([post.preview_storage_name for post in posts.only("share_code")])
    liked = set(Like.objects.filter(user=instance).values_list("post_id", flat=True))
    commented = set(Comment.objects.filter(author=instance).values_list("post_id", flat=True))
    remaining = (liked | commented) - set(posts.values_list("pk", flat=True))
    notifications_without_actor(user=instance)
    comments_of_leaving_user(user=instance, post_ids=remaining)
    Report.objects.filter(reporter=instance).update(reporter=None, reporter_deleted=True)
    setattr(instance, _RECOUNT_ATTR, remaining)


@receiver(post_delete, sender=get_user_model(), dispatch_uid="gallery.recount_after_user_delete")
def recount_after_user_delete(sender: Any, instance: Any, **kwargs: Any) -> None:
    """Their likes went by CASCADE and their comments before (see above), past the services that
    keep Post.like_count and comment_count: count them again on the posts that remain."""
    post_ids: set[int] = getattr(instance, _RECOUNT_ATTR, set())
    if not post_ids:
        return
    likes = Like.objects.filter(post=OuterRef("pk")).order_by().values("post").annotate(n=Count("pk")).values("n")
    Post.objects.filter(pk__in=post_ids).update(like_count=Coalesce(Subquery(likes), 0))
    recount_comments(post_ids=post_ids)
