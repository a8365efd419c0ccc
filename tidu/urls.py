from django.contrib import admin
from django.urls import include, path

from tidu.ops import views as ops_views
from tidu.policy import views as policy_views

urlpatterns = [
    path("", policy_views.call_list, name="home"),
    path("", include("tidu.policy.urls")),
    path("accounts/", include("tidu.accounts.urls")),
    path("enterprises/", include("tidu.enterprises.urls")),
    path("applications/", include("tidu.applications.urls")),
    path("documents/", include("tidu.documents.urls")),
    path("notifications/", include("tidu.notifications.urls")),
    path("review/", include("tidu.review.urls")),
    path("experts/", include("tidu.experts.urls")),
    path("onsite/", include("tidu.onsite.urls")),
    path("decisions/", include("tidu.decisions.urls")),
    path("publicity/", include("tidu.publicity.urls")),
    path("records/", include("tidu.records.urls")),
    path("dashboards/", include("tidu.dashboards.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("healthz", ops_views.healthz, name="healthz"),
    path("benchmark/", include("tidu.benchmark.urls")),
    path("readiness/", include("tidu.readiness.urls")),
    path("whatif/", include("tidu.whatif.urls")),
    path("api/", include("tidu.api.urls")),
]
