from django.urls import path

from generation import api, views
from generation.creative import api as studio_api
from generation.creative import views as studio_views

app_name = "generation"

urlpatterns = [
    path("", views.create_page, name="create"),
    path("generations/", views.history_page, name="history"),
    path("generations/<uuid:public_id>/", views.detail_page, name="detail"),
    path("i/<uuid:public_id>.png", views.image_file, name="image-file"),
    path("i/<uuid:public_id>/thumb.webp", views.image_thumb, name="image-thumb"),
    path("i/<uuid:public_id>/card.png", studio_views.poem_card_file, name="poem-card"),
    path("studio/", studio_views.studio_page, name="studio"),
    path("models/", studio_views.model_list_page, name="models"),
    path("models/<slug:name>/", studio_views.model_card_page, name="model-card"),
    path("models/<slug:name>/samples/<slug:group>/<slug:term>.webp", studio_views.model_sample, name="model-sample"),
]

api_urlpatterns = [
    path("generations/", api.GenerationListCreateApi.as_view(), name="api-generations"),
    path("generations/<uuid:public_id>/", api.GenerationDetailApi.as_view(), name="api-generation"),
    path("generations/<uuid:public_id>/cancel/", api.GenerationCancelApi.as_view(), name="api-generation-cancel"),
    path("models/", api.ModelListApi.as_view(), name="api-models"),
    path("styles/", api.StyleListApi.as_view(), name="api-styles"),
    path("models/<slug:name>/card/", studio_api.ModelCardApi.as_view(), name="api-model-card"),
    path("models/<slug:name>/check/", studio_api.PromptCheckApi.as_view(), name="api-model-check"),
    path("models/<slug:name>/compose/", studio_api.ComposeApi.as_view(), name="api-model-compose"),
    path("models/<slug:name>/poem/", studio_api.PoemReadApi.as_view(), name="api-model-poem"),
    path("models/<slug:name>/recipe/", studio_api.RecipeApi.as_view(), name="api-model-recipe"),
    path("models/<slug:name>/surprise/", studio_api.SurpriseApi.as_view(), name="api-model-surprise"),
]
