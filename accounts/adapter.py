"""allauth hooks for how people sign up."""

from __future__ import annotations

import unicodedata

from allauth.account.adapter import DefaultAccountAdapter


def username_normal_form(username: str) -> str:
    """NFKC, as Django's own forms normalise usernames: a full-width `ａｄｍｉｎ` is `admin`."""
    return unicodedata.normalize("NFKC", username).strip()


class AccountAdapter(DefaultAccountAdapter):
    def clean_username(self, username: str, shallow: bool = False) -> str:
        # allauth compares case-insensitively (ACCOUNT_PRESERVE_USERNAME_CASING keeps `__iexact`)
        # but takes the name as typed, so look-alike names passed as new ones.
        return super().clean_username(username_normal_form(username), shallow=shallow)
