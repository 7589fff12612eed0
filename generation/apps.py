from django.apps import AppConfig


class GenerationConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "generation"
    verbose_name = "Generation"

    def ready(self) -> None:
        from generation import signals  # noqa: F401  (connects the receivers)
