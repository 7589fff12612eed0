"""Reports, the moderators' queue in the admin (hide, delete, ban), the blocklist, and job admin actions."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group

from gallery.models import REPORT_DETAILS_MAX_LENGTH, Post, Report
from generation.models import BlockedTerm, Generation, GeneratorModel
from tests.conftest import PASSWORD
from tests.gallery.factories import generator_model, make_generation, make_image, make_post

pytestmark = pytest.mark.django_db


def report(client, post, **body):
    return client.post(f"/api/v1/posts/{post.pk}/report/", body, content_type="application/json")


# --- reporting ---------------------------------------------------------------------------


def test_a_report_is_stored_open_with_its_reason(client_as, hamlet, othello):
    post = make_post(user=hamlet)
    response = report(client_as("othello"), post, reason="sexual", details="  not for kids ")
    assert response.status_code == 201
    row = Report.objects.get()
    assert (row.reporter, row.reason, row.details, row.status) == (othello, "sexual", "not for kids", "open")


def test_reporting_twice_while_open_is_409(client_as, hamlet):
    post = make_post(user=hamlet)
    c = client_as("othello")
    assert report(c, post, reason="spam").status_code == 201
    assert report(c, post, reason="other").status_code == 409
    assert Report.objects.count() == 1


@pytest.mark.parametrize(
    "body, field",
    [
        ({}, "reason"),
        ({"reason": ""}, "reason"),
        ({"reason": "because"}, "reason"),
        ({"reason": ["spam"]}, "reason"),
        ({"reason": "spam", "details": "d" * (REPORT_DETAILS_MAX_LENGTH + 1)}, "details"),
        ({"reason": "spam", "details": {"a": 1}}, "details"),
    ],
)
def test_bad_report_input_is_a_field_error(client_as, hamlet, body, field):
    post = make_post(user=hamlet)
    response = report(client_as("othello"), post, **body)
    assert response.status_code == 400
    assert field in response.json()
    assert not Report.objects.exists()


def test_the_report_page_works_without_js(client_as, hamlet):
    post = make_post(user=hamlet)
    c = client_as("othello")
    assert c.get(f"/p/{post.pk}/report/").status_code == 200
    bad = c.post(f"/p/{post.pk}/report/", {"reason": "nope"})
    assert bad.status_code == 400 and 'class="field-error"' in bad.content.decode()
    good = c.post(f"/p/{post.pk}/report/", {"reason": "spam", "details": "ads"})
    assert good.status_code == 302
    assert Report.objects.filter(post=post, reason="spam").exists()


def test_guests_are_sent_to_log_in_to_report(client, hamlet):
    post = make_post(user=hamlet)
    response = client.get(f"/p/{post.pk}/report/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


# --- the admin queue ------------------------------------------------------------------------


def admin_action(client, model_url, action, ids):
    return client.post(model_url, {"action": action, "_selected_action": [str(i) for i in ids]}, follow=True)


def test_the_report_queue_lists_open_reports_first_oldest_first(client_as, hamlet, othello, iago):
    waiting_old = make_post(user=hamlet, title="waiting since long")
    handled = make_post(user=hamlet, title="already handled")
    waiting_new = make_post(user=hamlet, title="waiting since now")
    Report.objects.create(post=waiting_old, reporter=othello, reason="spam")
    Report.objects.create(post=handled, reporter=othello, reason="spam", status="dismissed")
    Report.objects.create(post=waiting_new, reporter=othello, reason="spam")
    html = client_as("iago").get("/admin/gallery/report/").content.decode()
    assert html.index("waiting since long") < html.index("waiting since now") < html.index("already handled")


def test_hiding_from_the_queue_hides_the_post_and_resolves_its_reports(client_as, hamlet, othello, iago):
    post = make_post(user=hamlet)
    r = Report.objects.create(post=post, reporter=othello, reason="violent")
    admin_action(client_as("iago"), "/admin/gallery/report/", "hide_posts", [r.pk])
    post.refresh_from_db()
    r.refresh_from_db()
    assert post.is_hidden
    assert (r.status, r.handled_by) == ("resolved", iago)
    assert client_as("othello").get(post.get_share_path()).status_code == 410
    admin_action(client_as("iago"), "/admin/gallery/post/", "unhide", [post.pk])
    post.refresh_from_db()
    assert not post.is_hidden
    assert client_as("othello").get(post.get_share_path()).status_code == 200


def test_dismissing_a_report_leaves_the_post_up(client_as, hamlet, othello, iago):
    post = make_post(user=hamlet)
    r = Report.objects.create(post=post, reporter=othello, reason="spam")
    admin_action(client_as("iago"), "/admin/gallery/report/", "dismiss", [r.pk])
    r.refresh_from_db()
    post.refresh_from_db()
    assert r.status == "dismissed" and not post.is_hidden


def test_deleting_from_the_queue_removes_the_post(client_as, hamlet, othello):
    post = make_post(user=hamlet)
    r = Report.objects.create(post=post, reporter=othello, reason="illegal")
    admin_action(client_as("iago"), "/admin/gallery/report/", "unpublish_posts", [r.pk])
    assert not Post.objects.filter(pk=post.pk).exists()
    assert client_as("othello").get(post.image.get_file_url()).status_code == 404


def test_banning_an_author_deactivates_them_and_takes_their_posts_down(client_as, client, hamlet, othello):
    post = make_post(user=hamlet)
    r = Report.objects.create(post=post, reporter=othello, reason="hateful")
    admin_action(client_as("iago"), "/admin/gallery/report/", "ban_authors", [r.pk])
    hamlet.refresh_from_db()
    assert not hamlet.is_active
    assert client.get(post.get_share_path()).status_code == 410
    assert client.get("/api/v1/posts/").json()["count"] == 0
    assert client_as("othello").get(post.image.get_file_url()).status_code == 404
    assert client.get("/u/hamlet/").status_code == 404
    assert not client.login(username="hamlet", password=PASSWORD)


def test_a_moderator_cannot_ban_staff_or_themselves(client_as, hamlet, iago):
    admin = hamlet
    admin.is_staff = True
    admin.save()
    own = make_post(user=iago)
    staff_post = make_post(user=admin)
    admin_action(client_as("iago"), "/admin/gallery/post/", "ban_authors", [own.pk, staff_post.pk])
    iago.refresh_from_db()
    admin.refresh_from_db()
    assert iago.is_active and admin.is_active


def test_the_moderators_group_gives_staff_the_queue_and_its_actions(client_factory, make_user, hamlet, othello):
    mod = make_user("cassio", is_staff=True)
    mod.groups.add(Group.objects.get(name="moderators"))
    post = make_post(user=hamlet)
    r = Report.objects.create(post=post, reporter=othello, reason="spam")
    c = client_factory(mod)
    assert c.get("/admin/gallery/report/").status_code == 200
    assert c.get("/admin/generation/blockedterm/").status_code == 200
    assert c.get(f"/admin/generation/generationimage/{post.image_id}/thumb.webp").status_code == 200
    admin_action(c, "/admin/gallery/report/", "hide_posts", [r.pk])
    post.refresh_from_db()
    assert post.is_hidden
    # But not the user table: a moderator must not be able to make themselves superuser.
    assert c.get("/admin/auth/user/").status_code == 403


def test_a_non_staff_member_of_the_group_can_hide_from_the_site_but_not_enter_the_admin(
    client_factory, make_user, hamlet
):
    mod = make_user("emilia")
    mod.groups.add(Group.objects.get(name="moderators"))
    post = make_post(user=hamlet)
    c = client_factory(mod)
    assert c.post(f"/p/{post.pk}/moderate/", {"action": "hide"}).status_code == 302
    post.refresh_from_db()
    assert post.is_hidden
    assert c.get("/admin/gallery/report/").status_code == 302


def test_unknown_moderation_action_is_400(client_as, hamlet):
    post = make_post(user=hamlet)
    assert client_as("iago").post(f"/p/{post.pk}/moderate/", {"action": "explode"}).status_code == 400


def test_featuring_from_the_admin(client_as, hamlet):
    post = make_post(user=hamlet)
    admin_action(client_as("iago"), "/admin/gallery/post/", "feature", [post.pk])
    post.refresh_from_db()
    assert post.is_featured


# --- the blocklist ----------------------------------------------------------------------------


def test_moderators_edit_the_blocklist_in_the_admin(client_as, hamlet):
    c = client_as("iago")
    response = c.post("/admin/generation/blockedterm/add/", {"term": "gore", "note": "house rule"})
    assert response.status_code == 302
    assert BlockedTerm.objects.filter(term="gore").exists()
    image = make_image(user=hamlet, prompt="lots of GORE")
    r = client_as("hamlet").post("/api/v1/posts/", {"image": str(image.public_id)}, content_type="application/json")
    assert r.status_code == 400


# --- generation admin actions -----------------------------------------------------------------


def test_admin_cancels_a_queued_job(client_as, hamlet):
    job = make_generation(user=hamlet, status=Generation.Status.QUEUED)
    done = make_generation(user=hamlet)
    admin_action(client_as("iago"), "/admin/generation/generation/", "cancel", [job.pk, done.pk])
    job.refresh_from_db()
    done.refresh_from_db()
    assert job.status == "canceled" and done.status == "succeeded"


def test_admin_requeues_a_failed_job(client_as, hamlet):
    job = make_generation(user=hamlet, status=Generation.Status.FAILED)
    admin_action(client_as("iago"), "/admin/generation/generation/", "requeue", [job.pk])
    job.refresh_from_db()
    assert job.status == "queued" and job.task_id


def test_admin_enables_and_disables_models(client_as):
    model = generator_model()
    c = client_as("iago")
    admin_action(c, "/admin/generation/generatormodel/", "disable", [model.pk])
    assert not GeneratorModel.objects.get(pk=model.pk).enabled
    admin_action(c, "/admin/generation/generatormodel/", "enable", [model.pk])
    assert GeneratorModel.objects.get(pk=model.pk).enabled


def test_generation_admin_search_and_filters(client_as, hamlet):
    make_generation(user=hamlet, prompt="a blue whale")
    make_generation(user=hamlet, prompt="a red fox", status=Generation.Status.FAILED)
    c = client_as("iago")
    assert "a blue whale" in c.get("/admin/generation/generation/?q=whale").content.decode()
    assert "a red fox" not in c.get("/admin/generation/generation/?q=whale").content.decode()
    assert "a red fox" in c.get("/admin/generation/generation/?status__exact=failed").content.decode()
