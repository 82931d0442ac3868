"""Synthetic agency extracts (`creditlake generate`): seeded, sized, realistic, with known defects.

Every identifier, name, phone number, e-mail address and bank card is made up (valid check
digits, invented people). Written under `out/`:

* one folder per landing dataset (`records`, `events`): penalties, licenses,
  court_dishonest, honors, credit_commitments, and the events repairs, revocations,
  objections, subject_requests; each spread over files in every format landing reads
  (`writers`): CSV in UTF-8 with BOM, UTF-8 and GB18030 (with names GBK cannot encode),
  XLSX (identifiers as text cells, except planted Excel damage, a number cell) and JSON
  Lines; headers in Chinese in some files, column codes (`CF_*`, `XK_*`, ...) in others;
* events that point at generated records (same 原决定书文号 and subject code, dated after
  the record and not after `as_of`): repairs, revocations (撤销/删除/更正), objections
  (受理, and 办结 with 维持/更正/撤销; some still open on `as_of`), subject requests for
  subjects with honours;
* serious_determinations: agencies' serious dishonest list determinations (严重失信主体名单
  认定), few (penalties/200, at least 6), for subjects of the penalties, naming the persons
  of a listed organisation; they carry only defects that load;
* defects (`defects`), each kind a share of the rows (`defect_rate` split over the kinds a
  dataset can carry, or a share per kind in `defects`), with the fate and reason landing
  assigns: damaged citizen IDs and USCCs (Excel floats and scientific notation, checksums,
  birth dates, masks, wrong lengths, placeholders), other documents, 15-digit IDs, pilot
  codes, junk around codes, blank required fields, values outside an enumeration, bad,
  future and odd-but-readable dates, bad amounts and amounts in 元, end before start,
  simple-procedure penalties (excluded), duplicates and malformed lines;
* natural persons' names, ID numbers, phones, e-mail addresses and bank cards planted in
  free text in varied phrasings (`vocabulary.yml`), for the privacy stages to find;
* `truth.json` (`truth`): the expected fate and reason of every row, per-file counts, the
  events and what they refer to, and what was planted.

`full=False` (`--penalties-only`) writes one file, `penalties/penalties_0001.csv` (UTF-8 with
BOM, Chinese headers), still with every defect kind a CSV can carry: what the landing
benchmark reads. Subjects, identifiers and names are drawn once with numpy (`universe`) and
rows sample them, so 1,000,000 penalties take seconds; above 200,000 rows a dataset's bulk
is one file and the other formats are small side files.

Columns come from the layouts (`creditlake/layouts/*.yml`, `datasets`); word lists and
phrasings from `vocabulary.yml`; check characters from `creditlake.identifiers`.
"""

from creditlake.synthetic.datasets import (
    DATASETS,
    EVENT_DATASETS,
    PENALTY_HEADERS_ZH,
    POOLED_DATASETS,
    RECORD_DATASETS,
)
from creditlake.synthetic.defects import DEFECT_KINDS, kinds_for
from creditlake.synthetic.extracts import AS_OF, generate
from creditlake.synthetic.identities import make_citizen_id, make_mobile, make_name, make_uscc
from creditlake.synthetic.writers import FORMATS

__all__ = [
    "AS_OF",
    "DATASETS",
    "DEFECT_KINDS",
    "EVENT_DATASETS",
    "FORMATS",
    "PENALTY_HEADERS_ZH",
    "POOLED_DATASETS",
    "RECORD_DATASETS",
    "generate",
    "kinds_for",
    "make_citizen_id",
    "make_mobile",
    "make_name",
    "make_uscc",
]
