from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

from gallery.urls import api_urlpatterns as gallery_api
from generation.urls import api_urlpatterns as generation_api
from instantpainting import pwa
from instantpainting.admin_login import admin_login

api_v1 = [
    *generation_api,
    *gallery_api,
]

urlpatterns = [
    path("admin/login/", admin_login, name="admin-login"),  # before the admin's own: failures are limited
    path("admin/", admin.site.urls),
    path("accounts/", include("allauth.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("theme/", pwa.theme_set, name="theme"),
    path("manifest.webmanifest", pwa.manifest, name="manifest"),
    path("sw.js", pwa.service_worker, name="service-worker"),
    path("offline/", pwa.offline, name="offline"),
    path("api/v1/", include((api_v1, "api"), namespace="api")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="api-docs"),
    path("api/redoc/", SpectacularRedocView.as_view(url_name="schema"), name="api-redoc"),
    path("", include("gallery.urls")),
    path("", include("accounts.urls")),
    path("", include("generation.urls")),
]
