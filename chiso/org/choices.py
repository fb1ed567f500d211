from django.db import models
from django.utils.translation import gettext_lazy as _


class UnitKind(models.TextChoices):
    PROVINCE = "province", _("Tỉnh, thành phố")
    DEPARTMENT = "department", _("Sở, ban, ngành")
    COMMUNE = "commune", _("Xã, phường, đặc khu")
    DISTRICT = "district", _("Huyện, thị xã, thành phố thuộc tỉnh (trước 1/7/2025)")
    VILLAGE = "village", _("Thôn, bản, tổ dân phố")
    OTHER = "other", _("Tổ chức khác")


class LineageKind(models.TextChoices):
    MERGED_INTO = "merged_into", _("Sáp nhập vào")
    SPLIT_INTO = "split_into", _("Chia tách thành")
    RENAMED = "renamed", _("Đổi tên thành")
