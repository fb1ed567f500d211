from django.db import models
from django.utils.translation import gettext_lazy as _


class JobKind(models.TextChoices):
    REPORT = "report", _("Báo cáo")
    RESCORE = "rescore", _("Tính lại điểm")
    IMPORT = "import", _("Nhập bảng theo dõi")


class JobStatus(models.TextChoices):
    QUEUED = "queued", _("Đang chờ")
    RUNNING = "running", _("Đang chạy")
    SUCCEEDED = "succeeded", _("Hoàn thành")
    FAILED = "failed", _("Lỗi")


FINISHED = (JobStatus.SUCCEEDED, JobStatus.FAILED)
