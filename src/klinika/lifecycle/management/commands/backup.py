from django.core.management.base import BaseCommand, CommandError

from klinika.crypto import backup


class Command(BaseCommand):
    help = ("A consistent backup of both databases: the clinic database to --data-out, the keystore to "
            "--keystore-out (a different target). The root key is in neither: back it up apart.")

    def add_arguments(self, parser):
        parser.add_argument("--data-out", required=True, help="directory for the clinic database's backup")
        parser.add_argument("--keystore-out", required=True,
                            help="directory for the keystore's backup: other storage than --data-out")

    def handle(self, *args, data_out, keystore_out, **options):
        try:
            files = backup.backup(data_out, keystore_out)
        except (backup.BackupError, OSError) as exc:
            raise CommandError(str(exc)) from None
        for item in files:
            self.stdout.write(f"{item.meta['kind']}: {item.path} ({item.meta['bytes']} bytes, sha256 "
                              f"{item.meta['sha256'][:16]}…, root key generation {item.meta['root_generation']})")
        generations = ", ".join(map(str, files[-1].meta["root_generations"]))
        self.stdout.write(f"the keystore backup opens only while root key generation(s) {generations} exist: "
                          f"`klinika keys generations` shows when each is destroyed")
