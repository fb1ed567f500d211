"""Word lists of Vietnamese administrative style, shared by the rule modules.

Every pattern is written for `low_view` text: lower case, old-style tone placement
("hóa", "ủy"). Lists are about the language of directives, never about one document.
"""

from __future__ import annotations

import re


def alternation(items: list[str]) -> str:
    """Longest first, so that 'phối hợp với' wins over 'phối hợp'."""
    return "|".join(re.escape(i) for i in sorted(set(items), key=len, reverse=True))


# Verbs and adverbs that open an imperative task sentence ("Xây dựng …", "Tăng cường …").
ACTION_VERBS = [
    "xây dựng", "triển khai", "tăng cường", "nghiên cứu", "tham mưu", "chủ trì", "phối hợp",
    "chỉ đạo", "bố trí", "thành lập", "tập trung", "hoàn thiện", "nâng cao", "nâng cấp",
    "bổ sung", "rà soát", "tổ chức", "thực hiện", "đẩy mạnh", "phát triển", "phát huy", "đưa",
    "chuẩn hóa", "điện tử hóa", "số hóa", "đồng hành", "sẵn sàng", "tích cực", "khuyến khích",
    "ứng dụng", "có", "thu hẹp", "huy động", "hoàn chỉnh", "hợp nhất", "mở", "tạo lập", "tạo",
    "đảm bảo", "bảo đảm", "đạt", "định kỳ", "từng bước", "hỗ trợ", "thúc đẩy", "chú trọng",
    "ban hành", "cập nhật", "kiểm tra", "đôn đốc", "báo cáo", "tổng hợp", "khẩn trương",
    "cài đặt", "tiếp tục", "tái cấu trúc", "duy trì", "quán triệt", "tuyên truyền", "phổ biến",
    "hướng dẫn", "theo dõi", "giám sát", "đánh giá", "lựa chọn", "kiện toàn", "phân công",
    "trang bị", "đầu tư", "mua sắm", "vận hành", "quản lý", "kết nối", "tích hợp", "chia sẻ",
    "liên thông", "cung cấp", "công bố", "công khai", "phê duyệt", "thẩm định", "lập",
    "chủ động", "ưu tiên", "nghiêm túc", "thường xuyên", "kịp thời", "phấn đấu", "hoàn thành",
    "xử lý", "tiếp nhận", "giải quyết", "đăng ký", "bồi dưỡng", "đào tạo", "tập huấn",
    "sơ kết", "tổng kết", "phổ cập", "gắn", "sử dụng", "khai thác", "thiết lập", "tăng",
    "giảm", "nhân rộng", "thí điểm", "mở rộng", "lồng ghép", "trình", "dự thảo", "soạn thảo",
    "đề xuất", "chấn chỉnh", "chịu trách nhiệm", "bảo vệ", "phòng ngừa", "ngăn chặn",
    "khắc phục", "thay thế", "chuyển đổi", "cải thiện", "đổi mới", "áp dụng", "hoàn tất",
    "biên soạn", "rút kinh nghiệm", "trực tiếp", "quyết liệt", "tích hợp", "lãnh đạo",
    "xem xét", "nêu cao", "bám sát", "cử", "giao", "yêu cầu", "đề nghị", "cần", "phải",
    "có trách nhiệm", "tiếp tục", "triển khai thực hiện", "chỉ đạo triển khai", "hình thành",
    "thúc đẩy", "tuyên tuyền", "tiển khai", "ký số", "số hoá", "rà soát, kiện toàn",
    "đăng tải", "phát sóng", "căn cứ", "quan tâm", "thực thi", "bảo trì", "nâng cấp",
]
# Words that may not open a task on their own even though they are verbs ("Giao dịch …").
NOT_OPENERS = {"giao", "yêu cầu", "đề nghị", "cần", "phải", "lãnh đạo", "trực tiếp"}
OPENER_VERBS = [v for v in ACTION_VERBS if v not in NOT_OPENERS]

# A predicate that reports instead of directing: the sentence is narrative, not a task.
NARRATIVE_PREDICATES = [
    "đã", "vừa", "đang", "chưa", "còn", "vẫn", "dẫn đầu", "xếp", "là", "gồm", "đều đã",
    "cũng đã", "được biết", "đạt được", "thông báo", "đứng",
]
PREDICATES = ACTION_VERBS + NARRATIVE_PREDICATES + ["sẽ", "cũng", "được giao", "được"]

# Heads of an agency noun phrase ("Sở …", "UBND …", "các sở, ban, ngành …").
AGENCY_HEADS = [
    "sở", "ủy ban nhân dân", "ubnd", "ủy ban", "hđnd", "hội đồng nhân dân", "văn phòng", "ban",
    "cục", "chi cục", "công an", "bộ chỉ huy", "bộ", "đài", "báo", "trung tâm", "viễn thông",
    "bưu điện", "ngân hàng", "kho bạc", "thanh tra", "bảo hiểm xã hội", "liên đoàn",
    "tỉnh đoàn", "đoàn thanh niên", "hội", "mặt trận", "ủy ban mặt trận", "đảng đoàn",
    "đảng ủy", "ban cán sự", "tỉnh ủy", "huyện ủy", "thành ủy", "chủ tịch", "phó chủ tịch",
    "giám đốc", "thủ trưởng", "người đứng đầu", "lãnh đạo", "trưởng ban", "cơ quan",
    "hệ thống truyền thanh", "phòng", "trường", "bệnh viện", "cổng thông tin điện tử",
    "tổ công nghệ số", "các sở", "các ban", "các ngành", "các cơ quan", "các đơn vị",
    "các địa phương", "các cấp", "các huyện", "các xã", "các phòng", "các tổ chức",
    "các doanh nghiệp", "các hội", "các đoàn thể", "các trường", "các cơ sở", "các thành viên",
    "các bộ", "các tổ", "các ban xây dựng", "đơn vị", "địa phương", "tòa án", "viện kiểm sát",
]
# Heads that must be capitalised in the text to count ("Báo Đắk Nông", not "báo cáo").
CAPITAL_HEADS = {"báo", "ban", "hội", "phòng", "trường", "bộ", "đài", "sở", "cục", "đơn vị",
                 "địa phương", "cơ quan", "lãnh đạo", "trung tâm", "văn phòng"}

# Fixed names that contain a verb of the list above ("Sở Xây dựng", "Ban Chỉ đạo").
AGENCY_NAMES = [
    "sở kế hoạch và đầu tư", "sở xây dựng", "sở nông nghiệp và phát triển nông thôn",
    "sở tài nguyên và môi trường", "sở giao thông vận tải", "sở văn hóa, thể thao và du lịch",
    "sở văn hóa và thể thao", "sở lao động, thương binh và xã hội",
    "sở lao động - thương binh và xã hội", "sở khoa học và công nghệ",
    "sở giáo dục và đào tạo", "sở thông tin và truyền thông", "sở tài chính", "sở nội vụ",
    "sở tư pháp", "sở y tế", "sở công thương", "sở ngoại vụ", "ban quản lý", "ban chỉ đạo",
    "ban tuyên giáo", "ban dân vận", "ban tổ chức", "ban nội chính", "ban kinh tế",
    "ủy ban kiểm tra", "tổ chức chính trị - xã hội", "tổ chức chính trị-xã hội",
    "tổ chức tín dụng", "ngân hàng phát triển", "đài phát thanh và truyền hình",
    "trung tâm phục vụ hành chính công", "trung tâm hành chính công", "ban xây dựng đảng",
    "các ban xây dựng đảng", "tổ chức xã hội", "hội đồng nhân dân", "ủy ban nhân dân",
    "bộ thông tin và truyền thông", "bộ kế hoạch và đầu tư", "cổng dịch vụ công",
    "trung tâm giám sát", "trung tâm điều hành thông minh", "ban chỉ huy",
]

CONNECTORS = re.compile(
    r"^(?:(?:theo đó|đồng thời|bên cạnh đó|ngoài ra|mặt khác|đặc biệt|tiếp theo|trước mắt|"
    r"(?:trong )?thời gian tới|sau đó|cùng với đó|mặt khác|trên cơ sở đó|do đó|vì vậy)\s*,\s*"
    r"|về [^:.;]{1,60}:\s*)",
)
