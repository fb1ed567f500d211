"""URLs of the assessment cycle, mounted at /assessments/ under the `collection` namespace
(the pages live in dashboards because they show scores; the writes are collection's)."""

from django.urls import path

from chiso.dashboards.assessments import audit, detail, entry_meta, landing, review

app_name = "collection"
urlpatterns = [
    path("", landing.home, name="home"),
    path("open/", landing.open_period, name="open_period"),
    path("verify/", review.verify, name="verify"),
    path("audit/", audit.audit_log, name="audit"),
    path("evidence/<int:pk>/", audit.download, name="evidence"),
    path("<int:pk>/", detail.detail, name="detail"),
    path("<int:pk>/save/", detail.save_all, name="save"),
    path("<int:pk>/transition/<slug:name>/", detail.run_transition, name="transition"),
    path("<int:pk>/reuse-evidence/", detail.reuse_evidence, name="reuse_evidence"),
    path("<int:pk>/history/", audit.assessment_history, name="history"),
    path("<int:pk>/review/", review.review, name="review"),
    path("<int:pk>/review/<int:entry_id>/", review.review_one, name="review_entry"),
    path("<int:pk>/verify/<int:entry_id>/", review.verify_one, name="verify_entry"),
    path("<int:pk>/leaf/<int:entry_id>/", detail.save_leaf, name="save_leaf"),
    path("<int:pk>/leaf/<int:entry_id>/fixed/", detail.mark_fixed, name="mark_fixed"),
    path("<int:pk>/leaf/<int:entry_id>/meta/", entry_meta.save_meta, name="save_meta"),
    path("<int:pk>/leaf/<int:entry_id>/history/", audit.entry_history, name="entry_history"),
    path("<int:pk>/leaf/<int:entry_id>/evidence/", detail.add_evidence, name="add_evidence"),
    path(
        "<int:pk>/leaf/<int:entry_id>/evidence/<int:evidence_id>/unlink/",
        detail.remove_evidence,
        name="remove_evidence",
    ),
]
