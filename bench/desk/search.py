"""Patient search: klinika's search box against the same lookup on the plaintext twin's indexed column.

Queries are taken from randomly chosen registered patients, as a desk would type them:
  PESEL               "85010112345"
  surname             "Kowalska"
  surname first name  "Kowalska Anna"
  surname prefix      "Kowal" (the first 3 to 5 letters of the surname, as a receptionist types
                      before the rest; issue 11)

klinika, "service": patients.services.search_patients, the function behind the search page and the
  API, run as a request runs it (AuditBatchMiddleware: one transaction, the audit events of the search
  and of every patient shown written at its end). It looks the value up through the blind index
  (Patient.objects.matching), also in the identifier history and the document numbers, resolves
  merged records, sorts and caps the list at 50.
klinika, "lookup": Patient.objects.matching(...) alone, the blind-index query and the decryption of
  the rows it finds; what encryption costs, without the service's other work.
plaintext: PlainPatient.objects.filter(pesel=...) / filter(last_name=...[, first_name__startswith=...]) /
  filter(last_name__startswith=...), ordered by name and capped at 50 in SQL; pesel and last_name have
  btree indexes (a prefix uses the last_name index on PostgreSQL's C-collated range scan or a seq scan,
  whichever its planner picks).
klinika's prefix search: no one is called exactly so, so it reads the truncated prefix index (a 64th of
  the clinic), checks the decrypted surnames without building model instances, and loads the (at most
  51) that fit. Its results are a superset of the plaintext's (it also folds diacritics: "Zol" finds
  "Żółkowski") and, past 50 matches, not the same 50: the check below asks only that it finds every
  patient the plaintext does when they are fewer than 50.
plaintext + audit: the same lookup run as a request with the audit events klinika's search writes
  (one for the search, one per patient shown), so that klinika's service is also compared with a
  plaintext application that audits reads like klinika does: what is left is the encryption and the
  service's extra lookups.

Rows: service vs plaintext (the issue's criterion), service vs plaintext + audit, lookup vs plaintext.

Both sides format every row as the result list shows it (name, birth date, sex, masked PESEL and
document). "warm": the patients' keys are in the key cache (the same search ran just before, untimed).
"cold": the key cache is emptied before each klinika run and only the clinic's keys are loaded again,
so each patient found needs its subject key from the keystore: the usual case for a desk, since a
patient searched for is rarely one this process has just decrypted.
"""
import random
from types import SimpleNamespace

from bench.desk.timing import side_by_side

LIMIT = 1.5
KINDS = ("pesel", "surname", "surname first name", "surname prefix")
SHOWN = 50
# Kinds where klinika's service finds more than the plaintext lookup, by design: a surname is
# matched folded ("Pyc" finds "Pyć", "Zol" finds "Żółkowski"), and a surname of up to 5 letters typed alone
# also lists the surnames beginning with it ("Kowal": Kowal, then Kowalski, Kowalczyk...). The
# extra work is counted against klinika; the check asks that it misses nobody.
SUPERSET = ("surname", "surname first name", "surname prefix")


def samples(people: list[dict], count: int, seed: int) -> dict[str, list[dict]]:
    rng = random.Random(seed)
    out = {kind: [] for kind in KINDS}
    for person in rng.sample(people, count):
        out["pesel"].append({"query": person["pesel"], "pesel": person["pesel"]})
        out["surname"].append({"query": person["last_name"], "last_name": person["last_name"]})
        out["surname first name"].append({"query": f"{person['last_name']} {person['first_name']}",
                                          "last_name": person["last_name"], "first_name": person["first_name"]})
        prefix = person["last_name"][:rng.randint(3, 5)]
        out["surname prefix"].append({"query": prefix, "prefix": prefix})
    return out


def in_request(user, work):
    """Run `work()` the way a request runs a view: klinika's audit middleware around it."""
    from klinika.audit.middleware import AuditBatchMiddleware

    return AuditBatchMiddleware(lambda request: work())(SimpleNamespace(user=user))


def shown(patient) -> tuple:
    """One row of the result list (what patients.api.summary shows)."""
    pesel, document = str(patient.pesel or ""), str(patient.document_number or "")
    return (str(patient.last_name), str(patient.first_name), str(patient.birth_date), str(patient.sex),
            "\u2022" * 7 + pesel[-4:] if len(pesel) == 11 else "", "\u2022" * 6 + document[-3:] if document else "")


def klinika_service(user):
    from klinika.patients.services import search_patients

    def run(sample):
        result = in_request(user, lambda: search_patients(user, sample["query"]))
        return [shown(hit.patient) for hit in result.hits]

    return run


def klinika_lookup(kind):
    from klinika.patients.models import Patient

    def run(sample):
        if kind == "pesel":
            found = Patient.objects.matching(pesel=sample["pesel"])
        elif kind == "surname prefix":
            from klinika.patients.search import run

            # No bare lookup finds a prefix: the lookup is the search without its audit events.
            return [shown(hit.patient) for hit in run(sample["query"]).hits]
        else:
            found = Patient.objects.matching(last_name=sample["last_name"])
        rows = [shown(p) for p in found]
        if kind == "surname first name":
            rows = [row for row in rows if row[1].startswith(sample["first_name"])]
        return rows

    return run


def plaintext(kind, *, ordered=True):
    from bench.plainapp.models import PlainPatient

    def run(sample):
        if kind == "pesel":
            found = PlainPatient.objects.filter(pesel=sample["pesel"])
        elif kind == "surname":
            found = PlainPatient.objects.filter(last_name=sample["last_name"])
        elif kind == "surname prefix":
            found = PlainPatient.objects.filter(last_name__startswith=sample["prefix"])
        else:
            found = PlainPatient.objects.filter(last_name=sample["last_name"],
                                                first_name__startswith=sample["first_name"])
        if ordered:
            found = found.order_by("last_name", "first_name", "id")[:SHOWN]
        return [shown(p) for p in found]

    return run


def plaintext_audited(kind, user):
    """The plaintext lookup with the audit trail klinika's search leaves, in a request's transaction."""
    from klinika.audit.models import Action
    from klinika.audit.services import record

    lookup = plaintext(kind)

    def run(sample):
        def work():
            rows = lookup(sample)
            record(Action.READ, object_type="patient-search", reason=f"by {kind}; {len(rows)} shown")
            for _row in rows:
                record(Action.READ, object_type="patient", reason="search result")
            return rows

        return in_request(user, work)

    return run


def cold_keys(_sample=None):
    """Empty the key cache, then load the clinic's keys again (an unrelated blind-index query): the
    patients' own keys stay cold."""
    from klinika.crypto import keystore
    from klinika.patients.models import Patient

    keystore.forget_cached_keys()
    Patient.objects.matching(pesel="00000000000").exists()


def check_same_results(user, kind, sample_list):
    """Both sides must find the same patients, or the comparison would be unfair."""
    service, lookup, plain = klinika_service(user), klinika_lookup(kind), plaintext(kind)
    for sample in sample_list[:20]:
        expected = sorted(plain(sample))
        if kind in SUPERSET:
            found = service(sample)
            # A folded prefix can match more than 50 ("Lab": Labus, Łabuś...): then klinika shows 50 of them.
            if len(expected) < SHOWN and len(found) < SHOWN and not set(expected) <= set(found):
                raise SystemExit(f"search by {kind}: klinika missed a patient the plaintext twin found")
        elif len(expected) < SHOWN and sorted(service(sample)) != expected:
            raise SystemExit(f"search by {kind}: klinika's service and the plaintext twin found different patients")
        if kind in SUPERSET:  # the blind index of a surname is folded: "Pyc" finds "Pyć" too
            found = lookup(sample)
            if len(expected) < SHOWN and len(found) < SHOWN and not set(expected) <= set(found):
                raise SystemExit(f"search by {kind}: Patient.matching missed a patient the plaintext twin found")
        elif len(expected) < SHOWN and sorted(lookup(sample)) != expected:
            raise SystemExit(f"search by {kind}: Patient.matching and the plaintext twin found different patients")


def queries_per_call(fn, sample) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        fn(sample)
    return len(captured)


def measure(desk, sample_sets: dict, *, best_of: int, progress) -> dict:
    from klinika.tenancy.context import clinic_context

    user = desk.registrars[0]
    results = {}
    with clinic_context(desk.clinic):
        for kind, sample_list in sample_sets.items():
            check_same_results(user, kind, sample_list)
            hits = [len(plaintext(kind)(s)) for s in sample_list]
            service, lookup = klinika_service(user), klinika_lookup(kind)
            variants = [("service", service, plaintext(kind)),
                        ("service vs plaintext + audit", service, plaintext_audited(kind, user)),
                        ("lookup", lookup, plaintext(kind, ordered=False))]
            for name, klinika, baseline in variants:
                info = {"hits_median": sorted(hits)[len(hits) // 2], "hits_max": max(hits),
                        "queries_klinika": queries_per_call(klinika, sample_list[0]),
                        "queries_baseline": queries_per_call(baseline, sample_list[0])}
                for keys in ("warm", "cold"):
                    task = progress.add_task(f"search by {kind}: {name}, {keys} keys", total=len(sample_list))
                    if keys == "warm":
                        for sample in sample_list:  # untimed: every patient's key is cached
                            klinika(sample)
                            baseline(sample)
                    results[(kind, name, keys)] = side_by_side(
                        sample_list, klinika, baseline, best_of=best_of,
                        before_klinika=cold_keys if keys == "cold" else None, progress=progress, task=task) | info
    return results
