"""System leadership pages inside a partnership (/p/<slug>/leadership/...), one list per sub-package."""

app_name = "leadership"

urlpatterns: list = []
