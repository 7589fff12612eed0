"""The create form without JavaScript: an ordinary POST that starts the job and opens its page.

With JavaScript the page's script sends the same fields to the API and shows the job in place;
this is what the form does when no script runs. Refused input gets a page that says what to fix
and keeps what was typed.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.views.decorators.http import require_POST

from generation.api import GenerationCreateInput, generation_create_from_input
from instantpainting.errors import ServiceError

IGNORED = {"csrfmiddlewaretoken"}


@require_POST
def create_submit(request: HttpRequest) -> HttpResponse:
    # Unfilled optional inputs (a blank seed, the hidden custom size) mean "the default".
    posted = {key: value for key, value in request.POST.dict().items() if key not in IGNORED and str(value).strip()}
    data = GenerationCreateInput(data=posted)
    errors: list[tuple[str, str]] = []
    if data.is_valid():
        try:
            generation = generation_create_from_input(request, dict(data.validated_data))
        except ServiceError as error:
            errors.append((error.field or "", error.message))
            status = error.status
        else:
            return HttpResponseRedirect(generation.get_absolute_url(), status=303)
    else:
        errors = [(field, str(message)) for field, messages in data.errors.items() for message in messages]
        status = 400
    context = {"errors": errors, "prompt": request.POST.get("prompt", ""), "kept": posted}
    return render(request, "generation/create_refused.html", context, status=status)
