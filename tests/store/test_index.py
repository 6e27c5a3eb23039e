import sqlite3
import threading

from eventtia_tui.store.attendee_db import AttendeeDB
from eventtia_tui.store.index import AttendeeIndex, fold
from eventtia_tui.store.records import AttendeeRecord, record_from_resource


def person(ident, first, last, email, company="Acme", uuid=None, status="confirmed"):
    uuid = uuid or f"{int(ident):06x}"
    qr = f"{uuid}|{first} {last}|{email}|{company} - CEO|+570000000"
    return AttendeeRecord(ident, uuid, first, last, email, company, "CEO", "+570000000", "1", status,
                          False, True, qr, "", {})


PEOPLE = [
    person("1", "Jürgen", "Müller", "jurgen.muller@example.com", "Müller & Söhne"),
    person("2", "Ana", "García", "ana.garcia@example.com", "Andes Analytics"),
    person("3", "Anabel", "Garcés", "anabel@example.org", "Café Cumbre"),
    person("4", "伟", "李", "wei.li@example.com", "上海贸易"),
    person("5", "Ana", "Mueller", "ana.mueller@mail.test", "Blue Harbor"),
    person("6", "Old", "Garcia", "old.garcia@x.test", status="cancelled"),
]


def index() -> AttendeeIndex:
    return AttendeeIndex(PEOPLE)


def test_fold_removes_accents_and_case():
    assert fold("Müller") == "muller" and fold("GARCÍA") == "garcia" and fold("Weiß") == "weiss"
    assert fold("李") == "李"


def test_accent_insensitive_name_search():
    results = index().search("Muller")
    assert results[0].record.id == "1"


def test_exact_email_ranks_first_and_is_exact():
    results = index().search("ANA.GARCIA@example.com")
    assert [m.record.id for m in results] == ["2"]
    assert results[0].exact


def test_whole_qr_string_finds_the_attendee():
    qr = PEOPLE[2].qr_code
    results = index().search(qr)
    assert results[0].record.id == "3" and results[0].exact


def test_uuid_lookup():
    assert index().search(PEOPLE[3].uuid)[0].record.id == "4"


def test_prefix_and_multi_word():
    ids = [m.record.id for m in index().search("ana gar")]
    assert ids[0] == "2"
    assert "5" not in ids  # Ana Mueller has no word starting with "gar"


def test_fuzzy_typo():
    ids = [m.record.id for m in index().search("Garsia")]
    assert "2" in ids


def test_non_latin_and_company():
    assert index().search("李")[0].record.id == "4"
    assert index().search("cafe")[0].record.id == "3"


def test_cancelled_ranked_after_active_or_left_out():
    ids = [m.record.id for m in index().search("garcia")]
    assert ids.index("6") > ids.index("2")
    assert "6" not in [m.record.id for m in index().search("garcia", include_cancelled=False)]


def test_upsert_and_remove():
    idx = index()
    idx.upsert(person("7", "Zoë", "Núñez", "zoe@walkin.test"))
    assert idx.search("nunez")[0].record.id == "7"
    idx.remove("7")
    assert idx.search("nunez") == []
    assert idx.search("zoe@walkin.test") == []


def test_empty_and_garbage_queries():
    idx = index()
    assert idx.search("") == [] and idx.search("   ") == [] and idx.search("|||") == []
    assert idx.search("\x00\n\t" * 100) == []


def test_record_from_a_raw_resource_maps_fields_by_name():
    resource = {"id": "9", "type": "attendees", "attributes": {
        "uuid": "abc123", "fields": {"11": "Ñusta", "12": "Quispe", "13": "n@q.test"}, "status": "confirmed",
        "qr_code": "abc123|Ñusta Quispe|n@q.test|Wayra Mining - CTO|+51999"},
        "relationships": {"attendee_type": {"data": {"id": "5", "type": "attendee_types"}}}}
    record = record_from_resource(resource, {"5": {"11": "first_name", "12": "last_name", "13": "email"}})
    assert (record.first_name, record.last_name, record.email) == ("Ñusta", "Quispe", "n@q.test")
    assert (record.company, record.job_title, record.telephone) == ("Wayra Mining", "CTO", "+51999")
    assert record.fields["first_name"] == "Ñusta"
    assert record_from_resource({"attributes": {}}, {}) is None
    assert record_from_resource({"id": "1", "attributes": None}, {}).status == "unknown"


def test_the_active_count_follows_upserts_and_removals():
    def record(ident: str, status: str) -> AttendeeRecord:
        return AttendeeRecord(ident, f"u{ident}", "Ana", "Pérez", f"{ident}@x.test", "", "", "", "1", status,
                              False, False, "", "")

    index = AttendeeIndex([record("1", "confirmed"), record("2", "cancelled"), record("3", "pending")])
    assert index.active == 2
    index.upsert(record("1", "cancelled"))
    index.upsert(record("4", "confirmed"))
    index.remove("3")
    assert index.active == sum(1 for r in index.records.values() if not r.cancelled) == 1


def test_parts_of_an_email_find_the_attendee():
    idx = index()
    assert [m.record.id for m in idx.search("garcia@example")] == ["2"]  # not old.garcia@x.test
    assert [m.record.id for m in idx.search("mueller@mail")] == ["5"]
    assert [m.record.id for m in idx.search("anabel@")] == ["3"]
    assert {m.record.id for m in idx.search("@example.c")} == {"1", "2", "4"}
    assert [m.record.id for m in idx.search("mueller@example")] == ["1"]  # Müller, by a near spelling
    assert idx.search("wei@example.org") == []


def test_a_telephone_is_found_by_its_digits_however_it_is_written():
    idx = index()
    idx.upsert(AttendeeRecord("9", "u9", "Rosa", "Vidal", "rosa@v.test", "", "", "+57 (300) 123-4567", "1",
                              "confirmed", False, False, "", ""))
    for typed in ("+57 300 123 4567", "573001234567", "300 123 4567", "(300) 123-45", "4567", "+57 300", "(+57) 300"):
        assert idx.search(typed)[0].record.id == "9", typed
    assert idx.search("300 999") == []


def test_a_database_that_fails_under_the_index_answers_nothing_rather_than_raising(tmp_path):
    db = AttendeeDB(tmp_path / "cache.db")
    with db.writing() as connection:
        list_id = db.create_list(connection, "scope", "expo", "live", {})
        db.put(connection, list_id, PEOPLE)
    idx = AttendeeIndex(db=db, scope="scope", event="expo")
    assert idx.search("garcia")[0].record.id == "2"
    other = sqlite3.connect(tmp_path / "cache.db")
    other.execute("drop table attendee_terms")  # as a damaged file would fail under it
    other.execute("drop table attendee_docs")
    other.commit()
    assert idx.search("garcia") == [] and idx.exact("ana.garcia@example.com") is None and idx.get("2") is None
    db.close()


def test_closing_the_database_waits_for_a_read_in_another_thread(tmp_path):
    """Closing a connection under a running statement crashed the process at an app's exit."""
    db = AttendeeDB(tmp_path / "cache.db")
    inside, read = threading.Event(), []

    def reader() -> None:
        with db.reading() as connection:
            inside.set()
            closing.wait(5)  # close() has been called meanwhile
            read.append(connection.execute("select count(*) from attendee_lists").fetchone()[0])

    closing = threading.Event()
    thread = threading.Thread(target=reader)
    thread.start()
    inside.wait(5)
    closer = threading.Thread(target=db.close)
    closer.start()
    closing.set()
    thread.join(5)
    closer.join(5)
    assert read == [0] and db.closed and not closer.is_alive()
