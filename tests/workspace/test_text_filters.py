import pytest
from django.template import engines
from django.template.defaultfilters import truncatechars as django_truncatechars
from django.utils.safestring import SafeData, mark_safe

from workspace.templatetags.text import action_label, truncatechars

TEXTS = [
    "",
    "short",
    "x" * 219,
    "x" * 220,
    "x" * 221,
    "Is data encrypted in transit and at rest? " * 20,
    "cafe\u0301 " * 60,  # decomposed: NFC composes it, and combining marks count for nothing
    "\u0958" * 230,  # NFC decomposes this one into two code points
    "e" + "\u0301" * 300,
    "line\nbreaks\tand\u00a0spaces " * 15,
]


@pytest.mark.parametrize("text", TEXTS)
@pytest.mark.parametrize("limit", [-1, 0, 1, 5, 220, 260, "220", "not a number"])
def test_truncatechars_gives_djangos_output(text, limit):
    assert truncatechars(text, limit) == django_truncatechars(text, limit)


def test_truncatechars_keeps_safe_text_safe():
    assert isinstance(truncatechars(mark_safe("<b>bold</b>"), 220), SafeData)


def test_templates_use_it_without_loading():
    template = engines["django"].from_string("{{ text|truncatechars:5 }}")
    assert template.render({"text": "abcdefgh"}) == "abcd…"


@pytest.mark.parametrize(
    ("code", "label"),
    [
        ("questionnaires.learning_link_confirmed", "Learning link confirmed"),
        ("mfa.verified", "MFA verified"),
        ("library.exported", "Library exported"),
        ("accounts.mfa_reset", "MFA reset"),
        ("auth.login_succeeded", "Login succeeded"),
        ("", ""),
    ],
)
def test_action_label_reads_an_audit_code_as_words(code, label):
    assert action_label(code) == label
