from django.apps import AppConfig


class ScoringConfig(AppConfig):
    name = "chiso.scoring"
    label = "scoring"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from chiso.lib import events
        from chiso.scoring.services import rescore_ids

        events.subscribe(events.ASSESSMENT_CHANGED, rescore_ids)
