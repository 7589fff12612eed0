"""Style qualifiers composed into the prompt.

A style is a template around the user's prompt. The engine encodes both the plain prompt and the
styled one and mixes the two sentence embeddings by ``style_strength`` (0 = content only,
1 = the styled prompt), so the strength is a continuous slider rather than a word in the text.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Style", "STYLES", "compose"]


@dataclass(frozen=True)
class Style:
    key: str
    label: str
    template: str  # contains "{prompt}"

    def apply(self, prompt: str) -> str:
        return self.template.format(prompt=prompt)


_STYLE_LIST = [
    Style("anime", "Anime", "{prompt}, anime style illustration"),
    Style("oil_painting", "Oil painting", "an oil painting of {prompt}"),
    Style("watercolor", "Watercolor", "a watercolor painting of {prompt}"),
    Style("ink_wash", "Ink wash painting", "a chinese ink wash painting of {prompt}"),
    Style("pixel_art", "Pixel art", "{prompt}, pixel art"),
    Style("photograph", "Photograph", "a photograph of {prompt}"),
    Style("sketch", "Sketch", "a pencil sketch of {prompt}"),
    Style("charcoal", "Charcoal drawing", "a charcoal drawing of {prompt}"),
    Style("pastel", "Pastel", "a soft pastel drawing of {prompt}"),
    Style("impressionism", "Impressionism", "an impressionist painting of {prompt}"),
    Style("cubism", "Cubism", "a cubist painting of {prompt}"),
    Style("pop_art", "Pop art", "{prompt}, pop art"),
    Style("ukiyo_e", "Ukiyo-e", "a ukiyo-e woodblock print of {prompt}"),
    Style("art_nouveau", "Art nouveau", "{prompt}, art nouveau poster"),
    Style("cyberpunk", "Cyberpunk", "{prompt}, cyberpunk, neon lights"),
    Style("fantasy", "Fantasy art", "{prompt}, fantasy art"),
    Style("low_poly", "Low poly", "a low poly 3d model of {prompt}"),
    Style("render_3d", "3D render", "a 3d render of {prompt}"),
    Style("claymation", "Claymation", "{prompt}, claymation"),
    Style("stained_glass", "Stained glass", "a stained glass window of {prompt}"),
    Style("mosaic", "Mosaic", "a mosaic of {prompt}"),
    Style("comic", "Comic book", "{prompt}, comic book art"),
    Style("paper_cut", "Paper cut", "a paper cut art of {prompt}"),
    Style("line_art", "Line art", "{prompt}, black and white line art"),
    Style("vintage_photo", "Vintage photo", "a vintage photograph of {prompt}"),
    Style("cinematic", "Cinematic", "{prompt}, cinematic film still"),
    Style("steampunk", "Steampunk", "{prompt}, steampunk"),
    Style("children_book", "Children's book", "a children's book illustration of {prompt}"),
]

STYLES: dict[str, Style] = {style.key: style for style in _STYLE_LIST}


def compose(prompt: str, style: str | None) -> str:
    """The styled prompt text (the prompt itself when ``style`` is empty)."""
    return STYLES[style].apply(prompt) if style else prompt
