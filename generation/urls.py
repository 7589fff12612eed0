from django.urls import path

from generation import api, api_studio, form_views, studio_views, views
from generation.creative import api as creative_api
from generation.creative import views as creative_views

app_name = "generation"

urlpatterns = [
    path("", views.create_page, name="create"),
    path("create/", form_views.create_submit, name="create-submit"),
    path("generations/", views.history_page, name="history"),
    path("generations/<uuid:public_id>/", views.detail_page, name="detail"),
    path("generations/<uuid:public_id>/pictures.zip", views.pictures_zip, name="pictures-zip"),
    path("i/<uuid:public_id>.png", views.image_file, name="image-file"),
    path("i/<uuid:public_id>/thumb.webp", views.image_thumb, name="image-thumb"),
    path("i/<uuid:public_id>/card.png", creative_views.poem_card_file, name="poem-card"),
    path("studio/", creative_views.studio_page, name="studio"),
    path("models/", creative_views.model_list_page, name="models"),
    path("models/<slug:name>/", creative_views.model_card_page, name="model-card"),
    path("models/<slug:name>/samples/<slug:group>/<slug:term>.webp", creative_views.model_sample, name="model-sample"),
    # Creative studio (generation.studio_views)
    path("studio/upload/", studio_views.upload_page, name="studio-upload"),
    path("studio/images/<uuid:public_id>/vary/", studio_views.vary, name="studio-vary"),
    path("studio/images/<uuid:public_id>/restyle/", studio_views.restyle, name="studio-restyle"),
    path("studio/images/<uuid:public_id>/interpolate/", studio_views.interpolate, name="studio-interpolate"),
    path("u/<uuid:public_id>.png", studio_views.upload_file, name="upload-file"),
    path("generations/<uuid:public_id>/strip.png", studio_views.strip_file, name="strip-file"),
    path("generations/<uuid:public_id>/animation.webp", studio_views.animation_file, name="animation-file"),
]

api_urlpatterns = [
    path("generations/", api.GenerationListCreateApi.as_view(), name="api-generations"),
    path("generations/prompts/", api.PromptHistoryApi.as_view(), name="api-prompt-history"),
    path("generations/<uuid:public_id>/", api.GenerationDetailApi.as_view(), name="api-generation"),
    path("generations/<uuid:public_id>/cancel/", api.GenerationCancelApi.as_view(), name="api-generation-cancel"),
    path("images/<uuid:public_id>/variations/", api_studio.ImageVariationsApi.as_view(), name="api-image-variations"),
    path("images/<uuid:public_id>/restyle/", api_studio.ImageRestyleApi.as_view(), name="api-image-restyle"),
    path(
        "images/<uuid:public_id>/interpolations/",
        api_studio.ImageInterpolationApi.as_view(),
        name="api-image-interpolations",
    ),
    path("uploads/", api_studio.UploadCreateApi.as_view(), name="api-uploads"),
    path("uploads/<uuid:public_id>/restyle/", api_studio.UploadRestyleApi.as_view(), name="api-upload-restyle"),
    path("models/", api.ModelListApi.as_view(), name="api-models"),
    path("styles/", api.StyleListApi.as_view(), name="api-styles"),
    path("models/<slug:name>/card/", creative_api.ModelCardApi.as_view(), name="api-model-card"),
    path("models/<slug:name>/check/", creative_api.PromptCheckApi.as_view(), name="api-model-check"),
    path("models/<slug:name>/compose/", creative_api.ComposeApi.as_view(), name="api-model-compose"),
    path("models/<slug:name>/poem/", creative_api.PoemReadApi.as_view(), name="api-model-poem"),
    path("models/<slug:name>/recipe/", creative_api.RecipeApi.as_view(), name="api-model-recipe"),
    path("models/<slug:name>/surprise/", creative_api.SurpriseApi.as_view(), name="api-model-surprise"),
]
