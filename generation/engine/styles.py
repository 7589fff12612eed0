"""Style qualifiers composed into the prompt.

A style is a template around the user's prompt. The engine encodes both the plain prompt and the
styled one and mixes the two sentence embeddings by ``style_strength`` (0 = content only,
1 = the styled prompt), so the strength is a continuous slider rather than a word in the text.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Style", "STYLES", "compose"]


def gettext_noop(message: str) -> str:
    """Marks a label for the website's translation catalog (makemessages looks for this name).

    The engine stays free of Django: the web side translates `Style.label` when it shows it.
    """
    return message


@dataclass(frozen=True)
class Style:
    key: str
    label: str
    template: str  # contains "{prompt}"

    def apply(self, prompt: str) -> str:
        return self.template.format(prompt=prompt)


_STYLE_LIST = [
    Style("anime", gettext_noop("Anime"), "{prompt}, anime style illustration"),
    Style("oil_painting", gettext_noop("Oil painting"), "an oil painting of {prompt}"),
    Style("watercolor", gettext_noop("Watercolor"), "a watercolor painting of {prompt}"),
    Style("ink_wash", gettext_noop("Ink wash painting"), "a chinese ink wash painting of {prompt}"),
    Style("pixel_art", gettext_noop("Pixel art"), "{prompt}, pixel art"),
    Style("photograph", gettext_noop("Photograph"), "a photograph of {prompt}"),
    Style("sketch", gettext_noop("Sketch"), "a pencil sketch of {prompt}"),
    Style("charcoal", gettext_noop("Charcoal drawing"), "a charcoal drawing of {prompt}"),
    Style("pastel", gettext_noop("Pastel"), "a soft pastel drawing of {prompt}"),
    Style("impressionism", gettext_noop("Impressionism"), "an impressionist painting of {prompt}"),
    Style("cubism", gettext_noop("Cubism"), "a cubist painting of {prompt}"),
    Style("pop_art", gettext_noop("Pop art"), "{prompt}, pop art"),
    Style("ukiyo_e", gettext_noop("Ukiyo-e"), "a ukiyo-e woodblock print of {prompt}"),
    Style("art_nouveau", gettext_noop("Art nouveau"), "{prompt}, art nouveau poster"),
    Style("cyberpunk", gettext_noop("Cyberpunk"), "{prompt}, cyberpunk, neon lights"),
    Style("fantasy", gettext_noop("Fantasy art"), "{prompt}, fantasy art"),
    Style("low_poly", gettext_noop("Low poly"), "a low poly 3d model of {prompt}"),
    Style("render_3d", gettext_noop("3D render"), "a 3d render of {prompt}"),
    Style("claymation", gettext_noop("Claymation"), "{prompt}, claymation"),
    Style("stained_glass", gettext_noop("Stained glass"), "a stained glass window of {prompt}"),
    Style("mosaic", gettext_noop("Mosaic"), "a mosaic of {prompt}"),
    Style("comic", gettext_noop("Comic book"), "{prompt}, comic book art"),
    Style("paper_cut", gettext_noop("Paper cut"), "a paper cut art of {prompt}"),
    Style("line_art", gettext_noop("Line art"), "{prompt}, black and white line art"),
    Style("vintage_photo", gettext_noop("Vintage photo"), "a vintage photograph of {prompt}"),
    Style("cinematic", gettext_noop("Cinematic"), "{prompt}, cinematic film still"),
    Style("steampunk", gettext_noop("Steampunk"), "{prompt}, steampunk"),
    Style("children_book", gettext_noop("Children's book"), "a children's book illustration of {prompt}"),
]

STYLES: dict[str, Style] = {style.key: style for style in _STYLE_LIST}


def compose(prompt: str, style: str | None) -> str:
    """The styled prompt text (the prompt itself when ``style`` is empty)."""
    return STYLES[style].apply(prompt) if style else prompt
