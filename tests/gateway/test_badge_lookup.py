"""A badge is its QR text: each badge names its own registration, here and on Eventtia, whoever shares its email."""

from __future__ import annotations

from eventtia_tui.badge import BY_CODE, BY_EMAIL, BY_QR, Badge
from eventtia_tui.gateway import Gateway, look_up_badge, sync_event
from eventtia_tui.sandbox import DEMO_EMAIL
from eventtia_tui.store.cache import CacheStore
from tests.badges import EXPO, code_only_badges, register, shared_emails
from tests.demo_expo import BASE_URL

OWN = {"parent": BY_QR, "child": BY_QR, "kept": BY_QR, "dropped": BY_QR, "old": BY_QR, "again": BY_QR,
       "moved": BY_CODE}


async def test_each_badge_sharing_an_email_names_its_own_registration_here(synced, api, sandbox_app):
    made = await shared_emails(api, sandbox_app)
    await sync_event(synced, EXPO)  # incremental: the cancelled ones come as cancelled
    index = synced.index(EXPO)
    for name, printed in made.items():
        match = index.find(Badge.parse(printed.qr + "\r\n"))
        assert (match.by, [r.id for r in match.found]) == (OWN[name], [printed.id]), name
        assert match.found[0].cancelled == printed.cancelled, name
    # The old way found these by the email inside the badge: one family member's card for the other's badge.
    parent = index.find(Badge.parse(made["parent"].qr)).first
    child = index.find(Badge.parse(made["child"].qr)).first
    assert parent.email == child.email and parent.id != child.id


async def test_the_email_alone_finds_every_registration_with_it_active_first(synced, api, sandbox_app):
    made = await shared_emails(api, sandbox_app)
    await sync_event(synced, EXPO)
    index = synced.index(EXPO)
    typed = index.find(Badge.parse("VIDAL@casa.test"))
    assert typed.by == BY_EMAIL and [r.id for r in typed.found] == [made["kept"].id, made["dropped"].id]
    stranger = index.find(Badge.parse("abcdef|Someone Vidal|vidal@casa.test|Elsewhere|"))
    assert stranger.by == BY_EMAIL and [r.cancelled for r in stranger.found] == [False, True]
    assert [m.record.id for m in index.search("vidal@casa.test")][:2] == [made["kept"].id, made["dropped"].id]


async def test_a_code_only_badge_whose_code_is_not_the_uuid_is_found(synced, sandbox_app):
    index = synced.index(EXPO)
    badges = code_only_badges(sandbox_app)
    assert badges
    for attendee_id, code, uuid in badges:
        assert code != uuid
        for scanned in (code, code.upper(), f"{code}\t"):
            match = index.find(Badge.parse(scanned))
            assert (match.by, [r.id for r in match.found]) == (BY_CODE, [attendee_id]), scanned
        assert index.find(Badge.parse(uuid)).first.id == attendee_id  # the uuid typed still finds them


async def test_an_old_badge_not_in_the_copy_is_asked_of_eventtia_which_knows_it_was_cancelled(
        client, api, sandbox_app, tmp_path, clock):
    made = await shared_emails(api, sandbox_app)
    store = CacheStore(tmp_path / "fresh", BASE_URL, DEMO_EMAIL, clock=clock)
    gateway = Gateway(client, store, clock=clock)
    try:
        await sync_event(gateway, EXPO)  # a full sync: the default listing, so no cancelled registration
        index = gateway.index(EXPO)
        old = Badge.parse(made["old"].qr)
        here = index.find(old)
        assert here.by == BY_EMAIL and [r.id for r in here.found] == [made["again"].id]  # not this badge
        online = await look_up_badge(gateway, EXPO, old)
        assert (online.by, [r.id for r in online.found]) == (BY_QR, [made["old"].id])
        assert online.found[0].cancelled
        again = index.find(old)  # kept: the next scan of it answers here
        assert again.by == BY_QR and again.found[0].cancelled
        assert index.find(Badge.parse(made["again"].qr)).first.id == made["again"].id
    finally:
        store.close()


async def test_on_eventtia_a_registration_with_another_qr_is_an_email_match_only(synced, api, sandbox_app):
    made = await shared_emails(api, sandbox_app)  # not synced: only Eventtia knows them
    for name in ("parent", "child", "kept", "dropped", "old", "again"):
        match = await look_up_badge(synced, EXPO, Badge.parse(made[name].qr))
        assert (match.by, [r.id for r in match.found]) == (BY_QR, [made[name].id]), name
        assert match.found[0].cancelled == made[name].cancelled, name
    stranger = await look_up_badge(synced, EXPO, Badge.parse("abcdef|Lucía Ortega|familia.ortega@casa.test||"))
    assert stranger.by == BY_EMAIL
    assert sorted(r.id for r in stranger.found) == sorted([made["parent"].id, made["child"].id])
    # A badge printed before its email changed carries the old email: Eventtia has no lookup by QR or code.
    assert not await look_up_badge(synced, EXPO, Badge.parse(made["moved"].qr))
    assert not await look_up_badge(synced, EXPO, Badge.parse("abcdef"))


async def test_registering_again_after_a_sent_cancel_keeps_both_badges_apart(synced, api, sandbox_app):
    first = await register(api, "Nora", "Pardo", "nora.pardo@casa.test")
    await sync_event(synced, EXPO)
    assert (await api.put(f"/events/{EXPO}/attendees/{first.id}/cancel")).status_code == 204
    second = await register(api, "Nora", "Pardo", "nora.pardo@casa.test")
    await sync_event(synced, EXPO)
    index = synced.index(EXPO)
    old, new = index.find(Badge.parse(first.qr)), index.find(Badge.parse(second.qr))
    assert (old.by, old.first.id, old.first.cancelled) == (BY_QR, first.id, True)
    assert (new.by, new.first.id, new.first.cancelled) == (BY_QR, second.id, False)
