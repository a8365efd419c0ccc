from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from tidu.ops.health import health


@never_cache
@require_GET
def healthz(request):
    """200 when the database, the storage and (in production) a task worker are all fine, else 503."""
    healthy, body = health()
    return JsonResponse(body, status=200 if healthy else 503, json_dumps_params={"ensure_ascii": False})
