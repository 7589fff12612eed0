"""Who owns a job: a signed-in user, or a guest identified by a random key in their session."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db.models import Q

if TYPE_CHECKING:
    from generation.models import Generation

GUEST_SESSION_KEY = "instantpainting_guest"


@dataclass(frozen=True)
class Owner:
    user_id: int | None = None
    guest_key: str = ""

    @property
    def is_guest(self) -> bool:
        return self.user_id is None

    @property
    def group(self) -> str:
        """The channel-layer group that receives this owner's job events."""
        return f"owner.u{self.user_id}" if self.user_id is not None else f"owner.g{self.guest_key}"

    def q(self, prefix: str = "") -> Q:
        """A filter for rows owned by this owner (`prefix` walks a relation, e.g. 'generation__')."""
        if self.user_id is not None:
            return Q(**{f"{prefix}user_id": self.user_id})
        return Q(**{f"{prefix}user__isnull": True, f"{prefix}guest_key": self.guest_key})

    def fields(self) -> dict[str, Any]:
        return {"user_id": self.user_id, "guest_key": "" if self.user_id is not None else self.guest_key}


def guest_key_for(session: Any, *, create: bool) -> str:
    key = session.get(GUEST_SESSION_KEY, "")
    if not key and create:
        key = secrets.token_hex(16)
        session[GUEST_SESSION_KEY] = key
    return key


def owner_from(user: Any, session: Any, *, create: bool = True) -> Owner | None:
    """The owner for a request or websocket scope; None for a guest without a key (has no jobs)."""
    if user is not None and user.is_authenticated:
        return Owner(user_id=user.pk)
    key = guest_key_for(session, create=create)
    return Owner(guest_key=key) if key else None


def owner_of_request(request: Any, *, create: bool = True) -> Owner | None:
    return owner_from(getattr(request, "user", None), request.session, create=create)


def owner_of_generation(generation: Generation) -> Owner:
    """Who owns a stored job (its user, or the guest key it was made under)."""
    if generation.user_id is not None:
        return Owner(user_id=generation.user_id)
    return Owner(guest_key=generation.guest_key)
