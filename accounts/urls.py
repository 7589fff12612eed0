from django.urls import path

from accounts import api, views

app_name = "accounts"

urlpatterns = [
    path("u/<str:username>/", views.profile_page, name="profile"),
    path("u/<str:username>/avatar.webp", views.avatar_file, name="avatar"),
    path("settings/", views.settings_page, name="settings"),
]

api_urlpatterns = [
    path("users/<str:username>/", api.UserDetailApi.as_view(), name="api-user"),
]
