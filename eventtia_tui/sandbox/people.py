"""Names, companies and email domains with real variety for large sandboxes, from Faker's locales (seeded).

The demo's first `HAND_PICKED` attendees keep the short hand lists of words.py — the screenshots, the
tests and the README show them. Every attendee past those gets a person from one of many locales, as a
venue's registration list has: 50,000 of them carry tens of thousands of distinct words, where the hand
lists hold about two hundred (a search index answers very differently for the two).
"""

from __future__ import annotations

import random
from dataclasses import dataclass

HAND_PICKED = 1200  # the demo's default size: a default sandbox never imports Faker

# Weighted towards the Americas and Europe (Eventtia's venues), with Asia, Africa and the Middle East.
LOCALES = (
    "es_CO", "es_CO", "es_CO", "es_MX", "es_MX", "es_ES", "es_ES", "es_AR", "es_CL", "pt_BR", "pt_BR", "pt_PT",
    "en_US", "en_US", "en_GB", "en_CA", "en_AU", "en_IE", "en_IN", "en_PH", "fr_FR", "fr_CA", "fr_CH", "de_DE",
    "de_AT", "de_CH", "it_IT", "nl_NL", "nl_BE", "pl_PL", "cs_CZ", "sk_SK", "hu_HU", "ro_RO", "sv_SE", "da_DK",
    "no_NO", "fi_FI", "et_EE", "lt_LT", "lv_LV", "hr_HR", "sl_SI", "bg_BG", "el_GR", "tr_TR", "uk_UA", "ru_RU",
    "he_IL", "fa_IR", "ar_AA", "hi_IN", "bn_BD", "ne_NP", "th_TH", "vi_VN", "id_ID", "fil_PH", "zh_CN", "zh_TW",
    "ja_JP", "ko_KR", "hy_AM", "ka_GE", "az_AZ", "yo_NG", "zu_ZA", "tw_GH", "ga_IE",
)
FREE_MAIL = ("example.com", "example.org", "mail.test", "correo.test", "post.test")
COLLEAGUE = 0.6  # the chance that an attendee works where an earlier one does (a venue's list repeats firms)


@dataclass(frozen=True, slots=True)
class Person:
    first: str
    last: str
    company: str
    first_ascii: str  # transliterated, for the email address
    last_ascii: str
    domain: str


class VariedPeople:
    """People drawn from Faker across LOCALES; the same `seed` gives the same people in the same order."""

    def __init__(self, seed: int) -> None:
        from faker import Faker
        from faker.decode import unidecode

        self.rng = random.Random(seed)
        self.unidecode = unidecode
        self.locales = tuple(dict.fromkeys(LOCALES))
        self.faker = Faker(list(self.locales))
        self.faker.seed_instance(seed)
        self.companies: list[tuple[str, str]] = []  # (name, email domain) of the companies drawn so far

    def next(self) -> Person:
        generator = self.faker[self.rng.choice(LOCALES)]
        first, last = generator.first_name(), generator.last_name()
        if self.companies and self.rng.random() < COLLEAGUE:
            company, domain = self.rng.choice(self.companies)
        else:
            company = generator.company()
            word = self.unidecode(company).split(maxsplit=1)[0] if company.strip() else ""
            domain = f"{''.join(c for c in word.lower() if c.isascii() and c.isalnum()) or 'company'}.example"
            self.companies.append((company, domain))
        if self.rng.random() < 0.3:
            domain = self.rng.choice(FREE_MAIL)
        return Person(first, last, company, self.unidecode(first), self.unidecode(last), domain)
