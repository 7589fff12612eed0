"""REST API of the creative studio: variations, restyles, interpolations of a picture; uploads.

Thin, like generation.api: parse, call one service (generation.studio), answer as a created job.
A picture the caller may not see, or an upload that is not theirs, is a 404.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from generation import selectors, studio
from generation.api import request_field, ws_url
from generation.engine.request import MAX_FRAMES, MAX_N, MAX_SEED, REQUEST_FIELDS
from generation.models import Generation
from generation.owners import Owner, owner_of_request
from instantpainting.http import client_ip
from instantpainting.links import absolute_url
from instantpainting.throttles import PerIPThrottle, PerUserThrottle
from instantpainting.uploads import CappedUploadHandler

JOB_CREATED = inline_serializer(
    "StudioJobCreated",
    {
        "id": serializers.UUIDField(),
        "status": serializers.CharField(),
        "position": serializers.IntegerField(allow_null=True),
        "url": serializers.CharField(),
        "ws_url": serializers.CharField(),
    },
)
ERRORS = {
    400: OpenApiResponse(description="Field errors: {field: [message]}"),
    404: OpenApiResponse(description="No such picture (or not one you may use)"),
    429: OpenApiResponse(description="Too many jobs; see the Retry-After header"),
}


def _valid_input(request: Request, serializer: type[serializers.Serializer]) -> tuple[dict[str, Any], Owner]:
    """The request's validated fields (a 400 naming them otherwise) and its owner (a guest's
    session is made on the spot, as for a plain generation)."""
    data = serializer(data=request.data)
    data.is_valid(raise_exception=True)
    owner = owner_of_request(request, create=True)
    assert owner is not None
    return data.validated_data, owner


def _created(request: Request, generation: Generation) -> Response:
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


class VariationInput(serializers.Serializer):
    strength = serializers.CharField(
        default="subtle", help_text="“subtle”, “strong”, or a number above 0 and at most 1 (1: a fresh noise)"
    )
    n = serializers.IntegerField(min_value=1, max_value=MAX_N, default=4)
    seed = serializers.IntegerField(
        min_value=0, max_value=MAX_SEED, required=False, allow_null=True, help_text="seed of the fresh noises"
    )


class ImageVariationsApi(APIView):
    @extend_schema(
        request=VariationInput,
        responses={201: JOB_CREATED, **ERRORS},
        summary="Variations of a picture (yours or a published one)",
    )
    def post(self, request: Request, public_id: Any) -> Response:
        values, owner = _valid_input(request, VariationInput)
        image = studio.image_usable_by(viewer=owner, public_id=public_id)
        generation = studio.variation_create(
            owner=owner,
            image=image,
            strength=values["strength"],
            n=values["n"],
            seed=values.get("seed"),
            client_ip=client_ip(request),
        )
        return _created(request, generation)


class RestyleInput(serializers.Serializer):
    prompt = serializers.CharField(
        max_length=REQUEST_FIELDS["prompt"].max_length, required=False, allow_blank=True, help_text="edited prompt"
    )
    style = request_field(REQUEST_FIELDS["style"])  # type: ignore[assignment]  # a field, not Field.style
    style_strength = serializers.FloatField(min_value=0.0, max_value=1.0, required=False)
    n = serializers.IntegerField(min_value=1, max_value=MAX_N, default=1)


class ImageRestyleApi(APIView):
    @extend_schema(
        request=RestyleInput,
        responses={201: JOB_CREATED, **ERRORS},
        summary="Restyle one of your pictures: its exact noise under an edited prompt or another style",
    )
    def post(self, request: Request, public_id: Any) -> Response:
        values, owner = _valid_input(request, RestyleInput)
        image = studio.image_owned_by(owner=owner, public_id=public_id)
        generation = studio.restyle_create(
            owner=owner,
            image=image,
            prompt=values.get("prompt"),
            style=values.get("style") if "style" in request.data else None,
            style_strength=values.get("style_strength"),
            n=values["n"],
            client_ip=client_ip(request),
        )
        return _created(request, generation)


class InterpolationInput(serializers.Serializer):
    frames = serializers.IntegerField(min_value=2, max_value=MAX_FRAMES, default=8)
    interpolate_seed = request_field(REQUEST_FIELDS["interpolate_seed"])
    interpolate_prompt = request_field(REQUEST_FIELDS["interpolate_prompt"])


class ImageInterpolationApi(APIView):
    @extend_schema(
        request=InterpolationInput,
        responses={201: JOB_CREATED, **ERRORS},
        summary="Frames from a picture (yours or a published one) to another seed and/or prompt",
    )
    def post(self, request: Request, public_id: Any) -> Response:
        values, owner = _valid_input(request, InterpolationInput)
        image = studio.image_usable_by(viewer=owner, public_id=public_id)
        generation = studio.interpolation_create(
            owner=owner,
            image=image,
            frames=values["frames"],
            interpolate_seed=values.get("interpolate_seed"),
            interpolate_prompt=values.get("interpolate_prompt") or "",
            client_ip=client_ip(request),
        )
        return _created(request, generation)


class UploadOutput(serializers.Serializer):
    id = serializers.UUIDField(source="public_id")
    url = serializers.CharField(source="get_file_url")
    width = serializers.IntegerField()
    height = serializers.IntegerField()


class UploadCreateApi(APIView):
    parser_classes = [MultiPartParser, FormParser]
    # Each upload costs a decode, a re-encode and a stored file: limited per user and per address.
    throttle_classes = [PerUserThrottle, PerIPThrottle]
    throttle_scope = "picture_upload"

    def initialize_request(self, request: Any, *args: Any, **kwargs: Any) -> Request:
        # Stop reading an oversize file as it streams in (instantpainting.uploads).
        request.upload_handlers.insert(0, CappedUploadHandler(request))
        return super().initialize_request(request, *args, **kwargs)

    @extend_schema(
        request={
            "multipart/form-data": inline_serializer("UploadInput", {"image": serializers.ImageField()}),
        },
        responses={201: UploadOutput, 400: OpenApiResponse(description="{image: [why the picture was refused]}")},
        summary="Upload a picture to restyle (private to you)",
    )
    def post(self, request: Request) -> Response:
        owner = owner_of_request(request, create=True)
        assert owner is not None
        upload = studio.upload_store(
            owner=owner,
            stream=request.FILES.get("image"),
            too_large=bool(getattr(request._request, "upload_too_large", False)),
        )
        return Response(UploadOutput(upload).data, status=status.HTTP_201_CREATED)


class UploadRestyleInput(serializers.Serializer):
    prompt = request_field(REQUEST_FIELDS["prompt"])
    model = serializers.CharField(max_length=64, required=False, allow_blank=True)
    style = request_field(REQUEST_FIELDS["style"])  # type: ignore[assignment]  # a field, not Field.style
    style_strength = serializers.FloatField(
        min_value=0.0,
        max_value=1.0,
        default=0.5,
        help_text="how far from what the model understood of the upload towards the prompt and style (0..1)",
    )
    width = request_field(REQUEST_FIELDS["width"])
    height = request_field(REQUEST_FIELDS["height"])
    n = request_field(REQUEST_FIELDS["n"])


class UploadRestyleApi(APIView):
    @extend_schema(
        request=UploadRestyleInput,
        responses={201: JOB_CREATED, **ERRORS},
        summary="Invert an uploaded picture into the model and restyle it (first picture: the reconstruction)",
    )
    def post(self, request: Request, public_id: Any) -> Response:
        values, owner = _valid_input(request, UploadRestyleInput)
        upload = studio.upload_owned_by(owner=owner, public_id=public_id)
        generation = studio.upload_restyle_create(
            owner=owner,
            upload=upload,
            prompt=values["prompt"],
            model=values.get("model") or None,
            style=values.get("style") or None,
            style_strength=values["style_strength"],
            width=values["width"],
            height=values["height"],
            n=values["n"],
            client_ip=client_ip(request),
        )
        return _created(request, generation)
