"""The studio through the API and the pages: model cards with sample pictures, the unknown-word
check, poem readings, recipes, surprises, and poem cards (download and share preview), with
every bad input answered by a 400 that names the problem, and no one else's picture shown."""

from __future__ import annotations

import io
import json

import pytest
from django.conf import settings
from django.urls import reverse
from PIL import Image

from generation.creative.card import PAPER, font_path
from generation.models import Generation
from generation.prompting.poems import POEM_MAX_CHARS
from generation.services import models_register_from_disk
from tests.gallery.factories import make_image, make_post
from tests.generation.conftest import job

pytestmark = pytest.mark.django_db

JINGYESI = "床前明月光，疑是地上霜。举头望明月，低头思故乡。"


def body_of(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def url(name: str, action: str) -> str:
    return reverse(f"api:api-model-{action}", args=[name])


# -- model cards ------------------------------------------------------------------------------------


def test_the_model_card_lists_what_the_model_knows_with_a_sample_picture_of_each(api, registered_models):
    response = api.get(url("demo-food", "card"))
    assert response.status_code == 200
    card = response.json()
    assert card["category"] == "food" and card["native_size"] == [64, 64]
    recorded = json.loads((settings.MODELS_DIR / "demo-food" / "model.json").read_text(encoding="utf-8"))["quality"]
    assert card["license"] and card["quality"] == recorded and card["package_bytes"] > 10_000_000
    ingredients = next(g for g in card["groups"] if g["name"] == "ingredients")
    assert ingredients["kind"] == "object"
    words = {t["id"]: t for t in ingredients["terms"]}
    assert set(words) == {"tomato", "egg", "broccoli", "shrimp", "mushroom", "carrot", "strawberry"}
    picture = api.get(words["strawberry"]["sample_url"])
    assert picture.status_code == 200 and picture["Content-Type"] == "image/webp"
    with Image.open(io.BytesIO(body_of(picture))) as sample:
        assert sample.size == (128, 128)
    assert any(g["kind"] == "attribute" for g in card["groups"])


def test_the_model_card_speaks_chinese_to_a_chinese_reader(api, registered_models):
    card = api.get(url("demo-landscape", "card") + "?lang=zh").json()
    time = next(g for g in card["groups"] if g["name"] == "time")
    assert time["label"] == "时间" and time["terms"][0]["word"] == "黎明时"


def test_a_missing_model_is_a_404_and_a_model_without_vocabulary_a_clear_400(api, registered_models):
    assert api.get(url("no-such-model", "card")).status_code == 404
    response = api.get(url("untrained-tiny", "card"))
    assert response.status_code == 400
    assert "vocabulary" in response.json()["model"][0]


def test_a_model_whose_vocabulary_is_written_wrongly_is_a_clear_400_and_the_log_says_where(
    api, registered_models, tmp_path, settings, caplog
):
    """A package made by hand whose phrase rule gives a condition's terms as a string: every studio
    call on it is refused with what to do, the detail goes to the operator's log, not the page."""
    shipped = settings.MODELS_DIR / "demo-landscape"
    folder = tmp_path / "hand-made"
    folder.mkdir()
    for entry in shipped.iterdir():
        (folder / entry.name).symlink_to(entry)
    data = json.loads((shipped / "model.json").read_text(encoding="utf-8"))
    data["name"] = "hand-made"
    data["vocabulary"]["groups"][4]["terms"][2]["phrase_when"][0]["when"] = {"snow": "purple"}
    (folder / "model.json").unlink()
    (folder / "model.json").write_text(json.dumps(data), encoding="utf-8")
    settings.MODELS_DIR = tmp_path
    assert [m.name for m in models_register_from_disk()] == ["hand-made"]
    for response in (
        api.get(url("hand-made", "card")),
        api.post(url("hand-made", "check"), {"prompt": "mountains with purple snow at noon"}, format="json"),
        api.post(url("hand-made", "compose"), {"selection": {"mountains": "snowy"}, "lang": "en"}, format="json"),
    ):
        assert response.status_code == 400
        message = response.json()["model"][0]
        assert "hand-made" in message and "Pick a demo model" in message
        assert "phrase_when" not in message and str(tmp_path) not in message
    assert "vocabulary.groups[4].terms[2].phrase_when[0].when.snow" in caplog.text
    in_chinese = api.get(url("hand-made", "card"), HTTP_ACCEPT_LANGUAGE="zh-hans").json()["model"][0]
    assert "词表" in in_chinese and "演示模型" in in_chinese


def test_a_sample_of_an_unknown_term_is_a_404(client, registered_models):
    assert client.get("/models/demo-food/samples/ingredients/dragonfruit.webp").status_code == 404
    assert client.get("/models/demo-food/samples/..%2F..%2Fmodel/x.webp").status_code == 404


def test_the_model_pages_render_on_pc_and_phone_in_both_languages(client, registered_models):
    for lang in ("en", "zh-hans"):
        listing = client.get("/models/", HTTP_ACCEPT_LANGUAGE=lang)
        assert listing.status_code == 200 and b"demo-food" in listing.content
        page = client.get("/models/demo-food/", HTTP_ACCEPT_LANGUAGE=lang)
        html = page.content.decode()
        assert page.status_code == 200
        assert "/models/demo-food/samples/ingredients/strawberry.webp" in html
        assert 'id="builder-prompt"' in html
    assert "草莓" in client.get("/models/demo-food/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert client.get("/models/no-such-model/").status_code == 404


# -- the unknown-word check -------------------------------------------------------------------------


def test_the_check_names_the_words_the_model_does_not_know(api, registered_models):
    response = api.post(
        url("demo-landscape", "check"), {"prompt": "a landscape at sunset with a dragon"}, format="json"
    )
    assert response.status_code == 200
    data = response.json()
    assert data["unknown"] == ["dragon"] and not data["only_unknown"]
    assert "“dragon”" in data["message"]


def test_the_check_warns_of_a_combination_the_model_has_not_learnt(api, registered_models):
    """demo-landscape never saw a river at night and draws none (its recorded quality): a prompt
    that asks for one is told so, in the person's language; one river at dawn is not."""
    data = api.post(url("demo-landscape", "check"), {"prompt": "a river at night"}, format="json").json()
    assert data["unknown"] == [] and [u["name"] for u in data["untaught"]] == ["river at night"]
    assert data["untaught"][0]["object"] == "a river" and data["untaught"][0]["of"] >= 8
    assert "never saw “night” and “a river” together" in data["message"] and "knows every word" not in data["message"]
    dawn = api.post(url("demo-landscape", "check"), {"prompt": "a river at dawn"}, format="json").json()
    assert dawn["untaught"] == [] and "knows every word" in dawn["message"]
    both = api.post(url("demo-landscape", "check"), {"prompt": "a dragon by a river at night"}, format="json").json()
    assert "“dragon”" in both["message"] and "never saw" in both["message"]
    zh = api.post(
        url("demo-landscape", "check"), {"prompt": "夜晚的风景，有河流"}, format="json", HTTP_ACCEPT_LANGUAGE="zh-hans"
    ).json()
    assert (
        zh["untaught"][0]["terms"] == ["夜晚", "河流"] and "河流" in zh["message"] and "never saw" not in zh["message"]
    )


def test_the_model_card_lists_the_combinations_it_has_not_learnt(client, api, registered_models):
    card = api.get(url("demo-landscape", "card")).json()
    assert {"river at night", "snowy mountains at sunset"} <= {u["name"] for u in card["untaught"]}
    page = client.get(reverse("generation:model-card", args=["demo-landscape"])).content.decode()
    assert "data-untaught" in page and "“night” + “a river”" in page
    assert "data-untaught" not in client.get(reverse("generation:model-card", args=["demo-anime"])).content.decode()


def test_the_model_card_says_how_much_its_seeds_vary(client, api, registered_models):
    """From the measured layout spread: landscape's seeds move things (84 % of its renders), anime's
    keep one arrangement (0), so its card says to change the prompt instead of the seed."""
    card = api.get(url("demo-landscape", "card")).json()
    assert card["seed_variety"] == {"share": 84, "one_arrangement": False}
    page = client.get(reverse("generation:model-card", args=["demo-landscape"])).content.decode()
    assert "move things around 84% as much" in page
    anime = client.get(reverse("generation:model-card", args=["demo-anime"])).content.decode()
    assert "data-seed-variety" in anime and "keep one arrangement" in anime
    zh = client.get(reverse("generation:model-card", args=["demo-anime"]), HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert "构图不变" in zh.content.decode()


@pytest.mark.parametrize("value", [None, "0.4", True, -0.1, float("nan"), [0.4], 1e9])
def test_a_layout_spread_that_is_not_a_measured_number_says_nothing(value):
    from generation.creative.services import seed_variety

    assert seed_variety({"layout_spread": value}) is None
    assert seed_variety(None) is None and seed_variety({}) is None
    assert seed_variety({"layout_spread": 0.1}) == {"share": 10, "one_arrangement": True}
    assert seed_variety({"layout_spread": 0.4, "layout_spread_blurred": value}) == {
        "share": 40,
        "one_arrangement": False,
    }


def test_the_card_reads_the_lower_of_the_plain_and_the_blurred_layout_spread():
    """Streaks that differ from seed to seed read as moves until a blur wipes them out: a model
    whose blurred spread is near 0 keeps one arrangement, whatever the plain reading says."""
    from generation.creative.services import seed_variety

    assert seed_variety({"layout_spread": 0.26, "layout_spread_blurred": 0.02}) == {"share": 2, "one_arrangement": True}
    assert seed_variety({"layout_spread": 0.84, "layout_spread_blurred": 0.9}) == {
        "share": 84,
        "one_arrangement": False,
    }
    assert seed_variety({"layout_spread_blurred": 0.9}) == {"share": 90, "one_arrangement": False}


def test_a_prompt_made_only_of_unknown_words_gets_a_clear_message(api, registered_models):
    data = api.post(url("demo-food", "check"), {"prompt": "spaceship galaxy"}, format="json").json()
    assert data["only_unknown"] is True
    assert "knows none of these words: spaceship, galaxy" in data["message"]


@pytest.mark.parametrize(
    ("prompt", "needle"),
    [
        ("", "empty"),
        ("   ", "empty"),
        ("x" * 1001, "limit is 1000"),
        ("<script>alert(1)</script> sun", "HTML"),
        ('<img src=x onerror="alert(1)">', "HTML"),
        (12345, "must be text"),
        (["sun"], "must be text"),
    ],
)
def test_a_bad_prompt_to_check_is_a_400_naming_the_problem(api, registered_models, prompt, needle):
    response = api.post(url("demo-landscape", "check"), {"prompt": prompt}, format="json")
    assert response.status_code == 400
    assert needle in response.json()["prompt"][0]


def test_a_body_that_is_not_an_object_is_a_400(api, registered_models):
    response = api.post(url("demo-landscape", "check"), '"sun"', content_type="application/json")
    assert response.status_code == 400


# -- poems ------------------------------------------------------------------------------------------


def test_a_poem_is_read_as_imagery_and_a_prompt_in_its_language(api, registered_models):
    data = api.post(url("demo-landscape", "poem"), {"poem": JINGYESI}, format="json").json()
    assert data["lang"] == "zh" and data["prompt"] == "秋天夜晚的风景"
    assert data["selection"]["body"] == "moon" and data["selection"]["time"] == "night"
    assert [i["text"] for i in data["images"]][:2] == ["明月光", "霜"]


def test_the_poem_notes_what_the_model_cannot_draw(api, registered_models):
    data = api.post(
        url("demo-landscape", "poem"), {"poem": "千山鸟飞绝，万径人踪灭。孤舟蓑笠翁，独钓寒江雪。"}, format="json"
    ).json()
    notes = {i["text"]: i["note"] for i in data["images"]}
    assert "boats" in notes["孤舟"]["en"] and notes["寒江"] is None


@pytest.mark.parametrize(
    ("poem", "needle"),
    [
        ("床前明月光。" * 80, f"limit is {POEM_MAX_CHARS}"),
        ("", "empty"),
        ("<script>alert('月')</script>", "HTML"),
        ("我思故我在", "No image this model can draw"),
        (42, "must be text"),
    ],
)
def test_a_bad_poem_is_a_400_naming_the_problem(api, registered_models, poem, needle):
    response = api.post(url("demo-landscape", "poem"), {"poem": poem}, format="json")
    assert response.status_code == 400
    assert needle in response.json()["poem"][0]


def test_a_generation_keeps_its_poem_and_refuses_a_bad_one(api, tiny_model):
    created = api.post("/api/v1/generations/", job(prompt="秋天夜晚的风景", poem=JINGYESI), format="json")
    assert created.status_code == 201
    assert Generation.objects.get(public_id=created.json()["id"]).options["poem"] == JINGYESI
    long = api.post("/api/v1/generations/", job(poem="月" * (POEM_MAX_CHARS + 1)), format="json")
    assert long.status_code == 400 and "poem" in long.json()
    markup = api.post("/api/v1/generations/", job(poem="<b>月</b>"), format="json")
    assert markup.status_code == 400 and "HTML" in markup.json()["poem"][0]
    assert Generation.objects.count() == 1  # nothing stored for the refused ones


def test_the_poem_card_is_the_picture_with_its_poem_and_only_its_owner_sees_it(client_as, hamlet):
    image = make_image(user=hamlet, width=96, height=96, options={"poem": JINGYESI})
    card_url = reverse("generation:poem-card", args=[image.public_id])
    response = client_as("hamlet").get(card_url + "?download=1")
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    assert "attachment" in response["Content-Disposition"]
    with Image.open(io.BytesIO(body_of(response))) as card:
        assert card.width == 1024 and card.height > 1024  # the picture, then the poem below it
        assert card.getpixel((10, 10)) == PAPER
        assert card.getpixel((512, 500)) == (200, 60, 60)  # the picture
        text_band = card.crop((0, 1000, card.width, card.height - 90)).convert("L")
        assert min(text_band.get_flattened_data()) < 100  # ink: the poem is set
    assert client_as("othello").get(card_url).status_code == 404
    plain = make_image(user=hamlet)
    assert client_as("hamlet").get(reverse("generation:poem-card", args=[plain.public_id])).status_code == 404


def test_the_cjk_font_comes_from_the_installed_wheel():
    path = font_path()
    assert path is not None and path.stat().st_size > 10_000_000


def test_a_published_poem_picture_shares_its_poem_card(client, hamlet):
    post = make_post(user=hamlet, width=96, height=96, options={"poem": JINGYESI})
    page = client.get(post.get_share_path()).content.decode()
    assert "Poem card" in page or "诗" in page
    response = client.get(post.get_share_path() + "preview.png")
    with Image.open(io.BytesIO(body_of(response))) as preview:
        assert preview.size == (1200, 630)
        assert preview.getpixel((5, 315)) == PAPER  # the card's paper, not the letterbox's dark bars
        assert preview.getpixel((300, 315)) == (200, 60, 60)
    # anyone may download the card of a published picture
    assert client.get(reverse("generation:poem-card", args=[post.image.public_id])).status_code == 200


# -- recipes and surprises --------------------------------------------------------------------------


def test_the_recipe_follows_the_ingredient_order(api, registered_models):
    first = api.post(
        url("demo-food", "recipe"),
        {"ingredients": [{"name": "tomato", "count": 2}, {"name": "egg", "count": 1}], "base": "rice"},
        format="json",
    ).json()
    assert first["prompt"] == "Tomato egg rice; rice, two tomatoes, egg"
    second = api.post(
        url("demo-food", "recipe"),
        {"ingredients": [{"name": "egg", "count": 1}, {"name": "tomato", "count": 2}], "base": "rice", "lang": "zh"},
        format="json",
    ).json()
    assert second["prompt"] == "鸡蛋番茄饭；米饭、鸡蛋、两个番茄"


@pytest.mark.parametrize(
    ("body", "field", "needle"),
    [
        ({"ingredients": []}, "ingredients", "empty"),
        ({"ingredients": "tomato"}, "ingredients", "list"),
        ({"ingredients": [{"name": "tomato", "count": 9}]}, "ingredients", "1 to 4"),
        ({"ingredients": [{"name": "<script>"}]}, "ingredients", "does not know"),
        ({"ingredients": [{"name": "tomato"}], "base": "pizza"}, "base", "pizza"),
        ({"ingredients": [{"count": 1}]}, "ingredients", "name"),
    ],
)
def test_a_bad_recipe_is_a_400_naming_the_problem(api, registered_models, body, field, needle):
    response = api.post(url("demo-food", "recipe"), body, format="json")
    assert response.status_code == 400
    assert needle in response.json()[field][0]


def test_recipe_mode_is_refused_for_a_model_that_reads_no_recipes(api, registered_models):
    response = api.post(url("demo-anime", "recipe"), {"ingredients": [{"name": "tomato"}]}, format="json")
    assert response.status_code == 400 and "recipe" in response.json()["model"][0]


def test_surprise_me_is_repeatable_by_seed_and_lists_the_combinations(api, registered_models):
    a = api.get(url("demo-landscape", "surprise") + "?seed=11").json()
    b = api.get(url("demo-landscape", "surprise") + "?seed=11").json()
    assert a == b and len(a["combinations"]) == 3
    assert api.get(url("demo-landscape", "surprise") + "?seed=-1").status_code == 400
    assert api.get(url("demo-landscape", "surprise") + "?seed=abc").status_code == 400


def test_compose_writes_the_models_own_grammar(api, registered_models):
    data = api.post(
        url("demo-landscape", "compose"),
        {"selection": {"time": "sunset", "mountains": "snowy"}, "lang": "en"},
        format="json",
    ).json()
    assert data["prompt"] == "a landscape at sunset in summer with snow-capped mountains"


def test_the_studio_page_renders_in_both_languages(client, registered_models):
    for lang in ("en", "zh-hans"):
        page = client.get("/studio/", HTTP_ACCEPT_LANGUAGE=lang)
        assert page.status_code == 200
        html = page.content.decode()
        assert 'id="poem-text"' in html and 'id="recipe-list"' in html and 'id="surprise-go"' in html


def test_the_studio_endpoints_are_in_the_openapi_schema(api):
    schema = api.get("/api/schema/?format=json").json()
    for action in ("card", "check", "compose", "poem", "recipe", "surprise"):
        assert f"/api/v1/models/{{name}}/{action}/" in schema["paths"]
    create = schema["components"]["schemas"]["GenerationCreateInput"]["properties"]
    assert create["poem"]["maxLength"] == POEM_MAX_CHARS


def test_a_chinese_reader_gets_the_messages_in_chinese(api, registered_models):
    data = api.post(
        url("demo-food", "check"), {"prompt": "宇宙飞船"}, format="json", HTTP_ACCEPT_LANGUAGE="zh-hans"
    ).json()
    assert data["only_unknown"] and "一个词都不认识：宇宙飞船" in data["message"]
    refused = api.post(url("demo-food", "recipe"), {"ingredients": []}, format="json", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert "配料清单是空的" in refused.json()["ingredients"][0]
    page = api.get("/studio/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "创作工坊" in page and "诗配画" in page


def test_a_poem_card_of_a_picture_whose_file_is_gone_is_a_404(client_as, hamlet):
    from django.core.files.storage import default_storage

    image = make_image(user=hamlet, options={"poem": JINGYESI})
    default_storage.delete(image.file.name)
    assert client_as("hamlet").get(reverse("generation:poem-card", args=[image.public_id])).status_code == 404
