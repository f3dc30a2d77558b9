"""Questions that ask for the company's own details ("Vendor Name", "Company Website", "Security Contact
Email") and their answers from the company profile.

Conservative on purpose: a question counts only when its whole wording, once numbering, brackets and polite
lead-ins ("Please provide", "What is your") are gone, is one of the shapes below. "Describe your company's
security program" or "Vendor Accessibility Contact Name" are not company details, and go to the library.
"""

import re
from dataclasses import dataclass

from django.utils import timezone

from library.models import CompanyProfile

from .models import AnswerKind

TODAY = "today"  # not a profile field: the date the questionnaire is filled in

_ORG = r"(?:vendor|company|supplier|organi[sz]ation|business|firm|corporate|solution provider|service provider)"
_YOUR = r"(?:(?:the|your|your company'?s|the company'?s|the vendor'?s|vendor'?s|company'?s) )?"
_PRODUCT = r"(?:product|solution|service|application|software|platform|offering)"
_PRODUCTS = rf"{_PRODUCT}(?: ?(?:/|or|and) ?{_PRODUCT})?"
_EMAIL = r"(?:email|email address)"
_PHONE = r"(?:phone|phone number|telephone|telephone number|phone no|tel)"
_NAME = r"(?:name|full name)"
# Who "contact" means when it is not the security contact: the vendor's own primary, sales or account contact.
_PRIMARY = rf"(?:(?:{_ORG}|primary|main|sales|account|business|your) )*(?:point of )?contact(?: person)?"
_SECURITY = (
    r"(?:(?:primary|main|designated|vendor|company|your) )*(?:information |cyber ?)?security "
    r"(?:(?:point of )?contact(?: person)?|officer)|ciso|chief information security officer"
)

_PATTERNS: list[tuple[str, str]] = [
    ("security_contact_name", rf"(?:{_SECURITY})(?:'?s)?(?: {_NAME})?|{_NAME} of {_YOUR}(?:{_SECURITY})"),
    ("security_contact_title", rf"(?:{_SECURITY})(?:'?s)? (?:job )?title"),
    ("security_contact_email", rf"(?:{_SECURITY})(?:'?s)? {_EMAIL}|{_EMAIL} of {_YOUR}(?:{_SECURITY})"),
    ("security_contact_phone", rf"(?:{_SECURITY})(?:'?s)? {_PHONE}|{_PHONE} of {_YOUR}(?:{_SECURITY})"),
    ("primary_contact_name", rf"{_PRIMARY}(?:'?s)? {_NAME}|{_NAME} of {_YOUR}{_PRIMARY}"),
    ("primary_contact_title", rf"{_PRIMARY}(?:'?s)? (?:job )?title"),
    ("primary_contact_email", rf"{_PRIMARY}(?:'?s)? {_EMAIL}|{_EMAIL} of {_YOUR}{_PRIMARY}"),
    ("primary_contact_phone", rf"{_PRIMARY}(?:'?s)? {_PHONE}|{_PHONE} of {_YOUR}{_PRIMARY}"),
    ("trading_name", r"(?:trading|trade|dba|doing business as) name|dba|doing business as"),
    (
        "legal_name",
        rf"{_ORG}(?:'?s)? (?:full )?(?:registered |official )?(?:legal )?(?:entity )?name"
        rf"|(?:full )?(?:registered |official )?legal (?:entity )?name(?: of {_YOUR}{_ORG})?"
        rf"|(?:full |registered |official )*name of {_YOUR}{_ORG}|registered (?:company |business )?name"
        r"|legal entity|vendor|company|supplier",
    ),
    ("product_name", rf"{_YOUR}{_PRODUCTS}(?: name| name and version)|name of {_YOUR}{_PRODUCTS}"),
    (
        "product_description",
        rf"(?:brief |short )?{_PRODUCTS} (?:description|overview|summary)"
        rf"|(?:brief |short )?description of {_YOUR}{_PRODUCTS}",
    ),
    (
        "website",
        rf"{_YOUR}(?:{_ORG} |main |public )?(?:website|web site|homepage|home page)(?: (?:url|address|link))?"
        rf"|{_YOUR}{_ORG} (?:url|web address)|url",
    ),
    (
        "headquarters_country",
        rf"(?:headquarters|hq|head office) (?:country|location)|country of (?:(?:the |your )?{_ORG}(?:'?s)? )?"
        r"(?:incorporation|registration|headquarters|domicile)"
        r"|where (?:is|are) (?:your|the) (?:company|vendor|organi[sz]ation|you) headquartered"
        r"|headquartered in",
    ),
    (
        "address",
        rf"{_YOUR}(?:{_ORG}(?:'?s)? |registered |business |head office |headquarters |main office |office |mailing |"
        rf"postal |physical |street |corporate )*address|address of {_YOUR}(?:{_ORG}|headquarters|head office|"
        r"registered office|main office)|headquarters",
    ),
    (
        "employee_count",
        r"(?:total )?(?:number|no|#|count) of (?:full[- ]time )?(?:employees|staff|personnel|people|ftes?)"
        r"(?: (?:in|at|of) (?:your|the) (?:company|organi[sz]ation|business))?"
        r"|how many (?:full[- ]time )?(?:employees|staff|ftes?)"
        r"|how many (?:full[- ]time )?(?:employees|people|staff|ftes?) (?:does|do) (?:your|the|you) "
        r"(?:company |organi[sz]ation |vendor |business )?(?:have|employ)|employee count|headcount|company size",
    ),
    (
        "years_in_business",
        r"(?:number of )?years in (?:business|operation)|how (?:many years|long) (?:has|have) (?:your|the|you) "
        r"(?:company |organi[sz]ation |vendor |business )?(?:been in (?:business|operation)|existed|been operating)",
    ),
    (
        "year_founded",
        r"(?:year|date) (?:(?:company |organi[sz]ation )?(?:was )?)?(?:founded|established|incorporated|of "
        r"incorporation|of establishment)|when was (?:your|the) (?:company|organi[sz]ation|vendor|business) "
        r"(?:founded|established|incorporated)|founded|year founded",
    ),
    ("duns_number", r"(?:d-?u-?n-?s|d ?and ?b duns|dun and bradstreet(?: duns)?)(?: number| no| #|#)?"),
    (
        TODAY,
        r"(?:today'?s )?date|date (?:of )?(?:completion|submission|response)|(?:completion|submission|response) date"
        r"|date completed|date submitted",
    ),
]
_COMPILED = [(field, re.compile(rf"(?:{pattern})")) for field, pattern in _PATTERNS]

_LEAD_INS = re.compile(
    r"^(?:(?:please|kindly) )?(?:(?:provide|state|enter|give|list|specify|indicate|identify|supply|confirm)"
    r"(?: us with)? )?(?:(?:what is|what's|what are) )?(?:the |your )?"
)
_NUMBERING = re.compile(r"^(?:[0-9]+(?:\.[0-9]+)*[.)]?|[a-z][.)])\s+")


def _normalised(text: str) -> str:
    text = text.lower().replace("\u2019", "'").replace("e-mail", "email").replace("&", " and ")
    text = re.sub(r"\([^)]*\)|\[[^]]*\]", " ", text)  # "(URL)", "[required]"
    text = " ".join(text.split())
    text = _NUMBERING.sub("", text).strip(" :?.*-\u2013")
    text = _LEAD_INS.sub("", text, count=1)
    return " ".join(text.split())


def company_detail_field(text: str) -> str | None:
    """The company profile detail a question asks for ("legal_name", "website", …, or `TODAY` for the date the
    questionnaire is filled in), or None when it is not plainly a question about the company's own details."""
    normalised = _normalised(text)
    if not normalised or len(normalised) > 90:
        return None
    for field, pattern in _COMPILED:
        if pattern.fullmatch(normalised):
            return field
    return None


@dataclass(frozen=True)
class ProfileProposal:
    """An answer taken from the company profile: the profile detail and its text as it goes in the cell."""

    field: str
    text: str
    choice: str = ""
    confidence: float = 1.0


def profile_answer(profile: CompanyProfile, field: str) -> str:
    """The profile's answer for `field` as text for a cell; "" when the profile does not have it."""
    if field == TODAY:
        return timezone.localdate().isoformat()
    if not profile.is_filled:
        return ""
    if field == "years_in_business":
        years = profile.years_in_business
        return "" if years is None else f"{years} (founded {profile.year_founded})"
    value = getattr(profile, field)
    return "" if value is None else str(value).strip()


def company_detail_for(question) -> str | None:
    """The profile detail a free-text question asks for (see `company_detail_field`); dropdown cells never."""
    return company_detail_field(question.text) if question.answer_kind == AnswerKind.TEXT else None


def profile_proposal(field: str, profile: CompanyProfile) -> ProfileProposal | None:
    """The profile's answer to a question asking for `field`, or None when the profile lacks it (the question
    then waits for a person, like any question auto-fill cannot answer)."""
    text = profile_answer(profile, field)
    return ProfileProposal(field=field, text=text) if text else None
