"""The studio's services: a model's card and vocabulary, prompt checks, poem readings, recipes,
counterfactual surprises and poem cards. Each refuses bad input with a ServiceError naming the
field and the problem."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.urls import reverse
from django.utils.text import get_text_list
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from PIL import Image

from generation import selectors
from generation.engine.errors import EngineError
from generation.engine.manifest import ModelManifest, read_manifest
from generation.engine.request import MAX_PROMPT_CHARS, MAX_SIZE, MIN_SIZE, SIZE_STEP
from generation.models import GenerationImage, GeneratorModel
from generation.prompting import PromptCheck, Vocabulary, VocabularyInvalid, VocabularyMissing
from generation.prompting.counterfactual import Surprise, counterfactuals, surprise
from generation.prompting.poems import POEM_MAX_CHARS, PoemReading, read_poem
from generation.prompting.recipe import MAX_INGREDIENTS, Recipe, RecipeError, build_recipe
from generation.prompting.untaught import untaught, untaught_in
from instantpainting.errors import NotFound, ServiceError

from .card import poem_card_png

__all__ = [
    "StudioModel",
    "clean_poem",
    "clean_text",
    "model_card",
    "poem_card_ensure",
    "poem_of",
    "studio_model",
    "prompt_check",
    "poem_reading",
    "recipe_build",
    "surprise_for",
    "sample_path",
]

logger = logging.getLogger(__name__)
_MARKUP = re.compile(r"<\s*/?\s*[A-Za-z!][^>]*>|javascript:", re.IGNORECASE)


class StudioError(ServiceError):
    code = "invalid"


@dataclass(frozen=True)
class StudioModel:
    model: GeneratorModel
    manifest: ModelManifest
    vocabulary: Vocabulary


def studio_model(*, name: str | None) -> StudioModel:
    """The enabled model `name` (the default one without a name) with its package's vocabulary."""
    model = selectors.model_for(name)
    if model is None:
        raise NotFound(_("Model “%(name)s” is not available. Pick one from the list.") % {"name": name or ""})
    try:
        manifest = read_manifest(model.path)
    except EngineError as exc:
        raise NotFound(_("The package of model “%(name)s” cannot be read.") % {"name": model.name}) from exc
    try:
        vocabulary = Vocabulary.of(manifest)
    except VocabularyMissing as exc:
        raise StudioError(
            _(
                "Model “%(name)s” does not list the words it knows (its package has no vocabulary), "
                "so the studio cannot help with it. Pick a demo model."
            )
            % {"name": model.name},
            field="model",
        ) from exc
    except VocabularyInvalid as exc:
        # where and what is wrong is for the operator's log; the person is told what to do
        logger.warning("model %s: its package's vocabulary is wrong, at %s", model.name, exc.problem)
        raise StudioError(
            _(
                "Model “%(name)s” has a vocabulary the studio cannot read (its package writes it wrongly; "
                "the site's log says where). Pick a demo model."
            )
            % {"name": model.name},
            field="model",
        ) from exc
    return StudioModel(model, manifest, vocabulary)


def clean_text(text: Any, *, field: str, max_chars: int, what: str) -> str:
    """`text` trimmed, or a 400 naming the field: not text, empty, too long, or HTML markup."""
    if not isinstance(text, str):
        raise StudioError(_("The %(what)s must be text.") % {"what": what}, field=field)
    text = text.strip()
    if not text:
        raise StudioError(_("The %(what)s is empty: write one first.") % {"what": what}, field=field)
    if len(text) > max_chars:
        raise StudioError(
            _("The %(what)s is %(n)s characters long; the limit is %(max)s. Shorten it.")
            % {"what": what, "n": len(text), "max": max_chars},
            field=field,
        )
    if _MARKUP.search(text):
        raise StudioError(
            _("The %(what)s contains HTML or script markup (“%(tag)s”). Write plain text.")
            % {"what": what, "tag": _MARKUP.search(text).group(0)[:40]},  # type: ignore[union-attr]
            field=field,
        )
    return text


def clean_poem(poem: Any) -> str:
    """A poem as a job keeps it (for its poem card): trimmed, within the limit, plain text."""
    return clean_text(poem, field="poem", max_chars=POEM_MAX_CHARS, what=_("poem"))


# -- model cards ------------------------------------------------------------------------------------


def sample_path(studio: StudioModel, group: str, term_id: str) -> Path | None:
    """The sample picture of one term, inside the package folder, or None."""
    term = studio.vocabulary.term(group, term_id)
    rel = (term or {}).get("sample", {}).get("path")
    if not rel:
        return None
    folder = studio.manifest.path.resolve()
    path = (folder / rel).resolve()
    if folder not in path.parents or not path.is_file():
        return None
    return path


def model_card(*, studio: StudioModel, lang: str) -> dict[str, Any]:
    """Everything the model card page and its API show."""
    manifest, voc = studio.manifest, studio.vocabulary
    name = studio.model.name
    groups = []
    for group in voc.groups:
        terms = []
        for term in group["terms"]:
            if not (term.get("en") or term.get("zh")):
                continue  # an absence ("no mountains") is not a word to offer
            sample = None
            if term.get("sample"):
                sample = reverse("generation:model-sample", args=[name, group["name"], term["id"]])
            terms.append(
                {
                    "id": term["id"],
                    "words": {"en": term.get("en", []), "zh": term.get("zh", [])},
                    "word": (term.get(lang) or term.get("en") or [""])[0],
                    "example": term.get("example", {}).get(lang, ""),
                    "sample_url": sample,
                }
            )
        groups.append(
            {
                "name": group["name"],
                "kind": group["kind"],
                "label": group["label"].get(lang, group["label"]["en"]),
                "terms": terms,
            }
        )
    package_bytes = sum(f.stat().st_size for f in manifest.path.rglob("*") if f.is_file())
    return {
        "name": name,
        "title": manifest.extra.get("title", name),
        "category": manifest.category,
        "description": manifest.description,
        "trained": manifest.trained,
        "license": manifest.license,
        "native_size": list(manifest.native_size),
        "sizes": {"min": MIN_SIZE, "max": MAX_SIZE, "step": SIZE_STEP},
        "super_resolution": manifest.super_resolution.scale if manifest.super_resolution else None,
        "package_bytes": package_bytes,
        "quality": manifest.extra.get("quality"),
        "groups": groups,
        "recipes": voc.compose_rules.get("recipe") is not None,
        "counterfactuals": [c.to_dict() for c in counterfactuals(voc)],
        "untaught": [u.words(voc, lang) for u in untaught(voc, _quality(studio))],
        "seed_variety": seed_variety(_quality(studio)),
    }


# Under this share of the renders' layout spread, a model's seeds are one arrangement.
ONE_ARRANGEMENT = 0.15


def _spread(value: Any) -> float | None:
    """A layout spread as a package records it, or None where it is not a measured number."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0.0 <= value <= 10.0:
        return None
    return float(value)


def seed_variety(quality: dict[str, Any] | None) -> dict[str, Any] | None:
    """How much a model's seeds of one prompt move things around, from its measured layout
    spread (0: one arrangement, 1: as much as the pictures it learnt from), for the card: the
    lower of the plain and the blurred reading where both are there, since streaks that differ
    from seed to seed can pass for moves in the first. None where the package has neither
    as a number (a value written by hand may be anything)."""
    readings = (_spread((quality or {}).get(key)) for key in ("layout_spread", "layout_spread_blurred"))
    measured = [v for v in readings if v is not None]
    if not measured:
        return None
    value = min(measured)
    return {"share": round(100 * value), "one_arrangement": value < ONE_ARRANGEMENT}


# -- prompt help ------------------------------------------------------------------------------------


def prompt_check(*, studio: StudioModel, prompt: Any) -> tuple[PromptCheck, str, list[dict[str, Any]]]:
    """Which words of the prompt the model knows, the combinations it asks for that the model has
    not learnt (`untaught`), and a sentence for the person about both."""
    text = clean_text(prompt, field="prompt", max_chars=MAX_PROMPT_CHARS, what=_("prompt"))
    check = studio.vocabulary.check(text)
    name = studio.model.name
    lang = "zh" if studio.vocabulary.is_chinese(text) else "en"
    weak = [u.words(studio.vocabulary, lang) for u in untaught_in(studio.vocabulary, _quality(studio), text)]
    message = _check_message(studio, check, text)
    if weak:
        notes = " ".join(_untaught_sentence(name, w) for w in weak)
        message = notes if not check.unknown else f"{message} {notes}"
    return check, message, weak


def _quality(studio: StudioModel) -> dict[str, Any] | None:
    quality = studio.manifest.extra.get("quality")
    return quality if isinstance(quality, dict) else None


def _untaught_sentence(name: str, weak: dict[str, Any]) -> str:
    return _(
        "Model “%(name)s” never saw %(terms)s together while it learnt, and in its tests drew %(object)s "
        "in %(drawn)d of %(of)d such pictures: the picture will likely leave it out."
    ) % {
        "name": name,
        "terms": get_text_list([f"“{t}”" for t in weak["terms"]], _("and")),
        "object": f"“{weak['object']}”",
        "drawn": weak["drawn"],
        "of": weak["of"],
    }


def _check_message(studio: StudioModel, check: PromptCheck, text: str) -> str:
    name = studio.model.name
    if not check.known and not check.unknown:
        message = _("The prompt has no words in it. Write what the picture should show.")
    elif check.only_unknown:
        message = _(
            "Model “%(name)s” knows none of these words: %(words)s. It would draw the nearest thing it "
            "knows, unrelated to your prompt. Use the words it offers below."
        ) % {
            "name": name,
            "words": "、".join(check.unknown) if studio.vocabulary.is_chinese(text) else ", ".join(check.unknown),
        }
    elif check.unknown:
        message = ngettext(
            "Model “%(name)s” does not know the word %(words)s; it is left out of the picture.",
            "Model “%(name)s” does not know the words %(words)s; they are left out of the picture.",
            len(check.unknown),
        ) % {"name": name, "words": ", ".join(f"“{w}”" for w in check.unknown)}
    else:
        message = _("Model “%(name)s” knows every word of this prompt.") % {"name": name}
    return message


def poem_reading(*, studio: StudioModel, poem: Any) -> PoemReading:
    text = clean_text(poem, field="poem", max_chars=POEM_MAX_CHARS, what=_("poem"))
    reading = read_poem(text, studio.vocabulary)
    if not reading.selection:
        raise StudioError(
            _(
                "No image this model can draw was found in the poem (it looks for the moon, the sun, "
                "rivers, lakes, the sea, mountains, trees, snow, seasons, clouds, dawn, dusk and night). "
                "Try a poem of a landscape, or pick the landscape model."
            ),
            field="poem",
        )
    return reading


def recipe_build(*, studio: StudioModel, ingredients: Any, base: Any, lang: Any) -> Recipe:
    items: list[tuple[str, int]] = []
    if not isinstance(ingredients, list):
        raise StudioError(_("Ingredients must be a list of {name, count}."), field="ingredients")
    for item in ingredients:
        if not isinstance(item, dict) or not isinstance(item.get("name"), str):
            raise StudioError(_("Each ingredient needs a name and a count."), field="ingredients")
        count = item.get("count", 1)
        items.append((item["name"], count))
    if lang not in ("en", "zh"):
        raise StudioError(_("The language must be “en” or “zh”."), field="lang")
    try:
        return build_recipe(studio.vocabulary, ingredients=items, base=str(base or "none"), lang=lang)
    except RecipeError as exc:
        raise StudioError(_recipe_message(exc, studio), field=_RECIPE_FIELD.get(exc.code, "ingredients")) from exc


_RECIPE_FIELD = {"unknown_base": "base", "no_recipes": "model"}


def _recipe_message(exc: RecipeError, studio: StudioModel) -> str:
    known = ", ".join(t["id"] for t in (studio.vocabulary.group("ingredients") or {}).get("terms", []))
    messages = {
        "no_recipes": _("Model “%(name)s” does not read recipes; recipe mode is for a food model.")
        % {"name": studio.model.name},
        "empty": _("The ingredient list is empty: add at least one ingredient."),
        "too_many": _("At most %(max)s ingredients (got %(n)s).") % {"max": MAX_INGREDIENTS, "n": exc.detail},
        "unknown_ingredient": _("The model does not know the ingredient “%(name)s”. It knows: %(known)s.")
        % {"name": exc.detail[:40], "known": known},
        "repeated": _("“%(name)s” is in the list twice: change its count instead.") % {"name": exc.detail},
        "count": _("Count out of range (%(detail)s): each ingredient is 1 to 4.") % {"detail": exc.detail[:60]},
        "unknown_base": _("Unknown base “%(name)s”: pick rice, noodles or none.") % {"name": exc.detail[:40]},
    }
    return str(messages.get(exc.code, exc.code))


def surprise_for(*, studio: StudioModel, seed: int | None) -> Surprise:
    try:
        return surprise(studio.vocabulary, seed)
    except LookupError as exc:
        raise StudioError(
            _("Model “%(name)s” was taught no counterfactual combinations.") % {"name": studio.model.name},
            field="model",
        ) from exc


# -- poem cards -------------------------------------------------------------------------------------


def poem_of(image: GenerationImage) -> str:
    """The poem a picture was made from ('' for a picture from a plain prompt)."""
    poem = (image.generation.options or {}).get("poem", "")
    return poem if isinstance(poem, str) else ""


def poem_card_ensure(*, image: GenerationImage, size: tuple[int, int] | None = None) -> str:
    """The storage name of the image's poem card, made once and then reused. The caller has
    checked who may see the image; NotFound when it was not made from a poem."""
    poem = poem_of(image)
    if not poem:
        raise NotFound(_("This picture was not made from a poem."))
    name = selectors.poem_card_name(image_public_id=image.public_id, size=size)
    if default_storage.exists(name):
        return name
    with default_storage.open(image.file.name or "", "rb") as handle, Image.open(handle) as source:
        source.load()
        png = poem_card_png(source, poem, size=size)
    saved = default_storage.save(name, ContentFile(png))
    if saved != name:  # another request made it first; keep theirs
        default_storage.delete(saved)
    return name
