"""REST endpoints of the studio (all under /api/v1/models/<name>/): the model card, the prompt
check, composing from terms, poem readings, recipes and counterfactual surprises. Thin: parse,
call one service, shape the answer; a refused input is 400 {field: [message]}."""

from __future__ import annotations

from typing import Any

from django.utils.translation import get_language
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from generation.engine.request import MAX_PROMPT_CHARS, MAX_SEED
from generation.prompting.counterfactual import counterfactuals
from generation.prompting.poems import POEM_MAX_CHARS
from instantpainting.throttles import PerIPThrottle, PerUserThrottle

from . import services

_ERRORS = {
    400: OpenApiResponse(description="Refused input: {field: [message]}"),
    404: OpenApiResponse(description="No such model (or it is disabled)"),
}


def _lang(request: Request) -> str:
    lang = request.query_params.get("lang") or get_language() or "en"
    return "zh" if lang.lower().startswith("zh") else "en"


class _Input(serializers.Serializer):
    """Fields are checked by the services (they name the problem in the person's words)."""

    def to_internal_value(self, data: Any) -> Any:
        if not isinstance(data, dict):
            raise serializers.ValidationError({"detail": ["The body must be a JSON object."]})
        return super().to_internal_value(data)


class CheckInput(_Input):
    prompt = serializers.JSONField(help_text=f"the prompt to check (at most {MAX_PROMPT_CHARS} characters)")


class PoemInput(_Input):
    poem = serializers.JSONField(help_text=f"a poem, Chinese or English (at most {POEM_MAX_CHARS} characters)")


class ComposeInput(_Input):
    selection = serializers.DictField(help_text="group -> term id (food's ingredients: [[id, count], …])")
    lang = serializers.ChoiceField(choices=["en", "zh"], default="en")


class RecipeInput(_Input):
    ingredients = serializers.JSONField(help_text="ordered list of {name, count}: the first is the main one")
    base = serializers.CharField(required=False, default="none", max_length=40, help_text="rice, noodles or none")
    lang = serializers.ChoiceField(choices=["en", "zh"], default="en")


def _parse(serializer: type[_Input], request: Request) -> dict[str, Any]:
    data = serializer(data=request.data)
    data.is_valid(raise_exception=True)
    return dict(data.validated_data)


class ModelCardApi(APIView):
    @extend_schema(
        summary="A model's card: what it knows (with sample pictures), sizes, measured quality, licence",
        parameters=[OpenApiParameter("lang", str, description="en or zh (default: the request's language)")],
        responses={200: OpenApiResponse(description="The card"), **_ERRORS},
    )
    def get(self, request: Request, name: str) -> Response:
        studio = services.studio_model(name=name)
        return Response(services.model_card(studio=studio, lang=_lang(request)))


class PromptCheckApi(APIView):
    # Called as people type (debounced): limited on its own scope, not the API's anon/user budget.
    throttle_classes = [PerUserThrottle, PerIPThrottle]
    throttle_scope = "prompt_check"

    @extend_schema(
        summary="Which words of a prompt the model knows and does not know",
        request=CheckInput,
        responses={
            200: inline_serializer(
                "PromptCheck",
                {
                    "known": serializers.ListField(child=serializers.CharField()),
                    "unknown": serializers.ListField(child=serializers.CharField()),
                    "only_unknown": serializers.BooleanField(),
                    "untaught": serializers.ListField(
                        child=serializers.DictField(),
                        help_text="combinations the prompt asks for that the model has not learnt: "
                        "name, terms, object, drawn (of `of` test pictures)",
                    ),
                    "message": serializers.CharField(),
                },
            ),
            **_ERRORS,
        },
    )
    def post(self, request: Request, name: str) -> Response:
        values = _parse(CheckInput, request)
        studio = services.studio_model(name=name)
        check, message, untaught = services.prompt_check(studio=studio, prompt=values["prompt"])
        return Response({**check.to_dict(), "untaught": untaught, "message": message})


class ComposeApi(APIView):
    @extend_schema(
        summary="The prompt for a choice of the model's terms, in its own grammar",
        request=ComposeInput,
        responses={200: inline_serializer("Composed", {"prompt": serializers.CharField()}), **_ERRORS},
    )
    def post(self, request: Request, name: str) -> Response:
        values = _parse(ComposeInput, request)
        studio = services.studio_model(name=name)
        return Response({"prompt": studio.vocabulary.compose(values["selection"], values["lang"])})


class PoemReadApi(APIView):
    @extend_schema(
        summary="Read a poem as the imagery the model can draw, and the prompt made of it",
        request=PoemInput,
        responses={200: OpenApiResponse(description="images found, the selection, the prompt"), **_ERRORS},
    )
    def post(self, request: Request, name: str) -> Response:
        values = _parse(PoemInput, request)
        studio = services.studio_model(name=name)
        return Response(services.poem_reading(studio=studio, poem=values["poem"]).to_dict())


class RecipeApi(APIView):
    @extend_schema(
        summary="The recipe prompt for an ordered list of ingredients (food models)",
        request=RecipeInput,
        responses={200: OpenApiResponse(description="title, prompt, description, selection"), **_ERRORS},
    )
    def post(self, request: Request, name: str) -> Response:
        values = _parse(RecipeInput, request)
        studio = services.studio_model(name=name)
        recipe = services.recipe_build(
            studio=studio, ingredients=values["ingredients"], base=values["base"], lang=values["lang"]
        )
        return Response(recipe.to_dict())


class SeedInput(serializers.Serializer):
    seed = serializers.IntegerField(required=False, min_value=0, max_value=MAX_SEED)


class SurpriseApi(APIView):
    @extend_schema(
        summary="Counterfactual combinations the model can draw, and one surprise built around one of them",
        parameters=[OpenApiParameter("seed", int, description="the same seed gives the same surprise")],
        responses={200: OpenApiResponse(description="{combinations: [...], surprise: {...}}"), **_ERRORS},
    )
    def get(self, request: Request, name: str) -> Response:
        values = SeedInput(data=request.query_params)
        values.is_valid(raise_exception=True)
        studio = services.studio_model(name=name)
        picked = services.surprise_for(studio=studio, seed=values.validated_data.get("seed"))
        return Response(
            {
                "combinations": [c.to_dict() for c in counterfactuals(studio.vocabulary)],
                "surprise": picked.to_dict(),
            }
        )
