"""Free-text narratives that give redaction real work to do.

A narrative names the child (given name, full name, possessive, sometimes in capitals), their
phone in another spelling than the structured field, their handle, postcode or date of birth,
and the suspect by name, street name, handle or phone. Only values the record lists are used
for names: a name nobody listed cannot be redacted, so a privacy scan that finds one has found
a real bug, not a simulator artefact. Sometimes (``unlisted_pii``) a phone, e-mail, NHS number
or profile URL that is *not* in the record is mentioned, which only the detectors can catch.
"""

from __future__ import annotations

import random
from datetime import date
from typing import Any

from threadline.simulate.namebank import choose
from threadline.simulate.phones import national_number, phone_formats

__all__ = ["PLATFORM_NAMES", "Narration", "fixed_text", "write_narrative"]

PLATFORM_NAMES = {
    "snapchat": "Snapchat",
    "instagram": "Instagram",
    "tiktok": "TikTok",
    "discord": "Discord",
    "roblox": "Roblox",
    "x": "X",
    "youtube": "YouTube",
    "facebook": "Facebook",
    "whatsapp": "WhatsApp",
}
_TOWNS = (
    "Birmingham",
    "Leeds",
    "Bristol",
    "Southampton",
    "Norwich",
    "Swindon",
    "Hastings",
    "Reading",
    "Bournemouth",
    "Stoke",
)
_OPENERS = {
    "county_lines": (
        "{child} ({age}) was found in {town} after being reported missing, with cash and a "
        "second phone.",
        "{child_s} family say they stay out overnight and come back with new clothes and money.",
        "Concern that {child} is being used to carry drugs out of area; found in {town} with "
        "older males.",
    ),
    "cse": (
        "{child} has been seen getting into cars with older males and coming home late.",
        "Staff are worried about {child_s} relationship with an older man who buys gifts and "
        "alcohol.",
        "{child} ({age}) disclosed meeting adults at parties arranged over social media.",
    ),
    "online_grooming": (
        "{child} told staff that an adult has been messaging on {platform} asking for photos.",
        "A parent found chats in which an unknown adult asked {child} to move to a private app.",
        "{child} ({age}) has been spending nights online with an older contact met through "
        "{platform}.",
    ),
    "sextortion": (
        "{child} disclosed being threatened after sharing an image; payment is being demanded "
        "via {platform}.",
        "{child_s} school reports {child} is distressed after an account on {platform} "
        "threatened to share images.",
    ),
    "trafficking": (
        "{child} arrived as an unaccompanied asylum-seeking child and went missing from the "
        "placement within days.",
        "Concern that {child} is moved between addresses in {town} and made to work without pay.",
    ),
}
_CLOSERS = {
    "concern_raised": (
        "Referred to the MASH for a strategy discussion.",
        "Information shared with police and the allocated social worker.",
        "Safety plan agreed; attendance and welfare to be monitored.",
    ),
    "referral_made": (
        "Referral made to children's social care; parents informed.",
        "Referral sent to the MASH with consent from the young person.",
        "Referred for an exploitation risk assessment.",
    ),
    "missing_episode": (
        "Reported missing overnight and returned the next day; return interview offered.",
        "Missing for two days; found by police and taken home.",
        "Went missing from school; located that evening.",
    ),
    "report_updated": ("This update replaces the earlier report.",),
}
_FILLERS = (
    "No previous concerns were recorded before this term.",
    "Attendance has dropped sharply over the last month.",
    "Parents are engaging with support but feel out of their depth.",
    "The young person denies any problem and is reluctant to talk.",
)


_DETAILS = {
    "phone": "{child} uses the number {phone}.",
    "handle": "Their {platform} account is {at}{handle}.",
    "postcode": "Home address is in {postcode}.",
    "dob": "DOB recorded as {dob}.",
    "contact_phone": "{child} is contacted by {who} on {phone}.",
    "contact_handle": "{child} is contacted by {who} as @{handle}.",
    "seen_with": "{child} has been seen with {who}, an older associate.",
}
_WHO = ("a male known as {alias}", "the suspect")
_REFS = ("the young person known as {family}", "the user @{handle}", "the young person")
_UNLISTED = {
    "phone": "Messages also came from {phone}.",
    "email": "An e-mail from {email} was also seen.",
    "nhs": "NHS number {nhs}.",
    "url": "Profile link: https://www.{url}.",
}
_UPDATE = "Update: {reason}."


def fixed_text() -> tuple[str, ...]:
    """Every fixed string narratives are built from: what a leak scan must not mistake for
    a name ("Ming" is in "grooming")."""
    return (
        *(t for group in _OPENERS.values() for t in group),
        *(t for group in _CLOSERS.values() for t in group),
        *_FILLERS,
        *_TOWNS,
        *PLATFORM_NAMES.values(),
        *_DETAILS.values(),
        *_WHO,
        *_REFS,
        *_UNLISTED.values(),
        _UPDATE,
    )


class Narration:
    """The text, plus what it mentioned that the record does not list (kinds and values)."""

    __slots__ = ("text", "unlisted_kinds", "unlisted_values")

    def __init__(self, text: str, kinds: list[str], values: list[str]) -> None:
        self.text = text
        self.unlisted_kinds = tuple(kinds)
        self.unlisted_values = tuple(values)


def _child_ref(rng: random.Random, subject: dict[str, Any]) -> str:
    given, family = subject.get("given_name"), subject.get("family_name")
    others = subject.get("other_names") or []
    handles = subject.get("handles") or []
    roll = rng.random()
    if given and family and roll < 0.25:
        ref = f"{given} {family}"
    elif others and roll < 0.35:
        ref = others[0]
    elif given:
        ref = given
    elif family:
        ref = _REFS[0].format(family=family)
    elif handles:
        ref = _REFS[1].format(handle=handles[0]["handle"])
    else:
        ref = _REFS[2]
    return ref.upper() if given and rng.random() < 0.03 else ref


def _dob_text(rng: random.Random, dob: str) -> str:
    day = date.fromisoformat(dob)
    return choose(rng, (f"{day:%d/%m/%Y}", f"{day.day} {day:%B %Y}", dob))


def _details(
    rng: random.Random, subject: dict[str, Any], suspect: dict[str, Any] | None, child: str
) -> list[str]:
    out = []
    if subject.get("phones"):
        phone = choose(rng, phone_formats(national_number(subject["phones"][0])))
        out.append(_DETAILS["phone"].format(child=child, phone=phone))
    for h in (subject.get("handles") or [])[:1]:
        platform = PLATFORM_NAMES.get(h["platform"], h["platform"])
        at = choose(rng, ("@", ""))
        out.append(_DETAILS["handle"].format(platform=platform, at=at, handle=h["handle"]))
    if subject.get("postcode"):
        out.append(_DETAILS["postcode"].format(postcode=subject["postcode"]))
    if subject.get("date_of_birth"):
        out.append(_DETAILS["dob"].format(dob=_dob_text(rng, subject["date_of_birth"])))
    if suspect:
        name = suspect.get("given_name")
        if name and suspect.get("family_name") and rng.random() < 0.5:
            name = f"{name} {suspect['family_name']}"
        alias = (suspect.get("other_names") or [None])[0]
        who = name or (_WHO[0].format(alias=alias) if alias else _WHO[1])
        if suspect.get("phones"):
            line = _DETAILS["contact_phone"].format(
                child=child, who=who, phone=suspect["phones"][0]
            )
        elif suspect.get("handles"):
            line = _DETAILS["contact_handle"].format(
                child=child, who=who, handle=suspect["handles"][0]["handle"]
            )
        else:
            line = _DETAILS["seen_with"].format(child=child, who=who)
        out.append(line)
    rng.shuffle(out)
    return [s[0].upper() + s[1:] for s in out]


def _unlisted(kind: str, extra: dict[str, str]) -> str:
    value = extra[kind]
    if kind == "nhs":
        value = f"{value[:3]} {value[3:6]} {value[6:]}"
    return _UNLISTED[kind].format(**{kind: value})


def write_narrative(
    rng: random.Random,
    record: dict[str, Any],
    profile: str,
    age: int,
    extras: dict[str, str],
    unlisted_rate: float,
) -> Narration:
    """A 200-400 character narrative about the record's subject."""
    subject = record.get("subject") or {}
    suspect = (record.get("associates") or [None])[0]
    platforms = (record.get("concern") or {}).get("platforms") or [{"platform": "snapchat"}]
    child = _child_ref(rng, subject)
    possessive = (
        "their" if child.startswith("the ") else f"{child}'s"
    )  # "the user @x's" reads badly
    fill = {
        "child": child,
        "child_s": possessive,
        "age": str(age),
        "town": choose(rng, _TOWNS),
        "platform": PLATFORM_NAMES.get(platforms[0]["platform"], "an app"),
    }
    opener = choose(rng, _OPENERS[profile]).format(**fill)
    opener = opener[0].upper() + opener[1:]
    closer = choose(rng, _CLOSERS.get(record["event_type"], _CLOSERS["concern_raised"]))
    if record["event_type"] == "report_updated":
        closer = _UPDATE.format(reason=record["update"]["reason"])
    details = _details(rng, subject, suspect, child)
    unlisted, kinds, values = "", [], []
    if extras and rng.random() < unlisted_rate:
        kind = choose(rng, sorted(extras))
        unlisted, kinds, values = _unlisted(kind, extras), [kind], [extras[kind]]

    size = sum(len(p) + 1 for p in (opener, *details, unlisted, closer) if p)
    while size > 400 and details:
        size -= len(details.pop()) + 1
    fillers = list(_FILLERS)
    while size < 200 and fillers:
        details.append(fillers.pop(int(rng.random() * len(fillers))))
        size += len(details[-1]) + 1
    return Narration(" ".join(p for p in (opener, *details, unlisted, closer) if p), kinds, values)
