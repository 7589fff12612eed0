"""Own prompt history for the create page's suggestions: each prompt once, newest first, filtered;
someone else's prompts never appear; a guest's come from their session."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from tests.gallery.factories import make_generation

pytestmark = pytest.mark.django_db
URL = "/api/v1/generations/prompts/"


def test_my_prompts_each_once_newest_first_and_filtered(hamlet_api, hamlet, othello):
    make_generation(user=hamlet, prompt="a red barn")
    make_generation(user=hamlet, prompt="a <b>blue</b> lake")
    make_generation(user=hamlet, prompt="a red barn")  # used again: moves to the front, once
    make_generation(user=othello, prompt="othello's red secret")
    assert hamlet_api.get(URL).json()["results"] == ["a red barn", "a <b>blue</b> lake"]
    assert hamlet_api.get(URL, {"q": "RED"}).json()["results"] == ["a red barn"]
    assert hamlet_api.get(URL, {"q": "secret"}).json()["results"] == []


def test_someone_elses_prompts_never_appear(othello_api, hamlet):
    make_generation(user=hamlet, prompt="hamlet's private prompt")
    assert othello_api.get(URL).json()["results"] == []
    assert othello_api.get(URL, {"q": "private"}).json()["results"] == []
    assert APIClient().get(URL).json()["results"] == []  # a guest without a session


def test_a_guest_sees_the_prompts_of_their_own_session(tiny_model, hamlet):
    guest = APIClient()
    body = {"prompt": "a guest's lighthouse", "width": 256, "height": 256, "n": 1}
    assert guest.post("/api/v1/generations/", body, format="json").status_code == 201
    make_generation(user=hamlet, prompt="not the guest's")
    assert guest.get(URL).json()["results"] == ["a guest's lighthouse"]
    assert APIClient().get(URL).json()["results"] == []  # another guest


def test_a_too_long_filter_is_a_clear_400(hamlet_api):
    response = hamlet_api.get(URL, {"q": "x" * 201})
    assert response.status_code == 400 and "q" in response.json()


def test_the_list_is_capped(hamlet_api, hamlet):
    for i in range(25):
        make_generation(user=hamlet, prompt=f"prompt number {i}")
    results = hamlet_api.get(URL).json()["results"]
    assert len(results) == 20 and results[0] == "prompt number 24"
