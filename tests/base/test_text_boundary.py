"""Control characters are neutralised where data enters the app (eventtia_tui.text)."""

from __future__ import annotations

import json
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from eventtia_tui.text import clean_json, clean_text, decode_json, dumps_for_terminal

PROPERTY = settings(deadline=None, derandomize=True, database=None, max_examples=200)
UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff]")
HOSTILE = ["\x1b]0;pwned\x07", "\x1b]52;c;aGVsbG8=\x07", "\x1b[2J", "\x9b2J", "\x9d0;x\x9c", "\x7f", "\ud800",
           "a\r\nb", "tab\there", "\x00nul"]
# Any text, with the characters that matter drawn often.
texts = st.text(st.one_of(st.characters(codec=None), st.sampled_from("\x1b\x07\x9b\x9d\x7f\n\r\t\ud800\udfff[]")))


def strings_in(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from strings_in(item)
    elif isinstance(value, list):
        for item in value:
            yield from strings_in(item)


@pytest.mark.parametrize(("raw", "shown"), [
    ("\x1b]0;pwned\x07", "␛]0;pwned␇"),
    ("\x1b[2J", "␛[2J"),
    ("\x9b2J", "\ufffd2J"),
    ("a\x7fb", "a␡b"),
    ("\ud800x", "\ufffdx"),
    ("first\nsecond\tthird", "first␊second␉third"),
    ("Inés 李 👩‍👩‍👧 עברית", "Inés 李 👩‍👩‍👧 עברית"),
])
def test_single_line_text_gets_visible_stand_ins(raw, shown):
    assert clean_text(raw) == shown


def test_multi_line_text_keeps_line_feeds_and_tabs_only():
    assert clean_text("one\r\ntwo\tthree\rfour\x1b[2J", multiline=True) == "one\ntwo\tthree␍four␛[2J"


def test_a_description_keeps_its_lines_and_a_name_does_not():
    document = {"data": {"attributes": {"description": "Line 1\nLine 2", "name": "Evil\nName\x1b]0;t\x07",
                                        "fields": {"1\x1b": ["\x9b", {"description": "\x1b"}]}}}}
    cleaned = decode_json(json.dumps(document).encode())
    attributes = cleaned["data"]["attributes"]
    assert attributes["description"] == "Line 1\nLine 2"
    assert attributes["name"] == "Evil␊Name␛]0;t␇"
    assert attributes["fields"] == {"1␛": ["\ufffd", {"description": "␛"}]}


@pytest.mark.parametrize("body", [
    b'{"data": [{"attributes": {"first_name": "\\u001b]0;x\\u0007"}}]}',  # escaped C0
    '{"data": [{"attributes": {"first_name": "\x9b2J"}}]}'.encode(),  # raw C1 (UTF-8 C2 9B)
    b'{"data": [{"attributes": {"first_name": "\\u009b2J"}}]}',  # escaped C1
    b'{"data": [{"attributes": {"first_name": "\\ud800"}}]}',  # a lone surrogate
    b'{"data": [{"attributes": {"first_name": "a\x7fb"}}]}',  # raw DEL
    b'{"data": [{"attributes": {"first_name": "\\t"}}]}',
])
def test_every_way_json_can_carry_a_control_character_is_cleaned(body):
    name = decode_json(body)["data"][0]["attributes"]["first_name"]
    assert not UNSAFE.search(name)
    name.encode("utf-8")


def test_bad_bytes_become_replacement_characters_and_a_page_still_decodes():
    assert decode_json(b'{"name": "caf\xe9 \xff"}') == {"name": "caf\ufffd \ufffd"}


def test_json_too_deep_to_decode_is_a_value_error_not_a_recursion_error():
    with pytest.raises(ValueError):
        decode_json(b"[" * 100_000 + b"]" * 100_000)


@PROPERTY
@given(texts)
def test_cleaned_text_has_no_control_character_and_encodes(text):
    for multiline in (False, True):
        cleaned = clean_text(text, multiline=multiline)
        left = cleaned.replace("\n", "").replace("\t", "") if multiline else cleaned
        assert not UNSAFE.search(left)
        cleaned.encode("utf-8")
        assert clean_text(cleaned, multiline=multiline) == cleaned
    if not UNSAFE.search(text):
        assert clean_text(text) is text


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | texts,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(texts, children, max_size=4),
    max_leaves=20)


@PROPERTY
@given(json_values)
def test_any_json_document_decodes_with_no_control_character_left(value):
    for body in (json.dumps(value), json.dumps(value, ensure_ascii=False)):
        decoded = decode_json(body.encode("utf-8", "surrogatepass"))
        for text in strings_in(decoded):
            assert not UNSAFE.search(text.replace("\n", "").replace("\t", ""))


@PROPERTY
@given(json_values)
def test_json_for_the_terminal_escapes_c1_and_surrogates_and_reads_back_the_same(value):
    text = dumps_for_terminal(value, indent=2)
    text.encode("utf-8")  # no lone surrogate left
    assert not re.search("[\x00-\x09\x0b-\x1f\x7f-\x9f]", text)
    assert json.loads(text) == value


def test_clean_json_leaves_clean_documents_as_they_are():
    document = {"data": [{"id": "1", "attributes": {"name": "Inés"}}]}
    assert clean_json(document) is document
    assert document == {"data": [{"id": "1", "attributes": {"name": "Inés"}}]}


@pytest.mark.parametrize("hostile", HOSTILE)
def test_hostile_samples_never_survive(hostile):
    assert not UNSAFE.search(clean_text(hostile))
