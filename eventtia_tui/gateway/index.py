"""In-memory attendee index: one keystroke answers from here, never from the network.

Exact on uuid, email and a scanned qr_code; prefix, then fuzzy (rapidfuzz), on names and companies;
accent- and case-insensitive. Fuzzy matching runs over the vocabulary of distinct words, not over every
attendee, so a query costs about the same at 1,000 or 100,000 attendees.
"""

from __future__ import annotations

import heapq
import re
import threading
import unicodedata
from bisect import bisect_left, insort
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from rapidfuzz import fuzz, process

from .records import AttendeeRecord

WORD = re.compile(r"\w+", re.UNICODE)
EXACT, PREFIX = 100.0, 90.0
# A word found in the name counts more than the same word in the company or the email address.
NAME, COMPANY, EMAIL = 1.0, 0.96, 0.92
FUZZY_CUTOFF = 75.0
FUZZY_WORDS = 12
# A multi-word query scores its most selective word over the index; a short other word ("ines s") is
# then checked on the attendees found, when that is less work than crediting every "s…" word's postings.
CHECK_DIRECTLY = 3000


@lru_cache(maxsize=1 << 16)
def fold(value: str) -> str:
    """Case- and accent-insensitive form: 'Müller' → 'muller', 'Weiß' → 'weiss'; other scripts kept."""
    value = value.casefold().replace("ß", "ss").replace("ø", "o").replace("æ", "ae").replace("ł", "l")
    return "".join(c for c in unicodedata.normalize("NFKD", value) if not unicodedata.combining(c))


def words(value: str) -> list[str]:
    return WORD.findall(fold(value))


@dataclass(frozen=True, slots=True)
class Match:
    record: AttendeeRecord
    score: float
    exact: bool  # uuid, email or QR: a scanner's answer, open the card at once


class AttendeeIndex:
    def __init__(self, records: Iterable[AttendeeRecord] = ()) -> None:
        self.records: dict[str, AttendeeRecord] = {}
        self.by_uuid: dict[str, str] = {}
        self.by_email: dict[str, str] = {}
        self.postings: dict[str, dict[str, float]] = {}  # folded word → {attendee id: field weight}
        self.words_of: dict[str, tuple[str, ...]] = {}  # attendee id → its words (weights are in postings)
        self.active = 0  # attendees not cancelled (the search pane's count, without a pass over 50,000)
        self.vocabulary: list[str] = []  # sorted words, for prefix ranges
        self.name_words: set[str] = set()  # names and companies: the words worth fuzzy matching
        self.fuzzy_vocabulary: list[str] = []
        # Equal scores: active first, then by name, then by id (the same order however the index was filled).
        self.sort_keys: dict[str, tuple[bool, str, str, str]] = {}
        self._new_words: list[str] = []
        self._new_names: list[str] = []
        # Writes land from worker threads while searches run on the UI thread.
        self._lock = threading.RLock()
        for record in records:
            self._add(record)
        self._sort_vocabulary()

    def __len__(self) -> int:
        return len(self.records)

    # Kept in the cache with the synced list: loading it back is ~3× faster than building it again.
    def __getstate__(self) -> dict:
        with self._lock:
            state = dict(self.__dict__)
        del state["_lock"]
        return state

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        self._lock = threading.RLock()

    def get(self, attendee_id: str) -> AttendeeRecord | None:
        return self.records.get(attendee_id)

    @staticmethod
    def _name_words(record: AttendeeRecord) -> set[str]:
        return {*words(record.first_name), *words(record.last_name), *words(record.company)}

    @staticmethod
    def _weighted_words(record: AttendeeRecord) -> dict[str, float]:
        weighted = {fold(record.email).split("@")[0]: EMAIL}
        weighted.update(dict.fromkeys(words(record.company), COMPANY))
        weighted.update(dict.fromkeys([*words(record.first_name), *words(record.last_name)], NAME))
        weighted.pop("", None)
        return weighted

    def _add(self, record: AttendeeRecord) -> None:
        self.records[record.id] = record
        self.active += not record.cancelled
        self.sort_keys[record.id] = (record.cancelled, fold(record.last_name), fold(record.first_name), record.id)
        if record.uuid:
            self.by_uuid[fold(record.uuid)] = record.id
        if record.email:
            self.by_email[fold(record.email)] = record.id
        weighted = self._weighted_words(record)
        self.words_of[record.id] = tuple(weighted)
        for word, weight in weighted.items():
            bucket = self.postings.get(word)
            if bucket is None:
                self.postings[word] = {record.id: weight}
                self._new_words.append(word)
            else:
                bucket[record.id] = weight
        new_names = self._name_words(record) - self.name_words
        if new_names:
            self.name_words |= new_names
            self._new_names.extend(new_names)

    def _sort_vocabulary(self) -> None:
        self.vocabulary = sorted(self.postings)
        self.fuzzy_vocabulary = sorted(self.name_words)
        self._new_words, self._new_names = [], []

    def _insert_new_words(self) -> None:
        """New words into the sorted lists: a few in place, many as one merge of two sorted runs."""
        for new, vocabulary in ((self._new_words, self.vocabulary), (self._new_names, self.fuzzy_vocabulary)):
            if len(new) > 16:
                vocabulary[:] = sorted(vocabulary + new)  # timsort merges the two runs in linear time
            else:
                for word in new:
                    insort(vocabulary, word)
        self._new_words, self._new_names = [], []

    def upsert(self, record: AttendeeRecord) -> None:
        self.upsert_many((record,))

    def upsert_many(self, records: Iterable[AttendeeRecord]) -> None:
        """A page of a sync at a time: new words are placed in one go, not one insort each."""
        with self._lock:
            for record in records:
                self._remove(record.id)
                self._add(record)
            self._insert_new_words()

    def apply(self, changes: dict[str, AttendeeRecord | None]) -> None:
        """Attendees changed (None: gone), as kept in the cache's changes entry."""
        with self._lock:
            self.upsert_many(record for record in changes.values() if record is not None)
            for ident in [ident for ident, record in changes.items() if record is None]:
                self._remove(ident)

    def remove(self, attendee_id: str) -> None:
        with self._lock:
            self._remove(attendee_id)

    def _remove(self, attendee_id: str) -> None:
        old = self.records.pop(attendee_id, None)
        if old is None:
            return
        self.active -= not old.cancelled
        self.sort_keys.pop(attendee_id, None)
        if self.by_uuid.get(fold(old.uuid)) == attendee_id:
            del self.by_uuid[fold(old.uuid)]
        if self.by_email.get(fold(old.email)) == attendee_id:
            del self.by_email[fold(old.email)]
        for word in self.words_of.pop(attendee_id, ()):
            bucket = self.postings.get(word)
            if bucket is not None:
                bucket.pop(attendee_id, None)

    def exact(self, query: str) -> AttendeeRecord | None:
        """The one attendee a scanned QR, a uuid or a whole email names, if any."""
        with self._lock:
            return self._exact(query)

    def _exact(self, query: str) -> AttendeeRecord | None:
        text = query.strip()
        if "|" in text:
            # A badge: `code|First Last|email|Company - Job|phone`. Its first part is not always the uuid
            # (the reference's own examples differ), so the email part finds the attendee; the uuid is
            # only a last resort, for a badge with no email.
            parts = text.split("|")
            found = self.by_email.get(fold(parts[2].strip())) if len(parts) > 2 and parts[2].strip() else None
            found = found or self.by_uuid.get(fold(parts[0].strip()))
            return self.records.get(found) if found else None
        key = fold(text)
        found = self.by_uuid.get(key) or self.by_email.get(key)
        return self.records.get(found) if found else None

    def _word_scores(self, word: str, enough: int | None) -> dict[str, float]:
        """Attendee id → best score of any indexed word matching this query word.

        With `enough`, stop once that many attendees have scored: better-scoring words (exact, then
        shorter prefixes) are credited first and fuzzy scores sit below every prefix score, so what is
        left could not enter the top `enough` of a one-word query.
        """
        scores = {ident: EXACT * weight for ident, weight in self.postings.get(word, {}).items()}

        def credit(candidate: str, score: float) -> None:
            for ident, weight in self.postings.get(candidate, {}).items():
                if scores.get(ident, 0.0) < score * weight:
                    scores[ident] = score * weight

        start = bisect_left(self.vocabulary, word)
        end = bisect_left(self.vocabulary, word + "\U0010ffff", lo=start)
        by_length = sorted((w for w in self.vocabulary[start:end] if w != word), key=len)
        position = 0
        while position < len(by_length):
            if enough is not None and len(scores) >= enough:
                return scores
            length = len(by_length[position])
            score = PREFIX - min(length - len(word), 10) * 0.1
            while position < len(by_length) and len(by_length[position]) == length:
                credit(by_length[position], score)
                position += 1
        if len(word) >= 3 and (enough is None or len(scores) < enough):
            for candidate, score, _ in process.extract(word, self.fuzzy_vocabulary, scorer=fuzz.ratio,
                                                       limit=FUZZY_WORDS, score_cutoff=FUZZY_CUTOFF):
                credit(candidate, score * 0.85)
        return scores

    def _breadth(self, word: str) -> int:
        """How many indexed words start with this one: the fewer, the more selective."""
        start = bisect_left(self.vocabulary, word)
        return bisect_left(self.vocabulary, word + "\U0010ffff", lo=start) - start

    def _cheaper_to_check(self, word: str, candidates: int) -> bool:
        if len(word) >= 3 or candidates > CHECK_DIRECTLY:
            return False
        start = bisect_left(self.vocabulary, word)
        end = bisect_left(self.vocabulary, word + "\U0010ffff", lo=start)
        postings = 0
        for position in range(start, end):
            postings += len(self.postings[self.vocabulary[position]])
            if postings > candidates * 2:
                return True
        return False

    def _score_in(self, attendee_id: str, word: str) -> float:
        """The best score this query word gets from one attendee's own words (as `_word_scores` would)."""
        best = 0.0
        for candidate in self.words_of[attendee_id]:
            if candidate == word:
                score = EXACT
            elif candidate.startswith(word):
                score = PREFIX - min(len(candidate) - len(word), 10) * 0.1
            elif len(word) >= 3 and candidate in self.name_words:
                ratio = fuzz.ratio(word, candidate, score_cutoff=FUZZY_CUTOFF)
                score = ratio * 0.85
            else:
                continue
            best = max(best, score * self.postings[candidate][attendee_id])
        return best

    def search(self, query: str, limit: int = 50, include_cancelled: bool = True) -> list[Match]:
        with self._lock:
            return self._search(query, limit, include_cancelled)

    def _search(self, query: str, limit: int, include_cancelled: bool) -> list[Match]:
        text = query.strip()
        if not text:
            return []
        hit = self._exact(text)
        if hit is not None:
            return [Match(hit, EXACT * 2, True)]
        query_words = words(text.replace("|", " "))
        if not query_words:
            return []
        enough = limit if len(query_words) == 1 and include_cancelled else None
        query_words.sort(key=self._breadth)
        totals = self._word_scores(query_words[0], enough)
        for word in query_words[1:]:
            if not totals:
                return []
            if self._cheaper_to_check(word, len(totals)):
                totals = {ident: total + score for ident, total in totals.items()
                          if (score := self._score_in(ident, word))}
            else:
                scores = self._word_scores(word, None)
                totals = {ident: totals[ident] + s for ident, s in scores.items() if ident in totals}
        if not totals:
            return []
        count = len(query_words)
        buckets: dict[float, list[str]] = {}
        for ident, score in totals.items():
            buckets.setdefault(score, []).append(ident)
        matches: list[Match] = []
        for score in sorted(buckets, reverse=True):
            members = buckets[score]
            if not include_cancelled:
                members = [ident for ident in members if not self.records[ident].cancelled]
            need = limit - len(matches)
            chosen = heapq.nsmallest(need, members, key=self.sort_keys.__getitem__)
            matches += [Match(self.records[ident], score / count, False) for ident in chosen]
            if len(matches) >= limit:
                break
        return matches
