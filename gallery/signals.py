"""Signal receivers for the gallery (connected in GalleryConfig.ready)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Count, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.db.models.signals import post_delete, pre_delete
from django.dispatch import receiver

from gallery.models import Comment, Like, Post
from instantpainting.files import delete_stored_files_on_commit

# Set on the user being deleted between pre_delete and post_delete: the other people's posts
# whose like and comment counts the deletion changes.
_RECOUNT_ATTR = "_gallery_posts_to_recount"


@receiver(pre_delete, sender=get_user_model(), dispatch_uid="gallery.delete_user_share_files")
def delete_user_share_files(sender: Any, instance: Any, **kwargs: Any) -> None:
    """A deleted person's posts go by CASCADE; their share previews leave the storage with them.
    Remixes of their posts by others stay (Post.remix_of is SET_NULL)."""
    posts = Post.objects.filter(Q(author=instance) | Q(image__generation__user=instance))
    delete_stored_files_on_commit([post.preview_storage_name for post in posts.only("share_code")])
    liked = Like.objects.filter(user=instance).values_list("post_id", flat=True)
    commented = Comment.objects.filter(author=instance).values_list("post_id", flat=True)
    setattr(instance, _RECOUNT_ATTR, set(liked) | set(commented))


@receiver(post_delete, sender=get_user_model(), dispatch_uid="gallery.recount_after_user_delete")
def recount_after_user_delete(sender: Any, instance: Any, **kwargs: Any) -> None:
    """Their likes and comments (and the replies to those) went by CASCADE, past the services that
    keep Post.like_count and comment_count: count them again on the posts that remain."""
    post_ids: set[int] = getattr(instance, _RECOUNT_ATTR, set())
    if not post_ids:
        return
    likes = Like.objects.filter(post=OuterRef("pk")).order_by().values("post").annotate(n=Count("pk")).values("n")
    comments = Comment.objects.filter(post=OuterRef("pk")).order_by().values("post").annotate(n=Count("pk")).values("n")
    Post.objects.filter(pk__in=post_ids).update(
        like_count=Coalesce(Subquery(likes), 0), comment_count=Coalesce(Subquery(comments), 0)
    )
