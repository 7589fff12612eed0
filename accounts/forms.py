from __future__ import annotations

from typing import Any

from django import forms
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from accounts.models import BIO_MAX_LENGTH, DISPLAY_NAME_MAX_LENGTH, NotificationKind

# allauth's own Chinese for its login field mixes languages ("用户名或email"); naming the string here
# puts it in our catalogue, which LOCALE_PATHS reads first, with a Chinese translation.
ALLAUTH_WORDING = (gettext_noop("Username or email"),)


class ProfileForm(forms.Form):
    display_name = forms.CharField(
        label=_("Display name"),
        max_length=DISPLAY_NAME_MAX_LENGTH,
        required=False,
        help_text=_("Shown instead of your username. Leave empty to use your username."),
    )
    bio = forms.CharField(
        label=_("Bio"),
        max_length=BIO_MAX_LENGTH,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        # Lazy interpolation: the text is translated per request, not once at import.
        help_text=lazy(lambda: _("A few words about you (at most %(n)d characters).") % {"n": BIO_MAX_LENGTH}, str)(),
    )


class AvatarForm(forms.Form):
    # A plain FileField: the service checks bytes, pixels and type itself (ImageField would let
    # Pillow decode the file before our limits apply).
    avatar = forms.FileField(
        label=_("Avatar"),
        required=True,
        widget=forms.ClearableFileInput(attrs={"accept": "image/png,image/jpeg,image/webp,image/gif"}),
        help_text=_("PNG, JPEG, WebP or GIF. It is cropped to a square."),
    )

    def __init__(self, *args: Any, upload_too_large: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # CappedUploadHandler skipped the file: report its size, not a missing file.
        self.upload_too_large = upload_too_large
        if upload_too_large:
            self.fields["avatar"].required = False

    def clean(self) -> dict[str, Any]:
        if self.upload_too_large:
            from accounts.services import AVATAR_MESSAGES

            raise forms.ValidationError({"avatar": AVATAR_MESSAGES["too_large"]()})
        super().clean()
        return self.cleaned_data


class NotificationsForm(forms.Form):
    notifications = forms.MultipleChoiceField(
        label=_("Tell me about"),
        choices=NotificationKind.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )


class DeleteAccountForm(forms.Form):
    """Confirms deleting the account: the password, or the username for a person who signed up
    through a social login and has no password (accounts.services.account_delete)."""

    password = forms.CharField(label=_("Your password"), strip=False, required=True, widget=forms.PasswordInput)

    def __init__(self, *args: Any, has_password: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not has_password:
            field = self.fields["password"]
            field.label = _("Your username")
            field.widget = forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"})
            field.help_text = _("You signed up without a password: type your username to confirm.")
        else:
            self.fields["password"].widget.attrs["autocomplete"] = "current-password"
