"""Concern content with plausible correlations, drawn from exploitation profiles.

Real concerns are not independent fields: county lines comes with criminal exploitation,
going missing, travel out of area and Snapchat used to run the line; sextortion comes with
Instagram or Snapchat first contact and a payment demand; trafficking with unaccompanied
asylum-seeking children and NRM referrals. A profile per child ties these together, and the
stage of exploitation (targeting -> control) advances over the child's reports, dragging the
risk level and the role each platform played along with it. Vocabulary follows
``docs/agency-input.md`` as enforced by :mod:`threadline.sdk.report`.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

from threadline.simulate.config import AgencyKind
from threadline.simulate.namebank import Weighted, choose

__all__ = [
    "PROFILES",
    "STAGES",
    "Profile",
    "concern_block",
    "fixed_text",
    "grading",
    "pick_profile",
    "tlp",
]
TLPS = ("clear", "green", "amber", "amber+strict", "red")

STAGES = ("targeting", "trust_deception", "meeting_coercion", "control")
_ROLES_BY_STAGE = (
    ("first_contact",),
    ("grooming", "communication"),
    ("coercion", "communication"),
    ("control", "payment", "coercion"),
)
_RISKS = ("low", "medium", "high", "critical")
_OWN_ROUTE = {
    AgencyKind.POLICE: "police",
    AgencyKind.SOCIAL_CARE: "childrens_social_care",
    AgencyKind.SCHOOL: "education",
    AgencyKind.HEALTH: "health",
    AgencyKind.YOUTH_JUSTICE: "youth_justice",
}
_CONDITIONS = (
    "Not to be disclosed to the family without consulting the originating officer.",
    "Do not act on this information without contacting the source agency first.",
    "Share with the MASH only; not for onward disclosure.",
)
_OTHER_INDICATORS = ("cuckooing_concern", "debt_bondage", "crypto_payments", "found_in_trap_house")
_SOURCE = {  # 3x5x2 source evaluation weights per agency kind
    AgencyKind.POLICE: (0.35, 0.5, 0.15),
    AgencyKind.YOUTH_JUSTICE: (0.3, 0.55, 0.15),
    AgencyKind.CHARITY: (0.1, 0.45, 0.45),
}
_SOURCE_PICK = {
    kind: Weighted.of(list(zip((1, 2, 3), w, strict=True))) for kind, w in _SOURCE.items()
}
_SOURCE_DEFAULT = Weighted.of([(1, 0.2), (2, 0.55), (3, 0.25)])
_INTELLIGENCE = Weighted.of({"A": 0.1, "B": 0.35, "C": 0.35, "D": 0.12, "E": 0.08})


@dataclass(frozen=True, slots=True)
class Profile:
    """One pattern of exploitation and the fields that go with it."""

    name: str
    weight: float
    female_share: float
    ages: tuple[float, ...]  # weights for ages 10..17
    types: tuple[tuple[str, float], ...]  # first is always present
    indicators: tuple[tuple[str, float], ...]
    platforms: Weighted[str]
    routes: tuple[tuple[str, float], ...]
    missing_prone: float
    reporters: dict[AgencyKind, float]
    origin_boost: dict[str, float]
    platform_role: str | None = None  # a role this pattern adds at the control stage


def _p(**kw: float) -> tuple[tuple[str, float], ...]:
    return tuple(kw.items())


PROFILES: dict[str, Profile] = {
    p.name: p
    for p in (
        Profile(
            "county_lines",
            0.30,
            0.2,
            (0, 0, 1, 2, 4, 6, 7, 6),
            _p(
                cce=1,
                county_lines=0.85,
                trafficking=0.25,
                modern_slavery=0.1,
                financial_exploitation=0.1,
            ),
            _p(
                going_missing=0.7,
                travel_out_of_area=0.5,
                unexplained_money_gifts=0.5,
                new_phone=0.4,
                multiple_phones=0.35,
                older_associates=0.5,
                gang_association=0.35,
                school_exclusion=0.3,
                substance_misuse=0.3,
                arrested_or_charged=0.2,
                unexplained_injuries=0.1,
                change_in_behaviour=0.3,
            ),
            Weighted.of(
                {"snapchat": 6, "instagram": 3, "whatsapp": 3, "tiktok": 1.5, "youtube": 1}
            ),
            _p(police=0.7, mash=0.6, nrm=0.35, youth_justice=0.3, childrens_social_care=0.4),
            0.75,
            {
                AgencyKind.POLICE: 4,
                AgencyKind.YOUTH_JUSTICE: 2.5,
                AgencyKind.SOCIAL_CARE: 2,
                AgencyKind.SCHOOL: 1,
                AgencyKind.HEALTH: 0.7,
                AgencyKind.CHARITY: 1,
            },
            {},
            "advertising",
        ),
        Profile(
            "cse",
            0.25,
            0.8,
            (0, 1, 2, 4, 6, 7, 6, 5),
            _p(cse=1, online_grooming=0.4, trafficking=0.1),
            _p(
                older_associates=0.6,
                going_missing=0.45,
                unexplained_money_gifts=0.4,
                sexual_health_concerns=0.3,
                substance_misuse=0.25,
                self_harm=0.2,
                change_in_behaviour=0.4,
                school_disengagement=0.3,
                looked_after_child=0.2,
                new_phone=0.2,
            ),
            Weighted.of({"snapchat": 6, "instagram": 4, "whatsapp": 3, "tiktok": 2, "facebook": 1}),
            _p(mash=0.7, police=0.6, childrens_social_care=0.5, health=0.2),
            0.5,
            {
                AgencyKind.POLICE: 2.5,
                AgencyKind.SOCIAL_CARE: 3,
                AgencyKind.SCHOOL: 1.5,
                AgencyKind.HEALTH: 1.5,
                AgencyKind.CHARITY: 1.5,
                AgencyKind.YOUTH_JUSTICE: 0.5,
            },
            {},
        ),
        Profile(
            "online_grooming",
            0.20,
            0.55,
            (5, 6, 6, 5, 4, 2, 1, 1),
            _p(online_grooming=1, cse=0.3, sextortion=0.1),
            _p(
                online_contact_with_strangers=0.7,
                change_in_behaviour=0.4,
                self_harm=0.15,
                school_disengagement=0.2,
                older_associates=0.2,
                new_phone=0.1,
            ),
            Weighted.of(
                {
                    "roblox": 3.5,
                    "discord": 3.5,
                    "tiktok": 3,
                    "snapchat": 3.5,
                    "instagram": 2,
                    "youtube": 1,
                    "x": 0.5,
                }
            ),
            _p(mash=0.6, police=0.6, education=0.2, childrens_social_care=0.3),
            0.1,
            {
                AgencyKind.SCHOOL: 3,
                AgencyKind.POLICE: 2,
                AgencyKind.SOCIAL_CARE: 1.5,
                AgencyKind.CHARITY: 2,
                AgencyKind.HEALTH: 0.8,
                AgencyKind.YOUTH_JUSTICE: 0.2,
            },
            {},
        ),
        Profile(
            "sextortion",
            0.12,
            0.25,
            (0, 0, 1, 2, 4, 6, 6, 5),
            _p(sextortion=1, online_grooming=0.5, financial_exploitation=0.3),
            _p(online_contact_with_strangers=0.7, self_harm=0.3, change_in_behaviour=0.5),
            Weighted.of({"instagram": 6, "snapchat": 6, "facebook": 1, "x": 0.5}),
            _p(police=0.8, mash=0.5, health=0.15),
            0.05,
            {
                AgencyKind.POLICE: 4,
                AgencyKind.SCHOOL: 1.5,
                AgencyKind.CHARITY: 2,
                AgencyKind.HEALTH: 1,
                AgencyKind.SOCIAL_CARE: 1,
                AgencyKind.YOUTH_JUSTICE: 0.2,
            },
            {},
            "payment",
        ),
        Profile(
            "trafficking",
            0.13,
            0.3,
            (0, 0, 0, 1, 3, 6, 8, 8),
            _p(trafficking=1, modern_slavery=0.6, cce=0.4, cse=0.15),
            _p(
                unaccompanied_asylum_seeking_child=0.6,
                going_missing=0.6,
                travel_out_of_area=0.4,
                looked_after_child=0.4,
                multiple_phones=0.2,
                older_associates=0.3,
            ),
            Weighted.of({"whatsapp": 5, "facebook": 4, "tiktok": 3, "instagram": 1, "snapchat": 1}),
            _p(nrm=0.8, police=0.6, mash=0.6, childrens_social_care=0.5),
            0.6,
            {
                AgencyKind.POLICE: 3,
                AgencyKind.SOCIAL_CARE: 3,
                AgencyKind.CHARITY: 2,
                AgencyKind.HEALTH: 1,
                AgencyKind.SCHOOL: 0.5,
                AgencyKind.YOUTH_JUSTICE: 1,
            },
            {"middle_eastern": 6, "east_african": 6, "east_asian": 6, "eastern_european": 3},
        ),
    )
}
_PROFILE_CHOICE = Weighted.of({name: p.weight for name, p in PROFILES.items()})


def fixed_text() -> tuple[str, ...]:
    """Every enumeration value and canned phrase a concern is written with."""
    enums = [name for p in PROFILES.values() for name, _ in (*p.types, *p.indicators, *p.routes)]
    enums += [name for p in PROFILES.values() for name in p.platforms.items]
    enums += [role for roles in _ROLES_BY_STAGE for role in roles]
    enums += [p.platform_role for p in PROFILES.values() if p.platform_role]
    return (*STAGES, *_RISKS, *TLPS, *_CONDITIONS, *_OTHER_INDICATORS, *enums)


def pick_profile(rng: random.Random) -> Profile:
    return PROFILES[_PROFILE_CHOICE.pick(rng)]


def _some(rng: random.Random, odds: tuple[tuple[str, float], ...], *, first: bool) -> list[str]:
    """Independent draws per option; with ``first`` the first option is always included."""
    draw = rng.random
    if first:
        return [odds[0][0], *(name for name, p in odds[1:] if draw() < p)]
    return [name for name, p in odds if draw() < p] or [odds[0][0]]


def concern_block(
    rng: random.Random, profile: Profile, stage: int, reporter: AgencyKind, *, missing: bool
) -> dict[str, Any]:
    """The ``concern`` object (without narrative) for a child at ``stage`` (0-3, -1 unknown)."""
    indicators = _some(rng, profile.indicators, first=False)
    if missing and "going_missing" not in indicators:
        indicators.insert(0, "going_missing")
    known_stage = max(stage, 0)
    platforms: list[dict[str, str]] = []
    for _ in range(1 + (rng.random() < 0.45) + (rng.random() < 0.15)):
        name = profile.platforms.pick(rng)
        if all(p["platform"] != name for p in platforms):
            roles = _ROLES_BY_STAGE[known_stage]
            if known_stage == 3 and profile.platform_role and rng.random() < 0.5:
                roles = (profile.platform_role,)
            platforms.append({"platform": name, "role": choose(rng, roles)})
    score = (
        known_stage
        + ("going_missing" in indicators)
        + (profile.name in ("sextortion", "trafficking"))
    )
    risk = _RISKS[max(0, min(3, round(score * 0.75 + rng.gauss(0, 0.6))))]
    own = _OWN_ROUTE.get(reporter)
    routes = [r for r in _some(rng, profile.routes, first=True) if r != own] or ["mash"]
    return {
        "exploitation_types": _some(rng, profile.types, first=True),
        "stage": STAGES[stage] if stage >= 0 else "unknown",
        "indicators": indicators,
        "other_indicators": [choose(rng, _OTHER_INDICATORS)] if rng.random() < 0.04 else [],
        "platforms": platforms,
        "risk_level": risk,
        "referral_routes": routes,
        "narrative": "",
    }


def grading(rng: random.Random, reporter: AgencyKind) -> dict[str, Any]:
    """3x5x2 grading: who reports shapes source reliability; ~10% carry handling conditions."""
    source = _SOURCE_PICK.get(reporter, _SOURCE_DEFAULT).pick(rng)
    handling = "C" if rng.random() < 0.1 else "P"
    return {
        "source": source,
        "intelligence": _INTELLIGENCE.pick(rng),
        "handling": handling,
        "conditions": choose(rng, _CONDITIONS) if handling == "C" else None,
    }


def tlp(rng: random.Random, risk: str) -> str:
    """TLP 2.0 marking, lower case as :mod:`threadline.sdk.report` accepts; red for critical."""
    if risk == "critical" and rng.random() < 0.4:
        return "red"
    roll = rng.random()
    if roll < 0.55:
        return "amber"
    if roll < 0.75:
        return "amber+strict"
    if roll < 0.93:
        return "green"
    return "red" if roll < 0.97 else "clear"
