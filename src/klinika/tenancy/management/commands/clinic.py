from django.core.management.base import BaseCommand, CommandError

from klinika.tenancy.models import Clinic
from klinika.tenancy.services import ClinicExists, create_clinic


class Command(BaseCommand):
    help = "Create or list clinics (tenants)."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="create a clinic with its own keys")
        create.add_argument("name")
        create.add_argument("--slug", help="short name used by --clinic (default: from the name)")
        sub.add_parser("list", help="list clinics")

    def handle(self, *args, action, **options):
        if action == "create":
            try:
                clinic = create_clinic(options["name"], options.get("slug"))
            except (ClinicExists, ValueError) as exc:
                raise CommandError(str(exc)) from None
            self.stdout.write(f"created clinic {clinic.slug} ({clinic.pk})")
        else:
            for clinic in Clinic.objects.all():
                demo = " [demo]" if clinic.is_demo else ""
                self.stdout.write(f"{clinic.slug}\t{clinic.pk}\t{clinic.status}{demo}\t{clinic.name}")
