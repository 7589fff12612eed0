from django.urls import path

from gallery import api, community_api, community_views, views

app_name = "gallery"

urlpatterns = [
    path("gallery/", views.feed_page, name="feed"),
    path("p/<int:pk>/", views.post_page, name="post"),
    path("p/<int:pk>/animation.webp", views.post_animation, name="post-animation"),
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
    path("p/<int:pk>/comments/", community_views.comment_create, name="comment-create"),
    path("c/<int:pk>/edit/", community_views.comment_edit, name="comment-edit"),
    path("c/<int:pk>/delete/", community_views.comment_delete, name="comment-delete"),
    path("c/<int:pk>/report/", community_views.comment_report, name="comment-report"),
    path("u/<str:username>/follow/", community_views.follow_toggle, name="follow"),
    path("u/<str:username>/followers/", community_views.people_page, {"which": "followers"}, name="followers"),
    path("u/<str:username>/following/", community_views.people_page, {"which": "following"}, name="following"),
    path("following/", community_views.following_feed_page, name="following-feed"),
    path("notifications/", community_views.notifications_page, name="notifications"),
    path("notifications/<int:pk>/", community_views.notification_open, name="notification-open"),
    path("collections/", community_views.collections_page, name="collections"),
    path("t/<str:name>/", community_views.tag_page, name="tag"),
    path("tags/", community_views.tags_page, name="tags"),
    path("k/<str:code>/", community_views.collection_page, name="collection"),
    path("p/<int:pk>/save/", community_views.post_save, name="post-save"),
]

api_urlpatterns = [
    path("posts/", api.PostListCreateApi.as_view(), name="api-posts"),
    path("posts/<int:pk>/", api.PostDetailApi.as_view(), name="api-post"),
    path("posts/<int:pk>/like/", api.PostLikeApi.as_view(), name="api-post-like"),
    path("posts/<int:pk>/report/", api.PostReportApi.as_view(), name="api-post-report"),
    path("posts/<int:pk>/comments/", community_api.PostCommentsApi.as_view(), name="api-post-comments"),
    path("comments/<int:pk>/", community_api.CommentDetailApi.as_view(), name="api-comment"),
    path("comments/<int:pk>/report/", community_api.CommentReportApi.as_view(), name="api-comment-report"),
    path("feed/following/", community_api.FollowingFeedApi.as_view(), name="api-following-feed"),
    path("notifications/", community_api.NotificationsApi.as_view(), name="api-notifications"),
    path("tags/", community_api.TagsApi.as_view(), name="api-tags"),
    path("collections/", community_api.CollectionsApi.as_view(), name="api-collections"),
    path("collections/<int:pk>/", community_api.CollectionDetailApi.as_view(), name="api-collection"),
    path("collections/<int:pk>/posts/", community_api.CollectionPostsApi.as_view(), name="api-collection-posts"),
    path(
        "collections/<int:pk>/posts/<int:post_pk>/",
        community_api.CollectionPostApi.as_view(),
        name="api-collection-post",
    ),
    path("users/<str:username>/", api.UserDetailApi.as_view(), name="api-user"),
    path("users/<str:username>/follow/", community_api.FollowApi.as_view(), name="api-user-follow"),
    path("users/<str:username>/followers/", community_api.FollowersApi.as_view(), name="api-user-followers"),
    path("users/<str:username>/following/", community_api.FollowingApi.as_view(), name="api-user-following"),
]
