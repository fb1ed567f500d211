from django.db import models
from django.utils.translation import gettext_lazy as _


class Level(models.TextChoices):
    PILLAR = "pillar", _("Trụ cột / nhóm chỉ số")
    GROUP = "group", _("Nhóm tiêu chí")
    MAIN = "main", _("Chỉ số chính")
    SUB = "sub", _("Chỉ số thành phần")
    CRITERION = "criterion", _("Tiêu chí")


class Status(models.TextChoices):
    OFFICIAL = "official", _("Chính thức")
    EXAMPLE = "example", _("Ví dụ minh hoạ")
    PROVISIONAL = "provisional", _("Tạm thời (chưa đủ dữ liệu chính thức)")
