"""An independent check-character calculation for tests (written apart from credit_code.py on purpose)."""

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # GB 32100-2015 table: no I, O, S, V, Z
WEIGHTS = [pow(3, i, 31) for i in range(17)]  # the standard's weights are 3^(i) mod 31


def with_check(first17: str) -> str:
    remainder = sum(ALPHABET.index(c) * w for c, w in zip(first17, WEIGHTS, strict=True)) % 31
    return first17 + ALPHABET[(31 - remainder) % 31]


def code(n: int) -> str:
    """A distinct valid code for test data (Tianmen division code 429006)."""
    return with_check(f"91429006MA4{n:06d}")
