from django.urls import path

from tidu.api import views
from tidu.api.api import api

urlpatterns = [
    path("tokens/", views.tokens, name="api_tokens"),
    path("tokens/all/", views.tokens_all, name="api_tokens_all"),
    path("tokens/<int:pk>/revoke/", views.token_revoke, name="api_token_revoke"),
    path("", api.urls),
]
