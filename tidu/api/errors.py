from tidu.core.errors import TiduError


class ApiTokenError(TiduError):
    """A token that cannot be made or revoked as asked (Chinese message)."""
