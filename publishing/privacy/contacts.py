"""How to reach a person: e-mail addresses in every written form, WeChat IDs and QQ numbers.

A person's contact details are personal data that is never opened (hl-2022 Art 23; city-2022
Art 23). Agencies copy them from forms as people wrote them, so an e-mail is found whatever
stands for the @ (＠, [at], (at), " at ", #) and for the dot (。, ．, [dot], " dot "), with
spaces around either. WeChat IDs and QQ numbers have no shape of their own: they are found
after their cue (微信号, VX, QQ, 扣扣...). All patterns run on the normalised copy
(`publishing.privacy.normalise`: ＠ and ． are folded there already).
"""

from __future__ import annotations

import re
from typing import NamedTuple

_AT = (
    r"(?:\s*(?:@|\[at\]|\(at\)|<at>|\{at\}|【at】|艾特|圈a)\s*|\s+at\s+"
    r"|\s*#\s*(?=[A-Za-z0-9\-]+(?:\.|。|点)(?:com|cn|net|org)))"
)
_DOT = r"(?:\s*(?:\.|。|\[dot\]|\(dot\)|【dot】|点)\s*|\s+dot\s+)"
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9\-]{0,61}[A-Za-z0-9])?"
EMAIL = re.compile(
    r"(?<![A-Za-z0-9._%+\-])[A-Za-z0-9][A-Za-z0-9._%+\-]{0,63}(?:"
    + _DOT
    + r"[A-Za-z0-9_%+\-]{1,63}){0,3}"
    + _AT
    + _LABEL
    + "(?:"
    + _DOT
    + _LABEL
    + r")*"
    + _DOT
    + r"[A-Za-z]{2,6}(?![A-Za-z0-9\-])",
    re.IGNORECASE,
)
_MAYBE_EMAIL = re.compile(r"[@#]|\bat\b|\[at\]|\(at\)|【at】|艾特|圈a", re.IGNORECASE)

_CUE_END = r"\s*[（(]?(?:号码|号|帐号|账号|ID|id|Id)?\s*(?:为|是)?\s*[:：]?\s*[→“\"'「『]?\s*"
WECHAT = re.compile(
    r"(?:微信|薇信|威信|徽信|(?<![A-Za-z0-9])(?:WeChat|wechat|WECHAT|weixin|Weixin|WeiXin|WEIXIN|VX|vx|Vx|wx|WX"
    r"|[vV](?=\s*[:：]))|V信|v信|加微|绿泡泡)"
    + _CUE_END
    + r"([A-Za-z][-_A-Za-z0-9]{5,19}|\+?[0-9][0-9 \-]{4,17}[0-9])(?![-_A-Za-z0-9])"
)
QQ = re.compile(r"(?:(?<![A-Za-z0-9])(?:QQ|qq|Qq)|扣扣|企鹅号)" + _CUE_END + r"([1-9][0-9]{4,11})(?![0-9])")


class Contact(NamedTuple):
    start: int
    end: int
    kind: str  # email | wechat | qq


def find_contacts(text: str) -> list[Contact]:
    """E-mail addresses, WeChat IDs and QQ numbers in a normalised text."""
    out = []
    if _MAYBE_EMAIL.search(text):
        out += [Contact(m.start(), m.end(), "email") for m in EMAIL.finditer(text)]
    for kind, pattern in (("wechat", WECHAT), ("qq", QQ)):
        out += [Contact(m.start(1), m.end(1), kind) for m in pattern.finditer(text)]
    return out
