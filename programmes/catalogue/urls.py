"""Pages of the catalogue, inside a partnership."""

urlpatterns: list = []
