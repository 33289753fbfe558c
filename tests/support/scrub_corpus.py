"""A generated corpus of Polish visit notes with planted identifiers and their labels.

Everyone in it is generated (`klinika.testdata.synthetic.SyntheticPeople`); no real personal
data. Each note is written from templates about one patient, the doctor who saw them and
sometimes another person of the clinic (a relative, a colleague), in the grammatical case the
sentence needs ("u Anny Kowalskiej", "z dr. Markiem Nowakiem"). Every planted identifier
carries a label (kind, start, end), so recall and precision can be counted exactly. The
inflection here is written independently of the scrubber's (one correct form per case, from
the grammar; the scrubber generates a set of candidate forms).

Clinical sentences hold the numbers a real note holds (blood pressure, doses, lab values,
ICD-10 codes, order numbers, dates of visits, an 11-digit sample number with a wrong PESEL
check digit): whatever the scrubber takes from them counts against its precision.

    corpus = generate_corpus(notes=300, seed=1)
    corpus.notes[0].text, corpus.notes[0].labels, corpus.notes[0].own, corpus.name_lists
"""
import datetime
import random
import re
from dataclasses import dataclass, field

from stdnum.pl import nip as nip_check
from stdnum.pl import pesel as pesel_check
from stdnum.pl import regon as regon_check

from klinika.testdata.synthetic import SyntheticPeople

CASES = ("nom", "gen", "dat", "acc", "ins", "loc")
_SOFT = (("st", "ście"), ("ch", "sze"), ("k", "ce"), ("g", "dze"), ("r", "rze"), ("t", "cie"), ("d", "dzie"),
         ("ł", "le"), ("sł", "śle"))


def _soft_e(stem: str) -> str:
    for hard, soft in _SOFT:
        if stem.endswith(hard):
            return stem[: -len(hard)] + soft
    return stem + "ie"


def decline(word: str, case: str, sex: str, surname: bool) -> str:
    """One word of a Polish name in a grammatical case (the common patterns)."""
    if case == "nom" or not word:
        return word
    if surname and (m := re.fullmatch(r"(.*(?:s|c|dz)k)([ia])", word)):
        stem, ending = m[1], m[2]
        if ending == "a":
            return stem + {"gen": "iej", "dat": "iej", "acc": "ą", "ins": "ą", "loc": "iej"}[case]
        return stem + {"gen": "iego", "dat": "iemu", "acc": "iego", "ins": "im", "loc": "im"}[case]
    if word.endswith("a"):
        stem = word[:-1]
        if stem.endswith("i"):
            oblique = stem + "i"                      # Maria → Marii
        elif stem.endswith("j"):
            oblique = stem[:-1] + "i"                 # Kaja → Kai
        elif stem.endswith(("l", "sz", "cz", "rz", "ż", "c")):
            oblique = stem + ("i" if stem.endswith("l") else "y")  # Aniela → Anieli, Natasza → Nataszy
        else:
            oblique = None
        if oblique:
            gen = dat = oblique
        else:
            gen = stem + ("i" if stem.endswith(("k", "g")) else "y")
            dat = _soft_e(stem)
        return {"gen": gen, "dat": dat, "acc": stem + "ę", "ins": stem + "ą", "loc": dat}[case]
    if sex == "F" or word.endswith("e"):
        return word  # women's consonant surnames (Anna Nowak) and Nicole are not declined
    if word.endswith(("y", "i")):
        stem = word[:-1] if word.endswith("y") else word
        instrumental = stem + ("ym" if word.endswith("y") else "m")
        return {"gen": stem + "ego", "dat": stem + "emu", "acc": stem + "ego", "ins": instrumental,
                "loc": instrumental}[case]
    if word.endswith("o"):
        stem = word + "n" if word in ("Bruno", "Iwo") else word[:-1]
        return {"gen": stem + "a", "dat": stem + "owi", "acc": stem + "a", "ins": stem + "em",
                "loc": (_soft_e(stem) if word in ("Bruno", "Iwo") else stem + "u")}[case]
    stem = word
    for ending, replacement in (("ek", "k"), ("eł", "ł"), ("ień", "ni"), ("eć", "ci"), ("ioł", "ł")):
        if word.endswith(ending) and not (ending == "ek" and word in ("Czech",)):
            stem = word[: -len(ending)] + replacement
            break
    if word == "Wróbel":
        stem = "Wróbl"
    velar_or_soft = stem.endswith(("k", "g", "ch", "sz", "cz", "rz", "ż", "j", "c", "ni", "ci", "l", "i"))
    loc = stem + "u" if velar_or_soft else _soft_e(stem)
    ins = stem + ("iem" if stem.endswith(("k", "g")) else "em")
    return {"gen": stem + "a", "dat": stem + "owi", "acc": stem + "a", "ins": ins, "loc": loc}[case]


def decline_name(name: str, case: str, sex: str, surname: bool) -> str:
    return "-".join(" ".join(decline(w, case, sex, surname) for w in part.split(" ")) for part in name.split("-"))


@dataclass
class Note:
    text: str
    labels: list[tuple[str, int, int]]  # (kind, start, end)
    own: dict                            # the patient the note is about (for OwnIdentifiers.from_person)
    clinical: list[tuple[int, int]] = field(default_factory=list)  # spans of clinical text (no identifier)


@dataclass
class Corpus:
    notes: list[Note]
    people: list[dict]   # the clinic's patients and staff: the name lists
    staff: list[dict]

    @property
    def text_bytes(self) -> int:
        return sum(len(n.text.encode()) for n in self.notes)


# --- identifier formats --------------------------------------------------------------------------

def pesel_text(rng, number):
    r = rng.random()
    if r < 0.85:
        return number
    if r < 0.93:
        return f"{number[:6]} {number[6:]}"
    return f"{number[:2]} {number[2:4]} {number[4:6]} {number[6:]}"


def phone_text(rng, phone):
    d = re.sub(r"\D", "", phone)[-9:]
    return rng.choice([
        f"+48 {d[:3]} {d[3:6]} {d[6:]}", f"{d[:3]} {d[3:6]} {d[6:]}", f"{d[:3]}-{d[3:6]}-{d[6:]}", d,
        f"0048 {d[:3]} {d[3:6]} {d[6:]}", f"+48{d}", f"({d[:2]}) {d[2:5]} {d[5:7]} {d[7:]}",
        f"+48 {d[:2]} {d[2:5]}-{d[5:7]}-{d[7:]}", f"{d[:2]} {d[2:5]} {d[5:7]} {d[7:]}"])


def _nip(rng):
    while True:
        body = "".join(rng.choice("0123456789") for _ in range(9))
        check = sum(int(a) * w for a, w in zip(body, (6, 5, 7, 2, 3, 4, 5, 6, 7), strict=True)) % 11
        if check < 10 and body[0] != "0":
            number = body + str(check)
            assert nip_check.is_valid(number)
            return rng.choice([f"{number[:3]}-{number[3:6]}-{number[6:8]}-{number[8:]}",
                               f"{number[:3]}-{number[3:5]}-{number[5:7]}-{number[7:]}", number, "PL" + number])


def _regon(rng):
    body = "".join(rng.choice("0123456789") for _ in range(8))
    number = body + str(sum(int(a) * w for a, w in zip(body, (8, 9, 2, 3, 4, 5, 6, 7), strict=True)) % 11 % 10)
    if rng.random() < 0.4:  # a local unit's 14-digit REGON: the 9-digit one, 4 digits, its own check digit
        body = number + "".join(rng.choice("0123456789") for _ in range(4))
        weights = (2, 4, 8, 5, 0, 9, 7, 3, 6, 1, 2, 4, 8)
        number = body + str(sum(int(a) * w for a, w in zip(body, weights, strict=True)) % 11 % 10)
    assert regon_check.is_valid(number)
    return number


def _npwz(rng):
    while True:
        six = "".join(rng.choice("0123456789") for _ in range(6))
        check = sum(w * int(d) for w, d in enumerate(six, start=1)) % 11
        if 0 < check < 10:
            return f"{check}{six}"


_MONTHS = ("stycznia lutego marca kwietnia maja czerwca lipca sierpnia września października listopada "
           "grudnia").split()


def dob_text(rng, date: datetime.date):
    return rng.choice([f"{date:%d.%m.%Y}", f"{date:%Y-%m-%d}", f"{date.day} {_MONTHS[date.month - 1]} {date.year}",
                       f"{date:%d.%m.%Y} r."])


def _bad_pesel(rng):
    while True:
        number = "".join(rng.choice("0123456789") for _ in range(11))
        if not pesel_check.is_valid(number):
            return number


# --- templates -----------------------------------------------------------------------------------
# {P.first:gen} the patient's first name in the genitive, {D.…} the doctor, {O.…} another
# person of the clinic; {F:Pacjentka|Pacjent} by the patient's sex; {X:…} one of the identifiers.

IDENTIFYING = [
    "{F:Pacjentka|Pacjent} {P.first:nom} {P.last:nom} (PESEL {P.pesel}) zgłasza się z powodu {complaint}.",
    "{F:Pacjentka|Pacjent} {P.last:nom} {P.first:nom}, PESEL: {P.pesel}, {F:przyjęta|przyjęty} w trybie planowym.",
    "Wywiad od {P.first:gen} {P.last:gen}: {complaint} od {n} dni.",
    "Zalecenia przekazano {P.first:dat} {P.last:dat} ustnie i na piśmie.",
    "Rozmowa telefoniczna z {P.first:ins} {P.last:ins}, tel. kontaktowy {P.phone}.",
    "Tel. kontaktowy: {P.phone}; e-mail: {P.email}.",
    "Wyniki przesłano na adres {P.email} za zgodą {F:pacjentki|pacjenta}.",
    "{F:Skierowana|Skierowany} przez lek. {D.first:nom} {D.last:nom}, NPWZ {D.npwz}.",
    "Konsultacja u dr. {D.first:gen} {D.last:gen} (PWZ {D.npwz}) zaplanowana za {n} tygodnie.",
    "Omówiono z dr {D.last:ins} dalsze postępowanie.",
    "{F:Zamieszkała|Zamieszkały} ul. {P.street} {P.building}, {P.postal} {P.city}.",
    "Adres: ul. {P.street} {P.building}, {P.postal} {P.city}.",
    "{F:Pacjentka ur.|Pacjent ur.} {P.dob}, {F:zgłasza|zgłasza} {complaint}.",
    "Data urodzenia: {P.dob}.",
    "Tożsamość potwierdzono dowodem osobistym {P.idcard}.",
    "{F:Pacjentka|Pacjent} okazała paszport nr {P.passport}.",
    "Zwolnienie lekarskie dla pracodawcy: NIP {nip}, REGON {regon}.",
    "Pracodawca (NIP {nip}) poinformowany o niezdolności do pracy.",
    "Wizyta w obecności {O.rel:gen} – {O.first:gen} {O.last:gen}, tel. {O.phone}.",
    "{O.rel:nom} {O.first:nom} {O.last:nom} upoważniony(-a) do informacji o stanie zdrowia.",
    "Zastępstwo: lek. {D.first:nom} {D.last:nom}. Kontakt z {P.first:ins} ustalono na {weekday}.",
    "{P.first:nom} {F:skarży się|skarży się} na {complaint_acc}.",
    "{F:Pani|Pan} {P.last:nom} prosi o kontakt z dr. {D.last:ins}.",
    "Kontrola u {P.first:gen} za {n} miesiące; przypomnienie SMS na {P.phone}.",
    "Informację o wyniku przekazano {P.first:dat} {P.last:dat} przez telefon {P.phone}.",
]

CLINICAL = [
    "RR {sys}/{dia} mmHg, tętno {hr}/min, temp. 36,{t}°C.",
    "Glikemia na czczo {glu} mg/dl, HbA1c {a1c},{a1cd}%.",
    "Metformina 500 mg 2 x dziennie, kontrola za {n} miesiące.",
    "Rozpoznanie: {icd}. Zalecono odpoczynek i nawodnienie.",
    "Badanie przedmiotowe: osłuchowo nad polami płucnymi szmer pęcherzykowy prawidłowy.",
    "Brzuch miękki, niebolesny, bez objawów otrzewnowych.",
    "Zlecono morfologię, CRP, TSH, lipidogram i badanie ogólne moczu.",
    "Nr zlecenia laboratoryjnego {order}, wynik do odbioru za {n} dni.",
    "Próbka nr {bad_pesel} przekazana do laboratorium.",
    "Wizyta kontrolna {visit_date}, godz. {hour}:{minute}.",
    "USG jamy brzusznej z dnia {visit_date} bez zmian ogniskowych.",
    "Cholesterol całkowity {chol},{d} mmol/l, LDL {ldl},{d} mmol/l.",
    "BMI {bmi},{d} kg/m2, obwód talii {waist} cm.",
    "Skala bólu VAS {vas}/10, ból promieniuje do lewej kończyny dolnej.",
    "Szczepienie przeciw grypie wykonane, partia {lot}.",
    "Ibuprofen 400 mg doraźnie, maks. 3 x dziennie przez 5-7 dni.",
    "EKG: rytm zatokowy miarowy {hr}/min, oś pośrednia, bez cech niedokrwienia.",
    "Zalecono dietę ubogosodową i aktywność fizyczną 30-40 minut dziennie.",
    "Pacjent w stanie ogólnym dobrym, wydolny krążeniowo i oddechowo.",
    "Wydano e-receptę, kod dostępu {code4}.",
    "W wywiadzie nadciśnienie tętnicze od {n} lat, cukrzyca typu 2.",
    "Alergia na penicylinę, nietolerancja laktozy.",
    "Zmiana opatrunku co 2-3 dni, szwy do usunięcia za 10-14 dni.",
    "Pacjentka w 12. tygodniu ciąży, ciąża przebiega prawidłowo.",
    "Objawy ustąpiły po 3 dniach leczenia, osłuchowo bez zmian.",
    "Kwalifikacja do zabiegu w znieczuleniu miejscowym, skierowanie do szpitala.",
    "Leczenie: amoksycylina 1 g co 12 godzin przez 7 dni.",
    "Ciśnienie w domowych pomiarach 125-135/80-85 mmHg.",
    "Kontrola okulistyczna za rok, dno oka bez zmian.",
    "Dziecko szczepione zgodnie z kalendarzem szczepień, rozwój prawidłowy.",
    # Words that are also names or forms of names: whatever is taken here counts against precision.
    "W maju pacjent idzie do sanatorium; w domu kot i pies, uczulenie na sierść.",
    "Róża podudzia prawego, zalecono antybiotykoterapię i uniesienie kończyny.",
    "Zmiana skórna przypomina różę, kontrola za tydzień.",
    "Kontrola 3 maja, wyniki do wglądu w rejestracji.",
    "Owad (mucha) w przewodzie słuchowym zewnętrznym, usunięty bez powikłań.",
    "Podejrzenie tocznia (wilk), skierowano do poradni reumatologicznej.",
    "Marka glukometru bez znaczenia, pomiary wiarygodne.",
    "Dawka 2 x 1 tabl. przez 14 dni, potem 1 x 1 tabl. do kontroli.",
    "Wynik posiewu: Staphylococcus aureus MSSA, wrażliwy na klindamycynę.",
]

COMPLAINTS = ["bólu głowy", "kaszlu", "bólu brzucha", "gorączki", "duszności", "bólu gardła", "zawrotów głowy",
              "bólu kręgosłupa lędźwiowego", "wysypki", "kołatania serca"]
COMPLAINTS_ACC = ["ból głowy", "kaszel", "ból brzucha", "bezsenność", "duszność", "ból gardła", "zawroty głowy",
                  "ból stawów", "świąd skóry", "zmęczenie"]
ICD = ["J06.9", "I10", "E11.9", "M54.5", "K29.7", "J20.9", "R51", "L30.9", "N39.0", "E78.0"]
WEEKDAYS = ["poniedziałek", "wtorek", "środę", "czwartek", "piątek"]
RELATIONS = {"F": {"nom": "Córka", "gen": "córki"}, "M": {"nom": "Syn", "gen": "syna"}}

KIND = {"first": "IMIĘ", "last": "NAZWISKO", "pesel": "PESEL", "phone": "TELEFON", "email": "EMAIL",
        "npwz": "NPWZ", "street": "ADRES", "postal": "ADRES", "building": "ADRES", "city": "ADRES",
        "dob": "DATA_URODZENIA", "idcard": "DOWÓD", "passport": "PASZPORT", "nip": "NIP", "regon": "REGON"}
_SLOT = re.compile(r"\{([^{}]+)\}")


class Writer:
    def __init__(self):
        self.parts: list[str] = []
        self.length = 0
        self.labels: list[tuple[str, int, int]] = []
        self.clinical: list[tuple[int, int]] = []

    def text(self, s: str, clinical=True):
        if clinical and s:
            self.clinical.append((self.length, self.length + len(s)))
        self.parts.append(s)
        self.length += len(s)

    def planted(self, kind: str, s: str):
        self.labels.append((kind, self.length, self.length + len(s)))
        self.text(s, clinical=False)


def fill(writer: Writer, template: str, ctx: dict, rng: random.Random):
    pos = 0
    for m in _SLOT.finditer(template):
        writer.text(template[pos:m.start()])
        pos = m.end()
        slot = m[1]
        if slot.startswith("F:"):
            female, male = slot[2:].split("|")
            writer.text(female if ctx["P"]["sex"] == "F" else male)
        elif slot[:2] in ("P.", "D.", "O."):
            who, attr = slot[0], slot[2:]
            person = ctx[who]
            attr, _, case = attr.partition(":")
            if attr == "rel":
                rel = RELATIONS[person["sex"]][case]
                writer.text(rel)
            elif attr in ("first", "last"):
                value = decline_name(person["first_name" if attr == "first" else "last_name"], case,
                                     person["sex"], surname=attr == "last")
                writer.planted(KIND[attr], value)
            elif attr == "street":
                # the building number, postal code and town are one address with the street
                address = person["address"]
                writer.planted("ADRES", address["street"])
            else:
                writer.planted(KIND[attr], ctx["values"][who][attr])
        elif slot in ("nip", "regon"):
            writer.planted(KIND[slot], _nip(rng) if slot == "nip" else _regon(rng))
        else:
            writer.text(str(ctx["fillers"][slot]()))
    writer.text(template[pos:])


def _merge_address_labels(labels):
    """"Lipowa", " ", "5/3" as planted separately are one address: join ADRES labels that
    touch or are separated by a single space, so the label is "Lipowa 5/3" and "00-950 Warszawa"."""
    out = []
    for kind, start, end in labels:
        if out and kind == "ADRES" and out[-1][0] == "ADRES" and start - out[-1][2] <= 1:
            out[-1] = ("ADRES", out[-1][1], end)
        else:
            out.append((kind, start, end))
    return out


def generate_corpus(notes: int = 300, seed: int = 1, patients: int | None = None, staff: int = 12) -> Corpus:
    rng = random.Random(seed)
    synthetic = SyntheticPeople(seed=seed)
    patients = patients or max(20, notes // 4)
    people = []
    for _ in range(patients):
        person = synthetic.patient()
        person = synthetic.with_id_card(person) if rng.random() < 0.7 else person
        person["passport"] = synthetic.passport_number()
        people.append(person)
    doctors = []
    for _ in range(staff):
        doctor = synthetic.staff()
        doctor["sex"] = "F" if doctor["first_name"].endswith("a") else "M"
        doctor["npwz"] = _npwz(rng)
        doctors.append(doctor)

    fillers = {
        "complaint": lambda: rng.choice(COMPLAINTS), "complaint_acc": lambda: rng.choice(COMPLAINTS_ACC),
        "n": lambda: rng.randint(2, 4), "sys": lambda: rng.randint(105, 170), "dia": lambda: rng.randint(60, 105),
        "hr": lambda: rng.randint(52, 110), "t": lambda: rng.randint(1, 9), "glu": lambda: rng.randint(70, 180),
        "a1c": lambda: rng.randint(5, 9), "a1cd": lambda: rng.randint(0, 9), "icd": lambda: rng.choice(ICD),
        "order": lambda: rng.randint(10_000_000, 99_999_999), "bad_pesel": lambda: _bad_pesel(rng),
        "visit_date": lambda: f"{rng.randint(1, 28):02d}.{rng.randint(1, 12):02d}.{rng.randint(2019, 2026)}",
        "hour": lambda: rng.randint(8, 18), "minute": lambda: rng.choice(["00", "15", "30", "45"]),
        "chol": lambda: rng.randint(3, 7), "ldl": lambda: rng.randint(1, 5), "d": lambda: rng.randint(0, 9),
        "bmi": lambda: rng.randint(18, 38), "waist": lambda: rng.randint(65, 125), "vas": lambda: rng.randint(1, 10),
        "lot": lambda: f"{rng.choice('ABCDEFGHJK')}{rng.randint(100, 999)}", "code4": lambda: rng.randint(1000, 9999),
        "weekday": lambda: rng.choice(WEEKDAYS),
    }
    out = []
    for _ in range(notes):
        patient = rng.choice(people)
        other = rng.choice([p for p in people if p is not patient][:50])
        doctor = rng.choice(doctors)
        values = {}
        for who, person in (("P", patient), ("O", other), ("D", doctor)):
            address = person.get("address") or {}
            values[who] = {
                "pesel": pesel_text(rng, person.get("pesel", "")), "phone": phone_text(rng, person.get("phone", "")),
                "email": person.get("email", ""), "npwz": person.get("npwz", ""),
                "building": address.get("building", ""), "postal": address.get("postal_code", ""),
                "city": address.get("city", ""),
                "dob": dob_text(rng, person.get("birth_date", datetime.date(1980, 1, 1))),
                "idcard": person.get("document_number") or synthetic.id_card_number(),
                "passport": person.get("passport", ""),
            }
        ctx = {"P": patient, "O": other, "D": doctor, "values": values, "fillers": fillers}
        writer = Writer()
        sentences = rng.sample(IDENTIFYING, rng.randint(2, 4)) + rng.sample(CLINICAL, rng.randint(3, 6))
        rng.shuffle(sentences)
        for i, template in enumerate(sentences):
            if i:
                writer.text(" ")
            fill(writer, template, ctx, rng)
        text = "".join(writer.parts)
        out.append(Note(text, _merge_address_labels(writer.labels), patient, writer.clinical))
    return Corpus(out, people + doctors, doctors)


def covered(spans: list[tuple[int, int]], length: int) -> bytearray:
    mask = bytearray(length)
    for start, end in spans:
        mask[start:end] = b"\x01" * (end - start)
    return mask


def score(corpus: Corpus, spans_per_note: list[list[tuple[int, int]]]) -> dict:
    """Recall of planted identifiers (a label counts when every character of it was removed),
    per kind; precision of findings (a finding counts when it overlaps a label); and how many
    clinical words (3 letters or more outside any label) were destroyed."""
    planted = found = findings = true_findings = words = destroyed = 0
    per_kind: dict[str, list[int]] = {}
    word = re.compile(r"\w{3,}")
    for note, spans in zip(corpus.notes, spans_per_note, strict=True):
        mask = covered(spans, len(note.text))
        label_mask = covered([(s, e) for _, s, e in note.labels], len(note.text))
        for kind, start, end in note.labels:
            hit = all(mask[start:end])
            planted += 1
            found += hit
            per_kind.setdefault(kind, [0, 0])
            per_kind[kind][0] += 1
            per_kind[kind][1] += hit
        for start, end in spans:
            findings += 1
            true_findings += any(label_mask[start:end])
        for start, end in note.clinical:
            for m in word.finditer(note.text, start, end):
                if any(label_mask[m.start():m.end()]):
                    continue
                words += 1
                destroyed += any(mask[m.start():m.end()])
    return {
        "planted": planted, "found": found, "recall": found / planted if planted else 1.0,
        "findings": findings, "precision": true_findings / findings if findings else 1.0,
        "clinical_words": words, "clinical_words_destroyed": destroyed,
        "per_kind": {k: (v[1], v[0]) for k, v in sorted(per_kind.items())},
    }
