from django.urls import path

from accounts import views

app_name = "accounts"

urlpatterns = [
    path("u/<str:username>/avatar.webp", views.avatar_file, name="avatar"),
    path("settings/", views.settings_page, name="settings"),
]
