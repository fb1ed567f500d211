"""Per-leaf, per-row flags: what was wrong with the raw values behind a score (a uint8 bitmask)."""

from __future__ import annotations

from enum import IntFlag

import numpy as np
import numpy.typing as npt

FlagArray = npt.NDArray[np.uint8]


class Flag(IntFlag):
    """Stored as uint8 bits, so at most 8 members."""

    MISSING = 1  # an input was not reported (NaN): 0 points
    INVALID = 2  # an input makes no sense (negative count, inf, unknown option, a/b > 1): see rule
    CLAMPED = 4  # a value outside its range was brought to the nearest bound
    ZERO_DENOMINATOR = 8  # a ratio's denominator was 0: 0 points


FLAG_MESSAGES_VI: dict[Flag, str] = {
    Flag.MISSING: "Thiếu số liệu",
    Flag.INVALID: "Số liệu không hợp lệ nên không được tính điểm",
    Flag.CLAMPED: "Giá trị nằm ngoài khoảng cho phép, đã đưa về giới hạn gần nhất",
    Flag.ZERO_DENOMINATOR: "Mẫu số bằng 0, không tính được tỷ lệ",
}


def decode(bits: int) -> list[Flag]:
    """The single flags set in `bits`, in bit order."""
    return [flag for flag in Flag if bits & flag]


def mark(flags: FlagArray, where: npt.NDArray[np.bool_], flag: Flag) -> None:
    """Set `flag` in place on the rows where `where` is true."""
    np.bitwise_or(flags, np.where(where, np.uint8(flag), np.uint8(0)), out=flags)
