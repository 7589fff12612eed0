"""Settings read in words on the post page and a generation's page, in both languages: no raw keys
(`base_seed`, `negative_truncated`, the engine's method line, "CLIP score"), the technical ones
behind a toggle; and the pages offer the downloads and actions to iterate."""

from __future__ import annotations

import pytest
from django.test import Client

from generation.labels import setting_rows, setting_value
from tests.gallery.factories import make_image, make_post

pytestmark = pytest.mark.django_db

ENGINE_SETTINGS = {
    "base_seed": 41,
    "index": 1,
    "candidate_index": 0,
    "negative_truncated": False,
    "truncated": True,
    "method": "aspect-grid 8x8 -> 512x512",
    "native_size": [256, 256],
    "grid": [2, 1],
    "style_strength": 0.6,
    "truncation": 0.7,
    "device": "cpu",
    "noise": [0.1] * 100,
    "clip_score": 0.3123,
}


def test_rows_are_human_first_technical_apart_noise_never():
    human, technical = setting_rows(ENGINE_SETTINGS)
    assert ("Style strength", "0.6") in human and ("Prompt shortened to fit", "Yes") in human
    assert ("Match to the prompt", "0.312") in human
    labels = dict(technical)
    assert labels["First seed of the batch"] == "41" and labels["Tiles (columns × rows)"] == "2×1"
    assert labels["Model's native size"] == "256×256" and labels["Negative prompt shortened to fit"] == "No"
    assert "noise" not in labels and all("0.1, 0.1" not in v for _, v in human + technical)
    assert setting_value("x", None) == "—" and setting_value("x", "") == "—"


def page_text(client: Client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.parametrize("lang", ["en", "zh-hans"])
def test_the_post_page_shows_labels_not_keys(hamlet, lang):
    post = make_post(user=hamlet, title="dusk")
    image = post.image
    image.settings = {**image.settings, **ENGINE_SETTINGS}
    image.save()
    html = page_text(Client(HTTP_ACCEPT_LANGUAGE=lang), post.get_absolute_url())
    for raw in ("base_seed", "negative_truncated", "CLIP score", "<dt>method</dt>", "candidate_index"):
        assert raw not in html, raw
    assert "data-settings-technical" in html and '<details class="settings-technical"' in html
    if lang == "en":
        assert "First seed of the batch" in html and "Match to the prompt" in html
    else:
        assert "本批的第一个种子" in html and "与提示词的契合度" in html and "技术细节" in html
    # Downloads in three formats; the picture opens in the lightbox, with the file as the link.
    for fmt in ("png", "webp", "jpeg"):
        assert f'data-format="{fmt}"' in html
    assert f'href="{image.get_file_url()}" data-lightbox' in html


@pytest.mark.parametrize("lang", ["en", "zh-hans"])
def test_a_generation_page_shows_labels_actions_and_downloads(hamlet, lang):
    image = make_image(user=hamlet)
    make_image(generation=image.generation)
    generation = image.generation
    generation.options = {"negative_prompt": "blurry", "style_strength": 0.6, "truncation": 0.7, "source_noise": [1.0]}
    generation.save()
    client = Client(HTTP_ACCEPT_LANGUAGE=lang)
    client.force_login(hamlet)
    html = page_text(client, generation.get_absolute_url())
    for raw in ("<dt>negative_prompt</dt>", "<dt>style_strength</dt>", "source_noise", "<dt>truncation</dt>"):
        assert raw not in html, raw
    assert ("Negative prompt" if lang == "en" else "反向提示词") in html
    assert "data-download-all" in html and f"/generations/{generation.public_id}/pictures.zip" in html
    assert "data-generate-again" in html and "data-use-settings" in html and "data-copy-text" in html
    assert html.count("data-lightbox") >= 3  # the group and each picture
    assert "seed=" not in html.split("data-generate-again")[0].rsplit("href=", 1)[1]  # again: a new seed
