"""Helpers shared by the portal's views: capability checks and turning domain errors into messages."""

from __future__ import annotations

from functools import wraps

from django import forms
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest

from portal.errors import DomainError
from portal.ui.paging import paginate  # noqa: F401 - the lists' import of it, kept


def capability_required(capability: str):
    """Only members whose role has `capability` may open the view; others get 403 (outsiders got 404 earlier)."""

    def decorator(view):
        @wraps(view)
        def wrapper(request: HttpRequest, *args, **kwargs):
            if request.membership is None or not request.membership.can(capability):
                raise PermissionDenied("Your role in this partnership does not give you access to this page.")
            return view(request, *args, **kwargs)

        wrapper.capability = capability
        return wrapper

    return decorator


def query_without_page(request: HttpRequest) -> str:
    """The current filters as a query string, for pagination and export links."""
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


def found_or_404(queryset, pk):
    """The row with `pk` among those the member may see, or the same 404 a missing row gives."""
    found = queryset.filter(pk=pk).first()
    if found is None:
        raise Http404("Not found")
    return found


def show_error(form: forms.Form, error: DomainError) -> None:
    """Put a service's error on the form. One that names where its next step is taken goes at the top, and the
    error summary links it there; otherwise it goes on the field it names, when the form has it, or at the top."""
    if error.href:
        form.add_error(None, ValidationError(str(error), code="next_step", params={"href": error.href}))
    else:
        form.add_error(error.field if error.field in form.fields else None, str(error))
