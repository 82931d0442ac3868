"""The rules the warehouse applies, exported from the active jurisdiction profile.

`dbt_rules(profile, as_of)` is the one place dbt gets its numbers from: every model reads
`var('rules')`, which is this dict. (Until the profile loader lands, the national defaults
below stand in for it; they cite their sources.)
"""

from __future__ import annotations

from datetime import date


def dbt_rules(profile: str, as_of: date) -> dict:
    return {
        # NDRC Order 36 tiers (from 2026-04-01; DOMAIN.md §4, detail unverified)
        "penalty_tiers": {
            "serious_categories": ["吊销许可证件", "责令关闭", "限制从业", "责令停产停业", "限制开展生产经营活动"],
            "minor_only_categories": ["警告", "通报批评"],
            "serious_fine_wan": 100,
            "minor_fine_wan": 0.3,
        },
        # months from the decision date; max None = long-term (NDRC Order 36; hl-draft Art 51)
        "periods": {
            "minor": {"published": False, "min": 0, "max": 0},
            "general": {"published": True, "min": 3, "max": 12},
            "serious": {"published": True, "min": 12, "max": 36},
            "basic": {"published": True, "min": 0, "max": None},
            "positive": {"published": True, "min": 0, "max": None},
        },
        "repair": {
            "general": {"repairable": True, "wait_months": 3},
            "serious": {"repairable": True, "wait_months": 12},
        },
        "serious_list_extends_publicity": False,  # gd-draft Art 24 sets it
        "repair_effect": "stop",  # NDRC Order 36: repair stops publication and sharing
        "revocation_withdraw_working_days": 2,  # city-2022 Art 45
        "positive_withheld_on_request": True,  # hl-draft Art 51, hl-2022 Art 37
        "honours_deleted_on_request": True,  # city-2022 Art 48, gd-draft Art 38
    }
