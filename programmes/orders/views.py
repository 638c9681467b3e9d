"""Order pages: the list, starting an order, choosing services, checking answers and accepting terms, the order
itself, and the steering group's confirm and decline, the head's withdraw, and cancelling."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from portal.errors import DomainError
from portal.ui.confirm import Confirmation, confirm
from portal.ui.fields import NoteForm
from portal.ui.filtering import listing
from portal.ui.views import capability_required, found_or_404, show_error
from programmes.models import OrderLine, OrderStatus
from programmes.orders import selectors, services, transitions
from programmes.orders.forms import OrderFilter, OrderForm, StartOrderForm, TermsForm


def _back(slug: str, pk: int) -> HttpResponse:
    return redirect("programmes:order", partnership_slug=slug, pk=pk)


def _order(request: HttpRequest, pk: int):
    return found_or_404(selectors.orders_for(membership=request.membership).select_related("school", "catalogue"), pk)


@require_http_methods(["GET", "HEAD"])
@capability_required("orders.view")
def orders(request: HttpRequest, partnership_slug: str) -> HttpResponse:
    years = selectors.published_catalogues(partnership=request.partnership).values_list("academic_year", flat=True)
    filterset = OrderFilter(request.GET, queryset=selectors.orders_listed(membership=request.membership),
                            years=list(years), request=request)
    can_order = request.membership.can("orders.create")
    return render(request, "programmes/orders/orders.html", {
        **listing(request, filterset), "can_order": can_order,
        "my_schools": list(selectors.schools_in_view(membership=request.membership).order_by("name")) if can_order
        else []})


@require_http_methods(["GET", "HEAD", "POST"])
@capability_required("orders.create")
def order_new(request: HttpRequest, partnership_slug: str) -> HttpResponse:
    schools = list(selectors.schools_in_view(membership=request.membership).order_by("name"))
    catalogues = list(selectors.published_catalogues(partnership=request.partnership))
    form = StartOrderForm(request.POST if request.method == "POST" else None, schools=schools, catalogues=catalogues)
    if request.method == "POST" and form.is_valid():
        school = next(s for s in schools if s.urn == form.cleaned_data["school"])
        catalogue = next(c for c in catalogues if str(c.pk) == form.cleaned_data["catalogue"])
        try:
            order = services.start_order(actor=request.membership, school=school, catalogue=catalogue)
        except DomainError as error:
            show_error(form, error)
        else:
            return redirect("programmes:order_edit", partnership_slug=partnership_slug, pk=order.pk)
    return render(request, "programmes/orders/order_new.html", {"form": form, "schools": schools,
                                                                "catalogues": catalogues})


@require_http_methods(["GET", "HEAD", "POST"])
@capability_required("orders.create")
def order_edit(request: HttpRequest, partnership_slug: str, pk: int) -> HttpResponse:
    order = _order(request, pk)
    if not services.can_edit(request.membership, order):
        messages.info(request, "This order has been sent, so its services can no longer be changed.")
        return _back(partnership_slug, pk)
    today = timezone.localdate()
    choices = services.choices_for(order.catalogue, order.school, today=today)
    lines = {line.service_id: line.quantity for line in selectors.order_lines(order=order)}
    initial = {"purchase_order": order.purchase_order,
               "payg_beyond_balance": "yes" if order.payg_beyond_balance else ("no" if lines else None)}
    form = OrderForm(request.POST if request.method == "POST" else None, choices=choices, lines=lines, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.save_draft(actor=request.membership, order=order, quantities=form.quantities(),
                                purchase_order=form.cleaned_data["purchase_order"],
                                payg_beyond_balance=form.cleaned_data["payg_beyond_balance"], today=today)
        except DomainError as error:
            show_error(form, error)
        else:
            return redirect("programmes:order_check", partnership_slug=partnership_slug, pk=order.pk)
    return render(request, "programmes/orders/order_edit.html", {"order": order, "form": form})


@require_http_methods(["GET", "HEAD", "POST"])
@capability_required("orders.create")
def order_check(request: HttpRequest, partnership_slug: str, pk: int) -> HttpResponse:
    order = _order(request, pk)
    if not services.can_edit(request.membership, order):
        messages.info(request, "This order has already been sent.")
        return _back(partnership_slug, pk)
    lines = selectors.order_lines(order=order)
    if not lines:
        messages.info(request, "Choose at least one service first.")
        return redirect("programmes:order_edit", partnership_slug=partnership_slug, pk=pk)
    form = TermsForm(request.POST if request.method == "POST" else None, lines=lines)
    if request.method == "POST" and form.is_valid():
        try:
            transitions.send_order(actor=request.membership, order=order, accepted=form.accepted(),
                                   today=timezone.localdate())
        except DomainError as error:
            show_error(form, error)
        else:
            messages.success(request, f"Order {order.reference} is sent. The steering group has been asked to "
                             "confirm it; you will hear in the app and by email.")
            return _back(partnership_slug, pk)
    return render(request, "programmes/orders/order_check.html", {
        "order": order, "lines": lines, "form": form, "total": sum(line.total for line in lines)})


@require_http_methods(["GET", "HEAD"])
@capability_required("orders.view")
def order(request: HttpRequest, partnership_slug: str, pk: int) -> HttpResponse:
    found = _order(request, pk)
    lines = selectors.order_lines(order=found)
    member, today = request.membership, timezone.localdate()
    cancellable = services.may_cancel(member, found)
    rows = [(line, services.cancellation_problem(line, today=today) if cancellable else "") for line in lines]
    return render(request, "programmes/orders/order.html", {
        "order": found, "rows": rows, "total": sum(line.total for line in lines if line.status == "active"),
        "can_edit": services.can_edit(member, found), "can_decide": services.can_decide(member, found),
        "can_withdraw": services.can_withdraw(member, found), "can_cancel": cancellable})


@require_POST
@capability_required("orders.decide")
def order_confirm(request: HttpRequest, partnership_slug: str, pk: int) -> HttpResponse:
    found = _order(request, pk)
    try:
        transitions.confirm_order(actor=request.membership, order=found, today=timezone.localdate())
    except DomainError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, f"Order {found.reference} is confirmed. The school has been told; its days and "
                         "charges are on the school's page.")
    return _back(partnership_slug, pk)


def _confirmation(request, partnership_slug, found, *, title, happens, told, button, label, required, done, act):
    back = reverse("programmes:order", kwargs={"partnership_slug": partnership_slug, "pk": found.pk})
    form = NoteForm(request.POST or None, label=label, required=required, help_text="The people told will read it.")
    confirmation = Confirmation(title=title, caption=f"{found.school.name} · {found.reference}", happens=happens,
                                told=told, button=button, cancel_url=back, form=form)
    return confirm(request, confirmation, done_url=back, done_message=done, act=lambda data: act(data["note"]))


@require_http_methods(["GET", "HEAD", "POST"])
@capability_required("orders.decide")
def order_decline(request: HttpRequest, partnership_slug: str, pk: int) -> HttpResponse:
    found = _order(request, pk)
    if not services.can_decide(request.membership, found):
        messages.info(request, "This order is not waiting for a decision.")
        return _back(partnership_slug, pk)
    return _confirmation(
        request, partnership_slug, found, title=f"Decline order {found.reference}?",
        happens=["The order is declined: nothing is charged and no days are given.",
                 "Any limited places it held are freed for other schools."],
        told=["The school's headteachers, in the app and by email, with your reason."], button="Decline the order",
        label="Why is the order declined?", required=True, done=f"Order {found.reference} is declined.",
        act=lambda note: transitions.decline_order(actor=request.membership, order=found, reason=note))


@require_http_methods(["GET", "HEAD", "POST"])
@capability_required("orders.create")
def order_withdraw(request: HttpRequest, partnership_slug: str, pk: int) -> HttpResponse:
    found = _order(request, pk)
    if not services.can_withdraw(request.membership, found):
        messages.info(request, "Only an order waiting for the steering group can be withdrawn.")
        return _back(partnership_slug, pk)
    return _confirmation(
        request, partnership_slug, found, title=f"Withdraw order {found.reference}?",
        happens=["The order will not be decided, charged or give any days.",
                 "Any limited places it held are freed for other schools."],
        told=["The steering group, in the app and by email."], button="Withdraw the order",
        label="Why are you withdrawing it? (optional)", required=False, done=f"Order {found.reference} is withdrawn.",
        act=lambda note: transitions.withdraw_order(actor=request.membership, order=found, reason=note))


_CANCEL_HAPPENS = ["The days it gave the school are taken back (refused if any have been used).",
                   "Every charge for it is credited on the school's statement."]
_CANCEL_TOLD = ["The school's headteachers and the steering group, in the app and by email, with your reason."]


@require_http_methods(["GET", "HEAD", "POST"])
@capability_required("orders.view")
def order_cancel(request: HttpRequest, partnership_slug: str, pk: int) -> HttpResponse:
    found = _order(request, pk)
    if not services.may_cancel(request.membership, found):
        messages.info(request, "Only a confirmed order can be cancelled, by its school's headteacher or the "
                      "steering group.")
        return _back(partnership_slug, pk)
    return _confirmation(
        request, partnership_slug, found, title=f"Cancel the whole of order {found.reference}?",
        happens=["Every service still on the order is cancelled.", *_CANCEL_HAPPENS], told=_CANCEL_TOLD,
        button="Cancel the order", label="Why is it cancelled?", required=True,
        done=f"Order {found.reference} is cancelled and credited.",
        act=lambda note: transitions.cancel_order(actor=request.membership, order=found, reason=note,
                                                  today=timezone.localdate()))


@require_http_methods(["GET", "HEAD", "POST"])
@capability_required("orders.view")
def order_line_cancel(request: HttpRequest, partnership_slug: str, pk: int) -> HttpResponse:
    orders_seen = selectors.orders_for(membership=request.membership)
    line = found_or_404(OrderLine.objects.filter(order__in=orders_seen).select_related(
        "order__school", "order__partnership", "service__catalogue"), pk)
    found = line.order
    problem = services.cancellation_problem(line, today=timezone.localdate())
    if not services.may_cancel(request.membership, found) or found.status != OrderStatus.CONFIRMED or problem:
        messages.info(request, problem or "Only a service on a confirmed order can be cancelled, by its school's "
                      "headteacher or the steering group.")
        return _back(partnership_slug, found.pk)
    return _confirmation(
        request, partnership_slug, found, title=f"Cancel {line.service.name} on order {found.reference}?",
        happens=_CANCEL_HAPPENS, told=_CANCEL_TOLD, button="Cancel this service", label="Why is it cancelled?",
        required=True, done=f"{line.service.name} is cancelled and credited.",
        act=lambda note: transitions.cancel_line(actor=request.membership, line=line, reason=note,
                                                 today=timezone.localdate()))
