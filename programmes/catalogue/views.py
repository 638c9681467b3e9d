"""The catalogue pages: the list by year, one catalogue (with each head's own prices), and the broker's forms."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from portal.days import days_phrase
from portal.errors import DomainError
from portal.formats import money_text
from portal.ui.confirm import Confirmation, confirm
from portal.ui.fields import NoteForm
from portal.ui.views import capability_required, found_or_404, show_error
from programmes.catalogue import copying, selectors, services
from programmes.catalogue.forms import CatalogueForm, CopyForm, ServiceForm
from programmes.models import Catalogue, CatalogueStatus, Service, ServiceStatus

GET_POST = ["GET", "HEAD", "POST"]


def _catalogue(request: HttpRequest, pk: int) -> Catalogue:
    return found_or_404(selectors.catalogues_for(membership=request.membership), pk)


def _service(request: HttpRequest, pk: int) -> Service:
    return found_or_404(selectors.managed_services_for(membership=request.membership), pk)


def _to_catalogue(slug: str, pk: int, anchor: str = "") -> HttpResponse:
    response = redirect("programmes:catalogue", partnership_slug=slug, pk=pk)
    if anchor:
        response["Location"] += f"#{anchor}"
    return response


@require_http_methods(["GET", "HEAD"])
@capability_required("catalogue.view")
def catalogues(request: HttpRequest, partnership_slug: str) -> HttpResponse:
    return render(request, "programmes/catalogue/catalogues.html", {
        "catalogues": list(selectors.catalogues_for(membership=request.membership)),
        "can_manage": request.membership.can("catalogue.manage")})


@require_http_methods(GET_POST)
@capability_required("catalogue.manage")
def catalogue_new(request: HttpRequest, partnership_slug: str) -> HttpResponse:
    form = CatalogueForm(request.POST or None, initial={"cancellation_rule": "before_start",
                                                       "invoice_schedule": "twice_yearly"})
    if request.method == "POST" and form.is_valid():
        try:
            catalogue = services.create_catalogue(actor=request.membership,
                                                  academic_year=form.cleaned_data["academic_year"],
                                                  values=form.values())
        except DomainError as error:
            show_error(form, error)
        else:
            messages.success(request, "The catalogue is created as a draft. Add its services, then publish it.")
            return _to_catalogue(partnership_slug, catalogue.pk)
    return render(request, "programmes/catalogue/catalogue_form.html", {"form": form, "catalogue": None})


@require_http_methods(GET_POST)
@capability_required("catalogue.manage")
def catalogue_edit(request: HttpRequest, partnership_slug: str, pk: int) -> HttpResponse:
    catalogue = _catalogue(request, pk)
    if catalogue.status != CatalogueStatus.DRAFT:
        messages.info(request, "This catalogue is published, so its details can no longer change.")
        return _to_catalogue(partnership_slug, pk)
    initial = {name: getattr(catalogue, name) for name in CatalogueForm.base_fields if hasattr(catalogue, name)}
    form = CatalogueForm(request.POST or None, initial=initial, year_fixed=catalogue.academic_year)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_catalogue(actor=request.membership, catalogue=catalogue, values=form.values())
        except DomainError as error:
            show_error(form, error)
        else:
            messages.success(request, "The catalogue's details are saved.")
            return _to_catalogue(partnership_slug, pk)
    return render(request, "programmes/catalogue/catalogue_form.html", {"form": form, "catalogue": catalogue})


@require_http_methods(["GET", "HEAD"])
@capability_required("catalogue.view")
def catalogue(request: HttpRequest, partnership_slug: str, pk: int) -> HttpResponse:
    found = _catalogue(request, pk)
    membership = request.membership
    live = list(selectors.services_of(catalogue=found))
    schools = selectors.head_schools(membership=membership) if membership.can("orders.create") else []
    can_manage = membership.can("catalogue.manage")
    return render(request, "programmes/catalogue/catalogue.html", {
        "catalogue": found, "rows": selectors.prices_for_schools(live, schools, today=timezone.localdate()), "schools": schools,
        "ended": list(selectors.ended_services(catalogue=found)) if can_manage else [],
        "can_manage": can_manage, "can_change_services": services.can_change_services(membership, found),
        "is_published": found.status == CatalogueStatus.PUBLISHED})


@require_http_methods(GET_POST)
@capability_required("catalogue.manage")
def catalogue_publish(request: HttpRequest, partnership_slug: str, pk: int) -> HttpResponse:
    found = _catalogue(request, pk)
    back = reverse("programmes:catalogue", kwargs={"partnership_slug": partnership_slug, "pk": pk})
    if found.status != CatalogueStatus.DRAFT:
        messages.info(request, "This catalogue is already published.")
        return redirect(back)
    count = selectors.services_of(catalogue=found).count()
    confirmation = Confirmation(
        title=f"Publish {found.title}?", caption=f"Academic year {found.academic_year}",
        happens=[f"Its {count} services go on sale to schools, at the prices shown.",
                 "Every member school is given the core entitlement for the year.",
                 "After this, changing a service makes a new version of it; orders keep the version they bought."],
        told=["The headteachers of every member school, in the app and by email."],
        button="Publish the catalogue", cancel_url=back, warning="A published catalogue cannot go back to draft.")
    return confirm(request, confirmation, done_url=back,
                   done_message="The catalogue is published. Member schools hold their core entitlement, and their "
                                "headteachers have been told.",
                   act=lambda data: services.publish_catalogue(actor=request.membership, catalogue=found))


@require_http_methods(GET_POST)
@capability_required("catalogue.manage")
def catalogue_copy(request: HttpRequest, partnership_slug: str, pk: int) -> HttpResponse:
    found = _catalogue(request, pk)
    target = copying.next_year(found)
    form = CopyForm(request.POST or None, initial={
        "academic_year": target, "uplift_percent": "0",
        "title": copying.next_title(found.title, found.academic_year, target)})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            copy = copying.copy_catalogue_forward(actor=request.membership, catalogue=found,
                                                  uplift_percent=data["uplift_percent"],
                                                  academic_year=data["academic_year"], title=data["title"])
        except DomainError as error:
            show_error(form, error)
        else:
            messages.success(request, f"The catalogue is copied to {copy.academic_year} as a draft, with every price "
                                      f"raised by {data['uplift_percent']}%. Check it, then publish it.")
            return _to_catalogue(partnership_slug, copy.pk)
    return render(request, "programmes/catalogue/copy.html", {"form": form, "catalogue": found})


@require_http_methods(GET_POST)
@capability_required("catalogue.manage")
def service_new(request: HttpRequest, partnership_slug: str, pk: int) -> HttpResponse:
    found = _catalogue(request, pk)
    if not services.can_change_services(request.membership, found):
        messages.info(request, "This catalogue is published: services are added while it is a draft.")
        return _to_catalogue(partnership_slug, pk)
    form = ServiceForm(request.POST or None, academic_year=found.academic_year)
    if request.method == "POST" and form.is_valid():
        try:
            service = services.add_service(actor=request.membership, catalogue=found, values=form.values())
        except DomainError as error:
            show_error(form, error)
        else:
            messages.success(request, f"{service.name} is added to the draft catalogue.")
            return _to_catalogue(partnership_slug, pk, f"service-{service.pk}")
    return render(request, "programmes/catalogue/service_form.html", {"form": form, "catalogue": found,
                                                                       "service": None})


@require_http_methods(GET_POST)
@capability_required("catalogue.manage")
def service_edit(request: HttpRequest, partnership_slug: str, pk: int) -> HttpResponse:
    service = _service(request, pk)
    found = service.catalogue
    if service.status not in (ServiceStatus.DRAFT, ServiceStatus.PUBLISHED):
        messages.info(request, "This version of the service was replaced or withdrawn, so it no longer changes.")
        return _to_catalogue(partnership_slug, found.pk)
    form = ServiceForm(request.POST or None, academic_year=found.academic_year, sold=service.sold, instance=service)
    if request.method == "POST" and form.is_valid():
        try:
            now = services.change_service(actor=request.membership, service=service, values=form.values())
        except DomainError as error:
            show_error(form, error)
        else:
            messages.success(request, f"{now.name} is saved as version {now.version}. Orders already made keep the "
                                      "version they bought." if now.pk != service.pk else f"{now.name} is saved.")
            return _to_catalogue(partnership_slug, found.pk, f"service-{now.pk}")
    return render(request, "programmes/catalogue/service_form.html", {"form": form, "catalogue": found,
                                                                       "service": service})


def _service_caption(service: Service) -> str:
    return f"{service.catalogue.title} · {service.get_kind_display()}"


@require_http_methods(GET_POST)
@capability_required("catalogue.manage")
def service_remove(request: HttpRequest, partnership_slug: str, pk: int) -> HttpResponse:
    service = _service(request, pk)
    back = reverse("programmes:catalogue", kwargs={"partnership_slug": partnership_slug, "pk": service.catalogue_id})
    if not services.can_change_services(request.membership, service.catalogue):
        messages.info(request, "Only a draft catalogue's services can be removed: withdraw a published one instead.")
        return redirect(back)
    confirmation = Confirmation(
        title=f"Remove {service.name}?", caption=_service_caption(service),
        happens=["The service is deleted from the draft catalogue. Nobody has ordered it: the catalogue is a draft."],
        told=[], button="Remove the service", cancel_url=back)
    return confirm(request, confirmation, done_url=back, done_message=f"{service.name} is removed.",
                   act=lambda data: services.remove_service(actor=request.membership, service=service))


@require_http_methods(GET_POST)
@capability_required("catalogue.manage")
def service_withdraw(request: HttpRequest, partnership_slug: str, pk: int) -> HttpResponse:
    service = _service(request, pk)
    back = reverse("programmes:catalogue", kwargs={"partnership_slug": partnership_slug, "pk": service.catalogue_id})
    if service.status != ServiceStatus.PUBLISHED:
        messages.info(request, "Only a published service can be withdrawn from sale.")
        return redirect(back)
    form = NoteForm(request.POST or None, label="Why is the service withdrawn?", required=True,
                    help_text="Kept with the catalogue's history.")
    price = money_text(service.member_price)
    confirmation = Confirmation(
        title=f"Withdraw {service.name} from sale?", caption=_service_caption(service),
        happens=[f"Schools can no longer order it (member price {price}"
                 + (f", {days_phrase(service.days)}" if service.days else "") + ").",
                 "Orders already made keep it, and days already held stay."],
        told=[], button="Withdraw the service", cancel_url=back, form=form)
    return confirm(request, confirmation, done_url=back, done_message=f"{service.name} is withdrawn from sale.",
                   act=lambda data: services.withdraw_service(actor=request.membership, service=service,
                                                              reason=data["note"]))
