"""System leadership pages inside a partnership (/p/<slug>/leadership/...), one list per sub-package."""

from leadership.quality.urls import urlpatterns as quality
from leadership.recruitment.urls import urlpatterns as recruitment

app_name = "leadership"

urlpatterns: list = [*recruitment, *quality]
