from django.urls import path

from generation import api, views

app_name = "generation"

urlpatterns = [
    path("", views.create_page, name="create"),
    path("generations/", views.history_page, name="history"),
    path("generations/<uuid:public_id>/", views.detail_page, name="detail"),
    path("i/<uuid:public_id>.png", views.image_file, name="image-file"),
    path("i/<uuid:public_id>/thumb.webp", views.image_thumb, name="image-thumb"),
]

api_urlpatterns = [
    path("generations/", api.GenerationListCreateApi.as_view(), name="api-generations"),
    path("generations/<uuid:public_id>/", api.GenerationDetailApi.as_view(), name="api-generation"),
    path("generations/<uuid:public_id>/cancel/", api.GenerationCancelApi.as_view(), name="api-generation-cancel"),
    path("models/", api.ModelListApi.as_view(), name="api-models"),
    path("styles/", api.StyleListApi.as_view(), name="api-styles"),
]
