from django.urls import path

from chiso.exports import job_views
from chiso.exports.reports import views

app_name = "reports"
urlpatterns = [
    path("", views.index, name="index"),
    path("periodic/<slug:period>.<str:fmt>", views.periodic_report, name="periodic"),
    path("ranking/<slug:framework>/<slug:period>.xlsx", views.ranking_xlsx, name="ranking_xlsx"),
    path(
        "scorecard/<slug:framework>/<slug:period>/<str:code>.xlsx",
        views.scorecard_xlsx,
        name="scorecard_xlsx",
    ),
    path("jobs/", job_views.my_jobs, name="jobs"),
    path("jobs/<uuid:pk>/", job_views.job_page, name="job"),
    path("jobs/<uuid:pk>/progress/", job_views.job_progress, name="job_progress"),
    path("jobs/<uuid:pk>/download/", job_views.job_download, name="job_download"),
    path("open-data/", views.opendata_index, name="opendata_index"),
    path(
        "open-data/<slug:framework>/<slug:period>.<str:fmt>",
        views.opendata_file,
        name="opendata",
    ),
]
