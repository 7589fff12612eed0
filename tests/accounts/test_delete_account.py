"""Deleting an account: hamlet deletes his, and nothing of his stays behind, in the database or in
the storage; othello's things (even those that point at hamlet's) stay and keep working."""

from __future__ import annotations

import io
from dataclasses import dataclass, field

import pytest
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from rest_framework.authtoken.models import Token

from accounts import services as account_services
from accounts.models import Profile
from gallery import collections, comments, follows
from gallery import services as gallery_services
from gallery.models import Collection, Comment, Follow, Like, Notification, Post
from generation import studio
from generation.creative.services import poem_card_ensure
from generation.models import Generation, GenerationImage, Upload
from generation.owners import Owner
from instantpainting.errors import NotAllowed, ServiceError
from tests.conftest import PASSWORD
from tests.gallery.factories import make_generation, make_image, make_post, png_bytes, webp_bytes

pytestmark = pytest.mark.django_db
User = get_user_model()


def png_upload(name: str = "me.png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, png_bytes(80, 80, (20, 120, 200)), "image/png")


@dataclass
class Belongings:
    """What a person made, and the storage names of every file of theirs."""

    post: Post
    private_image: GenerationImage
    files: list[str] = field(default_factory=list)


def give_things_to(user, *, poem: str = "") -> Belongings:
    """A published picture (with its share preview, and a poem card when it has a poem), a private
    picture, an interpolation's strip and animation, an upload and an avatar, all in storage."""
    post = make_post(user=user, title=f"{user.username}'s sea", options={"poem": poem} if poem else None)
    preview = gallery_services.post_preview_ensure(post=post)
    private = make_image(user=user)
    interpolation = make_generation(user=user, options={"interpolation_of": str(private.public_id)})
    folder = f"generations/{interpolation.public_id.hex}"
    interpolation.strip.name = default_storage.save(f"{folder}/strip.png", ContentFile(png_bytes(128, 32)))
    interpolation.animation.name = default_storage.save(f"{folder}/animation.webp", ContentFile(webp_bytes()))
    interpolation.save()
    upload = studio.upload_store(owner=Owner(user_id=user.pk), stream=io.BytesIO(png_bytes(96, 64)))
    profile = account_services.profile_set_avatar(user=user, upload=png_upload())
    files = [
        post.image.file.name,
        post.image.thumbnail.name,
        preview,
        private.file.name,
        private.thumbnail.name,
        interpolation.strip.name,
        interpolation.animation.name,
        upload.file.name,
        profile.avatar.name,
    ]
    if poem:
        files.append(poem_card_ensure(image=post.image))
    assert all(default_storage.exists(name) for name in files)
    return Belongings(post=post, private_image=private, files=files)


@pytest.fixture
def world(hamlet, othello, django_capture_on_commit_callbacks):
    """hamlet's things, othello's things, and othello's ties to hamlet's: a remix of his post, a
    variation of his picture, a like, a comment thread, a follow each way, a saved post."""
    with django_capture_on_commit_callbacks(execute=True):
        mine = give_things_to(hamlet, poem="the sea at night\nholds the moon")
        theirs = give_things_to(othello)
        remix = make_post(user=othello, title="Othello's remix", options={"remix_of": str(mine.post.pk)})
        variation = make_image(user=othello, options={"variation_of": str(mine.post.image.public_id)})
        gallery_services.post_like_toggle(post=theirs.post, user=hamlet)
        gallery_services.post_like_toggle(post=mine.post, user=othello)
        hamlet_says = comments.comment_create(post=theirs.post, user=hamlet, body="Lovely colours")
        comments.comment_create(post=theirs.post, user=othello, body="Thank you!", parent=hamlet_says.pk)
        comments.comment_create(post=theirs.post, user=othello, body="A note of my own")
        comments.comment_create(post=mine.post, user=othello, body="Great sea")
        follows.follow_set(follower=hamlet, followed=othello, on=True)
        follows.follow_set(follower=othello, followed=hamlet, on=True)
        saved = collections.collection_create(owner=othello, name="Seas")
        collections.collection_add(collection=saved, user=othello, post=mine.post)
        collections.collection_add(collection=saved, user=othello, post=remix)
        collections.collection_create(owner=hamlet, name="Hamlet's picks")
        Token.objects.create(user=hamlet)
    assert remix.remix_of == mine.post
    return {"mine": mine, "theirs": theirs, "remix": remix, "variation": variation, "saved": saved}


def assert_hamlet_is_gone(hamlet, mine: Belongings) -> None:
    assert not User.objects.filter(pk=hamlet.pk).exists()
    for model, lookup in [
        (Generation, {"user": hamlet.pk}),
        (GenerationImage, {"generation__user": hamlet.pk}),
        (Upload, {"user": hamlet.pk}),
        (Profile, {"user": hamlet.pk}),
        (Post, {"author": hamlet.pk}),
        (Like, {"user": hamlet.pk}),
        (Comment, {"author": hamlet.pk}),
        (Follow, {"follower": hamlet.pk}),
        (Follow, {"followed": hamlet.pk}),
        (Collection, {"owner": hamlet.pk}),
        (Notification, {"recipient": hamlet.pk}),
        (Token, {"user": hamlet.pk}),
    ]:
        assert not model.objects.filter(**lookup).exists(), model.__name__
    left = [name for name in mine.files if default_storage.exists(name)]
    assert left == []


def assert_othello_is_intact(othello, world) -> None:
    theirs: Belongings = world["theirs"]
    assert User.objects.filter(pk=othello.pk).exists()
    assert all(default_storage.exists(name) for name in theirs.files)
    assert Post.objects.filter(pk__in=[theirs.post.pk, world["remix"].pk]).count() == 2
    assert GenerationImage.objects.filter(pk=world["variation"].pk).exists()
    # Hamlet's like went, and his comment left only a tombstone above othello's reply to it (which
    # stays); the counts say so (a tombstone is not counted).
    theirs.post.refresh_from_db()
    assert theirs.post.like_count == theirs.post.likes.count() == 0
    assert sorted(theirs.post.comments.values_list("body", flat=True)) == ["", "A note of my own", "Thank you!"]
    assert theirs.post.comment_count == theirs.post.comments.filter(deleted_at__isnull=True).count() == 2
    remix = Post.objects.get(pk=world["remix"].pk)
    assert remix.remix_of is None
    assert list(world["saved"].items.values_list("post_id", flat=True)) == [remix.pk]


def assert_othellos_pages_work(othello, world) -> None:
    client = Client()
    client.force_login(othello)
    remix = world["remix"]
    assert client.get(remix.get_absolute_url()).status_code == 200
    assert client.get(remix.get_share_path()).status_code == 200
    assert client.get(world["variation"].generation.get_absolute_url()).status_code == 200
    assert client.get(f"/u/{othello.username}/").status_code == 200
    assert client.get(f"/api/v1/posts/{remix.pk}/").json()["remix_of"] is None
    assert client.get(f"/api/v1/users/{othello.username}/").json()["followers"] == 0
    assert client.get(world["saved"].get_absolute_url()).status_code == 200


# --- the settings page ------------------------------------------------------------------------


def delete_on_page(client: Client, password: str):
    return client.post("/settings/", {"action": "delete_account", "password": password})


def test_deleting_the_account_removes_every_row_and_file_of_it_and_leaves_othellos(
    world, hamlet, othello, login, django_capture_on_commit_callbacks
):
    client = login(hamlet)
    with django_capture_on_commit_callbacks(execute=True):
        response = delete_on_page(client, PASSWORD)
    assert response.status_code == 302 and response.url == "/"
    home = client.get(response.url)
    assert "Your account and everything in it are deleted." in home.content.decode()
    assert not home.wsgi_request.user.is_authenticated
    assert_hamlet_is_gone(hamlet, world["mine"])
    assert_othello_is_intact(othello, world)
    assert_othellos_pages_work(othello, world)


def test_hamlets_pages_are_gone_with_him(world, hamlet, client, django_capture_on_commit_callbacks):
    mine: Belongings = world["mine"]
    with django_capture_on_commit_callbacks(execute=True):
        account_services.account_delete(user=hamlet, password=PASSWORD)
    assert client.get(mine.post.get_absolute_url()).status_code == 404
    assert client.get(mine.post.get_share_path()).status_code == 404
    assert client.get(f"/u/{hamlet.username}/").status_code == 404
    assert client.get(f"/api/v1/users/{hamlet.username}/").status_code == 404


@pytest.mark.parametrize("password", ["", "wrong-password", PASSWORD.upper(), "hamlet"])
def test_a_wrong_password_deletes_nothing(world, hamlet, login, django_capture_on_commit_callbacks, password):
    client = login(hamlet)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = delete_on_page(client, password)
    assert response.status_code == 400
    page = response.content.decode()
    assert 'data-error-for="password"' in page and 'id="delete-account"' in page
    assert callbacks == []
    assert User.objects.filter(pk=hamlet.pk).exists()
    assert Post.objects.filter(pk=world["mine"].post.pk).exists()
    assert all(default_storage.exists(name) for name in world["mine"].files)
    assert client.get("/settings/").status_code == 200  # still logged in


def test_the_settings_page_shows_the_warning_and_a_get_deletes_nothing(world, hamlet, login):
    client = login(hamlet)
    response = client.get("/settings/", {"action": "delete_account", "password": PASSWORD})
    page = response.content.decode()
    assert response.status_code == 200
    assert 'id="delete-account"' in page and 'type="password"' in page
    assert "This cannot be undone." in page and "collections" in page and "uploads" in page
    assert User.objects.filter(pk=hamlet.pk).exists()
    assert all(default_storage.exists(name) for name in world["mine"].files)


def test_the_delete_section_and_its_error_are_in_chinese(hamlet):
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(hamlet)
    page = client.get("/settings/").content.decode()
    assert "删除账号" in page and "此操作无法撤销。" in page and "Delete account" not in page
    wrong = delete_on_page(client, "wrong-password").content.decode()
    assert "密码不正确。" in wrong


def test_a_guest_cannot_delete_anything(world, hamlet, client):
    response = delete_on_page(client, PASSWORD)
    assert response.status_code == 302 and "/accounts/login/" in response.url
    assert User.objects.filter(pk=hamlet.pk).exists()
    assert all(default_storage.exists(name) for name in world["mine"].files)


def test_a_post_without_the_csrf_token_is_refused(world, hamlet):
    client = Client(enforce_csrf_checks=True)
    client.force_login(hamlet)
    response = delete_on_page(client, PASSWORD)
    assert response.status_code == 403
    assert User.objects.filter(pk=hamlet.pk).exists()
    assert all(default_storage.exists(name) for name in world["mine"].files)


def test_a_post_with_the_csrf_token_is_accepted(hamlet, django_capture_on_commit_callbacks):
    """The counterpart of the CSRF refusal: the same client, with the page's token, succeeds."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(hamlet)
    client.get("/settings/")
    token = client.cookies["csrftoken"].value
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/settings/", {"action": "delete_account", "password": PASSWORD, "csrfmiddlewaretoken": token}
        )
    assert response.status_code == 302
    assert not User.objects.filter(pk=hamlet.pk).exists()


# --- people without a password (signed up through a social login) ----------------------------


@pytest.fixture
def social_only(make_user):
    user = make_user("ophelia")
    user.set_unusable_password()
    user.save()
    return user


def test_a_person_without_a_password_confirms_with_their_username(social_only, django_capture_on_commit_callbacks):
    client = Client()
    client.force_login(social_only)
    page = client.get("/settings/").content.decode()
    assert "type your username to confirm" in page
    with django_capture_on_commit_callbacks(execute=True):
        assert delete_on_page(client, "").status_code == 400
        assert delete_on_page(client, "Ophelia").status_code == 400
        assert delete_on_page(client, "!").status_code == 400
        assert User.objects.filter(pk=social_only.pk).exists()
        assert delete_on_page(client, "ophelia").status_code == 302
    assert not User.objects.filter(pk=social_only.pk).exists()


def test_the_service_refuses_a_guest_and_a_password_that_is_not_text(hamlet):
    from django.contrib.auth.models import AnonymousUser

    with pytest.raises(NotAllowed):
        account_services.account_delete(user=AnonymousUser(), password=PASSWORD)
    with pytest.raises(NotAllowed):
        account_services.account_delete(user=None, password=PASSWORD)
    for bad in [None, 123, [PASSWORD], {"password": PASSWORD}]:
        with pytest.raises(ServiceError) as caught:
            account_services.account_delete(user=hamlet, password=bad)
        assert caught.value.field == "password"
    assert User.objects.filter(pk=hamlet.pk).exists()


# --- the API ----------------------------------------------------------------------------------


def test_the_api_deletes_your_own_account_with_your_password(
    world, hamlet, othello, django_capture_on_commit_callbacks
):
    token = Token.objects.get(user=hamlet)
    client = Client(HTTP_AUTHORIZATION=f"Token {token.key}")
    url = f"/api/v1/users/{hamlet.username}/"
    wrong = client.delete(url, {"password": "nope"}, content_type="application/json")
    assert wrong.status_code == 400 and wrong.json() == {"password": ["The password is not correct."]}
    assert client.delete(url, {}, content_type="application/json").status_code == 400
    assert User.objects.filter(pk=hamlet.pk).exists()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.delete(url, {"password": PASSWORD}, content_type="application/json")
    assert response.status_code == 204
    assert_hamlet_is_gone(hamlet, world["mine"])
    assert_othello_is_intact(othello, world)
    assert_othellos_pages_work(othello, world)
    assert client.get(f"/api/v1/users/{othello.username}/").status_code == 401  # the token went too


def test_the_api_refuses_deleting_someone_else_or_as_a_guest(world, hamlet, othello, client_factory):
    url = f"/api/v1/users/{hamlet.username}/"
    as_othello = client_factory(othello)
    refused = as_othello.delete(url, {"password": PASSWORD}, content_type="application/json")
    assert refused.status_code == 403
    as_guest = client_factory(None).delete(url, {"password": PASSWORD}, content_type="application/json")
    assert as_guest.status_code == 401
    assert User.objects.filter(pk__in=[hamlet.pk, othello.pk]).count() == 2
    assert all(default_storage.exists(name) for name in world["mine"].files)


# --- the admin --------------------------------------------------------------------------------


@pytest.fixture
def admin_client_for(make_user):
    admin = make_user("prospero", is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(admin)
    return client


def test_deleting_a_user_in_the_admin_removes_their_files_too(
    world, hamlet, othello, admin_client_for, django_capture_on_commit_callbacks
):
    url = f"/admin/auth/user/{hamlet.pk}/delete/"
    assert admin_client_for.get(url).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client_for.post(url, {"post": "yes"})
    assert response.status_code == 302
    assert_hamlet_is_gone(hamlet, world["mine"])
    assert_othello_is_intact(othello, world)
    assert_othellos_pages_work(othello, world)


def test_the_admins_bulk_delete_removes_the_files_of_each_user(
    hamlet, othello, make_user, admin_client_for, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        mine, theirs = give_things_to(hamlet), give_things_to(othello)
    bystander = give_things_to(make_user("horatio"))
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client_for.post(
            "/admin/auth/user/",
            {"action": "delete_selected", "_selected_action": [hamlet.pk, othello.pk], "post": "yes"},
        )
    assert response.status_code == 302
    assert not User.objects.filter(pk__in=[hamlet.pk, othello.pk]).exists()
    assert [name for name in mine.files + theirs.files if default_storage.exists(name)] == []
    assert all(default_storage.exists(name) for name in bystander.files)


def test_files_stay_when_the_delete_is_rolled_back(world, hamlet, django_capture_on_commit_callbacks):
    """The files go only after the rows are gone for good: a failed transaction keeps both."""
    from django.db import transaction

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(RuntimeError), transaction.atomic():
            User.objects.get(pk=hamlet.pk).delete()
            raise RuntimeError("the database gave up")
    assert callbacks == []
    assert User.objects.filter(pk=hamlet.pk).exists()
    assert all(default_storage.exists(name) for name in world["mine"].files)


def test_password_tries_are_limited_on_the_page_and_in_the_api(hamlet, login, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {
            **settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"],
            "account_delete": "2/hour",
            "account_delete_ip": "100/hour",
        },
    }
    client = login(hamlet)
    assert [delete_on_page(client, "guess").status_code for _try in range(3)] == [400, 400, 429]
    assert delete_on_page(client, PASSWORD).status_code == 429  # even the right one, until the hour is up
    api = client.delete(f"/api/v1/users/{hamlet.username}/", {"password": PASSWORD}, content_type="application/json")
    assert api.status_code == 429
    assert User.objects.filter(pk=hamlet.pk).exists()


# --- a job still running when its owner leaves ------------------------------------------------


def files_under(folder: str) -> list[str]:
    try:
        return default_storage.listdir(folder)[1]
    except FileNotFoundError:
        return []


def test_a_job_that_finishes_after_its_owner_left_leaves_no_files(
    hamlet, tiny_model, monkeypatch, django_capture_on_commit_callbacks
):
    """A real interpolation with the tiny model: hamlet deletes his account after the worker stored
    the frames but before it stored the strip and animation and recorded the outcome. The worker
    finds its row gone and removes what it stored; the deletion removed the rest."""
    from generation import services as generation_services
    from generation.schema import GenerationSpec
    from generation.tasks import generation_enqueue
    from generation.worker import jobs

    owner = Owner(user_id=hamlet.pk)
    spec = GenerationSpec(prompt="a red sun over a calm sea", width=256, height=256, n=1, seed=7)
    source = generation_services.generation_create(owner=owner, spec=spec)
    assert jobs.generation_run(generation_id=source.pk, worker_id="w1", requeue=generation_enqueue) == "succeeded"
    source_folder = f"generations/{source.public_id.hex}"
    assert len(files_under(source_folder)) == 2
    interpolation = studio.interpolation_create(
        owner=owner, image=source.images.get(), frames=3, interpolate_seed=8, client_ip=None
    )
    store_images = jobs._store_images

    def store_then_the_owner_leaves(generation: Generation, results, progress) -> list[GenerationImage]:
        images = store_images(generation, results, progress)
        assert len(files_under(f"generations/{generation.public_id.hex}")) == 2 * 3
        account_services.account_delete(user=hamlet, password=PASSWORD)
        return images

    monkeypatch.setattr(jobs, "_store_images", store_then_the_owner_leaves)
    with django_capture_on_commit_callbacks(execute=True):
        status = jobs.generation_run(generation_id=interpolation.pk, worker_id="w1", requeue=generation_enqueue)
    assert status == "lost"
    assert not User.objects.filter(pk=hamlet.pk).exists()
    assert files_under(f"generations/{interpolation.public_id.hex}") == []
    assert files_under(source_folder) == []
