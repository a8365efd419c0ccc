"""The WSGI application gunicorn serves in ``bench/load_bench.py``: tidu itself plus the auth floor
(``/bench-floor/``, a view that only reads ``request.user`` behind the same middleware). Not for production."""

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tidu.settings")

from django.conf import settings  # noqa: E402
from django.core.wsgi import get_wsgi_application  # noqa: E402
from django.http import HttpResponse  # noqa: E402
from django.urls import path  # noqa: E402

application = get_wsgi_application()


def floor_view(request):
    return HttpResponse(f"ok {request.user.pk}", content_type="text/plain")


from tidu.urls import urlpatterns as _project  # noqa: E402

urlpatterns = [*_project, path("bench-floor/", floor_view, name="bench_floor")]
settings.ROOT_URLCONF = __name__
