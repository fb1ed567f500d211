from django.apps import AppConfig


class OpsConfig(AppConfig):
    name = "chiso.ops"
    verbose_name = "Vận hành"
