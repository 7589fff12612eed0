from django.urls import path

from gallery import api, views

app_name = "gallery"

urlpatterns = [
    path("gallery/", views.feed_page, name="feed"),
    path("p/<int:pk>/", views.post_page, name="post"),
    path("p/<int:pk>/like/", views.post_like, name="post-like"),
    path("p/<int:pk>/report/", views.post_report, name="post-report"),
    path("p/<int:pk>/unpublish/", views.post_unpublish, name="post-unpublish"),
    path("p/<int:pk>/delete/", views.post_delete, name="post-delete"),
    path("p/<int:pk>/moderate/", views.post_moderate, name="post-moderate"),
    path("publish/", views.publish_pick, name="publish-pick"),
    path("publish/<uuid:image_id>/", views.publish_page, name="publish"),
    path("s/<str:code>/", views.share_page, name="share"),
    path("s/<str:code>/preview.png", views.share_preview, name="share-preview"),
    path("s/<str:code>/qr.png", views.share_qr, name="share-qr"),
    path("u/<str:username>/", views.profile_page, name="profile"),
]

api_urlpatterns = [
    path("posts/", api.PostListCreateApi.as_view(), name="api-posts"),
    path("posts/<int:pk>/", api.PostDetailApi.as_view(), name="api-post"),
    path("posts/<int:pk>/like/", api.PostLikeApi.as_view(), name="api-post-like"),
    path("posts/<int:pk>/report/", api.PostReportApi.as_view(), name="api-post-report"),
    path("users/<str:username>/", api.UserDetailApi.as_view(), name="api-user"),
]
