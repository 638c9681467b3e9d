"""Pages of the finance, inside a partnership."""

urlpatterns: list = []
