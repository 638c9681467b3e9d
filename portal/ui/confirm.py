"""One confirmation page for every destructive action (withdraw, stop, decline, delete, remove a member).

GET names the object and says exactly what will happen and who will be told; POST does it. The button on the
object's page is a link here, so nothing destructive happens on one click, and it all works without JavaScript.
A view builds a `Confirmation` and hands it to `confirm` with the service call to make.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from portal.errors import DomainError
from portal.ui.views import show_error


@dataclass
class Confirmation:
    title: str  # the question, naming the object: "Withdraw request R00042?"
    caption: str  # what it belongs to: the school, the member's email
    happens: list[str]  # what will happen, one sentence each
    told: list[str]  # who will be told, in words; empty means nobody
    button: str  # names the action: "Withdraw request"
    cancel_url: str  # back to the object's page
    warning: str = "You cannot undo this."
    form: forms.Form | None = None  # a reason or a note, when the action takes one
    detail: str = ""  # a template shown under the title (what is being withdrawn), rendered with `context`
    context: dict | None = None


def confirm(request: HttpRequest, confirmation: Confirmation, *, act: Callable[[dict], object], done_url: str,
            done_message: str | Callable[[], str]) -> HttpResponse:
    """The confirmation page: GET shows it, POST validates the form and calls `act(cleaned_data)`.

    A `DomainError` from the service (someone else acted first, a guard said no) shows on the page as an error,
    so the person sees why and can go back. `done_message` may be a callable, read after the action.
    """
    form = confirmation.form if confirmation.form is not None else forms.Form(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            act(form.cleaned_data)
        except DomainError as error:
            show_error(form, error)
        else:
            messages.success(request, done_message() if callable(done_message) else done_message)
            return redirect(done_url)
    return render(request, "portal/confirm.html", {**(confirmation.context or {}), "confirmation": confirmation,
                                                   "form": form})

