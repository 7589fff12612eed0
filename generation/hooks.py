"""What other apps add to jobs and their pages, without generation importing them.

Generation knows nothing of the gallery; the gallery (or any app) registers here, from its
AppConfig.ready():

- an image visibility check: an image is public when any registered check says so (the gallery:
  the image is on a visible post). With none registered, images are private to their owner;
- an image's public page: where a link to an image should go when it has one (the gallery: the
  post it is published on);
- an image action: a link shown beside each of the owner's finished images (the gallery:
  "Publish"), rendered by the app's own template on server pages and built by the create page's
  script from its label and URL.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from django.urls import reverse

if TYPE_CHECKING:
    from django.utils.functional import _StrOrPromise

    from generation.models import GenerationImage


class ImageCheck(Protocol):
    def __call__(self, *, image: GenerationImage) -> bool: ...


class ImagePage(Protocol):
    def __call__(self, *, image: GenerationImage) -> str | None: ...


# Stands for an image's public id in URLs handed to the page's script, which puts the real id in.
ID_PLACEHOLDER = uuid.UUID(int=0)

_visibility_checks: list[ImageCheck] = []
_image_pages: list[ImagePage] = []


@dataclass(frozen=True)
class ImageAction:
    """A link beside each of the owner's images. `url_name` is reversed with the image's public id;
    `template` renders it on server pages (it gets `image`)."""

    label: _StrOrPromise
    url_name: str
    template: str


_image_actions: list[ImageAction] = []


def register_image_visibility(check: ImageCheck) -> None:
    if check not in _visibility_checks:
        _visibility_checks.append(check)


def image_is_public(image: GenerationImage) -> bool:
    """True when a registered check says anyone may see the image (e.g. it is published)."""
    return any(check(image=image) for check in _visibility_checks)


def register_image_page(page: ImagePage) -> None:
    if page not in _image_pages:
        _image_pages.append(page)


def image_public_page(image: GenerationImage) -> str | None:
    """The path of the page anyone may open for the image (e.g. its post), if an app knows one."""
    for page in _image_pages:
        path = page(image=image)
        if path:
            return path
    return None


def register_image_action(action: ImageAction) -> None:
    if action not in _image_actions:
        _image_actions.append(action)


def image_actions() -> tuple[ImageAction, ...]:
    return tuple(_image_actions)


def image_actions_for_script() -> list[dict[str, Any]]:
    """The actions as the create page's script uses them: a label and a URL with ID_PLACEHOLDER."""
    return [
        {
            "label": str(action.label),
            "url": reverse(action.url_name, args=[ID_PLACEHOLDER]),
            "placeholder": str(ID_PLACEHOLDER),
        }
        for action in _image_actions
    ]
