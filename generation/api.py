"""REST API for generation jobs (DRF). Thin: parse, call one service or selector, shape output."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from generation import selectors, services
from generation.creative.services import clean_poem
from generation.engine import STYLES
from generation.engine.request import FieldSpec
from generation.models import Generation, GenerationImage, GeneratorModel
from generation.owners import owner_of_request
from generation.schema import REQUEST_FIELDS, WEB_FIELDS, GenerationSpec
from instantpainting.http import client_ip
from instantpainting.links import absolute_url


def _multiple_of(step: int) -> Callable[[int], None]:
    def check(value: int) -> None:
        if value % step:
            raise serializers.ValidationError(
                _("Must be a multiple of %(step)d (e.g. %(examples)s).")
                % {"step": step, "examples": ", ".join(str(step * k) for k in (8, 9, 10))}
            )

    return check


def _greater_than(minimum: float) -> Callable[[float], None]:
    def check(value: float) -> None:
        if not value > minimum:
            raise serializers.ValidationError(_("Ensure this value is greater than %(min)s.") % {"min": minimum})

    return check


def request_field(spec: FieldSpec) -> serializers.Field:
    """The serializer field for one field of the engine's request (generation.schema)."""
    optional: dict[str, Any] = {"required": spec.required}
    if not spec.required:
        if spec.nullable:
            optional["allow_null"] = True
        else:
            optional["default"] = spec.default
    if spec.kind == "text":
        return serializers.CharField(max_length=spec.max_length, allow_blank=not spec.required, **optional)
    if spec.kind == "vector":
        number = serializers.FloatField(min_value=spec.minimum, max_value=spec.maximum)
        return serializers.ListField(child=number, min_length=1, max_length=spec.max_length, **optional)
    if spec.kind == "choice":
        return serializers.ChoiceField(choices=["", *spec.choices], allow_blank=True, **optional)
    bounds: dict[str, Any] = {"max_value": spec.maximum}
    validators: list[Callable[[Any], None]] = []
    if spec.exclusive_minimum and spec.minimum is not None:
        validators.append(_greater_than(spec.minimum))
    else:
        bounds["min_value"] = spec.minimum
    if spec.step:
        validators.append(_multiple_of(spec.step))
    if spec.kind == "int":
        return serializers.IntegerField(**bounds, validators=validators, **optional)
    return serializers.FloatField(**bounds, validators=validators, **optional)


class GenerationCreateInput(serializers.Serializer):
    """A generation request: the engine's request fields (generation.schema) plus the web's own."""

    model = request_field(WEB_FIELDS["model"])
    remix_of = serializers.IntegerField(
        min_value=int(WEB_FIELDS["remix_of"].minimum or 1), required=False, help_text="id of the post this remixes"
    )
    poem = serializers.CharField(
        max_length=WEB_FIELDS["poem"].max_length,
        required=False,
        allow_blank=True,
        help_text="the poem the prompt was read from (studio poem mode): the picture gets a poem card",
    )

    def get_fields(self) -> dict[str, serializers.Field]:
        fields = {name: request_field(spec) for name, spec in REQUEST_FIELDS.items()}
        return {**fields, **super().get_fields()}


def generation_create_from_input(request: HttpRequest | Request, values: dict[str, Any]) -> Generation:
    """Create the job a valid GenerationCreateInput asks for, for whoever sends the request (the
    API and the create page's form without JavaScript both come here)."""
    owner = owner_of_request(request, create=True)
    assert owner is not None  # create=True makes a guest key when there is none
    spec = GenerationSpec(
        model=values.pop("model", "") or None, **{name: values[name] for name in REQUEST_FIELDS if name in values}
    )
    extra = {"remix_of": str(values["remix_of"])} if values.get("remix_of") else {}
    if values.get("poem", "").strip():
        extra["poem"] = clean_poem(values["poem"])
    return services.generation_create(owner=owner, spec=spec, client_ip=client_ip(request), extra=extra)


class ImageOutput(serializers.ModelSerializer):
    """An image; its URLs are absolute, and fetchable with the same token the client calls the API with."""

    id = serializers.UUIDField(source="public_id")
    url = serializers.SerializerMethodField()
    thumb_url = serializers.SerializerMethodField()

    class Meta:
        model = GenerationImage
        fields = ["id", "index", "url", "thumb_url", "width", "height", "seed", "clip_score", "settings"]

    def get_url(self, obj: GenerationImage) -> str:
        return absolute_url(request=self.context["request"], path=obj.get_file_url())

    def get_thumb_url(self, obj: GenerationImage) -> str:
        return absolute_url(request=self.context["request"], path=obj.get_thumb_url())


class GenerationOutput(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id")
    model = serializers.CharField(source="model.name")
    position = serializers.SerializerMethodField()
    images = ImageOutput(many=True, read_only=True)
    url = serializers.SerializerMethodField()
    settings = serializers.SerializerMethodField()
    error = serializers.CharField(source="error_message", read_only=True)
    strip_url = serializers.SerializerMethodField(help_text="an interpolation's frames side by side (PNG)")
    animation_url = serializers.SerializerMethodField(help_text="an interpolation as an animated WebP")

    class Meta:
        model = Generation
        fields = [
            "id",
            "status",
            "position",
            "stage",
            "progress",
            "prompt",
            "model",
            "width",
            "height",
            "n",
            "seed",
            "style",
            "settings",
            "attempts",
            "error",
            "error_code",
            "images",
            "strip_url",
            "animation_url",
            "url",
            "created_at",
            "started_at",
            "finished_at",
        ]

    def get_url(self, obj: Generation) -> str:
        return absolute_url(request=self.context["request"], path=obj.get_absolute_url())

    def get_strip_url(self, obj: Generation) -> str | None:
        if not obj.strip:
            return None
        return absolute_url(
            request=self.context["request"], path=reverse("generation:strip-file", args=[obj.public_id])
        )

    def get_animation_url(self, obj: Generation) -> str | None:
        if not obj.animation:
            return None
        return absolute_url(
            request=self.context["request"], path=reverse("generation:animation-file", args=[obj.public_id])
        )

    def get_position(self, obj: Generation) -> int | None:
        return selectors.queue_position(obj)

    def get_settings(self, obj: Generation) -> dict[str, Any]:
        return {
            "prompt": obj.prompt,
            "model": obj.model.name,
            "width": obj.width,
            "height": obj.height,
            "n": obj.n,
            "seed": obj.seed,
            "style": obj.style,
            **obj.options,
        }


def ws_url(request: Request) -> str:
    scheme = "wss" if request.is_secure() else "ws"
    return f"{scheme}://{request.get_host()}/ws/generations/"


class GenerationListCreateApi(APIView):
    @extend_schema(
        request=GenerationCreateInput,
        responses={
            201: inline_serializer(
                "GenerationCreated",
                {
                    "id": serializers.UUIDField(),
                    "status": serializers.CharField(),
                    "position": serializers.IntegerField(allow_null=True),
                    "url": serializers.CharField(),
                    "ws_url": serializers.CharField(),
                },
            ),
            400: OpenApiResponse(description="Field errors: {field: [message]}"),
            429: OpenApiResponse(description="Too many jobs; see the Retry-After header"),
        },
        summary="Create a generation job",
    )
    def post(self, request: Request) -> Response:
        data = GenerationCreateInput(data=request.data)
        data.is_valid(raise_exception=True)
        generation = generation_create_from_input(request, dict(data.validated_data))
        return Response(
            {
                "id": str(generation.public_id),
                "status": generation.status,
                "position": selectors.queue_position(generation),
                "url": absolute_url(request=request, path=generation.get_absolute_url()),
                "ws_url": ws_url(request),
            },
            status=status.HTTP_201_CREATED,
        )

    @extend_schema(responses=GenerationOutput(many=True), summary="List my generations")
    def get(self, request: Request) -> Response:
        from rest_framework.pagination import PageNumberPagination

        owner = owner_of_request(request, create=False)
        rows = selectors.generations_of(owner=owner) if owner else Generation.objects.none()
        paginator = PageNumberPagination()
        page = paginator.paginate_queryset(rows, request, view=self)
        return paginator.get_paginated_response(GenerationOutput(page, many=True, context={"request": request}).data)


class PromptHistoryInput(serializers.Serializer):
    q = serializers.CharField(required=False, allow_blank=True, max_length=selectors.PROMPT_FILTER_MAX, default="")


class PromptHistoryApi(APIView):
    @extend_schema(
        parameters=[PromptHistoryInput],
        responses=inline_serializer("PromptHistory", {"results": serializers.ListField(child=serializers.CharField())}),
        summary="My own recent prompts, each once, newest first (optionally those containing q)",
    )
    def get(self, request: Request) -> Response:
        params = PromptHistoryInput(data=request.query_params)
        params.is_valid(raise_exception=True)
        owner = owner_of_request(request, create=False)
        return Response({"results": selectors.prompts_of(owner=owner, contains=params.validated_data["q"])})


def _own_generation(request: Request, public_id: Any) -> Generation:
    generation = selectors.generation_of(owner=owner_of_request(request, create=False), public_id=public_id)
    if generation is None:
        raise NotFound(_("No such generation."))
    return generation


class GenerationDetailApi(APIView):
    @extend_schema(responses=GenerationOutput, summary="A generation's status, settings and images")
    def get(self, request: Request, public_id: Any) -> Response:
        return Response(GenerationOutput(_own_generation(request, public_id), context={"request": request}).data)


class GenerationCancelApi(APIView):
    @extend_schema(request=None, responses=GenerationOutput, summary="Cancel a queued or running job")
    def post(self, request: Request, public_id: Any) -> Response:
        generation = _own_generation(request, public_id)
        generation = services.generation_cancel(generation=generation)
        return Response(GenerationOutput(generation, context={"request": request}).data)


class ModelOutput(serializers.ModelSerializer):
    native_size = serializers.SerializerMethodField()

    class Meta:
        model = GeneratorModel
        fields = ["name", "category", "description", "native_size", "trained", "is_default"]

    def get_native_size(self, obj: GeneratorModel) -> list[int]:
        return [obj.native_width, obj.native_height]


class ModelListApi(APIView):
    @extend_schema(responses=ModelOutput(many=True), summary="Models that can be used")
    def get(self, request: Request) -> Response:
        return Response(ModelOutput(selectors.models_enabled(), many=True).data)


class StyleListApi(APIView):
    @extend_schema(
        responses=inline_serializer(
            "Style",
            {"name": serializers.CharField(), "label": serializers.CharField(), "template": serializers.CharField()},
            many=True,
        ),
        summary="Style qualifiers",
    )
    def get(self, request: Request) -> Response:
        return Response([{"name": key, "label": s.label, "template": s.template} for key, s in STYLES.items()])
