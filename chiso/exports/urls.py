from django.urls import path

from chiso.exports import views

app_name = "exports"
urlpatterns = [
    path("assessments/<int:pk>/template.xlsx", views.template, name="template"),
    path("assessments/<int:pk>/upload/", views.upload_template, name="upload"),
    path("assessments/<int:pk>/sheet/", views.sheet, name="sheet"),
]
