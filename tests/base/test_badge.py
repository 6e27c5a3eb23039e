"""The badge: its QR text parsed, normalised and compared in one place."""

from __future__ import annotations

from dataclasses import dataclass

from hypothesis import given
from hypothesis import strategies as st

from eventtia_tui.badge import BY_CODE, BY_EMAIL, BY_QR, Badge, looks_like_badge, normalise, split_name

# The reference's own attendee examples: the first part is the uuid in 2 of them only.
REFERENCE_QRS = [
    ("277c29|John Doe|johndoe@eventtia.com|Eventtia - Developer|+571234567890", "248c29"),
    ("288c22|John Doe|johndoe@eventtia.com|Eventtia - Developer|+57123456789", "288c39"),
    ("cbba89|Subleader two|johndoe2@eventtia.com|Eventtia|", "cbba89"),
    ("a1592c|Test Attendee Test|lastest@exampleevent.com|Hospital - Paramedic|", "a2691c"),
    ("20bb76|Test attendee Test|cat3@exampleemail.com|Cat inc - Lawyer|", "41bb76"),
    ("288c29|Jon Doe|jondoe@eventtia.com|Eventtia - Lawyer|+57123456789", "288c29"),
]
SUFFIXES = st.lists(st.sampled_from(["\r", "\n", "\t", "\r\n", " "]), min_size=1, max_size=4).map("".join)


@dataclass
class Registration:
    id: str
    qr_code: str
    uuid: str
    email: str


def test_the_reference_qrs_parse_into_their_parts():
    badge = Badge.parse(REFERENCE_QRS[0][0])
    assert badge.is_qr and badge.code == "277c29" and badge.email == "johndoe@eventtia.com"
    assert (badge.first_name, badge.last_name, badge.company, badge.job_title, badge.telephone) == (
        "John", "Doe", "Eventtia", "Developer", "+571234567890")
    subleader = Badge.parse(REFERENCE_QRS[2][0])
    assert (subleader.first_name, subleader.last_name, subleader.company, subleader.job_title) == (
        "Subleader", "two", "Eventtia", "")
    assert all(looks_like_badge(qr) for qr, _ in REFERENCE_QRS)


def test_what_scanners_change_is_undone_and_nothing_else():
    clean = REFERENCE_QRS[0][0]
    assert Badge.parse(f"  {clean}\r\n") == Badge.parse(clean) == Badge.parse(clean + "\t")
    assert Badge.parse("277C29" + clean[6:]) == Badge.parse(clean)  # caps lock on a hex code
    assert Badge.parse(clean.replace("John Doe", "JOHN DOE")) != Badge.parse(clean)  # the rest is verbatim
    assert Badge.parse("ABC-XYZ|Ana|a@b.co") != Badge.parse("abc-xyz|Ana|a@b.co")  # not hex: kept as printed


def test_kinds_of_text_a_desk_types_or_scans():
    assert Badge.parse("277C29").code == "277c29" and not Badge.parse("277C29").is_qr  # a code-only badge
    assert Badge.parse("ana.garcia@example.com").email == "ana.garcia@example.com"
    assert Badge.parse("ana.garcia@example.com").code == ""
    assert Badge.parse("ana garcia").code == "" and Badge.parse("ana garcia").email == ""
    assert Badge.parse("x|not an email|y").email == "" and Badge.parse("x|not an email|y").is_qr
    assert Badge.parse("").code == "" and not Badge.parse("").is_qr
    assert Badge.parse("a1592c|Test Attendee Test|lastest@exampleevent.com|Hospital - Paramedic|").walk_in() == {
        "first_name": "Test Attendee", "last_name": "Test", "email": "lastest@exampleevent.com",
        "company": "Hospital", "job_title": "Paramedic"}
    assert Badge.parse("a1592c").walk_in() == {}


def test_a_badge_names_its_own_registration_first_then_by_code_then_by_email():
    qr, uuid = REFERENCE_QRS[1]  # first part 288c22, uuid 288c39
    own = Registration("1", qr, uuid, "johndoe@eventtia.com")
    family = Registration("2", "999999|Jane Doe|johndoe@eventtia.com||", "999998", "johndoe@eventtia.com")
    by_uuid = Registration("3", "777777|Someone Else|other@x.co||", "288c22", "other@x.co")
    assert Badge.parse(qr).resolve([family, by_uuid, own]).found == (own,)
    assert Badge.parse(qr).resolve([family, by_uuid, own]).by == BY_QR
    # Printed before the email changed: the code still names it (the QR's first part before a uuid).
    printed = qr.replace("johndoe@", "john.old@")
    assert Badge.parse(printed).resolve([by_uuid, own]) .found == (own,)
    assert Badge.parse(printed).resolve([by_uuid, own]).by == BY_CODE
    assert Badge.parse("288C22").resolve([family, own]).found == (own,)  # code only, not the uuid
    assert Badge.parse("288c39").resolve([family, own]).found == (own,)  # the uuid typed
    # A badge none of them carries: every registration with its email, in the order given, says so.
    stranger = "111111|John Doe|johndoe@eventtia.com||"
    match = Badge.parse(stranger).resolve([family, own, by_uuid])
    assert match.by == BY_EMAIL and match.found == (family, own)
    assert not Badge.parse("nobody@x.co").resolve([family, own])


@given(st.text())
def test_any_text_parses_and_normalising_is_idempotent(text):
    badge = Badge.parse(text)
    assert normalise(badge.text) == badge.text
    assert Badge.parse(badge.text) == badge
    for value in (badge.code, badge.email, badge.name, badge.first_name, badge.last_name, badge.company,
                  badge.job_title, badge.telephone, badge.is_qr, badge.is_email, badge.walk_in()):
        assert value is not None
    assert len(badge.parts) >= 5
    badge.resolve([Registration("1", text, text, text)])


@given(st.text(), SUFFIXES)
def test_a_scanner_suffix_never_changes_the_badge(text, suffix):
    assert Badge.parse(text + suffix) == Badge.parse(text)
    assert Badge.parse(text + suffix).matches(text) == bool(Badge.parse(text).text)


@given(st.sampled_from(REFERENCE_QRS), SUFFIXES, st.booleans())
def test_a_reference_badge_scanned_any_way_names_its_registration(example, suffix, upper):
    qr, uuid = example
    head, bar, rest = qr.partition("|")
    scanned = (head.upper() if upper else head) + bar + rest + suffix
    own = Registration("1", qr, uuid, "someone@else.test")
    assert Badge.parse(scanned).resolve([own]).by == BY_QR
    assert Badge.parse(scanned).code == head


PART = st.text(st.characters(blacklist_characters="|\r\n\t", blacklist_categories=("Cs", "Cc")), max_size=12).map(
    lambda text: " ".join(text.replace(" - ", " ").split()))


@given(st.from_regex(r"[0-9a-f]{6}", fullmatch=True), PART, PART, PART.filter(lambda t: "-" not in t),
       PART.filter(lambda t: "-" not in t), PART)
def test_a_badge_made_of_parts_reads_them_back(code, name, email, company, job_title, telephone):
    """Badge.of is the one writer of QR text (a roster entry with no qr_code of its own): what it writes, the
    properties read back."""
    badge = Badge.of(code, name, email, company, job_title, telephone)
    assert badge.parts[0] == code and badge.parts[1] == name and badge.telephone == telephone
    if company and job_title:
        assert (badge.company, badge.job_title) == (company, job_title)
    assert badge == Badge.parse(badge.text)


@given(st.text(alphabet=st.sampled_from("aZ é\t\u00a0-"), max_size=30))
def test_a_name_splits_into_first_words_and_the_last_word_losing_nothing(name):
    first, last = split_name(name)
    assert " ".join(part for part in (first, last) if part) == " ".join(name.split())
    assert not any(space in last for space in (" ", "\t")) and (last or not first)
