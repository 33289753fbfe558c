"""The art. 34 texts: Polish; the SMS short, with no specialty, diagnosis or link; the e-mail with what
happened, which data, the consequences, what was done, what to do and whom to ask."""
import datetime
from types import SimpleNamespace

from django.utils import timezone

from klinika.breach import notices

SPECIALTY_WORDS = ("ginekolog", "onkolog", "kardiolog", "pediatr", "psychiatr", "ICD")
HEALTH_WORDS = (*SPECIALTY_WORDS, "rozpoznani", "diagnoz", "zdrow", "wizyt")


def test_the_sms_is_short_polish_and_says_nothing_about_health():
    text = notices.sms_text("Przychodnia Pod Lipami Sp. z o.o.", "iod@przychodnia.example", "INC-20260302-001")
    assert len(text) <= notices.SMS_LIMIT
    assert "Zastrzeż PESEL" in text and "mObywatel" in text and "nie otwieraj linków" in text
    assert "iod@przychodnia.example" in text and "INC-20260302-001" in text
    assert "http" not in text and "www" not in text
    assert not any(word.lower() in text.lower() for word in HEALTH_WORDS)


def test_the_email_says_what_article_34_asks():
    incident = SimpleNamespace(detected_at=timezone.make_aware(datetime.datetime(2026, 3, 2, 9, 30)),
                               measures_taken="Zablokowaliśmy dostęp i wymieniliśmy klucze.",
                               contact_point="iod@przychodnia.example", reference="INC-20260302-001")
    text = notices.email_text(incident, "Przychodnia Zdrowie", ["identifiers", "contact", "health"])
    subject = notices.email_subject("Przychodnia Zdrowie")
    assert "naruszenie ochrony Twoich danych osobowych" in subject
    for words in ("art. 34 RODO", "2 marca 2026", "dane identyfikacyjne", "dane kontaktowe", "dane o zdrowiu",
                  "Możliwe konsekwencje", "Zablokowaliśmy dostęp", "Zastrzeż swój numer PESEL", "phishing",
                  "iod@przychodnia.example", "INC-20260302-001"):
        assert words in text, words
    assert "e-dokumenty" not in text  # only this person's categories
    assert len(subject) + len(text) < 2000  # notify's e-mail limit
    assert not any(word.lower() in text.lower() for word in SPECIALTY_WORDS)  # categories only, never a specialty
