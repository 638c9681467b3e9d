"""Pages of the funding, inside a partnership."""

urlpatterns: list = []
