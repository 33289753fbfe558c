"""What a synthetic visit holds: a condition that fits the doctor's specialty and the patient's sex and age,
its visit note in Polish, ICD-9-PL procedures, measurements in plausible ranges for the age, and the
e-documents it leads to. Plus the patient's allergies. Written for the generator, about nobody: no
names, places or dates in the notes.

Everything is drawn from a numpy Generator passed in, so the same seed gives the same clinic.

Rates (per signed visit, our estimates after NFZ and ZUS yearly figures for Polish outpatient care):
- e-prescription: per condition (chronic drug-treated conditions 85-90 %, bacterial infections 80-90 %,
  symptomatic ones 20-50 %, check-ups none): about 45 % of visits overall;
- e-referral: per condition, 5-40 % (a consultation with the specialty that fits, or a test with its
  ICD-9-PL code): about 12 % of visits;
- e-ZLA: only for working-age patients (18-67) and only for conditions that keep one off work
  (infections, back pain, injuries, pregnancy), 25-60 % of those: about 8 % of adult visits;
- allergies: 15 % of patients have one noted (a second in a fifth of those), the common ones in
  Polish practice (penicillin, NSAIDs, pollen, mites, foods in children);
- measurements: blood pressure and pulse at 75 % of adult visits, temperature when the condition
  may bring fever (and at 20 % of the others), weight and height at every child's visit and at
  25 % of adults'.
"""
import datetime
from dataclasses import dataclass

import numpy as np

# Who a condition can be about, by sex and age in years (the same names as the demo's stories).
WHO = {
    "any": lambda sex, age: True,
    "adult": lambda sex, age: age >= 18,
    "child": lambda sex, age: age < 18,
    "infant": lambda sex, age: age < 3,
    "older": lambda sex, age: age >= 40,
    "senior": lambda sex, age: age >= 60,
    "woman": lambda sex, age: sex == "F" and age >= 16,
    "young woman": lambda sex, age: sex == "F" and 16 <= age < 45,
    "pregnant": lambda sex, age: sex == "F" and 18 <= age <= 42,
    "menopause": lambda sex, age: sex == "F" and 45 <= age <= 60,
    "man 50": lambda sex, age: sex == "M" and age >= 50,
}
WORKING_AGE = (18, 67)

PRIMARY = ("0713", "0705", "0712")
PAEDIATRICS = ("0723", "0713", "0716", "0721")
GYNAECOLOGY = ("0724", "0787", "0750")


@dataclass(frozen=True)
class Drug:
    name: str           # as on the built-in list (edocs migration 0005)
    strength: str
    dosage: tuple       # variants of how to take it
    chronic: bool = False


@dataclass(frozen=True)
class Condition:
    code: str                       # ICD-10, from the built-in list
    who: str                        # a key of WHO
    specialties: tuple              # specialty codes whose doctors see it
    weight: float                   # how often, relative to the others a doctor could pick
    interview: tuple
    examination: tuple
    recommendations: tuple
    procedures: tuple = ()          # ICD-9-PL codes, each done at about half of the visits (the first always)
    drugs: tuple = ()               # one of these (or two for chronic care) on an e-prescription
    rx_rate: float = 0.0
    referral: tuple = ()            # ("02.11", specialty, purpose) or ("02.10", icd9 codes, purpose)
    referral_rate: float = 0.0
    sick_days: tuple = ()           # (fewest, most) days of sick leave
    sick_rate: float = 0.0
    fever: bool = False
    hypertensive: bool = False
    pregnancy: bool = False


AMOXICILLIN = Drug("Amoxicillinum", "1000 mg", ("1 tabletka co 12 godzin przez 7 dni", "1 tabl. 2 x dziennie, 7 dni"))
AMOXI_CLAV = Drug("Amoxicillinum + Acidum clavulanicum", "875 mg + 125 mg", ("1 tabletka co 12 godzin przez 7 dni",))
PENICILLIN_V = Drug("Phenoxymethylpenicillinum", "1 000 000 j.m.", ("1 tabletka co 8 godzin przez 10 dni",))
AZITHROMYCIN = Drug("Azithromycinum", "500 mg", ("1 tabletka raz dziennie przez 3 dni",))
CLARITHROMYCIN = Drug("Clarithromycinum", "500 mg", ("1 tabletka co 12 godzin przez 7 dni",))
CEFUROXIME = Drug("Cefuroximum", "500 mg", ("1 tabletka co 12 godzin przez 7 dni",))
NITROFURANTOIN = Drug("Nitrofurantoinum", "100 mg", ("1 tabletka 2 x dziennie przez 5 dni",))
PARACETAMOL = Drug("Paracetamolum", "500 mg", ("1-2 tabletki do 4 x dziennie przy bólu lub gorączce",))
IBUPROFEN = Drug("Ibuprofenum", "400 mg", ("1 tabletka do 3 x dziennie po posiłku",
                                           "1 tabl. doraźnie, max 3 x dziennie"))
METAMIZOLE = Drug("Metamizolum natricum", "500 mg", ("1 tabletka doraźnie przy silnym bólu, max 4 x dziennie",))
CETIRIZINE = Drug("Cetirizinum", "10 mg", ("1 tabletka wieczorem",))
DESLORATADINE = Drug("Desloratadinum", "5 mg", ("1 tabletka raz dziennie",))
SALBUTAMOL = Drug("Salbutamolum", "100 µg/dawkę", ("1-2 wdechy doraźnie w duszności",), chronic=True)
BUDESONIDE = Drug("Budesonidum", "200 µg/dawkę", ("1 wdech 2 x dziennie, po inhalacji wypłukać usta",), chronic=True)
RAMIPRIL = Drug("Ramiprilum", "5 mg", ("1 tabletka rano",), chronic=True)
PERINDOPRIL = Drug("Perindoprilum", "5 mg", ("1 tabletka rano",), chronic=True)
AMLODIPINE = Drug("Amlodipinum", "5 mg", ("1 tabletka raz dziennie",), chronic=True)
BISOPROLOL = Drug("Bisoprololum", "5 mg", ("1 tabletka rano",), chronic=True)
HCTZ = Drug("Hydrochlorothiazidum", "12,5 mg", ("1 tabletka rano",), chronic=True)
ATORVASTATIN = Drug("Atorvastatinum", "20 mg", ("1 tabletka wieczorem",), chronic=True)
ROSUVASTATIN = Drug("Rosuvastatinum", "10 mg", ("1 tabletka wieczorem",), chronic=True)
METFORMIN = Drug("Metforminum", "1000 mg", ("1 tabletka 2 x dziennie w trakcie posiłku",), chronic=True)
METFORMIN_500 = Drug("Metforminum", "500 mg", ("1 tabletka 2 x dziennie w trakcie posiłku",), chronic=True)
INSULIN = Drug("Insulinum glarginum", "100 j./ml", ("wg schematu, wieczorem podskórnie",), chronic=True)
LEVOTHYROXINE = Drug("Levothyroxinum natricum", "50 µg", ("1 tabletka rano na czczo, 30 min przed posiłkiem",),
                     chronic=True)
ASA = Drug("Acidum acetylsalicylicum", "75 mg", ("1 tabletka raz dziennie po obiedzie",), chronic=True)
FUROSEMIDE = Drug("Furosemidum", "40 mg", ("1 tabletka rano",), chronic=True)
PANTOPRAZOLE = Drug("Pantoprazolum", "20 mg", ("1 tabletka rano przed śniadaniem",))
OMEPRAZOLE = Drug("Omeprazolum", "20 mg", ("1 kapsułka rano na czczo",))
SERTRALINE = Drug("Sertralinum", "50 mg", ("1 tabletka rano",), chronic=True)
FOLIC_ACID = Drug("Acidum folicum", "0,4 mg", ("1 tabletka raz dziennie",))
PROGESTERONE = Drug("Progesteronum", "100 mg", ("1 kapsułka dopochwowo 2 x dziennie",))
FLU_VACCINE = Drug("Vaccinum influenzae inactivatum", "0,5 ml", ("1 dawka domięśniowo",))
DOXYCYCLINE = Drug("Doxycyclinum", "100 mg", ("1 kapsułka raz dziennie po posiłku",))

PENICILLINS = {AMOXICILLIN, AMOXI_CLAV, PENICILLIN_V}
NSAIDS = {IBUPROFEN, ASA, METAMIZOLE}
ALLERGY_FREE = {"penicylina": AZITHROMYCIN, "amoksycylina": CLARITHROMYCIN, "ibuprofen": PARACETAMOL,
                "kwas acetylosalicylowy": PARACETAMOL, "metamizol": PARACETAMOL}

C = Condition
CONDITIONS = [
    # --- primary care and internal medicine, adults ---
    C("J06.9", "any", PRIMARY + PAEDIATRICS + ("0728",), 14,
      ("Od {d} dni katar, ból gardła, suchy kaszel. Gorączka do {fever}.", "Od {d} dni złe samopoczucie, katar i "
       "drapanie w gardle, stan podgorączkowy.", "Od {d} dni kaszel, katar, bóle mięśni."),
      ("Gardło zaczerwienione, bez nalotów. Osłuchowo nad płucami szmer pęcherzykowy prawidłowy.",
       "Śluzówki nosa obrzęknięte, gardło lekko przekrwione. Węzły chłonne niepowiększone."),
      ("Leczenie objawowe, nawadnianie, odpoczynek. Kontrola, jeśli gorączka utrzyma się ponad 3 dni.",
       "Leki przeciwgorączkowe doraźnie, płukanie gardła. Zgłosić się przy duszności lub wysokiej gorączce."),
      ("89.00",), (PARACETAMOL, IBUPROFEN), 0.35, sick_days=(3, 5), sick_rate=0.3, fever=True),
    C("J02.9", "any", PRIMARY + PAEDIATRICS + ("0728",), 5,
      ("Od {d} dni ból gardła przy przełykaniu, gorączka do {fever}.",),
      ("Migdałki powiększone, przekrwione, bez nalotów. Węzły chłonne podżuchwowe powiększone, tkliwe.",),
      ("Płukanie gardła, leki przeciwgorączkowe. Kontrola po 3 dniach, jeśli bez poprawy.",),
      ("89.00",), (IBUPROFEN, PARACETAMOL), 0.4, sick_days=(3, 5), sick_rate=0.4, fever=True),
    C("J03.0", "any", PRIMARY + PAEDIATRICS + ("0728",), 3,
      ("Od {d} dni silny ból gardła, gorączka do {fever}, bez kaszlu.",),
      ("Migdałki powiększone z białymi nalotami, węzły chłonne szyjne powiększone. Skala Centora 4 pkt.",),
      ("Antybiotyk przez 10 dni, leki przeciwgorączkowe. Kontrola po leczeniu.",),
      ("89.00", "90.33"), (PENICILLIN_V, AMOXICILLIN), 0.9, sick_days=(5, 7), sick_rate=0.6, fever=True),
    C("J20.9", "any", PRIMARY + PAEDIATRICS + ("0742",), 6,
      ("Kaszel od {d} dni, początkowo suchy, obecnie z odkrztuszaniem. Bez duszności.",
       "Od {d} dni męczący kaszel, gorzej w nocy, stan podgorączkowy."),
      ("Osłuchowo szmer pęcherzykowy szorstki, pojedyncze furczenia. Saturacja 97%.",),
      ("Inhalacje z soli fizjologicznej, nawadnianie. Kontrola za tydzień lub wcześniej przy pogorszeniu.",),
      ("89.00",), (PARACETAMOL,), 0.3, ("02.10", ("87.44",), "RTG klatki piersiowej: przedłużający się kaszel."),
      0.1, (5, 7), 0.45, fever=True),
    C("J18.9", "adult", PRIMARY + ("0742",), 1,
      ("Od {d} dni gorączka do {fever}, kaszel z odkrztuszaniem ropnej wydzieliny, osłabienie.",),
      ("Osłuchowo nad prawym dolnym polem płucnym trzeszczenia. Saturacja 94%.",),
      ("Antybiotyk, leki przeciwgorączkowe, dużo płynów. RTG klatki piersiowej, kontrola za 3 dni.",),
      ("89.00", "89.7"), (AMOXI_CLAV, CLARITHROMYCIN), 0.9, ("02.10", ("87.44",), "RTG klatki piersiowej: "
                                                                               "podejrzenie zapalenia płuc."),
      0.8, (7, 14), 0.7, fever=True),
    C("J01.9", "adult", PRIMARY + ("0728",), 3,
      ("Od {d} dni ból twarzy nasilający się przy pochylaniu, zatkany nos, wydzielina ropna.",),
      ("Tkliwość uciskowa okolicy zatok szczękowych, ropna wydzielina na tylnej ścianie gardła.",),
      ("Płukanie nosa solą fizjologiczną, leki przeciwbólowe. Antybiotyk, jeśli brak poprawy po 10 dniach.",),
      ("89.00",), (AMOXICILLIN, IBUPROFEN), 0.5, sick_days=(3, 5), sick_rate=0.35, fever=True),
    C("N39.0", "woman", PRIMARY + GYNAECOLOGY + ("0736",), 3,
      ("Od {d} dni pieczenie przy oddawaniu moczu, częste parcie na mocz, bez gorączki.",),
      ("Objaw Goldflama ujemny obustronnie, brzuch miękki, tkliwy nad spojeniem.",),
      ("Dużo płynów, antybiotyk. Badanie ogólne moczu i posiew po leczeniu.",),
      ("89.00", "91.33"), (NITROFURANTOIN,), 0.85, sick_days=(2, 4), sick_rate=0.3),
    C("I10", "older", PRIMARY + ("0748",), 12,
      ("Nadciśnienie tętnicze leczone od kilku lat, w pomiarach domowych {bp_home}. Bez bólów w klatce "
       "piersiowej.", "Kontrola nadciśnienia. Leki przyjmuje regularnie, samopoczucie dobre.",
       "Okresowo bóle głowy, w domowych pomiarach ciśnienie podwyższone."),
      ("Osłuchowo serce i płuca bez zmian. Obrzęków brak.", "Tony serca czyste, czynność miarowa. Bez obrzęków."),
      ("Leczenie bez zmian, dzienniczek pomiarów, ograniczenie soli. Kontrola za 3 miesiące.",
       "Zwiększono dawkę leku. Kontrola z pomiarami za miesiąc.",
       "Kontynuacja leczenia. Lipidogram, kreatynina, potas przed kolejną wizytą."),
      ("89.00", "89.52", "89.61"), (RAMIPRIL, PERINDOPRIL, AMLODIPINE, BISOPROLOL, HCTZ), 0.9,
      ("02.11", "0748", "Konsultacja kardiologiczna: nadciśnienie oporne na leczenie."), 0.1, hypertensive=True),
    C("E78.0", "older", PRIMARY + ("0748", "0710"), 5,
      ("Przynosi wyniki: cholesterol całkowity podwyższony, LDL powyżej normy. Bez dolegliwości.",),
      ("Stan ogólny dobry. Bez zmian skórnych.",),
      ("Dieta z ograniczeniem tłuszczów zwierzęcych, ruch. Statyna, lipidogram za 3 miesiące.",),
      ("89.00",), (ATORVASTATIN, ROSUVASTATIN), 0.85),
    C("E11.9", "older", PRIMARY + ("0708", "0710"), 6,
      ("Cukrzyca typu 2 leczona doustnie, samopoczucie dobre, HbA1c {hba1c}%.", "Kontrola cukrzycy. Glikemie "
       "na czczo w samokontroli 110-140 mg/dl."),
      ("Stopy bez zmian troficznych, czucie zachowane.", "Stan ogólny dobry, bez obrzęków, stopy bez zmian."),
      ("Leczenie bez zmian. HbA1c za 3 miesiące, kontrola okulistyczna w tym roku.",
       "Dieta cukrzycowa, ruch. Badania: HbA1c, kreatynina, badanie ogólne moczu."),
      ("89.00",), (METFORMIN, METFORMIN_500, INSULIN), 0.9,
      ("02.11", "0725", "Konsultacja okulistyczna: ocena dna oka w cukrzycy."), 0.3),
    C("E03.9", "adult", PRIMARY + ("0710",), 3,
      ("Niedoczynność tarczycy leczona lewotyroksyną, samopoczucie dobre. Przynosi TSH w normie.",),
      ("Tarczyca niepowiększona, bez wyczuwalnych guzków.",),
      ("Dawka bez zmian. TSH za 6 miesięcy.",), ("89.00",), (LEVOTHYROXINE,), 0.9,
      ("02.10", ("88.71",), "USG tarczycy: kontrola."), 0.1),
    C("M54.5", "adult", PRIMARY + ("0727", "0722"), 6,
      ("Od {d} dni ból w okolicy lędźwiowej po dźwignięciu ciężaru, bez promieniowania do nóg.",
       "Nawracające bóle krzyża, nasilenie od {d} dni, praca siedząca."),
      ("Wzmożone napięcie mięśni przykręgosłupowych, objaw Lasègue'a ujemny obustronnie.",),
      ("Leki przeciwbólowe, ciepło, oszczędzający tryb. Fizjoterapia, jeśli ból nie minie w 2 tygodnie.",),
      ("89.00",), (IBUPROFEN, METAMIZOLE), 0.6, ("02.10", ("87.24",), "RTG odcinka lędźwiowo-krzyżowego "
                                                                    "kręgosłupa: przewlekły ból."),
      0.25, (5, 10), 0.35),
    C("K21.9", "adult", PRIMARY + ("0711",), 3,
      ("Od kilku tygodni zgaga po posiłkach i w nocy po położeniu się.",),
      ("Brzuch miękki, niebolesny, bez oporów patologicznych.",),
      ("Inhibitor pompy protonowej przez 4 tygodnie, ostatni posiłek 3 godziny przed snem.",),
      ("89.00",), (PANTOPRAZOLE, OMEPRAZOLE), 0.8, ("02.11", "0711", "Konsultacja gastroenterologiczna: "
                                                                    "objawy refluksu mimo leczenia."), 0.08),
    C("F41.1", "adult", PRIMARY + ("0732",), 2,
      ("Od kilku miesięcy napięcie, niepokój, gorszy sen, trudności z koncentracją.",),
      ("W badaniu psychicznym: nastrój obniżony, napęd zachowany, bez myśli samobójczych.",),
      ("Omówiono psychoterapię. Lek, kontrola za 4 tygodnie.",), ("89.00",), (SERTRALINE,), 0.6,
      ("02.11", "0732", "Konsultacja psychiatryczna: zaburzenia lękowe."), 0.2, (7, 14), 0.3),
    C("I48", "senior", PRIMARY + ("0748",), 1,
      ("Kołatania serca od kilku dni, męczliwość.",), ("Czynność serca niemiarowa, ok. {pulse}/min.",),
      ("Kontrola kardiologiczna, EKG w gabinecie.",), ("89.52",), (BISOPROLOL,), 0.7,
      ("02.11", "0748", "Konsultacja kardiologiczna: migotanie przedsionków."), 0.6, hypertensive=True),
    C("I50.9", "senior", PRIMARY + ("0748",), 1,
      ("Duszność przy wysiłku, obrzęki podudzi narastające od tygodnia.",),
      ("Obrzęki podudzi do kolan, trzeszczenia u podstawy płuc.",),
      ("Diuretyk, kontrola masy ciała codziennie, ograniczenie płynów. Kontrola za tydzień.",),
      ("89.00", "88.72"), (FUROSEMIDE,), 0.9, ("02.11", "0748", "Konsultacja kardiologiczna: niewydolność "
                                                              "serca."), 0.4),
    C("Z00.0", "adult", PRIMARY, 3,
      ("Zgłasza się na badanie okresowe, bez dolegliwości.", "Bilans zdrowia, czuje się dobrze."),
      ("Stan ogólny dobry, osłuchowo serce i płuca bez zmian, brzuch miękki, niebolesny.",),
      ("Morfologia, glukoza, lipidogram. Kontrola z wynikami.",), ("89.7", "38.99"),
      referral=("02.10", ("89.52",), "EKG spoczynkowe: badanie okresowe."), referral_rate=0.25),
    C("Z23.5", "adult", PRIMARY, 1,
      ("Zgłasza się na szczepienie, bez infekcji w ostatnich 2 tygodniach.",),
      ("Bez przeciwwskazań do szczepienia.",), ("Szczepienie wykonano, obserwacja 30 minut bez odczynu.",),
      ("99.38",)),
    C("Z25.1", "senior", PRIMARY, 2,
      ("Zgłasza się na szczepienie przeciw grypie, bez infekcji.",), ("Bez przeciwwskazań do szczepienia.",),
      ("Szczepienie wykonano, bez odczynu w obserwacji.",), ("99.52",), (FLU_VACCINE,), 0.5),
    # --- children ---
    C("Z00.1", "child", PAEDIATRICS, 6,
      ("Bilans zdrowia. Dziecko rozwija się prawidłowo, szczepienia zgodnie z kalendarzem, apetyt dobry.",),
      ("Rozwój psychoruchowy prawidłowy, masa ciała i wzrost w normie dla wieku.",),
      ("Kolejny bilans zgodnie z kalendarzem.", "Profilaktyka krzywicy, kolejny bilans zgodnie z kalendarzem."),
      ("89.7",)),
    C("Z27.1", "infant", PAEDIATRICS, 3,
      ("Kwalifikacja do szczepienia. Bez infekcji w ostatnich 2 tygodniach.",),
      ("Bez przeciwwskazań do szczepienia.",), ("Szczepienie w gabinecie zabiegowym, obserwacja 30 minut.",),
      ("99.39",)),
    C("H66.9", "child", PAEDIATRICS + ("0728",), 4,
      ("Od wczoraj ból ucha, w nocy gorączka do {fever}.",),
      ("Błona bębenkowa zaczerwieniona, uwypuklona.",),
      ("Leki przeciwbólowe i przeciwgorączkowe, kontrola za 2 dni; antybiotyk, jeśli bez poprawy.",),
      ("89.00",), (PARACETAMOL, AMOXICILLIN), 0.6,
      ("02.11", "0728", "Konsultacja laryngologiczna: nawracające zapalenia ucha środkowego."), 0.1, fever=True),
    C("L20.9", "child", PAEDIATRICS + ("0707", "0701"), 2,
      ("Swędząca wysypka w zgięciach łokciowych od kilku tygodni.",),
      ("Zmiany rumieniowe, złuszczające w zgięciach łokciowych i podkolanowych.",),
      ("Emolienty 2 x dziennie, bez drażniących kosmetyków. Kontrola za 3 tygodnie.",), ("89.00",),
      (CETIRIZINE,), 0.4, ("02.11", "0701", "Konsultacja alergologiczna: atopowe zapalenie skóry."), 0.15),
    C("A09", "child", PAEDIATRICS, 2,
      ("Od {d} dni luźne stolce, wymioty, stan podgorączkowy.",),
      ("Śluzówki wilgotne, brzuch miękki, perystaltyka żywa. Dziecko w stanie ogólnym dobrym.",),
      ("Nawadnianie doustne małymi porcjami, dieta lekkostrawna. Zgłosić się przy objawach odwodnienia.",),
      ("89.00",), fever=True),
    C("J45.9", "any", PRIMARY + PAEDIATRICS + ("0742", "0701"), 3,
      ("Astma leczona wziewnie, ostatnio częstsze duszności przy wysiłku.",),
      ("Osłuchowo pojedyncze świsty przy wydechu. Saturacja 97%.",),
      ("Leczenie wziewne, technika inhalacji omówiona. Kontrola za miesiąc.",), ("89.00", "89.38"),
      (BUDESONIDE, SALBUTAMOL), 0.85, ("02.10", ("89.38",), "Spirometria: kontrola astmy."), 0.3),
    # --- gynaecology and pregnancy ---
    C("Z34.0", "pregnant", GYNAECOLOGY, 6,
      ("Ciąża prawidłowa, {week}. tydzień, samopoczucie dobre. Bez krwawień i skurczów.",
       "Kontrola ciąży, {week}. tydzień. Ruchy płodu dobrze wyczuwalne."),
      ("Obrzęków brak. Czynność serca płodu miarowa, ok. 140/min.",),
      ("Kwas foliowy i witamina D bez zmian. Badania zgodnie z planem opieki przedporodowej.",),
      ("89.26", "88.78"), (FOLIC_ACID,), 0.3, ("02.10", ("88.78",), "USG ciąży: badanie zgodnie z planem opieki."),
      0.2, (14, 30), 0.25, pregnancy=True),
    C("Z32.1", "pregnant", GYNAECOLOGY, 2,
      ("Ostatnia miesiączka 7 tygodni temu, test ciążowy dodatni. Nudności poranne.",),
      ("Macica powiększona, miękka. USG: pęcherzyk ciążowy w jamie macicy, widoczny zarodek.",),
      ("Kwas foliowy 0,4 mg dziennie. Morfologia, grupa krwi, glukoza na czczo, badanie ogólne moczu.",),
      ("89.26", "88.79"), (FOLIC_ACID,), 0.7, pregnancy=True),
    C("O21.0", "pregnant", GYNAECOLOGY, 1,
      ("Nudności i wymioty kilka razy dziennie od tygodnia, {week}. tydzień ciąży.",),
      ("Stan ogólny dobry, śluzówki wilgotne. Macica odpowiednia do czasu trwania ciąży.",),
      ("Małe posiłki, nawadnianie. Kontrola za tydzień.",), ("89.26",), (), 0.0, sick_days=(7, 14),
      sick_rate=0.6, pregnancy=True),
    C("Z01.4", "woman", GYNAECOLOGY, 6,
      ("Bez dolegliwości, miesiączki regularne. Ostatnia cytologia 3 lata temu.",),
      ("Badanie ginekologiczne bez odchyleń od normy. Pobrano materiał do cytologii.",),
      ("Wynik cytologii za 2 tygodnie. Kontrola za rok.",), ("89.26", "91.46")),
    C("N76.0", "woman", GYNAECOLOGY, 3,
      ("Od {d} dni upławy i pieczenie w okolicy sromu, bez gorączki.",),
      ("Śluzówka pochwy zaczerwieniona, obfita biaława wydzielina.",),
      ("Leczenie miejscowe przez 7 dni. Wizyta kontrolna, jeśli objawy nie ustąpią.",), ("89.26", "91.43")),
    C("Z30.0", "young woman", GYNAECOLOGY, 2,
      ("Prośba o dobór antykoncepcji. Nie pali, bez chorób przewlekłych, bez zakrzepicy w rodzinie.",),
      ("Badanie ginekologiczne bez zmian.",),
      ("Omówiono dostępne metody. Kontrola ciśnienia i tolerancji za 3 miesiące.",), ("89.26",)),
    C("N95.1", "menopause", GYNAECOLOGY, 2,
      ("Od kilku miesięcy uderzenia gorąca i gorszy sen, miesiączki nieregularne.",),
      ("Badanie ginekologiczne: cechy zaniku śluzówki pochwy.",),
      ("FSH, estradiol, USG przezpochwowe. Wizyta z wynikami.",), ("89.26", "88.79"), (PROGESTERONE,), 0.3),
    # --- specialties ---
    C("I25.1", "older", ("0748",), 4,
      ("Choroba wieńcowa, dławica przy większym wysiłku, bez bólów spoczynkowych.",),
      ("Tony serca czyste, czynność miarowa. Bez obrzęków.",),
      ("Leczenie bez zmian, kontrola lipidogramu. Próba wysiłkowa.",), ("89.52", "89.41"),
      (ASA, ATORVASTATIN, BISOPROLOL), 0.85, hypertensive=True),
    C("M17.9", "older", ("0727", "0734"), 5,
      ("Ból kolana przy chodzeniu i schodzeniu ze schodów od kilku miesięcy.",),
      ("Trzeszczenia w stawie kolanowym, ograniczenie zgięcia, bez wysięku.",),
      ("Leki przeciwbólowe doraźnie, redukcja masy ciała, fizjoterapia.",), ("89.00", "81.92"),
      (IBUPROFEN,), 0.5, ("02.10", ("88.27",), "RTG stawu kolanowego: zmiany zwyrodnieniowe."), 0.3, (5, 10),
      0.2),
    C("M75.1", "older", ("0727", "0734"), 3,
      ("Ból barku przy unoszeniu ręki od kilku tygodni, budzi w nocy.",),
      ("Bolesny łuk odwiedzenia 60-120 stopni, siła mięśniowa zachowana.",),
      ("Oszczędzanie kończyny, leki przeciwbólowe, fizjoterapia. Kontrola za 4 tygodnie.",), ("89.00", "81.92"),
      (IBUPROFEN,), 0.5, ("02.10", ("88.21",), "RTG barku: przewlekły ból."), 0.2, (7, 14), 0.2),
    C("M77.1", "adult", ("0727",), 2,
      ("Ból bocznej strony łokcia przy chwytaniu od miesiąca, praca fizyczna.",),
      ("Tkliwość nadkłykcia bocznego, ból przy prostowaniu nadgarstka z oporem.",),
      ("Odciążenie, opaska na przedramię, leki przeciwzapalne miejscowo. Kontrola za 3 tygodnie.",), ("89.00",),
      (IBUPROFEN,), 0.3, sick_days=(5, 10), sick_rate=0.3),
    C("S93.4", "any", ("0727", "0738"), 3,
      ("Skręcenie stawu skokowego {d} dni temu podczas biegania.",),
      ("Obrzęk i bolesność okolicy kostki bocznej, stabilność zachowana.",),
      ("Unieruchomienie ortezą, chłodzenie, uniesienie kończyny. Kontrola za 2 tygodnie.",),
      ("88.28", "93.54"), (IBUPROFEN,), 0.4, ("02.11", "0727", "Konsultacja ortopedyczna: uraz stawu skokowego."),
      0.2, (7, 14), 0.4),
    C("G43.9", "adult", ("0722",) + PRIMARY, 2,
      ("Napadowe, pulsujące bóle głowy z nudnościami i światłowstrętem, kilka razy w miesiącu.",),
      ("Badanie neurologiczne bez objawów ogniskowych.",),
      ("Dzienniczek bólów głowy, leczenie doraźne. Kontrola za 3 miesiące.",), ("89.00",), (IBUPROFEN,), 0.5,
      ("02.11", "0722", "Konsultacja neurologiczna: migrenowe bóle głowy."), 0.3, (1, 3), 0.3),
    C("H10.9", "any", ("0725",) + PRIMARY, 2,
      ("Od {d} dni zaczerwienienie i łzawienie oczu, uczucie piasku pod powiekami.",),
      ("Spojówki przekrwione, wydzielina śluzowa, rogówki przejrzyste.",),
      ("Higiena powiek, krople nawilżające. Kontrola, jeśli bez poprawy po tygodniu.",), ("95.01",)),
    C("H52.1", "any", ("0725",), 3,
      ("Pogorszenie widzenia do dali, męczenie się oczu przy pracy przy komputerze.",),
      ("Ostrość wzroku z korekcją prawidłowa, dno oka bez zmian.",), ("Korekcja okularowa, kontrola za rok.",),
      ("95.02",)),
    C("L70.0", "any", ("0707",), 3,
      ("Zmiany trądzikowe na twarzy i plecach od kilku miesięcy.",),
      ("Liczne grudki i krosty na twarzy, pojedyncze zaskórniki.",),
      ("Leczenie miejscowe, kontrola za 6 tygodni.",), ("89.00",), (DOXYCYCLINE,), 0.4),
    C("D22.9", "adult", ("0707", "0738"), 2,
      ("Kontrola znamion barwnikowych, jedno się powiększyło.",),
      ("Dermatoskopowo znamię o regularnej budowie, bez cech atypii.",),
      ("Kontrola dermatoskopowa za rok, fotoprotekcja.",), ("86.11",)),
    C("J30.1", "any", ("0701", "0728") + PRIMARY, 3,
      ("Sezonowy katar i świąd oczu wiosną od kilku lat.",),
      ("Śluzówki nosa blade, obrzęknięte, spojówki przekrwione.",),
      ("Lek przeciwhistaminowy w sezonie pylenia, testy skórne poza sezonem.",), ("89.00",),
      (CETIRIZINE, DESLORATADINE), 0.85),
    C("N40", "man 50", ("0736",) + PRIMARY, 4,
      ("Częstsze oddawanie moczu w nocy, słabszy strumień moczu.",),
      ("Per rectum: gruczoł krokowy powiększony, gładki, niebolesny.",),
      ("PSA, USG układu moczowego, kontrola z wynikami.",), ("89.29",), (), 0.0,
      ("02.10", ("88.75",), "USG układu moczowego z oceną zalegania moczu."), 0.4),
    C("K40.9", "adult", ("0738",), 2,
      ("Uwypuklenie w pachwinie przy kaszlu i wysiłku od kilku miesięcy.",),
      ("Przepuklina pachwinowa odprowadzalna, niebolesna.",),
      ("Kwalifikacja do zabiegu planowego.",), ("89.00",), (), 0.0,
      ("02.12", "0738", "Skierowanie do leczenia szpitalnego: planowa operacja przepukliny."), 0.3, (14, 21), 0.2),
    C("F32.1", "adult", ("0732",), 4,
      ("Od kilku tygodni obniżony nastrój, brak energii, zaburzenia snu.",),
      ("Nastrój obniżony, napęd spowolniały, bez myśli samobójczych.",),
      ("Leczenie przeciwdepresyjne, psychoterapia. Kontrola za 4 tygodnie.",), ("94.08",), (SERTRALINE,), 0.85,
      sick_days=(14, 30), sick_rate=0.3),
    C("K58.9", "adult", ("0711",), 3,
      ("Nawracające bóle brzucha i wzdęcia związane ze stresem, rytm wypróżnień zmienny.",),
      ("Brzuch miękki, nieznacznie tkliwy w podbrzuszu, bez objawów otrzewnowych.",),
      ("Dieta, probiotyk, kontrola za 2 miesiące.",), ("89.00",), (), 0.0,
      ("02.10", ("88.76",), "USG jamy brzusznej: bóle brzucha."), 0.3),
    C("E04.1", "adult", ("0710",), 2,
      ("Guzek tarczycy stwierdzony w USG, bez objawów.",), ("Tarczyca niepowiększona, guzek niewyczuwalny.",),
      ("USG tarczycy kontrolnie za rok, TSH.",), ("88.71",)),
    C("M06.9", "adult", ("0734",), 2,
      ("Poranna sztywność i obrzęki stawów rąk.",), ("Obrzęk stawów śródręczno-paliczkowych obu rąk.",),
      ("Kontynuacja leczenia, badania kontrolne.",), ("89.00",), (IBUPROFEN,), 0.5, sick_days=(7, 14),
      sick_rate=0.2),
]
BY_CODE = {c.code: c for c in CONDITIONS}

# Allergies: (substance, reaction, severity, weight); foods mostly in children.
ALLERGIES = [
    ("penicylina", "wysypka pokrzywkowa", "moderate", 18),
    ("amoksycylina", "wysypka, świąd skóry", "moderate", 6),
    ("ibuprofen", "duszność po zażyciu", "severe", 5),
    ("kwas acetylosalicylowy", "pokrzywka, obrzęk powiek", "moderate", 4),
    ("metamizol", "wysypka", "moderate", 3),
    ("sulfonamidy (kotrimoksazol)", "wysypka", "mild", 3),
    ("pyłki traw", "katar sienny, łzawienie", "mild", 16),
    ("pyłki brzozy", "katar, świąd oczu", "mild", 10),
    ("roztocza kurzu domowego", "katar całoroczny, kaszel", "mild", 10),
    ("sierść kota", "katar, duszność", "moderate", 6),
    ("jad osy", "rozległy obrzęk w miejscu użądlenia", "severe", 4),
    ("jad pszczoły", "pokrzywka uogólniona", "severe", 2),
    ("orzeszki ziemne", "obrzęk warg", "severe", 3),
    ("białko mleka krowiego", "wysypka, biegunka", "moderate", 3),
    ("białko jaja kurzego", "pokrzywka", "mild", 2),
    ("lateks", "", "mild", 2),
    ("nikiel", "wyprysk kontaktowy", "mild", 3),
    ("jodowe środki kontrastowe", "duszność, spadek ciśnienia", "severe", 1),
]
ALLERGY_SHARE, SECOND_ALLERGY_SHARE = 0.15, 0.2
CHILD_ONLY = {"białko mleka krowiego", "białko jaja kurzego"}


def allergies_of(rng: np.random.Generator, ages: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For each patient (their age in years), the index into ALLERGIES of a first and a second allergy,
    -1 for none: two bytes a patient, whatever their number."""
    weights = np.array([w for *_rest, w in ALLERGIES], dtype=float)
    adult_weights = np.where([a[0] in CHILD_ONLY for a in ALLERGIES], 0.0, weights)
    count = len(ages)
    has = rng.random(count) < ALLERGY_SHARE
    second = has & (rng.random(count) < SECOND_ALLERGY_SHARE)
    picks = rng.random((count, 2))
    result = []
    for column in range(2):
        child = np.searchsorted(np.cumsum(weights) / weights.sum(), picks[:, column], side="right")
        adult = np.searchsorted(np.cumsum(adult_weights) / adult_weights.sum(), picks[:, column], side="right")
        result.append(np.minimum(np.where(ages < 18, child, adult), len(ALLERGIES) - 1).astype(np.int16))
    first = np.where(has, result[0], -1).astype(np.int16)
    other = np.where(second & (result[1] != result[0]), result[1], -1).astype(np.int16)
    return first, other


def fitting(specialties, sex: str, age: int) -> list[Condition]:
    """Conditions the doctor's specialties see in a patient of this sex and age; a primary-care one if none."""
    chosen = [c for c in CONDITIONS if set(c.specialties) & set(specialties) and WHO[c.who](sex, age)]
    return chosen or [c for c in CONDITIONS if set(c.specialties) & set(PRIMARY) and WHO[c.who](sex, age)] or [
        c for c in CONDITIONS if WHO[c.who](sex, age)]


def pick(rng: np.random.Generator, conditions: list[Condition]) -> Condition:
    weights = np.array([c.weight for c in conditions])
    return conditions[int(np.searchsorted(np.cumsum(weights) / weights.sum(), rng.random(), side="right").clip(
        0, len(conditions) - 1))]


# ---- measurements ---------------------------------------------------------------------------------

# Median height (cm) and weight (kg) by age in years, boys and girls (after Polish OLAF/WHO growth charts).
GROWTH_AGES = np.array([0, 1, 2, 3, 4, 5, 6, 8, 10, 12, 14, 16, 18])
HEIGHT = {"M": np.array([50, 76, 88, 96, 104, 111, 117, 129, 140, 151, 165, 175, 178]),
          "F": np.array([49, 74, 86, 95, 103, 110, 116, 128, 139, 152, 161, 164, 165])}
WEIGHT = {"M": np.array([3.5, 9.9, 12.5, 14.5, 16.5, 18.8, 21.0, 26.5, 33.0, 41.0, 53.0, 63.0, 70.0]),
          "F": np.array([3.3, 9.2, 11.8, 14.0, 16.0, 18.3, 20.5, 26.0, 32.5, 41.5, 50.0, 55.0, 58.0])}
ADULT_HEIGHT = {"M": (178.0, 7.0), "F": (165.0, 6.0)}


def vitals(rng: np.random.Generator, condition: Condition, sex: str, age_years: float) -> dict:
    """The measurements of one visit, in the measurement form's names, plausible for the age (may be {})."""
    draws = rng.random(8)
    normal = rng.standard_normal(6)
    values = {}
    child = age_years < 18
    if (child and draws[0] < 0.6) or (not child and draws[0] < 0.75):
        mean, low, high = _pulse(age_years)
        values["pulse"] = int(np.clip(mean + 9 * normal[0] + (12 if condition.fever else 0), low, high))
    if (not child and draws[0] < 0.75) or (child and age_years >= 3 and draws[1] < 0.3):
        systolic, diastolic = _blood_pressure(age_years, sex, condition, normal[1], normal[2])
        values["bp_systolic"], values["bp_diastolic"] = systolic, diastolic
    if condition.fever and draws[2] < 0.9:
        values["temperature"] = round(float(np.clip(37.3 + 0.7 * abs(normal[3]) + 0.4 * draws[3], 36.6, 40.2)), 1)
    elif draws[2] < (0.3 if child else 0.2):
        values["temperature"] = round(float(np.clip(36.6 + 0.25 * normal[3], 35.8, 37.2)), 1)
    if child or draws[4] < 0.25:
        height, weight = _size(age_years, sex, normal[4], normal[5])
        values["height_cm"], values["weight_kg"] = height, weight
    if condition.pregnancy:
        values["pregnancy_week"] = int(6 + draws[5] * 34)
    return values


def _pulse(age: float) -> tuple[float, int, int]:
    """Mean resting pulse for the age, and the range a measurement is kept in."""
    if age < 1:
        return 130, 100, 180
    if age < 6:
        return 105, 80, 150
    if age < 12:
        return 90, 65, 130
    return (74 if age < 60 else 72), 48, 125


def _blood_pressure(age, sex, condition, z1, z2) -> tuple[int, int]:
    if age < 18:
        systolic = 90 + 1.6 * min(age, 16) + 7 * z1
        diastolic = 55 + 0.9 * min(age, 16) + 5 * z2
    else:
        systolic = 116 + (4 if sex == "M" else 0) + 0.45 * max(age - 30, 0) + 11 * z1
        diastolic = 74 + 0.15 * max(age - 30, 0) - 0.1 * max(age - 60, 0) + 7 * z2
        if condition.hypertensive:
            systolic += 18
            diastolic += 8
    systolic = int(np.clip(round(systolic), 85, 200))
    diastolic = int(np.clip(round(diastolic), 45, min(120, systolic - 20)))
    return systolic, diastolic


def _size(age, sex, z1, z2) -> tuple[float, float]:
    if age < 18:
        height = float(np.interp(age, GROWTH_AGES, HEIGHT[sex])) * (1 + 0.04 * np.clip(z1, -2, 2))
        weight = float(np.interp(age, GROWTH_AGES, WEIGHT[sex])) * (1 + 0.12 * np.clip(z2, -2, 2.5))
    else:
        mean, sd = ADULT_HEIGHT[sex]
        height = mean - 0.05 * max(age - 60, 0) + sd * float(np.clip(z1, -3, 3))
        bmi = (26.5 if sex == "M" else 25.5) + 0.04 * min(age - 18, 40) + 4 * float(np.clip(z2, -2, 3))
        weight = bmi * (height / 100) ** 2
    return round(height, 1), round(max(weight, 2.0), 1)


# ---- the note ------------------------------------------------------------------------------------

SOCIAL = ("Nie pali.", "Nie pali, alkohol okazjonalnie.", "Pali ok. 10 papierosów dziennie.",
          "Były palacz.", "Leków na stałe nie przyjmuje.", "")
CHILD_SOCIAL = ("Szczepienia zgodnie z kalendarzem.", "Uczęszcza do przedszkola.", "Uczęszcza do szkoły.", "")


def note(rng: np.random.Generator, condition: Condition, age: float, measured: dict, allergies: list[str]) -> dict:
    """interview, examination and recommendations of the visit form, in Polish."""
    draws = rng.random(8)

    def one(options, draw):
        return options[int(draw * len(options))]

    fever = measured.get("temperature", round(38 + draws[5] * 1.4, 1))
    fill = {"d": 2 + int(draws[4] * 6), "fever": f"{fever:.1f}°C".replace(".", ","),
            "bp_home": one(("135-145/85-90", "140-150/90", "130-140/80-85"), draws[6]),
            "hba1c": f"{6.3 + draws[6] * 1.5:.1f}".replace(".", ","), "pulse": measured.get("pulse", 96),
            "week": measured.get("pregnancy_week", 12)}
    interview = one(condition.interview, draws[0]).format(**fill)
    extra = one(CHILD_SOCIAL if age < 18 else SOCIAL, draws[3])
    if allergies:
        extra = (extra + " Uczulenie: " + ", ".join(allergies) + ".").strip()
    elif draws[7] < 0.3:
        extra = (extra + " Alergii nie zgłasza.").strip()
    examination = one(condition.examination, draws[1]).format(**fill)
    parts = []
    if "bp_systolic" in measured:
        parts.append(f"RR {measured['bp_systolic']}/{measured['bp_diastolic']} mmHg")
    if "pulse" in measured:
        parts.append(f"tętno {measured['pulse']}/min")
    if "temperature" in measured:
        parts.append(f"temp. {measured['temperature']:.1f}°C".replace(".", ","))
    if "weight_kg" in measured and age < 18:
        parts.append(f"masa ciała {measured['weight_kg']:.1f} kg, wzrost {measured['height_cm']:.0f} cm"
                     .replace(".", ","))
    if parts:
        measured_text = ", ".join(parts)
        examination = measured_text[0].upper() + measured_text[1:] + ". " + examination
    return {"interview": f"{interview} {extra}".strip(), "examination": examination,
            "recommendations": one(condition.recommendations, draws[2]).format(**fill)}


def procedures(rng: np.random.Generator, condition: Condition) -> list[str]:
    draws = rng.random(len(condition.procedures))
    return [code for n, code in enumerate(condition.procedures) if n == 0 or draws[n] < 0.5]


# ---- e-documents ---------------------------------------------------------------------------------

def prescription_items(rng: np.random.Generator, condition: Condition, age: float, allergies: list[str],
                       drug_ids: dict) -> list[dict]:
    """1-2 drugs of the condition (never one the patient is allergic to), as the prescription form takes them."""
    draws = rng.random(6)
    if not condition.drugs or draws[0] >= condition.rx_rate:
        return []
    drugs = [condition.drugs[int(draws[1] * len(condition.drugs))]]
    if len(condition.drugs) > 1 and drugs[0].chronic and draws[2] < 0.35:
        drugs.append(condition.drugs[(condition.drugs.index(drugs[0]) + 1) % len(condition.drugs)])
    items = []
    for drug in dict.fromkeys(_tolerated(drug, allergies) for drug in drugs):
        item = {"drug_id": drug_ids[drug.name, drug.strength], "dosage": drug.dosage[int(draws[3] * len(drug.dosage))],
                "quantity": 1, "payment_level": "", "entitlement": ""}
        if drug.chronic:
            item.update(quantity=2 + int(draws[4] * 2), validity_days=180, supply_days=120)
            item["payment_level"] = "30%" if draws[5] < 0.5 else ""
        if age >= 65 and drug.chronic:
            item["entitlement"] = "S"
        elif age < 18:
            item["entitlement"] = "DZ"
        items.append(item)
    return items


def _tolerated(drug: Drug, allergies: list[str]) -> Drug:
    for substance in allergies:
        if ((substance in ("penicylina", "amoksycylina") and drug in PENICILLINS)
                or (substance in ("ibuprofen", "kwas acetylosalicylowy", "metamizol") and drug in NSAIDS)):
            return ALLERGY_FREE[substance]
    return drug


def referral_data(rng: np.random.Generator, condition: Condition) -> dict | None:
    draws = rng.random(2)
    if not condition.referral or draws[0] >= condition.referral_rate:
        return None
    kind, target, purpose = condition.referral
    data = {"kind": kind, "icd10": condition.code, "purpose": purpose, "cito": draws[1] < 0.05}
    if kind == "02.10":
        data["icd9"] = list(target)
    else:
        data["target_specialty"] = target
    return data


def sick_leave_data(rng: np.random.Generator, condition: Condition, age: float, day: datetime.date,
                    payer_nip: str) -> dict | None:
    """An e-ZLA only for a working-age patient (18-67) with a condition that keeps one off work."""
    draws = rng.random(4)
    if not condition.sick_days or not WORKING_AGE[0] <= age <= WORKING_AGE[1] or draws[0] >= condition.sick_rate:
        return None
    fewest, most = condition.sick_days
    days = fewest + int(draws[1] * (most - fewest + 1))
    start = day - datetime.timedelta(days=int(draws[2] * 3) if draws[3] < 0.3 else 0)
    return {"date_from": start.isoformat(), "date_to": (start + datetime.timedelta(days=days - 1)).isoformat(),
            "icd10": condition.code, "letter_codes": ["B"] if condition.pregnancy else [],
            "indication": "1" if condition.fever and draws[3] < 0.4 else "2", "payer_nip": payer_nip}


NIP_WEIGHTS = np.array([6, 5, 7, 2, 3, 4, 5, 6, 7])


def employer_nips(rng: np.random.Generator, count: int) -> list[str]:
    """Valid NIP numbers (checksum right) of made-up employers: tax office prefixes 101-999."""
    result = []
    while len(result) < count:
        digits = rng.integers(0, 10, 9)
        digits[0] = 1 + digits[0] % 9
        check = int((digits * NIP_WEIGHTS).sum() % 11)
        if check < 10:
            result.append("".join(map(str, digits.tolist())) + str(check))
    return result
