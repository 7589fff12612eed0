"""Reading and canceling jobs through the API; nobody sees anyone else's job."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from generation.models import Generation
from tests.generation.conftest import job

URL = "/api/v1/generations/"
pytestmark = pytest.mark.django_db


def test_detail_shows_status_position_settings_and_no_images_yet(hamlet_api, tiny_model):
    gid = hamlet_api.post(URL, job(style="anime"), format="json").json()["id"]
    body = hamlet_api.get(f"{URL}{gid}/").json()
    assert body["status"] == "queued"
    assert body["position"] == 1
    assert body["settings"]["style"] == "anime"
    assert body["settings"]["seed"] == 7
    assert body["images"] == []
    assert body["error"] == ""


def test_positions_follow_the_queue_order(hamlet_api, othello_api, tiny_model):
    first = hamlet_api.post(URL, job(), format="json").json()
    second = othello_api.post(URL, job(), format="json").json()
    assert (first["position"], second["position"]) == (1, 2)
    hamlet_api.post(f"{URL}{first['id']}/cancel/")
    assert othello_api.get(f"{URL}{second['id']}/").json()["position"] == 1


def test_another_users_job_is_404_for_read_and_cancel(hamlet_api, othello_api, tiny_model):
    gid = hamlet_api.post(URL, job(), format="json").json()["id"]
    assert othello_api.get(f"{URL}{gid}/").status_code == 404
    assert othello_api.post(f"{URL}{gid}/cancel/").status_code == 404
    assert Generation.objects.get(public_id=gid).status == "queued"
    assert othello_api.get(URL).json()["results"] == []


def test_a_guest_cannot_see_another_guests_job(tiny_model):
    alice, bob = APIClient(), APIClient()
    gid = alice.post(URL, job(), format="json").json()["id"]
    assert alice.get(f"{URL}{gid}/").status_code == 200
    assert bob.get(f"{URL}{gid}/").status_code == 404
    assert bob.post(f"{URL}{gid}/cancel/").status_code == 404


def test_a_guest_cannot_see_a_users_job_and_vice_versa(api, hamlet_api, tiny_model):
    user_gid = hamlet_api.post(URL, job(), format="json").json()["id"]
    guest_gid = api.post(URL, job(), format="json").json()["id"]
    assert api.get(f"{URL}{user_gid}/").status_code == 404
    assert hamlet_api.get(f"{URL}{guest_gid}/").status_code == 404


def test_unknown_or_malformed_ids_are_404(hamlet_api, tiny_model):
    assert hamlet_api.get(f"{URL}00000000-0000-0000-0000-000000000000/").status_code == 404
    assert hamlet_api.get(f"{URL}not-a-uuid/").status_code == 404


def test_cancel_of_a_queued_job_is_immediate(hamlet_api, tiny_model, run_queue):
    gid = hamlet_api.post(URL, job(), format="json").json()["id"]
    resp = hamlet_api.post(f"{URL}{gid}/cancel/")
    assert resp.status_code == 200
    assert resp.json()["status"] == "canceled"
    run_queue()  # the task runs, sees the job is no longer queued, and leaves it alone
    generation = Generation.objects.get(public_id=gid)
    assert generation.status == "canceled"
    assert generation.images.count() == 0


def test_cancel_of_a_finished_job_is_a_409(hamlet_api, tiny_model):
    gid = hamlet_api.post(URL, job(), format="json").json()["id"]
    Generation.objects.filter(public_id=gid).update(status="succeeded")
    resp = hamlet_api.post(f"{URL}{gid}/cancel/")
    assert resp.status_code == 409
    assert Generation.objects.get(public_id=gid).status == "succeeded"


def test_my_list_shows_only_my_jobs_newest_first(hamlet_api, othello_api, tiny_model):
    a = hamlet_api.post(URL, job(prompt="first"), format="json").json()["id"]
    b = hamlet_api.post(URL, job(prompt="second"), format="json").json()["id"]
    othello_api.post(URL, job(prompt="not mine"), format="json")
    ids = [row["id"] for row in hamlet_api.get(URL).json()["results"]]
    assert ids == [b, a]


def test_models_endpoint_labels_untrained_models(api, tiny_model):
    rows = api.get("/api/v1/models/").json()
    tiny = next(r for r in rows if r["name"] == "untrained-tiny")
    assert tiny["trained"] is False
    assert tiny["native_size"][0] > 0
    assert {"name", "category", "native_size", "trained"} <= set(tiny)


def test_styles_endpoint_lists_at_least_twenty_styles(api, db):
    rows = api.get("/api/v1/styles/").json()
    assert len(rows) >= 20
    assert "watercolor" in {r["name"] for r in rows}


def test_openapi_schema_and_docs_are_served_locally(api, db):
    schema = api.get("/api/schema/")
    assert schema.status_code == 200
    text = schema.content.decode()
    for path in ("/api/v1/generations/", "/api/v1/generations/{public_id}/cancel/", "/api/v1/models/"):
        assert path in text
    docs = api.get("/api/docs/")
    assert docs.status_code == 200
    html = docs.content.decode()
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in html
    assert "cdn.jsdelivr" not in html and "unpkg.com" not in html
