from django.urls import path

from tidu.policy import editor_views, views

app_name = "policy"
urlpatterns = [
    path("calls/<slug:code>/", views.call_detail, name="call_detail"),
    path("calls/<slug:code>/editor/", editor_views.editor, name="editor"),
    path("policy/drafts/<int:pk>/", editor_views.draft, name="draft"),
    path("policy/drafts/<int:pk>/diff/", editor_views.draft_diff, name="draft_diff"),
    path("policy/drafts/<int:pk>/publish/", editor_views.draft_publish, name="draft_publish"),
    path("policy/drafts/<int:pk>/pack.yaml", editor_views.draft_yaml, name="draft_yaml"),
]
