from django.db import models
from django.utils.translation import gettext_lazy as _


class DocumentKind(models.TextChoices):
    RESOLUTION = "resolution", _("Nghị quyết")
    PLAN = "plan", _("Kế hoạch")
    DIRECTIVE = "directive", _("Chỉ thị")
    LETTER = "letter", _("Công văn")
    DECISION = "decision", _("Quyết định")


class Pillar(models.TextChoices):
    GOVERNMENT = "government", _("Chính quyền số")
    ECONOMY = "economy", _("Kinh tế số")
    SOCIETY = "society", _("Xã hội số")
    GENERAL = "general", _("Mục tiêu chung")


class Comparator(models.TextChoices):
    AT_LEAST = ">=", "≥"
    AT_MOST = "<=", "≤"
    EQUAL = "=", "="


class Scope(models.TextChoices):
    ANY = "", _("Toàn tỉnh")
    PROVINCE = "province", _("Cấp tỉnh")
    DISTRICT = "district", _("Cấp huyện")
    COMMUNE = "commune", _("Cấp xã")
    VILLAGE = "village", _("Cấp thôn")


class Aggregate(models.TextChoices):
    MEAN = "mean", _("Trung bình các đơn vị")
    SUM = "sum", _("Tổng các đơn vị")


class TargetStatus(models.TextChoices):
    MET = "met", _("Đã đạt")
    ON_TRACK = "on_track", _("Đúng tiến độ")
    OFF_TRACK = "off_track", _("Chậm tiến độ")
    MISSED = "missed", _("Không đạt")
    NO_DATA = "no_data", _("Chưa đủ số liệu")


class Progress(models.TextChoices):
    """Open SDG progress categories (ratio of observed to required growth)."""

    ACHIEVED = "target_achieved", _("Đã đạt mục tiêu")
    SUBSTANTIAL = "substantial_progress", _("Đúng tiến độ")
    MODERATE = "moderate_progress", _("Có tiến bộ nhưng cần tăng tốc")
    LIMITED = "limited_progress", _("Tiến bộ hạn chế")
    DETERIORATION = "deterioration", _("Đi xuống")
    NOT_AVAILABLE = "not_available", _("Chưa tính được")


class Recurrence(models.TextChoices):
    NONE = "", _("Một lần")
    WEEKLY = "weekly", _("Hằng tuần")
    TWICE_MONTHLY = "twice_monthly", _("2 kỳ/tháng")
    MONTHLY = "monthly", _("Hằng tháng")
    QUARTERLY = "quarterly", _("Hằng quý")
    YEARLY = "yearly", _("Hằng năm")
    PERIODIC = "periodic", _("Định kỳ (không nêu chu kỳ)")


class OccurrenceStatus(models.TextChoices):
    TODO = "todo", _("Chưa thực hiện")
    IN_PROGRESS = "in_progress", _("Đang thực hiện")
    DONE = "done", _("Đã hoàn thành")
    RETURNED = "returned", _("Bị trả lại")
    CANCELLED = "cancelled", _("Đã huỷ")


class TaskState(models.TextChoices):
    """What a list shows: the stored status, with "overdue" derived from the due date."""

    OPEN = "open", _("Đang thực hiện")
    DUE_SOON = "due_soon", _("Sắp đến hạn")
    OVERDUE = "overdue", _("Quá hạn")
    RETURNED = "returned", _("Bị trả lại")
    DONE = "done", _("Đã hoàn thành")
    CANCELLED = "cancelled", _("Đã huỷ")


class ReminderKind(models.TextChoices):
    UNIT = "unit", _("Nhắc việc đơn vị")
    DIGEST = "digest", _("Tổng hợp tuần cho lãnh đạo")
