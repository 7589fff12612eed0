"""Seed a benchmark site with a community: posts, likes, comments, follows (bulk inserts).

Run inside the site's own process environment: `manage.py shell -c "from tests.bench.community_seed
import seed; seed(...)"`. Prints one JSON line: the benchmark people's API tokens and session keys
and the ids it needs.
"""

from __future__ import annotations

import json
import random
from importlib import import_module

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from PIL import Image
from rest_framework.authtoken.models import Token

from gallery.models import Comment, Follow, Like, Post
from generation.models import Generation, GenerationImage, GeneratorModel

BATCH = 2000


def _session_for(user) -> str:
    store = import_module(settings.SESSION_ENGINE).SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.save()
    return store.session_key


def seed(*, posts: int = 10_000, likes: int = 50_000, comments: int = 20_000, people: int = 100) -> None:
    rng = random.Random(20)
    User = get_user_model()
    users = User.objects.bulk_create(
        [User(username=f"bench{i}", email=f"bench{i}@example.com", password="!") for i in range(people)]
    )
    users = list(User.objects.filter(username__startswith="bench").order_by("pk"))
    author, fan = users[0], users[1]
    model = GeneratorModel.objects.order_by("pk").first() or GeneratorModel.objects.create(
        name="bench", category="landscape", native_width=256, native_height=256, path="/nonexistent"
    )
    png = default_storage.save("bench/one.png", ContentFile(_png()))
    with transaction.atomic():
        gens = Generation.objects.bulk_create(
            [
                Generation(
                    user=users[i % people],
                    prompt=f"a quiet landscape number {i}",
                    model=model,
                    width=512,
                    height=512,
                    seed=i,
                    status=Generation.Status.SUCCEEDED,
                )
                for i in range(posts)
            ],
            batch_size=BATCH,
        )
        images = GenerationImage.objects.bulk_create(
            [
                GenerationImage(generation=g, index=0, seed=g.seed, file=png, thumbnail=png, width=512, height=512)
                for g in gens
            ],
            batch_size=BATCH,
        )
        made = Post.objects.bulk_create(
            [
                Post(image=im, author_id=g.user_id, title=f"bench post {i}", share_code=f"b{i:07d}")
                for i, (g, im) in enumerate(zip(gens, images, strict=True))
            ],
            batch_size=BATCH,
        )
    post_ids = list(Post.objects.order_by("pk").values_list("pk", flat=True))
    pairs: set[tuple[int, int]] = set()
    while len(pairs) < likes:
        pairs.add((users[rng.randrange(people)].pk, post_ids[rng.randrange(len(post_ids))]))
    with transaction.atomic():
        Like.objects.bulk_create([Like(user_id=u, post_id=p) for u, p in pairs], batch_size=BATCH)
        Comment.objects.bulk_create(
            [
                Comment(
                    post_id=post_ids[rng.randrange(len(post_ids))], author=users[rng.randrange(people)], body=f"c{i}"
                )
                for i in range(comments)
            ],
            batch_size=BATCH,
        )
        Follow.objects.bulk_create([Follow(follower=fan, followed=u) for u in users[2:42]], batch_size=BATCH)
    # The counters the services keep, set once for the bulk rows.
    from django.db.models import Count, OuterRef, Subquery
    from django.db.models.functions import Coalesce

    likes_of = Like.objects.filter(post=OuterRef("pk")).values("post").annotate(n=Count("pk")).values("n")
    comments_of = Comment.objects.filter(post=OuterRef("pk")).values("post").annotate(n=Count("pk")).values("n")
    Post.objects.update(like_count=Coalesce(Subquery(likes_of), 0), comment_count=Coalesce(Subquery(comments_of), 0))
    target = Post.objects.filter(author=author).order_by("-pk").first()
    print(
        json.dumps(
            {
                "author_token": Token.objects.get_or_create(user=author)[0].key,
                "fan_token": Token.objects.get_or_create(user=fan)[0].key,
                "author_session": _session_for(author),
                "fan_session": _session_for(fan),
                "session_cookie": settings.SESSION_COOKIE_NAME,
                "post": target.pk,
                "busy_post": Comment.objects.values("post").annotate(n=Count("pk")).order_by("-n")[0]["post"],
                "posts": len(made),
            }
        )
    )


def _png() -> bytes:
    import io

    out = io.BytesIO()
    Image.new("RGB", (64, 64), (40, 90, 160)).save(out, format="PNG")
    return out.getvalue()
