from django.apps import AppConfig


class CollectionConfig(AppConfig):
    name = "chiso.collection"
    label = "collection"
    default_auto_field = "django.db.models.BigAutoField"
