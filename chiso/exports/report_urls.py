from django.urls import path

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
    path("open-data/", views.opendata_index, name="opendata_index"),
    path(
        "open-data/<slug:framework>/<slug:period>.<str:fmt>",
        views.opendata_file,
        name="opendata",
    ),
]
