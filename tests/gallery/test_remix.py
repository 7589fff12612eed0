"""Remix: "use these settings" pre-fills the create page; a published remix links to its original."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from gallery.models import Post
from gallery.services import post_publish, post_set_hidden
from tests.gallery.factories import generator_model, make_generation, make_image, make_post

pytestmark = pytest.mark.django_db


def remix_link(html: str) -> str:
    start = html.index('id="remix" href="') + len('id="remix" href="')
    return html[start : html.index('"', start)].replace("&amp;", "&")


def test_use_these_settings_links_to_the_create_page_with_every_setting(client, hamlet):
    post = make_post(user=hamlet, prompt="a fox & a hare", style="watercolor")
    url = remix_link(client.get(post.get_absolute_url()).content.decode())
    parts = urlsplit(url)
    assert parts.path == "/"
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    assert query == {
        "prompt": "a fox & a hare",
        "model": "test-landscape",
        "width": "512",
        "height": "512",
        "n": "1",
        "seed": str(post.image.seed),
        "style": "watercolor",
        "negative_prompt": "blurry",
        "remix_of": str(post.pk),
    }


def test_a_published_remix_links_to_its_original_and_the_original_lists_it(client, hamlet, othello):
    original = make_post(user=hamlet, title="The original")
    remix = make_post(user=othello, title="My remix", options={"remix_of": str(original.pk)})
    assert remix.remix_of == original
    remix_page = client.get(remix.get_absolute_url()).content.decode()
    assert f'href="/p/{original.pk}/" data-remix-of' in remix_page
    original_page = client.get(original.get_absolute_url()).content.decode()
    assert "Remixes" in original_page and f'href="/p/{remix.pk}/"' in original_page
    assert client.get(f"/api/v1/posts/{remix.pk}/").json()["remix_of"] == original.pk


@pytest.mark.parametrize("bad", ["", "abc", "-1", "999999", None, {"x": 1}])
def test_a_bad_remix_reference_is_ignored(hamlet, bad):
    post = make_post(user=hamlet, options={"remix_of": bad})
    assert post.remix_of is None


def test_a_hidden_original_is_not_linked(hamlet, othello, iago):
    original = make_post(user=hamlet)
    post_set_hidden(post=original, hidden=True, by=iago)
    remix = make_post(user=othello, options={"remix_of": str(original.pk)})
    assert remix.remix_of is None


def test_the_generations_api_keeps_remix_of_and_publishing_the_result_links_back(client_as, hamlet, othello):
    """The whole chain: create page params → POST /api/v1/generations/ → the job's image → publish."""
    from generation.models import GeneratorModel

    GeneratorModel.objects.update(is_default=False)
    GeneratorModel.objects.filter(pk=generator_model().pk).update(is_default=True)
    original = make_post(user=hamlet)
    c = client_as("othello")
    response = c.post(
        "/api/v1/generations/",
        {"prompt": "a fox, remixed", "seed": 5, "remix_of": original.pk},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    from generation.models import Generation

    job = Generation.objects.get(public_id=response.json()["id"])
    assert job.options["remix_of"] == str(original.pk)
    # The worker would store the image; the factory stands in for it.
    Generation.objects.filter(pk=job.pk).update(status=Generation.Status.SUCCEEDED)
    image = make_image(generation=job)
    post = post_publish(user=othello, image=image)
    assert post.remix_of == original


def test_the_create_page_reads_the_remix_parameters(client, hamlet):
    model = generator_model()
    original = make_post(user=hamlet)
    response = client.get("/", {"prompt": "x", "model": model.name, "seed": "9", "remix_of": str(original.pk)})
    assert response.status_code == 200
    html = response.content.decode()
    assert f'"remix_of": "{original.pk}"' in html and '"seed": "9"' in html


def test_remixing_your_own_post_is_allowed(hamlet):
    original = make_post(user=hamlet)
    again = make_image(generation=make_generation(user=hamlet, options={"remix_of": str(original.pk)}))
    assert post_publish(user=hamlet, image=again).remix_of == original
    assert Post.objects.count() == 2
