"""Collections: a person saves any visible post to named sets, private or public.

A private collection is its owner's alone (anyone else gets a 404, as for a missing one); a public
one has a page at its share link. Posts that are hidden later, or whose author is banned, drop
out of every collection's listing but stay saved (they come back if unhidden).
"""

from __future__ import annotations

import secrets
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext as _

from gallery.models import COLLECTION_NAME_MAX_LENGTH, Collection, CollectionItem, Post
from gallery.selectors import posts_feed
from gallery.services import SHARE_ALPHABET
from generation.selectors import prompt_blocked_term
from instantpainting.errors import Conflict, Gone, NotAllowed, NotFound, ServiceError

SHARE_CODE_LENGTH = 10


def _check_signed_in(user: Any) -> None:
    if user is None or not user.is_authenticated or not user.is_active:
        raise NotAllowed(_("Log in to save pictures to collections."))


def _clean_name(name: Any) -> str:
    if name is None:
        name = ""
    if not isinstance(name, str):
        raise ServiceError(_("The name must be text."), field="name")
    name = " ".join(name.split())
    if not name:
        raise ServiceError(_("Give the collection a name."), field="name")
    if len(name) > COLLECTION_NAME_MAX_LENGTH:
        raise ServiceError(_("Keep the name to %(n)d characters.") % {"n": COLLECTION_NAME_MAX_LENGTH}, field="name")
    blocked = prompt_blocked_term(name)
    if blocked:
        raise ServiceError(
            _("The name contains a term this site does not allow (“%(term)s”).") % {"term": blocked}, field="name"
        )
    return name


def _check_owner(collection: Collection, user: Any) -> None:
    _check_signed_in(user)
    if collection.owner_id != user.pk:
        # Someone else's collection looks the same as a missing one.
        raise NotFound(_("No such collection among yours."), field="collection")


def collection_create(*, owner: Any, name: Any, is_public: Any = False) -> Collection:
    _check_signed_in(owner)
    name = _clean_name(name)
    if not isinstance(is_public, bool):
        raise ServiceError(_("Public is yes or no."), field="is_public")
    collection = Collection(owner=owner, name=name, is_public=is_public, share_code=_new_code())
    collection.full_clean(validate_unique=False, validate_constraints=False)
    try:
        with transaction.atomic():
            collection.save()
    except IntegrityError as exc:
        raise Conflict(_("You already have a collection with this name."), field="name") from exc
    return collection


def _new_code() -> str:
    return "".join(secrets.choice(SHARE_ALPHABET) for _i in range(SHARE_CODE_LENGTH))


def collection_update(*, collection: Collection, user: Any, name: Any = None, is_public: Any = None) -> Collection:
    _check_owner(collection, user)
    if name is not None:
        collection.name = _clean_name(name)
    if is_public is not None:
        if not isinstance(is_public, bool):
            raise ServiceError(_("Public is yes or no."), field="is_public")
        collection.is_public = is_public
    try:
        with transaction.atomic():
            collection.save()
    except IntegrityError as exc:
        raise Conflict(_("You already have a collection with this name."), field="name") from exc
    return collection


def collection_delete(*, collection: Collection, user: Any) -> None:
    _check_owner(collection, user)
    collection.delete()


def collection_add(*, collection: Collection, user: Any, post: Post) -> bool:
    """Save a visible post; returns False when it was saved already."""
    _check_owner(collection, user)
    if post.is_hidden or not post.author.is_active:
        raise Gone(_("This post was removed."))
    try:
        with transaction.atomic():
            CollectionItem.objects.create(collection=collection, post=post)
    except IntegrityError:
        return False
    collection.save(update_fields=["updated_at"])
    return True


def collection_remove(*, collection: Collection, user: Any, post: Post) -> bool:
    _check_owner(collection, user)
    removed, _detail = CollectionItem.objects.filter(collection=collection, post=post).delete()
    return bool(removed)


def collections_of(*, user: Any) -> QuerySet[Collection]:
    """The user's collections with how many visible posts each holds, latest changed first
    (the count's GROUP BY drops the model's own ordering, and pages need one)."""
    visible = Q(items__post__is_hidden=False, items__post__author__is_active=True)
    return (
        Collection.objects.filter(owner=user)
        .annotate(size=Count("items", filter=visible))
        .order_by("-updated_at", "-id")
    )


def collection_get(*, pk: Any = None, share_code: str | None = None, viewer: Any = None) -> Collection | None:
    """A collection the viewer may see (theirs, or a public one); None otherwise."""
    rows = Collection.objects.select_related("owner__profile")
    try:
        found = (
            rows.filter(share_code=share_code).first() if share_code is not None else rows.filter(pk=int(pk)).first()
        )
    except (TypeError, ValueError):
        return None
    if found is None or not found.owner.is_active:
        return None
    mine = viewer is not None and viewer.is_authenticated and found.owner_id == viewer.pk
    return found if found.is_public or mine else None


def collection_posts(*, collection: Collection, viewer: Any) -> QuerySet[Post]:
    """The collection's visible posts, most recently saved first."""
    return posts_feed(viewer=viewer).filter(saved_in__collection=collection).order_by("-saved_in__created_at", "-id")
