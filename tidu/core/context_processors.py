from django.conf import settings

from tidu.core.fonts import MISSING_FONT_MESSAGE, find_cjk_font


def platform(request):
    """Tell every page when PDFs cannot be produced with Chinese text."""
    return {"cjk_font_missing": None if find_cjk_font(settings.TIDU_CJK_FONT) else MISSING_FONT_MESSAGE}
