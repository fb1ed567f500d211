"""Evidence files: what may be uploaded (type checked on the bytes, size capped)."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _

from chiso.lib import safe_files
from chiso.lib.formats import vn_number

DEFAULT_MAX_BYTES = 10 * 1024 * 1024
ZIP = b"PK\x03\x04"
# extension → (content type, leading bytes). The browser's declared type is not trusted:
# the extension and the file's own first bytes must agree.
ALLOWED: dict[str, tuple[str, bytes]] = {
    "pdf": ("application/pdf", b"%PDF-"),
    "png": ("image/png", b"\x89PNG\r\n\x1a\n"),
    "jpg": ("image/jpeg", b"\xff\xd8\xff"),
    "jpeg": ("image/jpeg", b"\xff\xd8\xff"),
    "docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", ZIP),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", ZIP),
    "odt": ("application/vnd.oasis.opendocument.text", ZIP),
    "ods": ("application/vnd.oasis.opendocument.spreadsheet", ZIP),
}


def max_bytes() -> int:
    return int(getattr(settings, "CHISO_PLANS_MAX_UPLOAD_BYTES", DEFAULT_MAX_BYTES))


def check_upload(upload: UploadedFile[bytes]) -> str:
    """The file's content type. Raises ValidationError for a wrong type or a too-large file."""
    limit = max_bytes()
    name = safe_files.display_name(upload.name or "")
    if (upload.size or 0) > limit:
        raise ValidationError(
            _("Tệp quá lớn (tối đa %(mb)s MB).") % {"mb": vn_number(limit / 1024 / 1024, 0)}
        )
    extension = name.rsplit(".", 1)[-1].lower()
    allowed = ALLOWED.get(extension)
    if allowed is None or not _starts_with(upload, allowed[1]):
        raise ValidationError(
            _("Chỉ nhận tệp PDF, ảnh PNG/JPEG, Word, Excel hoặc OpenDocument đúng định dạng.")
        )
    _check_content(upload, name, extension)
    return allowed[0]


def _check_content(upload: UploadedFile[bytes], name: str, extension: str) -> None:
    """Zip-based files pass the zip and macro checks, others must not carry markup."""
    try:
        if ALLOWED[extension][1] == ZIP:
            safe_files.check_office(upload, name, extension, embeddings=True)
        else:
            safe_files.check_no_markup(upload, name, extension.upper())
    except safe_files.UnsafeFile as exc:
        raise ValidationError(str(exc)) from exc


def stored_name(upload: UploadedFile[bytes]) -> str:
    """A random name with the (checked) extension: the uploader's name is display text only."""
    extension = safe_files.display_name(upload.name or "").rsplit(".", 1)[-1].lower()
    return safe_files.stored_name("jpg" if extension == "jpeg" else extension)


def _starts_with(upload: UploadedFile[bytes], magic: bytes) -> bool:
    upload.seek(0)
    head = upload.read(len(magic))
    upload.seek(0)
    return bool(head == magic)
