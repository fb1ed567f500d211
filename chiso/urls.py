from django.contrib import admin
from django.urls import include, path

from chiso.api.api import api

urlpatterns = [
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/", include("django.contrib.auth.urls")),
    path("assessments/", include("chiso.dashboards.assessment_urls")),
    path("exports/", include("chiso.exports.urls")),
    path("plans/", include("chiso.plans.urls")),
    path("reports/", include("chiso.exports.report_urls")),
    path("api/", api.urls),
    path("", include("chiso.dashboards.urls")),
]
# Under /api/ a missing address answers the API's JSON error, elsewhere Django's page.
handler404 = "chiso.api.api.page_not_found"
