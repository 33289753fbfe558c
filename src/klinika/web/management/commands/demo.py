from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import connections, router
from django.db.migrations.loader import MigrationLoader


class Command(BaseCommand):
    help = "Migrate, seed the demo clinic (synthetic data) and serve it."
    # Checked in handle, once the demo's message backends are chosen.
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--no-serve", action="store_true", help="seed only, do not start the server")

    def handle(self, *args, port, host, no_serve, **options):
        use_the_outbox()
        self.check()
        call_command("migrate", database="default", interactive=False, verbosity=0)
        migrate_keystore()
        call_command("seed_demo", stdout=self.stdout)
        if not no_serve:
            call_command("serve", port=port, host=host, stdout=self.stdout)


def use_the_outbox():
    """The demo's messages go to the file outbox, whatever the environment says.

    Its patients are generated, but their phone numbers and addresses may be someone's real
    ones: a real gateway would text strangers. (With KLINIKA_ENV=production the file backends
    refuse to write, and `serve` refuses to start.)
    """
    settings.KLINIKA_SMS_BACKEND = "file"
    settings.EMAIL_BACKEND = "klinika.notify.mail.FileEmailBackend"


def migrate_keystore():
    """What `migrate --database keystore` does, in a fraction of its time.

    The router lets only the keystore's own app migrate there, so every other app's migration is
    a no-op on that database. Run, each would still re-render the project's models (seconds, for
    nothing); recorded as applied (--fake) instead, the keystore ends in the same state.
    """
    loader = MigrationLoader(connections["keystore"], ignore_no_migrations=True)
    for label in sorted(loader.migrated_apps):
        if router.allow_migrate("keystore", label):
            call_command("migrate", label, database="keystore", interactive=False, verbosity=0)
    call_command("migrate", database="keystore", fake=True, interactive=False, verbosity=0)
