from django.core.management.base import BaseCommand, CommandError

from klinika.crypto import backup


class Command(BaseCommand):
    help = ("Restore one database from a `klinika backup` file (its .json sidecar next to it): the clinic "
            "database (--data) or the keystore (--keystore).")

    def add_arguments(self, parser):
        which = parser.add_mutually_exclusive_group(required=True)
        which.add_argument("--data", metavar="FILE", help="a clinic database backup")
        which.add_argument("--keystore", metavar="FILE", help="a keystore backup")
        parser.add_argument("--force", action="store_true", help="replace a database that is not empty")

    def handle(self, *args, data, keystore, force, **options):
        kind, path = ("data", data) if data else ("keystore", keystore)
        try:
            report = backup.restore(path, kind, force=force)
        except (backup.BackupError, OSError) as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(f"restored the {kind} database from {report.path} (made {report.meta['created_at']})")
        if kind != "keystore":
            return
        self.stdout.write(f"{report.readable_keks} key-encryption keys open with the root key at hand")
        for entry in report.unreadable:
            state = ("destroyed" if entry.generation in report.destroyed_generations
                     else "not the one at hand")
            self.stdout.write(f"UNREADABLE: clinic {entry.clinic_id}: {entry.keks} KEK(s) and {entry.keys} keys under "
                              f"root key generation {entry.generation} ({state})")
        if report.unreadable:
            clinics = len({entry.clinic_id for entry in report.unreadable})
            self.stderr.write(f"{clinics} clinic(s) of this keystore backup cannot be read: their root key generation "
                              f"is gone. That is final for destroyed generations (by design, see docs/erasure.md).")
        if report.current_generation_missing:
            self.stderr.write("this keystore's current root key generation is destroyed: klinika will refuse to start "
                              "with it. Restore a newer keystore backup.")
