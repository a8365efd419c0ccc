from tidu.core.errors import TiduError


class ReadinessError(TiduError):
    """A readiness request that cannot be done, with a Chinese message."""
