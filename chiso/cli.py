"""The `chiso` command: thin verbs over the services (each verb is a management command)."""

from __future__ import annotations

import os
import sys

# verb → (management command, one-line help)
VERBS: dict[str, tuple[str, str]] = {
    "demo": ("demo", "dựng dữ liệu minh hoạ (tỉnh Nghệ An, DTI 2022, xã Cần Giuộc) và chạy web"),
    "serve": ("serve", "chạy máy chủ web (gunicorn); --dev: máy chủ phát triển"),
    "migrate": ("migrate", "tạo/cập nhật cơ sở dữ liệu"),
    "load-units": ("load_units", "nạp đơn vị hành chính, sở ngành, nhóm xếp hạng"),
    "load-framework": ("load_framework", "nạp một bộ chỉ số từ tệp YAML/CSV"),
    "import-sheet": ("import_sheet", "nhập bảng theo dõi tiêu chí (.xlsx/.csv), một/nhiều đơn vị"),
    "score": ("score", "in bảng điểm, xếp hạng (table/json/csv)"),
    "rescore": ("rescore", "tính lại điểm và xếp hạng"),
    "explain": ("explain", "giải thích điểm một chỉ tiêu của một đơn vị"),
    "gaps": ("gaps", "điểm còn có thể giành của một đơn vị, ai phụ trách"),
    "history": ("history", "kết quả qua các năm (gộp từ đơn vị tiền thân khi sáp nhập)"),
    "remind": ("remind", "gửi thư nhắc nhiệm vụ sắp đến hạn, quá hạn; bản tổng hợp cho lãnh đạo"),
    "report": ("report", "xuất báo cáo kết quả chuyển đổi số (DOCX, PDF)"),
    "extract": ("extract", "trích xuất nhiệm vụ, chỉ tiêu từ văn bản (.txt/.docx/.pdf)"),
    "check-integrity": (
        "check_integrity",
        "kiểm tra toàn vẹn: điểm khớp tính lại, tệp minh chứng, chuỗi băm nhật ký",
    ),
    "backup": ("backup", "sao lưu dữ liệu và tệp vào một tệp .zip có bảng kê sha256"),
    "restore": ("restore", "khôi phục bản sao lưu vào một cơ sở dữ liệu mới (trống)"),
    "worker": ("db_worker", "chạy tiến trình nền: báo cáo, nhập tệp lớn, tính lại điểm"),
    "synth": ("synth", "dựng dữ liệu giả lập cấp quốc gia để đo hiệu năng (theo hạt giống)"),
    "manage": ("", "chạy một lệnh quản trị Django bất kỳ (chiso manage <lệnh> …)"),
}


def usage() -> str:
    lines = ["Cách dùng: chiso <lệnh> [tham số]  (chiso <lệnh> --help để xem chi tiết)", ""]
    lines += [f"  {verb:<15} {text}" for verb, (_c, text) in VERBS.items()]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "chiso.settings")
    if not args or args[0] in ("-h", "--help", "help"):
        print(usage())
        return 0
    verb, rest = args[0], args[1:]
    if verb not in VERBS:
        print(f"Lệnh không hợp lệ: {verb}\n\n{usage()}", file=sys.stderr)
        return 2
    command = VERBS[verb][0]
    if not command:
        if not rest:
            print("Cách dùng: chiso manage <lệnh Django> [tham số]", file=sys.stderr)
            return 2
        command, rest = rest[0], rest[1:]
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import execute_from_command_line

    try:
        execute_from_command_line(["chiso", command, *rest])
    except ImproperlyConfigured as exc:  # a bad environment: say which variable, no traceback
        print(f"Cấu hình sai: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
