from django.urls import path

from chiso.plans import edit_views, import_views, views

app_name = "plans"
urlpatterns = [
    path("", views.my_tasks, name="my_tasks"),
    path("van-ban/", views.documents, name="documents"),
    path("van-ban/<int:pk>/", views.document, name="document"),
    path("van-ban/moi/", edit_views.document_create, name="document_create"),
    path("van-ban/<int:pk>/sua/", edit_views.document_edit, name="document_edit"),
    path("van-ban/<int:pk>/dinh-kem/", edit_views.attachment_upload, name="attachment_upload"),
    path("van-ban/<int:pk>/muc-tieu/", edit_views.objective_add, name="objective_add"),
    path("muc-tieu/<int:pk>/sua/", edit_views.objective_edit, name="objective_edit"),
    path("muc-tieu/<int:pk>/xoa/", edit_views.objective_delete, name="objective_delete"),
    path("dinh-kem/<int:pk>/", edit_views.attachment, name="attachment"),
    path("chi-tieu/", views.targets, name="targets"),
    path("chi-tieu/<int:pk>/", edit_views.target, name="target"),
    path("chi-tieu/<int:pk>/chi-so/", edit_views.target_link, name="target_link"),
    path("chi-tieu/<int:pk>/so-lieu/", edit_views.target_measure, name="target_measure"),
    path("chi-tieu/<int:pk>/sua/", edit_views.target_edit, name="target_edit"),
    path("chi-tieu/<int:pk>/xoa/", edit_views.target_delete, name="target_delete"),
    path("qua-han/", views.overdue, name="overdue"),
    path("lich/", views.calendar, name="calendar"),
    path("nhiem-vu/<int:pk>/", views.occurrence, name="occurrence"),
    path("nhiem-vu/<int:pk>/cap-nhat/", views.post_progress, name="post_progress"),
    path("nhiem-vu/<int:pk>/hoan-thanh/", views.complete, name="complete"),
    path("nhiem-vu/<int:pk>/tra-lai/", views.return_work, name="return"),
    path("minh-chung/<int:pk>/", views.evidence, name="evidence"),
    path("nhap-van-ban/", import_views.import_start, name="import_start"),
    path("nhap-van-ban/xem-lai/", import_views.import_review, name="import_review"),
    path("nhap-van-ban/huy/", import_views.import_cancel, name="import_cancel"),
    path("nhap-van-ban/lien-ket/", import_views.import_link, name="import_link"),
]
