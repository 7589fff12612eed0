"""Simplified Chinese (zh-hans): pages in Chinese, the language switcher, and a complete, compiled catalog."""

from __future__ import annotations

import ast
import gettext
import json
import re

import pytest
from django.test import Client
from django.utils import translation

from tests.conftest import REPO

pytestmark = pytest.mark.django_db

LC_MESSAGES = REPO / "locale" / "zh_Hans" / "LC_MESSAGES"
CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
PLACEHOLDER = re.compile(r"%\(\w+\)[-#0 +]*\d*(?:\.\d+)?[sdif]|\{\{\s*\w+\s*\}\}")


def zh_client() -> Client:
    return Client(HTTP_ACCEPT_LANGUAGE="zh-hans")


def page(client: Client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


def without_language_switcher(html: str) -> str:
    """The switcher names each language in itself ("简体中文") on every page, English ones included."""
    return re.sub(r'<select id="lang-select".*?</select>', "", html, flags=re.S)


def parse_po(path) -> list[dict]:
    """Entries of a .po file: {"flags": set, "msgid": str, "msgid_plural": str?, "msgstr": str | "msgstr[0]": str...}."""
    entries, entry, key = [], None, None
    for line in path.read_text(encoding="utf-8").splitlines() + [""]:
        if not line.strip():
            if entry and "msgid" in entry:
                entries.append(entry)
            entry, key = None, None
            continue
        entry = entry if entry is not None else {"flags": set()}
        if line.startswith("#,"):
            entry["flags"] |= {flag.strip() for flag in line[2:].split(",")}
        elif line.startswith("#"):
            continue
        elif line.startswith('"'):
            entry[key] += ast.literal_eval(line)
        else:
            key, _, value = line.partition(" ")
            entry[key] = ast.literal_eval(value)
    return entries


# --- pages -------------------------------------------------------------------------------------


def test_create_page_in_chinese(tiny_model):
    html = page(zh_client(), "/")
    assert 'lang="zh-hans"' in html
    for text in (
        "生成",
        "创作",
        "画廊",
        "我的作品",
        "提示词",
        "反向提示词",
        "种子",
        "风格",
        "模型",
        "登录",
        "注册",
        "高级设置",
    ):
        assert text in html, text
    assert '<button type="submit" id="generate">生成</button>' in html  # the Generate button
    assert "未训练" in html  # the untrained model's label
    # The strings the page's script shows while a job runs come translated in a JSON block.
    strings = json.loads(
        re.search(r'<script id="i18n-create" type="application/json">(.*?)</script>', html, re.S).group(1)
    )
    assert strings["queued"] == "排队中"
    assert strings["running"] == "生成中"
    assert strings["succeeded"] == "完成"
    assert "%(p)s" in strings["position"] and "%(n)s" not in strings["position"]  # the length only when known
    assert "%(p)s" in strings["position_of"] and "%(n)s" in strings["position_of"]
    assert strings["next_in_line"] == "下一个就轮到你"
    # The links other apps put beside each picture (the gallery's Publish) come translated too.
    config = json.loads(
        re.search(r'<script id="create-config" type="application/json">(.*?)</script>', html, re.S).group(1)
    )
    assert [action["label"] for action in config["image_actions"]] == ["发布"]


def test_history_page_in_chinese(tiny_model):
    html = page(zh_client(), "/generations/")
    assert "<h1>我的作品</h1>" in html
    assert "创作你的第一幅作品" in html


@pytest.mark.parametrize(
    "status, code, stored, english, chinese",
    [
        (
            "failed",
            "internal",
            "The picture could not be made because of an internal error. Try again.",
            "internal error. Try again.",
            "由于内部错误，图片生成失败，请重试。",
        ),
        (
            "failed",
            "worker_lost",
            "The worker running this job stopped responding. Gave up after 3 attempts.",
            "Gave up after 3 attempts.",
            "执行该任务的工作进程已无响应。 已尝试 3 次，放弃生成。",
        ),
        (
            "queued",
            "worker_lost",
            "The worker running this job stopped responding.",
            "stopped responding.",
            "执行该任务的工作进程已无响应。",
        ),
        (
            "failed",
            "transient",
            "The picture could not be made after 3 attempts: out of memory on cuda:0; try again shortly",
            "too busy to make the picture. Try again in a moment. Gave up after 3 attempts.",
            "服务器太忙，未能生成图片，请稍后再试。 已尝试 3 次，放弃生成。",
        ),
        (
            "failed",
            "weights_missing",
            "weights file not found: expected it at /srv/models/demo/generator.safetensors",
            "files on the server are missing",
            "该模型在服务器上的文件缺失，无法生成图片。请选择其他模型。",
        ),
        (
            "failed",
            "engine",
            "sampler crashed in /srv/instantpainting/generation/engine/sampler.py",
            "The model could not make this picture.",
            "该模型无法生成这张图片。请重试，或选择其他模型。",
        ),
    ],
)
def test_failure_reasons_are_shown_in_the_readers_language(hamlet, tiny_model, status, code, stored, english, chinese):
    """The worker stores its reason in its own language; pages and the API word it for the reader."""
    from generation.models import Generation
    from tests.generation.conftest import job

    client = Client()
    client.force_login(hamlet)
    gid = client.post("/api/v1/generations/", job(), content_type="application/json").json()["id"]
    Generation.objects.filter(public_id=gid).update(status=status, error=stored, error_code=code, attempts=3)
    url = f"/api/v1/generations/{gid}/"
    assert english in client.get(url).json()["error"]
    zh = zh_client()
    zh.force_login(hamlet)
    assert zh.get(url).json()["error"] == chinese
    assert zh.get(url).json()["error_code"] == code
    detail = Generation.objects.get(public_id=gid).get_absolute_url()
    assert chinese in page(zh, detail)
    assert english in page(client, detail)
    assert "/srv/" not in page(client, detail) + client.get(url).json()["error"]  # server paths stay with the operator


def test_gallery_page_in_chinese():
    html = page(zh_client(), "/gallery/")
    assert "<h1>画廊</h1>" in html
    for text in ("发布作品", "搜索", "最新", "热门", "精选"):
        assert text in html, text


def test_login_page_in_chinese():
    """allauth's own words come from its bundled zh_Hans catalog; the site's frame from ours."""
    html = page(zh_client(), "/accounts/login/")
    assert 'lang="zh-hans"' in html
    assert "密码" in html  # allauth: Password
    assert "画廊" in html and "创作" in html  # the site's navigation


def test_the_language_switcher_makes_later_pages_chinese(tiny_model):
    client = Client()
    assert "生成" not in without_language_switcher(page(client, "/"))
    response = client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/gallery/"})
    assert response.status_code == 302 and response["Location"] == "/gallery/"
    assert "<h1>画廊</h1>" in page(client, "/gallery/")
    assert "我的作品" in page(client, "/generations/")
    assert "反向提示词" in page(client, "/")
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert "<h1>Gallery</h1>" in page(client, "/gallery/")


@pytest.mark.parametrize("url", ["/", "/generations/", "/gallery/", "/accounts/login/"])
def test_english_pages_show_no_chinese(tiny_model, url):
    html = without_language_switcher(page(Client(HTTP_ACCEPT_LANGUAGE="en"), url))
    assert 'lang="en"' in html
    assert not CJK.findall(html), CJK.findall(html)[:20]


# --- the catalog ---------------------------------------------------------------------------------


def test_every_message_has_a_chinese_translation():
    entries = parse_po(LC_MESSAGES / "django.po")
    header, messages = entries[0], entries[1:]
    assert header["msgid"] == "" and "fuzzy" not in header["flags"]  # a fuzzy header drops Plural-Forms from the .mo
    assert "Plural-Forms: nplurals=1; plural=0;" in header["msgstr"]
    assert len(messages) > 250
    missing, fuzzy, bad_placeholders = [], [], []
    for entry in messages:
        if "msgid_plural" in entry:
            assert "msgstr[1]" not in entry, entry["msgid"]  # nplurals=1
            translation_ = entry.get("msgstr[0]", "")
        else:
            translation_ = entry.get("msgstr", "")
        if not translation_.strip():
            missing.append(entry["msgid"])
        if "fuzzy" in entry["flags"]:
            fuzzy.append(entry["msgid"])
        if sorted(PLACEHOLDER.findall(entry["msgid"])) != sorted(PLACEHOLDER.findall(translation_)):
            bad_placeholders.append(entry["msgid"])
        if re.findall(r"</?\w+", entry["msgid"]) != re.findall(r"</?\w+", translation_):
            bad_placeholders.append(entry["msgid"])
    assert not missing, missing
    assert not fuzzy, fuzzy
    assert not bad_placeholders, bad_placeholders


def test_the_compiled_catalog_matches_the_po():
    """django.mo is committed (running the site needs no gettext); it must be rebuilt whenever django.po changes."""
    with (LC_MESSAGES / "django.mo").open("rb") as f:
        mo = gettext.GNUTranslations(f)
    stale = []
    for entry in parse_po(LC_MESSAGES / "django.po")[1:]:
        if "msgid_plural" in entry:
            got, want = mo.ngettext(entry["msgid"], entry["msgid_plural"], 2), entry["msgstr[0]"]
        else:
            got, want = mo.gettext(entry["msgid"]), entry["msgstr"]
        if got != want:
            stale.append(entry["msgid"])
    assert not stale, f"run `manage.py compilemessages -l zh_Hans`; out of date: {stale[:10]}"


def test_plurals_use_the_single_chinese_form():
    with translation.override("zh-hans"):
        for n in (1, 2, 5):
            assert (
                translation.ngettext("%(n)d user banned.", "%(n)d users banned.", n) % {"n": n}
                == f"已封禁 {n} 位用户。"
            )
