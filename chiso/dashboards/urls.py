from django.urls import include, path

from chiso.dashboards import portal, publishing, readiness, views

portal_patterns = [
    path("", portal.index, name="index"),
    path("evidence/<int:pk>/", portal.evidence_file, name="evidence"),
    path("<slug:framework>/<slug:period>/", portal.ranking, name="ranking"),
    path("<slug:framework>/<slug:period>/<str:code>/", portal.unit, name="unit"),
]

app_name = "dashboards"
urlpatterns = [
    path("", views.home, name="home"),
    path("ranking/", views.ranking, name="ranking"),
    path("health/", views.health, name="health"),
    path("health/ready/", readiness.ready, name="ready"),
    path("publish/", publishing.page, name="publish"),
    path("units/<str:code>/", views.unit_scorecard, name="scorecard"),
    path("portal/", include((portal_patterns, "portal"))),
]
