"""System leadership pages inside a partnership (/p/<slug>/leadership/...), one list per sub-package."""

from leadership.quality.urls import urlpatterns as quality

app_name = "leadership"

urlpatterns: list = [
    *quality,
]
