from django.apps import AppConfig


class LibConfig(AppConfig):
    name = "chiso.lib"
    label = "lib"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Every chiso process (web workers, `chiso worker`, the CLI) scores cohorts with numpy.
        from chiso.lib.memory import tune_malloc

        tune_malloc()
