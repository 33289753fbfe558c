"""The screens a user may open: the top navigation and the dashboard are built from this list.

Each screen names the policy actions its view checks, and is offered only when the policy
lets the user in, so no page links to a screen its reader would be refused. Pages about
one object (a patient's card, a visit, its e-documents) are reached from lists, not from here.
"""
from dataclasses import dataclass

from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from klinika.accounts.policy import can
from klinika.staff.models import Practitioner


@dataclass(frozen=True)
class Screen:
    key: str
    url_name: str
    label: Promise
    # Any one of these lets the user in: the same test the screen's view makes.
    actions: tuple[str, ...]
    # The short name in the top navigation; screens without one are on the dashboard only.
    nav_label: Promise | None = None

    def allowed(self, user) -> bool:
        return any(can(user, action) for action in self.actions)


@dataclass(frozen=True)
class Section:
    key: str
    title: Promise
    screens: tuple[Screen, ...]


SECTIONS = (
    Section("patients", _("Patients"), (
        Screen("patients-search", "patients:search", _("Find a patient"), ("patients.search",), _("Patients")),
        Screen("patients-register", "patients:new", _("Register a patient"), ("patients.register",)),
        Screen("patients-merges", "patients:merges", _("Pending merges"), ("patients.merge",)),
    )),
    Section("schedule", _("Schedule"), (
        Screen("schedule-today", "scheduling:today", _("Today's visits"), ("schedule.view",), _("Today")),
        Screen("schedule-calendars", "scheduling:index", _("Schedules"), ("schedule.view",), _("Schedules")),
        Screen("schedule-book", "scheduling:book", _("Book a visit"), ("schedule.book",)),
        Screen("schedule-waitlist", "scheduling:waitlist", _("Waitlist"), ("schedule.book",)),
        Screen("schedule-setup", "scheduling:setup", _("Schedules, rooms and visit types"), ("schedule.manage",)),
    )),
    Section("staff", _("Staff"), (
        Screen("staff-practitioners", "staff:practitioners", _("Practitioners"), ("staff.view",), _("Staff")),
        Screen("staff-accounts", "staff-accounts", _("Staff accounts and two-factor login"), ("staff.manage",),
               _("Accounts")),
    )),
    Section("access", _("Access"), (
        Screen("support", "support", _("Vendor support access"), ("support.grant", "support.use"),
               _("Support access")),
        Screen("api-tokens", "api-tokens", _("API tokens"), ("accounts.api_tokens",), _("API tokens")),
    )),
    Section("clinic", _("Clinic"), (
        Screen("clinic-export", "handover:exports", _("Clinic data export"), ("clinic.export",),
               pgettext_lazy("navigation", "Export")),
        Screen("termination", "termination:status", _("Contract termination and deletion certificate"),
               ("lifecycle.termination",)),
    )),
    Section("data-protection", _("Data protection"), (
        Screen("breach-incidents", "breach:incidents", _("Data breach incidents"), ("breach.view",), _("Incidents")),
        Screen("retention-queue", "retention:queue", _("Retention queue and legal holds"), ("retention.manage",),
               _("Retention")),
    )),
)


def _link(screen: Screen) -> dict:
    return {"key": screen.key, "href": reverse(screen.url_name), "label": screen.label,
            "nav_label": screen.nav_label}


def top_navigation(user, current_path: str = "") -> list[dict]:
    """The top bar's links: policy checks only, no queries (it is on every page).

    The link whose address is the longest start of the current path is marked current.
    """
    links = [_link(screen) for section in SECTIONS for screen in section.screens
             if screen.nav_label is not None and screen.allowed(user)]
    matching = [link for link in links if current_path.startswith(link["href"])]
    if matching:
        max(matching, key=lambda link: len(link["href"]))["current"] = True
    return links


def _own_calendar(user) -> str | None:
    own = Practitioner.objects.filter(staff__user=user).only("pk").first()
    return reverse("scheduling:calendar", args=[own.pk]) if own else None


def dashboard_sections(user) -> list[dict]:
    """The dashboard's sections, each with the screens this user may open (empty sections left out)."""
    sections = []
    for section in SECTIONS:
        links = [_link(screen) for screen in section.screens if screen.allowed(user)]
        if section.key == "schedule" and can(user, "schedule.view"):
            # Only people with a schedule of their own have a calendar to open.
            own = _own_calendar(user)
            if own:
                links.insert(1, {"key": "schedule-mine", "href": own, "label": _("My calendar")})
        if links:
            sections.append({"key": section.key, "title": section.title, "links": links})
    return sections
