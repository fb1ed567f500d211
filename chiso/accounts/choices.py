from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    ADMIN = "admin", _("Quản trị")
    REPORTER = "reporter", _("Chuyên viên đơn vị")
    HEAD = "head", _("Lãnh đạo đơn vị")
    VERIFIER = "verifier", _("Đơn vị xác minh")
    LEADER = "leader", _("Lãnh đạo tỉnh")
    AUDITOR = "auditor", _("Kiểm tra, giám sát")
