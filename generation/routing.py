from django.urls import path

from generation.consumers import GenerationConsumer

websocket_urlpatterns = [path("ws/generations/", GenerationConsumer.as_asgi())]
