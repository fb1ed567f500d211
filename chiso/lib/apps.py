from django.apps import AppConfig


class LibConfig(AppConfig):
    name = "chiso.lib"
    label = "lib"
    default_auto_field = "django.db.models.BigAutoField"
