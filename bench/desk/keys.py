"""What a cold key costs with a clinic's 100k subject keys in the keystore (a diagnosis, not a criterion).

Writing a patient's encrypted data (a booking's reason for the visit, a registration, a
correction) takes the patient's key through keystore.subject_key(clinic, subject_ref); reading takes
the key a ciphertext names through keystore.key_by_id. Both are timed with the key cache emptied
before each call (the clinic's keys loaded again, untimed), on the same patients, alternating which
goes first, best of a few. The query plan of subject_key's lookup is kept with the numbers.
"""
import random
import statistics

from bench.desk.timing import timed


def measure(desk, people: list[dict], *, count: int, seed: int, best_of: int, progress) -> dict:
    from klinika.tenancy.context import clinic_context

    with clinic_context(desk.clinic):
        return _measure(desk.clinic.pk, people, count=count, seed=seed, best_of=best_of, progress=progress)


def _measure(clinic_id, people, *, count, seed, best_of, progress) -> dict:
    from bench.desk.search import cold_keys
    from klinika.crypto import keystore
    from klinika.crypto.models import DataKey

    refs = [p["subject_ref"] for p in random.Random(seed).sample(people, count)]
    key_ids = {ref: keystore.subject_key(clinic_id, ref).key_id for ref in refs}
    lookups = {"subject_key": lambda ref: keystore.subject_key(clinic_id, ref),
               "key_by_id": lambda ref: keystore.key_by_id(key_ids[ref])}
    samples = {name: [] for name in lookups}
    task = progress.add_task("cold key lookups: by subject vs by key id", total=count)
    for i, ref in enumerate(refs):
        names = list(lookups) if i % 2 == 0 else list(reversed(lookups))
        runs = {name: [] for name in names}
        for _ in range(best_of):
            for name in names:
                cold_keys()
                wall, cpu, _key = timed(lookups[name], ref)
                runs[name].append((wall, cpu))
        for name, times in runs.items():
            samples[name].append((min(t[0] for t in times), min(t[1] for t in times)))
        progress.advance(task)
    plan = (DataKey.objects.using(keystore.DB).filter(clinic_id=clinic_id, subject_ref=refs[0]).order_by("pk")[:1]
            .explain(analyze=True))
    out = {"keys_in_keystore": DataKey.objects.using(keystore.DB).count(), "samples": count, "plan": plan}
    for name, values in samples.items():
        out[f"{name}_us"] = statistics.median(v[0] for v in values) / 1000
        out[f"{name}_cpu_us"] = statistics.median(v[1] for v in values) / 1000
    return out
