"""Auto-fill matching engine: synonyms, abstention, confidence, learning from reviewers, scale."""

import math
import random

import pytest

from questionnaires.matching import ABSTAIN_THRESHOLD, Feedback, IndexedEntry, MatchIndex
from questionnaires.matching.text import stem, terms

ENTRIES = [
    IndexedEntry(
        1,
        "mfa-workforce",
        "Is multi-factor authentication required for employee access?",
        "Yes. Every employee signs in with SSO and a hardware security key or authenticator app.",
        (),
    ),
    IndexedEntry(
        2,
        "bcp-plan",
        "What is your business continuity plan and who owns it?",
        "Our business continuity plan is owned by the COO and covers loss of office, staff and suppliers.",
        (),
    ),
    IndexedEntry(
        3,
        "dr-testing",
        "How and how often is disaster recovery tested?",
        "We run a full disaster recovery test every year, restoring production into a second AWS region.",
        (),
    ),
    IndexedEntry(
        4,
        "enc-at-rest",
        "Is customer data encrypted at rest?",
        "Yes. Databases, object storage and backups are encrypted with AES-256 using AWS KMS keys.",
        (),
    ),
    IndexedEntry(
        5,
        "penetration-testing",
        "Do you have independent penetration tests performed?",
        "An independent firm performs a penetration test of the application and infrastructure each year.",
        ("When was your last third-party pentest?",),
    ),
    IndexedEntry(
        6,
        "security-logging",
        "What security events do you log and for how long?",
        "Authentication, administrative and network events are sent to a central SIEM and kept a year.",
        (),
    ),
    IndexedEntry(
        7,
        "app-audit-log",
        "Does the application keep an audit log of user activity that customers can see?",
        "Customer administrators can view and export the audit log of actions taken by their users.",
        (),
    ),
    IndexedEntry(
        8,
        "background-checks",
        "Do you perform background checks on employees and contractors?",
        "Yes. All staff pass criminal and employment background checks before they start.",
        (),
    ),
]


@pytest.fixture(scope="module")
def index() -> MatchIndex:
    return MatchIndex.build(ENTRIES)


@pytest.mark.parametrize(
    "family",
    [
        ("encrypted", "encryption", "encrypt", "encrypts"),
        ("tested", "testing", "tests", "test"),
        ("notify", "notified", "notification", "notifications"),
        ("verify", "verified", "verification"),
        ("recover", "recovered", "recovery"),
        ("policy", "policies"),
        ("accessibility", "accessible"),
        ("analysis", "analyses", "analyse", "analysed"),
        ("authorization", "authorisation", "authorizations"),
        ("business", "businesses"),
        ("provider", "providers"),
        ("sla", "slas"),
        ("hsm", "hsms"),
    ],
)
def test_word_families_share_a_stem(family):
    assert len({stem(word) for word in family}) == 1


@pytest.mark.parametrize(
    ("word", "other"),
    [
        ("accessibility", "access"),
        ("business", "busy"),
        ("authenticator", "authentication"),
        ("certificate", "certification"),
        ("provider", "provided"),
        ("federal", "federation"),
        ("personal", "person"),
        ("authorized", "authorities"),
        ("ios", "io"),
    ],
)
def test_different_families_keep_apart(word, other):
    assert stem(word) != stem(other)


def test_acronyms_and_words_ending_in_s_stay_whole():
    for word in ("news", "status", "basis", "bias", "dns", "aws", "https", "ids", "ips", "kms", "sms", "os"):
        assert stem(word) == word


def test_vocabulary_exceptions_do_not_leak_concepts():
    assert "~mfa" not in terms("Is every login authenticated?")
    assert "~rbac" not in terms("Are changes authorized before release?")
    assert "~sso" not in terms("Do you hold a federal contract?")
    assert "~certs" not in terms("Do you hold an ISO certification?")
    assert "~mfa" in terms("Do staff use an authenticator app?")
    assert "~rbac" in terms("How is authorisation enforced?")


def test_abbreviation_and_spelled_out_phrase_share_a_concept():
    assert "~mfa" in terms("Do you enforce 2FA?")
    assert "~mfa" in terms("Is multi-factor authentication on?")
    assert "~bcp" in terms("Describe your BCP") and "~bcp" in terms("business continuity")


def test_synonym_finds_the_mfa_entry(index):
    best = index.best("Do you require 2FA for your staff?")
    assert best is not None and best.key == "mfa-workforce"


@pytest.mark.parametrize(
    ("question", "key"),
    [
        ("Is the DRP exercised annually?", "dr-testing"),
        ("Describe your BCP.", "bcp-plan"),
        ("Are pen tests done by a third party?", "penetration-testing"),
        ("Is stored data protected with cryptography (encryption at rest)?", "enc-at-rest"),
    ],
)
def test_domain_abbreviations_reach_their_entry(index, question, key):
    assert index.suggest(question, k=1)[0].key == key


def test_abstains_on_an_unrelated_question(index):
    assert index.best("Are you compliant with HIPAA and will you sign a Business Associate Agreement?") is None
    assert index.best("What is the airspeed velocity of an unladen swallow?") is None


def test_confidences_are_within_bounds_and_ordered(index):
    suggestions = index.suggest("Do you log security events centrally?", k=5)
    assert suggestions and suggestions[0].key == "security-logging"
    confidences = [s.confidence for s in suggestions]
    assert all(0.0 <= c <= 1.0 for c in confidences)
    assert confidences == sorted(confidences, reverse=True)
    assert index.best("Do you log security events centrally?") is not None
    assert 0.0 < ABSTAIN_THRESHOLD < 1.0


def test_section_heading_helps_a_terse_question(index):
    assert index.suggest("Is it tested annually?", section="Disaster Recovery Plan", k=1)[0].key == "dr-testing"


def test_positive_feedback_makes_a_new_phrasing_match_its_entry():
    phrasing = "Is there a history of edits to dashboards?"
    cold = MatchIndex.build(ENTRIES)
    assert cold.best(phrasing) is None
    warm = MatchIndex.build(ENTRIES, [Feedback(7, phrasing, positive=True)])
    best = warm.best(phrasing)
    assert best is not None and best.key == "app-audit-log"
    # A new wording of the same question benefits too.
    assert warm.suggest("Do you keep a history of dashboard edits?", k=1)[0].key == "app-audit-log"
    # Added later, without a rebuild, it counts just the same.
    cold.add_feedback(Feedback(7, phrasing, positive=True))
    assert cold.best(phrasing) == best


def test_negative_feedback_pushes_a_wrong_entry_down():
    question = "Do you keep logs of activity?"
    before = MatchIndex.build(ENTRIES).suggest(question, k=2)
    wrong = before[0]
    after = MatchIndex.build(ENTRIES, [Feedback(wrong.entry_id, question, positive=False)]).suggest(question, k=2)
    assert after[0].key != wrong.key
    assert after[0].key == before[1].key


def test_empty_library_suggests_nothing():
    index = MatchIndex.build([])
    assert index.suggest("Do you use MFA?") == []
    assert index.best("Do you use MFA?") is None
    assert len(index) == 0


def test_blank_question_suggests_nothing(index):
    assert index.suggest("") == []
    assert index.suggest("   <p></p> ") == []


def test_feedback_for_an_unknown_entry_is_ignored(index):
    MatchIndex.build(ENTRIES, [Feedback(999, "anything", positive=True)])


def test_large_library_still_finds_the_right_entries():
    rng = random.Random(3)
    filler_words = [f"topic{n}" for n in range(400)] + ["review", "process", "system", "data", "annual", "control"]
    library = list(ENTRIES)
    for number in range(len(ENTRIES) + 1, 2001):
        words = rng.sample(filler_words, 6)
        library.append(
            IndexedEntry(number, f"filler-{number}", f"Do you {' '.join(words[:3])}?", " ".join(words) + ".", ())
        )
    index = MatchIndex.build(library)
    assert len(index) == 2000
    questions = [(e.question, e.key) for e in ENTRIES] * 32 + [("Describe your BCP.", "bcp-plan")] * 5
    assert len(questions) == 261
    for question, key in questions:
        assert index.suggest(question, k=3)[0].key == key


@pytest.mark.parametrize(
    ("first", "second", "concept"),
    [
        ("Will the consultant work on-premises?", "Do you offer professional services?", "~onsite"),
        ("Do you monitor 24x7?", "Is the network watched around the clock?", "~always_on"),
        ("How do you detect configuration drift?", "Do you keep a configuration baseline?", "~config"),
        ("Which data centers host the service?", "Who is your hosting provider?", "~cloud"),
    ],
)
def test_domain_phrasings_share_a_concept(first, second, concept):
    assert concept in terms(first) and concept in terms(second)


def test_words_only_reviewers_used_do_not_make_an_uncovered_topic_look_covered():
    """A confirmed phrasing that mentions HIPAA teaches the index that phrasing, not that HIPAA is answered."""
    warm = MatchIndex.build(ENTRIES, [Feedback(6, "Do you log security events, including for HIPAA?", positive=True)])
    assert warm.best("Do you log security events, including for HIPAA?") is not None
    assert warm.best("Will you sign a HIPAA business associate agreement?") is None


def test_entry_named_by_its_key_words_wins_over_a_neighbour():
    entries = [
        *ENTRIES,
        IndexedEntry(
            9,
            "policy-review",
            "How often are security policies reviewed?",
            "Every policy has an owner and is reviewed at least once a year and after a significant change.",
            (),
        ),
    ]
    index = MatchIndex.build(entries)
    question = "Are employee background screening policies reviewed and updated at least annually?"
    suggestions = index.suggest(question, k=3)
    assert [s.key for s in suggestions[:2]] == ["policy-review", "background-checks"]
    confidences = [s.confidence for s in suggestions]
    assert confidences == sorted(confidences, reverse=True)
    # The bonus reorders; it does not make a close call look confident.
    assert index.best(question) is None


def _without_learned_vote(monkeypatch, index: MatchIndex, question: str) -> float:
    """The confidence of the entry ranked first when the nearest confirmed phrasing casts no vote."""
    from questionnaires.matching import index as index_module

    with monkeypatch.context() as patched:
        patched.setattr(index_module, "_AGREE_CENTRE", math.inf)
        return index.suggest(question, k=1)[0].confidence


def test_nearest_confirmed_phrasing_agreeing_with_the_text_lifts_confidence(monkeypatch):
    confirmed = "How often is the recovery plan exercised with a drill?"
    index = MatchIndex.build(ENTRIES, [Feedback(2, confirmed, positive=True)])
    question = "How often is your recovery plan exercised?"
    top = index.suggest(question, k=1)[0]
    alone = _without_learned_vote(monkeypatch, index, question)
    assert top.key == "bcp-plan"
    assert alone < top.confidence
    assert top.confidence >= ABSTAIN_THRESHOLD


def test_rejection_as_close_as_the_confirmation_cancels_the_learned_vote(monkeypatch):
    phrasing = "How often is the recovery plan exercised with a drill?"
    index = MatchIndex.build(ENTRIES, [Feedback(2, phrasing, positive=True), Feedback(2, phrasing, positive=False)])
    question = "How often is your recovery plan exercised?"
    assert index.suggest(question, k=1)[0].confidence == _without_learned_vote(monkeypatch, index, question)
