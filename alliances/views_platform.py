"""Platform staff: upload a school-data file and watch the worker import it."""

from __future__ import annotations

from functools import wraps

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods

from alliances import imports
from alliances.models import ImportJob
from portal.errors import DomainError


def staff_required(view):
    @wraps(view)
    @login_required
    def wrapper(request, *args, **kwargs):
        if not request.user.is_staff:
            raise PermissionDenied("Only platform staff can import school data.")
        return view(request, *args, **kwargs)

    return wrapper


class UploadForm(forms.Form):
    file = forms.FileField(
        label="School data file (CSV, or gzip-compressed CSV)",
        help_text="GIAS establishment extract, DfE spine or details, EduBase, GIAS links or lists, Ofsted history or ONS postcodes",
        error_messages={"required": "Choose a file to import", "empty": "The file is empty"},
    )


@staff_required
@require_http_methods(["GET", "HEAD", "POST"])
def import_list(request: HttpRequest) -> HttpResponse:
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            job = imports.start_import(actor=request.user, upload=form.cleaned_data["file"])
        except DomainError as error:
            form.add_error("file", str(error))
        else:
            return redirect("import_job", pk=job.pk)
    jobs = ImportJob.objects.select_related("uploaded_by").defer("content")[:20]
    return render(request, "alliances/imports.html", {"form": form, "jobs": jobs})


@staff_required
@require_http_methods(["GET", "HEAD"])
def import_job(request: HttpRequest, pk: int) -> HttpResponse:
    job = get_object_or_404(ImportJob.objects.defer("content"), pk=pk)
    return render(request, "alliances/import_job.html", {"job": job, "errors": job.report.get("errors", [])[:1000]})


@staff_required
@require_http_methods(["GET", "HEAD"])
def import_job_status(request: HttpRequest, pk: int) -> JsonResponse:
    job = get_object_or_404(ImportJob.objects.defer("content"), pk=pk)
    return JsonResponse({"state": job.state, "label": job.get_state_display(), "stage": job.stage, "done": job.done,
                         "total": job.total, "percent": job.percent, "finished": job.finished_at is not None})
