"""Synthetic practitioners: doctors with NPWZ and specialties, nurses and midwives with licences."""
import datetime

import numpy as np

from klinika.testdata.synth import numbers, reference
from klinika.testdata.synth.people import draw_surnames, first_names_for, last_names_for

DOCTOR_TITLES = (("lek.", 0.75), ("dr n. med.", 0.22), ("dr hab. n. med.", 0.03))
NURSE_TITLES = (("", 0.5), ("mgr", 0.5))
FEMALE_SHARE = {"doctor": 0.6, "nurse": 0.97, "midwife": 1.0}
LICENCE_LETTER = {"nurse": "P", "midwife": "A"}


def generate_practitioners(*, seed: int, doctors: int, nurses: int = 0, midwives: int = 0,
                           email_domain: str = "przychodnia.example",
                           reference_date: datetime.date | None = None) -> list[dict]:
    """Practitioners in the form staff.services takes them: names, sex, profession, title,
    licence_number, specialties (codes of the national list; doctors only), a work e-mail and
    a mobile number. Licence numbers are distinct within one call."""
    rng = np.random.default_rng([seed, 2**31])
    professions = np.array(["doctor"] * doctors + ["nurse"] * nurses + ["midwife"] * midwives)
    n = len(professions)
    if n == 0:
        return []
    female_share = np.array([FEMALE_SHARE[p] for p in professions.tolist()])
    male = rng.random(n) >= female_share
    today = np.datetime64(reference_date or datetime.date.today(), "D")
    birth = today - (rng.uniform(27, 68, n) * 365.2425).astype(np.int64)
    origin = np.where(rng.random(n) < 0.03, reference.ORIGINS.index("ua"), reference.ORIGINS.index("pl"))

    first, first_index = first_names_for(rng, origin, male, numbers.split_date(birth)[0])
    first_folded = reference.first_names().folded[first_index]
    surname = draw_surnames(rng, origin)
    last, last_folded = last_names_for(surname, np.full(n, -1), male)

    licence = np.full(n, "", dtype="U8")
    is_doctor = professions == "doctor"
    licence[is_doctor] = numbers.npwz_numbers(rng, int(is_doctor.sum()))
    nursing = ~is_doctor
    letters = np.array([LICENCE_LETTER.get(p, "") for p in professions[nursing].tolist()], dtype="U1")
    licence[nursing] = numbers.nursing_licence_numbers(rng, letters)

    specialties = reference.specialty_weights()
    prefix = reference.mobile_prefixes().values[reference.mobile_prefixes().draw(rng, n)]
    phones = numbers.mobile_numbers(prefix, np.arange(n), seed ^ 0x5EED)
    result = []
    for i, profession in enumerate(professions.tolist()):
        titles = DOCTOR_TITLES if profession == "doctor" else NURSE_TITLES
        title = titles[int(np.searchsorted(np.cumsum([w for _t, w in titles]), rng.random()))][0]
        codes = []
        if profession == "doctor":
            count = 1 if rng.random() < 0.8 else 2
            drawn = specialties.values[specialties.draw(rng, count)].tolist()
            codes = list(dict.fromkeys(drawn))
        result.append({
            "first_name": str(first[i]), "last_name": str(last[i]), "sex": "M" if male[i] else "F",
            "profession": profession, "title": title, "licence_number": str(licence[i]),
            "specialties": codes, "email": f"{first_folded[i]}.{last_folded[i]}.{i}@{email_domain}",
            "phone": str(phones[i]),
        })
    return result
