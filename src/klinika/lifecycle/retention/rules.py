"""How long medical documentation is kept, and from when it may be destroyed.

The law: ustawa z dnia 6 listopada 2008 r. o prawach pacjenta i Rzeczniku Praw Pacjenta,
art. 29 ust. 1 (consolidated text Dz.U. z 2023 r. poz. 1545). The provider keeps medical
documentation for 20 years, "licząc od końca roku kalendarzowego, w którym dokonano
ostatniego wpisu", except:
  pkt 1  a patient's death caused by injury or poisoning ("uszkodzenia ciała lub zatrucia"):
         30 years from the end of the calendar year of the DEATH (not of the last entry, as the
         issue's shorthand "30 for death from injury or poisoning" could be read);
  pkt 1a documentation needed to trace blood and its components: 30 years from the last entry.
         Not modelled: an outpatient clinic on klinika does not transfuse;
  pkt 2  X-ray images kept OUTSIDE the patient's documentation: 10 years from the end of the
         year the image was made (an image inside the documentation follows the 20-year rule);
  pkt 3  referrals and doctors' orders (kept by the provider that performed the service):
         a) 5 years from the end of the year the referred service was provided,
         b) 2 years from the end of the year of issue when the service was not provided because
            the patient did not come (unless they took the referral back). Not applied: klinika
            does not record a no-show against a received referral, and keeping it for 5 years is
            never shorter than the law requires;
  pkt 4  documentation of children up to their 2nd birthday: 22 years. The law gives no start
         of its own, so the general one applies: the end of the year of the last entry made
         while the child was under 2. A patient with entries from both sides of the 2nd birthday
         is kept until both periods have run.
After that the documentation is destroyed "w sposób uniemożliwiający identyfikację pacjenta"
(art. 29 ust. 2): crypto-erasure of the patient, deletion of a single record.

"N years from the end of year Y" ends with 31 December of Y+N, so the first day on which the
documentation may be destroyed, the due date used throughout, is 1 January of Y+N+1. Years are
calendar years in Poland's time zone (settings.TIME_ZONE), so an entry written at 00:30 on
1 January Warsaw time belongs to the new year although it is still 31 December in UTC.
"""
import datetime
from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Rule:
    code: str  # stored and printed (CLI, audit): stable, no personal data
    years: int
    basis: str  # where the law says it
    label: object  # for the screen

    def __str__(self):
        return self.code


DOCUMENTATION = Rule("doc-20y", 20, "art. 29 ust. 1", _("documentation: 20 years from the year of the last entry"))
DEATH_INJURY = Rule("death-injury-30y", 30, "art. 29 ust. 1 pkt 1",
                    _("death from injury or poisoning: 30 years from the year of death"))
CHILD = Rule("child-22y", 22, "art. 29 ust. 1 pkt 4",
             _("documentation of a child under 2: 22 years from the year of the last entry"))
XRAY = Rule("xray-10y", 10, "art. 29 ust. 1 pkt 2",
            _("X-ray image kept outside the documentation: 10 years from the year it was made"))
REFERRAL = Rule("referral-5y", 5, "art. 29 ust. 1 pkt 3 lit. a",
                _("received referral or order: 5 years from the year of the service"))
RULES = {rule.code: rule for rule in (DOCUMENTATION, DEATH_INJURY, CHILD, XRAY, REFERRAL)}

# DeathCause values (patients.models) that bring in pkt 1.
INJURY_OR_POISONING = frozenset({"injury", "poisoning"})


def local_date(value) -> datetime.date:
    """The calendar day of a timestamp in Poland (a date stays as it is)."""
    if isinstance(value, datetime.datetime):
        return timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    return value


def destroy_from(start, years: int) -> datetime.date:
    """The first day documentation kept `years` from the end of `start`'s calendar year may be destroyed."""
    return datetime.date(local_date(start).year + years + 1, 1, 1)


def second_birthday(born: datetime.date) -> datetime.date:
    """The day a child turns 2. Someone born on 29 February comes of age on the last day of February
    in a common year (Kodeks cywilny art. 112: a term in years ends on the corresponding day, or on
    the month's last day when there is none, and an age is reached at the start of that day)."""
    try:
        return born.replace(year=born.year + 2)
    except ValueError:
        return datetime.date(born.year + 2, 2, 28)


def patient_due(*, last_entry, last_entry_under_2=None, death_date=None, death_cause: str = "",
                ) -> tuple[Rule, datetime.date]:
    """The rule that keeps a patient's documentation longest, and the day it may be destroyed.

    Every applicable period must have run, so the latest date wins; on a tie the specific rule is
    named (it is the one the law applies)."""
    candidates = []
    if death_date is not None and death_cause in INJURY_OR_POISONING:
        candidates.append((DEATH_INJURY, destroy_from(death_date, DEATH_INJURY.years)))
    if last_entry_under_2 is not None:
        candidates.append((CHILD, destroy_from(last_entry_under_2, CHILD.years)))
    candidates.append((DOCUMENTATION, destroy_from(last_entry, DOCUMENTATION.years)))
    return max(candidates, key=lambda candidate: candidate[1])


def xray_due(made) -> datetime.date:
    return destroy_from(made, XRAY.years)


def referral_due(service) -> datetime.date:
    return destroy_from(service, REFERRAL.years)
