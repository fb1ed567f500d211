from django.db import models
from django.utils.translation import gettext_lazy as _


class PeriodKind(models.TextChoices):
    YEAR = "year", _("Năm")
    QUARTER = "quarter", _("Quý")
    MONTH = "month", _("Tháng")


class AssessmentStatus(models.TextChoices):
    DRAFT = "draft", _("Đang nhập")
    SUBMITTED = "submitted", _("Đã gửi")
    SIGNED = "signed", _("Lãnh đạo đã ký")
    VERIFIED = "verified", _("Đã xác minh")
    RETURNED = "returned", _("Bị trả lại")
    REVIEWED = "reviewed", _("Đã thẩm định")
    APPROVED = "approved", _("Đã phê duyệt")
    LOCKED = "locked", _("Đã khoá")


class Stage(models.TextChoices):
    """The three scores every leaf carries."""

    SELF = "self", _("Tự đánh giá")
    APPRAISAL = "appraisal", _("Thẩm định")
    FINAL = "final", _("Chính thức")


class EntryStatus(models.TextChoices):
    """Progress of one indicator, as the communes' tracking sheets say it."""

    NOT_STARTED = "not_started", _("Chưa thực hiện")
    IN_PROGRESS = "in_progress", _("Đang thực hiện")
    NEEDS_EVIDENCE = "needs_evidence", _("Cần bổ sung minh chứng")
    DONE = "done", _("Hoàn thành")


class Review(models.TextChoices):
    """The province's decision on one indicator."""

    PENDING = "pending", _("Chờ thẩm định")
    ACCEPTED = "accepted", _("Chấp nhận")
    CORRECTED = "corrected", _("Điều chỉnh")
    RETURNED = "returned", _("Trả lại")


class EvidenceKind(models.TextChoices):
    FILE = "file", _("Tệp đính kèm")
    DOCUMENT = "document", _("Văn bản (số hiệu, ngày, người ký, trích yếu)")
