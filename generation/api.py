"""REST API for generation jobs (DRF). Thin: parse, call one service or selector, shape output."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from generation import selectors, services
from generation.models import Generation, GenerationImage, GeneratorModel
from generation.owners import client_ip, owner_of_request

MAX_SEED = 2**32 - 1


def _multiple_of_64(value: int) -> None:
    if value % 64:
        raise serializers.ValidationError(_("Must be a multiple of 64 (e.g. 512, 576, 640)."))


class GenerationCreateInput(serializers.Serializer):
    prompt = serializers.CharField(max_length=1000, trim_whitespace=True)
    model = serializers.CharField(max_length=64, required=False, allow_blank=True)
    width = serializers.IntegerField(min_value=256, max_value=1024, default=512, validators=[_multiple_of_64])
    height = serializers.IntegerField(min_value=256, max_value=1024, default=512, validators=[_multiple_of_64])
    n = serializers.IntegerField(min_value=1, max_value=8, default=1)
    seed = serializers.IntegerField(min_value=0, max_value=MAX_SEED, required=False, allow_null=True)
    style = serializers.CharField(max_length=40, required=False, allow_blank=True, default="")
    negative_prompt = serializers.CharField(max_length=1000, required=False, allow_blank=True, default="")
    style_strength = serializers.FloatField(min_value=0.0, max_value=1.0, default=1.0)
    truncation = serializers.FloatField(min_value=0.05, max_value=1.0, default=1.0)
    candidates = serializers.IntegerField(min_value=1, max_value=8, default=1)
    remix_of = serializers.IntegerField(min_value=1, required=False, help_text="id of the post this remixes")

    def validate_style(self, value: str) -> str:
        from generation.engine import STYLES

        if value and value not in STYLES:
            raise serializers.ValidationError(_("Unknown style. Choose one of the listed styles."))
        return value

    def validate_model(self, value: str) -> str:
        if value and selectors.model_for(value) is None:
            raise serializers.ValidationError(_("This model does not exist or is disabled."))
        return value


class ImageOutput(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id")
    url = serializers.CharField(source="get_file_url")
    thumb_url = serializers.CharField(source="get_thumb_url")

    class Meta:
        model = GenerationImage
        fields = ["id", "index", "url", "thumb_url", "width", "height", "seed", "clip_score", "settings"]


class GenerationOutput(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id")
    model = serializers.CharField(source="model.name")
    position = serializers.SerializerMethodField()
    images = ImageOutput(many=True, read_only=True)
    url = serializers.CharField(source="get_absolute_url")
    settings = serializers.SerializerMethodField()
    error = serializers.CharField(source="error_message", read_only=True)

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
            "url",
            "created_at",
            "started_at",
            "finished_at",
        ]

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
        values = dict(data.validated_data)
        owner = owner_of_request(request, create=True)
        spec = services.GenerationSpec(
            prompt=values["prompt"],
            model=values.get("model") or None,
            width=values["width"],
            height=values["height"],
            n=values["n"],
            seed=values.get("seed"),
            style=values.get("style", ""),
            negative_prompt=values.get("negative_prompt", ""),
            style_strength=values["style_strength"],
            truncation=values["truncation"],
            candidates=values["candidates"],
        )
        extra = {"remix_of": str(values["remix_of"])} if values.get("remix_of") else {}
        try:
            generation = services.generation_create(owner=owner, spec=spec, client_ip=client_ip(request), extra=extra)
        except services.RateLimited as exc:
            return Response(
                {"detail": exc.message, "code": exc.code},
                status=status.HTTP_429_TOO_MANY_REQUESTS,
                headers={"Retry-After": str(exc.retry_after)},
            )
        except services.GenerationError as exc:
            return Response({exc.field or "detail": [exc.message]}, status=status.HTTP_400_BAD_REQUEST)
        return Response(
            {
                "id": str(generation.public_id),
                "status": generation.status,
                "position": selectors.queue_position(generation),
                "url": generation.get_absolute_url(),
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
        return paginator.get_paginated_response(GenerationOutput(page, many=True).data)


def _own_generation(request: Request, public_id: Any) -> Generation:
    generation = selectors.generation_of(owner=owner_of_request(request, create=False), public_id=public_id)
    if generation is None:
        raise NotFound(_("No such generation."))
    return generation


class GenerationDetailApi(APIView):
    @extend_schema(responses=GenerationOutput, summary="A generation's status, settings and images")
    def get(self, request: Request, public_id: Any) -> Response:
        return Response(GenerationOutput(_own_generation(request, public_id)).data)


class GenerationCancelApi(APIView):
    @extend_schema(request=None, responses=GenerationOutput, summary="Cancel a queued or running job")
    def post(self, request: Request, public_id: Any) -> Response:
        generation = _own_generation(request, public_id)
        try:
            generation = services.generation_cancel(generation=generation)
        except services.AlreadyFinished as exc:
            return Response({"detail": exc.message, "code": exc.code}, status=status.HTTP_409_CONFLICT)
        return Response(GenerationOutput(generation).data)


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
        from generation.engine import STYLES

        return Response([{"name": key, "label": s.label, "template": s.template} for key, s in STYLES.items()])

