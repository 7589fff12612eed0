from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from gallery.models import REPORT_DETAILS_MAX_LENGTH, TITLE_MAX_LENGTH, Report
from gallery.selectors import ORDERINGS


class PublishForm(forms.Form):
    title = forms.CharField(
        label=_("Title (optional)"),
        max_length=TITLE_MAX_LENGTH,
        required=False,
        help_text=_("Leave empty to show the prompt. #words become tags."),
    )
    tags = forms.CharField(
        label=_("Tags (optional)"),
        max_length=400,
        required=False,
        help_text=_("Words separated by spaces or commas, e.g. sunset 山水."),
    )
    animated = forms.BooleanField(
        label=_("Publish the animation"),
        required=False,
        initial=True,
        help_text=_("The post plays the interpolation's frames; this frame is its still picture."),
    )


class ReportForm(forms.Form):
    reason = forms.ChoiceField(
        label=_("What is wrong with it?"), choices=Report.Reason.choices, widget=forms.RadioSelect
    )
    details = forms.CharField(
        label=_("Details (optional)"),
        max_length=REPORT_DETAILS_MAX_LENGTH,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class FeedFilterForm(forms.Form):
    """The feed's query string. Bad values fall back to defaults instead of failing the page."""

    ordering = forms.ChoiceField(choices=[(o, o) for o in ORDERINGS], required=False)
    category = forms.CharField(max_length=32, required=False)
    style = forms.CharField(max_length=40, required=False)
    q = forms.CharField(max_length=200, required=False)
    featured = forms.BooleanField(required=False)
    tag = forms.CharField(max_length=40, required=False)

    def filters(self) -> dict[str, Any]:
        defaults = {"ordering": "latest", "category": "", "style": "", "q": "", "featured": False, "tag": ""}
        if not self.is_valid():
            cleaned = {k: v for k, v in getattr(self, "cleaned_data", {}).items() if k not in self.errors}
        else:
            cleaned = self.cleaned_data
        return {key: cleaned.get(key) or default for key, default in defaults.items()}
