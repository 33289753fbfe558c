from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, no_translations

from klinika.lifecycle.termination import certificate as signed
from klinika.lifecycle.termination import services
from klinika.tenancy.services import find_clinic


class Command(BaseCommand):
    help = ("Deletion certificates of terminated clinics: show one, verify a file, print the vendor's "
            "public key, issue the backup statements that are due.")

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        show = sub.add_parser("show", help="write a clinic's deletion certificate (after its users can no longer "
                                           "log in, this is how the vendor hands it over)")
        show.add_argument("clinic", help="the clinic's slug or id")
        show.add_argument("--pdf", action="store_true", help="the PDF (Polish and English) instead of the JSON")
        show.add_argument("--statement", action="store_true",
                          help="the second statement (backups covered) instead of the certificate")
        show.add_argument("--out", type=Path, metavar="FILE", help="write to FILE (default: standard output)")
        verify = sub.add_parser("verify", help="check a certificate or statement (JSON or PDF)")
        verify.add_argument("file", type=Path)
        verify.add_argument("--public-key", metavar="BASE64",
                            help="the vendor's published key (default: the one in this installation's keystore)")
        sub.add_parser("public-key", help="print the vendor's certificate-signing public key (publish it)")
        sub.add_parser("statements", help="issue the backup statements whose root key generation is destroyed "
                                          "(the worker does this each round)")

    @no_translations
    def handle(self, *args, action, **options):
        if action == "verify":
            self._verify(options)
        elif action == "public-key":
            for key_id, key in signed.published_keys().items():
                self.stdout.write(f"{key_id}\tEd25519\t{signed.public_key_text(key)}")
        elif action == "statements":
            from klinika.lifecycle.termination.services.certificates import issue_backup_statements

            issued = issue_backup_statements()
            for termination in issued:
                self.stdout.write(f"backup statement issued for termination {termination.public_id}")
            if not issued:
                self.stdout.write("no backup statement due: no root generation of a certified termination "
                                  "was destroyed since the last run")
        else:
            self._show(options)

    def _verify(self, options):
        try:
            data = options["file"].read_bytes()
        except OSError as exc:
            raise CommandError(f"Cannot read {options['file']}: {exc.strerror}") from None
        trusted = None
        if options.get("public_key"):
            try:
                trusted = {signed.ANY_KEY_ID: signed.parse_public_key(options["public_key"])}
            except ValueError as exc:
                raise CommandError(str(exc)) from None
        result = signed.verify(data, trusted)
        if not result.ok:
            raise CommandError(f"{options['file']}: NOT VALID: " + "; ".join(result.problems))
        document = result.document
        self.stdout.write(f"{options['file']}: valid {document['format']} of clinic {document['clinic']['slug']} "
                          f"({document['clinic']['id']}), signed by key {document['signature']['key_id']}")

    def _show(self, options):
        try:
            clinic = find_clinic(options["clinic"])
        except LookupError as exc:
            raise CommandError(str(exc)) from None
        termination = services.termination_of(clinic)
        if termination is None or termination.certified_at is None:
            raise CommandError(f"{clinic.slug} has no deletion certificate yet; "
                               f"`klinika clinic terminate {clinic.slug} --status` shows what is missing")
        if options["statement"]:
            if termination.backup_statement_at is None:
                raise CommandError(f"The backup statement of {clinic.slug} is due once root key generation "
                                   f"{termination.root_generation} is destroyed "
                                   f"(after {termination.root_destroy_after:%Y-%m-%d})")
            data = bytes(termination.backup_statement)
        else:
            data = bytes(termination.certificate)
        if options["pdf"]:
            from klinika.lifecycle.termination.pdf import certificate_pdf, statement_pdf

            data = (statement_pdf if options["statement"] else certificate_pdf)(data)
        if options.get("out"):
            options["out"].write_bytes(data)
            self.stdout.write(f"wrote {options['out']}")
        elif options["pdf"]:
            raise CommandError("a PDF goes to a file: add --out FILE")
        else:
            self.stdout.write(data.decode("utf-8"), ending="")
