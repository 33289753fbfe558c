from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError, no_translations
from django.utils import timezone

from klinika.accounts.roles import CLINIC_ROLES
from klinika.lifecycle.handover import cli as handover
from klinika.lifecycle.services import ClinicExists, create_clinic, create_clinic_with_admin, invite_to_clinic
from klinika.lifecycle.termination.cli import add_terminate_parser, run_terminate
from klinika.tenancy.models import Clinic
from klinika.tenancy.services import find_clinic


class Command(BaseCommand):
    help = "Create or list clinics (tenants); invite a clinic's first administrator or its staff."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="create a clinic with its own keys (and its first administrator)")
        create.add_argument("name")
        create.add_argument("--slug", help="short name used by --clinic (default: from the name)")
        create.add_argument("--admin", metavar="EMAIL",
                            help="make the clinic's first administrator and print their one-time invitation link")
        create.add_argument("--admin-login", metavar="LOGIN", help="the administrator's login (default: SLUG-admin)")
        create.add_argument("--expires-hours", type=int, metavar="N",
                            help="how long the invitation link works (default: KLINIKA_INVITATION_HOURS, 72)")
        invite = sub.add_parser("invite", help="invite a new login to a clinic, on behalf of one of its administrators")
        invite.add_argument("clinic", help="the clinic's slug or id")
        invite.add_argument("--by", required=True, metavar="ADMIN_LOGIN",
                            help="the clinic administrator the invitation is made by (audited as theirs)")
        invite.add_argument("--email", required=True)
        invite.add_argument("--role", required=True, choices=[r.value for r in CLINIC_ROLES])
        invite.add_argument("--login", required=True, help="the new login (a handle, not a name)")
        invite.add_argument("--expires-hours", type=int, metavar="N")
        sub.add_parser("list", help="list clinics")
        add_terminate_parser(sub)
        handover.add_subcommands(sub)  # export, verify-export, import

    @no_translations  # operators read English; the services' messages are translated for the web pages
    def handle(self, *args, action, **options):
        if action == "create":
            self._create(options)
        elif action == "invite":
            self._invite(options)
        elif action == "terminate":
            run_terminate(self, options)
        elif action in handover.HANDLERS:
            handover.HANDLERS[action](self, options)
        else:
            for clinic in Clinic.objects.all():
                demo = " [demo]" if clinic.is_demo else ""
                self.stdout.write(f"{clinic.slug}\t{clinic.pk}\t{clinic.status}{demo}\t{clinic.name}")

    def _create(self, options):
        invitation = None
        try:
            if options.get("admin"):
                clinic, invitation = create_clinic_with_admin(
                    options["name"], options.get("slug"), admin_email=options["admin"],
                    admin_login=options.get("admin_login"), invitation_hours=options.get("expires_hours"))
            elif options.get("admin_login") or options.get("expires_hours") is not None:
                raise CommandError("--admin-login and --expires-hours need --admin EMAIL")
            else:
                clinic = create_clinic(options["name"], options.get("slug"))
        except (ClinicExists, ValueError) as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(f"created clinic {clinic.slug} ({clinic.pk})")
        if invitation is not None:
            self._print_invitation("the clinic administrator", invitation)

    def _invite(self, options):
        try:
            invitation = invite_to_clinic(find_clinic(options["clinic"]), options["by"], email=options["email"],
                                          role=options["role"], login=options["login"],
                                          hours=options.get("expires_hours"))
        except (LookupError, ValueError, PermissionDenied) as exc:
            raise CommandError(str(exc)) from None
        self._print_invitation(f"a new {options['role']}", invitation)

    def _print_invitation(self, who, invitation):
        until = timezone.localtime(invitation.expires_at).strftime("%Y-%m-%d %H:%M %Z")
        self.stdout.write(f"invited {who}: login {invitation.user.username}; the link works once, until {until}:")
        self.stdout.write(invitation.link)
