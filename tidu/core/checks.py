from django.conf import settings
from django.core.checks import Warning, register

from tidu.core.fonts import MISSING_FONT_MESSAGE, find_cjk_font


@register()
def cjk_font_check(app_configs, **kwargs):
    if find_cjk_font(settings.TIDU_CJK_FONT) is None:
        return [Warning(MISSING_FONT_MESSAGE, id="tidu.W001")]
    return []
