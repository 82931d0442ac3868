"""DCAT-AP 3 metadata (数据目录元数据) of the open data, for data portals that harvest it.

Each version folder gets `dcat.jsonld` (the dataset and its distributions) and the open root
gets `catalog.jsonld` (a `dcat:Catalog` listing every dataset's current version). IRIs are
stable: built from `base_url` in `datasets.yml`, where the open root is served. Controlled
values are the EU vocabularies DCAT-AP asks for (licence, frequency, file type, data theme,
language, country) and IANA media types; every referenced resource carries the class and label
the DCAT-AP 3.0.1 shapes check, so the documents validate without fetching the vocabularies.
The shapes are kept in tests/fixtures/dcat-ap-3.0.1 and checked by tests/integration/test_dcat.py.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

EU = "http://publications.europa.eu/resource/authority/"
CONTEXT = {
    "dcat": "http://www.w3.org/ns/dcat#",
    "dct": "http://purl.org/dc/terms/",
    "dcatap": "http://data.europa.eu/r5r/",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "vcard": "http://www.w3.org/2006/vcard/ns#",
    "spdx": "http://spdx.org/rdf/terms#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "gsp": "http://www.opengis.net/ont/geosparql#",
    # typed literals by term, so that readers of the JSON (the portal) still see plain strings
    "dcat:startDate": {"@type": "xsd:date"},
    "dcat:endDate": {"@type": "xsd:date"},
    "dct:issued": {"@type": "xsd:date"},
    "dct:modified": {"@type": "xsd:date"},
    "dcat:byteSize": {"@type": "xsd:nonNegativeInteger"},
    "spdx:checksumValue": {"@type": "xsd:hexBinary"},
    "dcat:bbox": {"@type": "gsp:wktLiteral"},
    "dcat:centroid": {"@type": "gsp:wktLiteral"},
}
# datasets.yml names licences and frequencies as people do; DCAT-AP wants the EU vocabularies'
LICENCES = {"CC-BY-4.0": f"{EU}licence/CC_BY_4_0"}
FREQUENCIES = {"daily": f"{EU}frequency/DAILY", "weekly": f"{EU}frequency/WEEKLY"}
FILE_TYPES = {  # suffix -> (EU file type, IANA media type, description zh, en)
    ".csv": (
        "CSV",
        "text/csv",
        "CSV，UTF-8 编码（带 BOM，Excel 可直接打开）",
        "CSV, UTF-8 with a byte order mark (opens in Excel)",
    ),
    ".parquet": ("PARQUET", "application/vnd.apache.parquet", "Apache Parquet 列式文件", "Apache Parquet"),
}
THEMES = {
    "GOVE": ("政府和公共部门", "Government and public sector"),
    "JUST": ("司法、法律制度和公共安全", "Justice, legal system and public safety"),
    "ECON": ("经济和金融", "Economy and finance"),
}
# The platform publishes national records: its coverage is the country, with the bounding box
# and centroid the DCAT-AP recommendations ask of a location.
SPATIAL = {
    "@id": f"{EU}country/CHN",
    "@type": "dct:Location",
    "dcat:bbox": "POLYGON((73.5 18.1, 134.8 18.1, 134.8 53.6, 73.5 53.6, 73.5 18.1))",
    "dcat:centroid": "POINT(104.2 35.9)",
}
LANGUAGES = [
    {"@id": f"{EU}language/ZHO", "@type": "dct:LinguisticSystem"},
    {"@id": f"{EU}language/ENG", "@type": "dct:LinguisticSystem"},
]


def base_url(info: dict) -> str:
    """Where the open root is served, ending in `/`: `base_url`, else `publisher.homepage`/open/."""
    base = info.get("base_url") or info["publisher"]["homepage"].rstrip("/") + "/open/"
    return base if base.endswith("/") else base + "/"


def check_catalogue(info: dict) -> None:
    """DCAT-AP recommends a contact point for every dataset: a catalogue without one is refused."""
    contact = info.get("contact")
    if not isinstance(contact, dict):
        raise ValueError("publishing/datasets.yml: `contact` is missing (the datasets' contact point)")
    for key in ("url", "name_zh", "name_en"):
        if not str(contact.get(key) or "").strip():
            raise ValueError(f"publishing/datasets.yml: `contact.{key}` is missing or empty")
    for key, table in (("licence", LICENCES), ("update_frequency", FREQUENCIES)):
        name = info[key]["name"] if key == "licence" else info[key]
        if name not in table:
            raise ValueError(f"publishing/datasets.yml: `{key}` {name!r} has no EU vocabulary IRI here")


def _texts(zh: str, en: str) -> list[dict]:
    return [{"@language": "zh", "@value": zh}, {"@language": "en", "@value": en}]


def bilingual(text: str) -> tuple[str, str]:
    """The Chinese and English halves of a description written as `中文……。English …`."""
    text = " ".join(text.split())
    last_cjk = max(
        (m.end() for m in re.finditer(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]", text)), default=0
    )
    return text[:last_cjk].strip(), text[last_cjk:].strip()


def _concept(iri: str, zh: str, en: str, scheme: str | None = None) -> dict:
    node = {"@id": iri, "@type": "skos:Concept", "skos:prefLabel": _texts(zh, en)}
    return node | ({"skos:inScheme": {"@id": scheme}} if scheme else {})


def _agent(info: dict) -> dict:
    publisher = info["publisher"]
    return {
        "@id": f"{base_url(info)}#publisher",
        "@type": ["foaf:Agent", "foaf:Organization"],
        "foaf:name": _texts(publisher["name_zh"], publisher["name_en"]),
        "foaf:homepage": {"@id": publisher["homepage"], "@type": "foaf:Document"},
        "dct:type": _concept(
            "http://purl.org/adms/publishertype/NationalAuthority", "国家机关", "National authority"
        ),
    }


def _contact(info: dict) -> dict:
    contact = info["contact"]
    return {
        "@id": f"{base_url(info)}#contact",
        "@type": "vcard:Kind",
        "vcard:fn": _texts(contact["name_zh"], contact["name_en"]),
        "vcard:hasURL": {"@id": contact["url"]},
    }


def _licence(info: dict) -> dict:
    return {
        "@id": LICENCES[info["licence"]["name"]],
        "@type": "dct:LicenseDocument",
        "dct:type": _concept(f"{EU}licence-type/ATTRIBUTION", "署名", "Attribution"),
        "foaf:page": {"@id": info["licence"]["path"], "@type": "foaf:Document"},
    }


def _distribution(path: Path, dataset: str, url: str, info: dict, sha256: str) -> dict:
    file_type, media, zh, en = FILE_TYPES[path.suffix]
    return {
        "@id": f"{url}#{path.suffix[1:]}",
        "@type": "dcat:Distribution",
        "dct:title": _texts(f"{dataset} ({file_type})", f"{dataset} ({file_type})"),
        "dct:description": _texts(zh, en),
        "dcat:accessURL": {"@id": url},
        "dcat:downloadURL": {"@id": url + path.name},
        "dcat:mediaType": {
            "@id": f"https://www.iana.org/assignments/media-types/{media}",
            "@type": "dct:MediaType",
        },
        "dct:format": {"@id": f"{EU}file-type/{file_type}", "@type": "dct:MediaTypeOrExtent"},
        "dct:license": _licence(info),
        "dcatap:availability": _concept(f"{EU}planned-availability/STABLE", "稳定", "Stable"),
        "dcat:byteSize": str(path.stat().st_size),
        "spdx:checksum": {
            "@type": "spdx:Checksum",
            "spdx:algorithm": {"@id": "spdx:checksumAlgorithm_sha256", "@type": "spdx:ChecksumAlgorithm"},
            "spdx:checksumValue": sha256,
        },
    }


def dataset_node(
    info: dict, folder: Path, dataset: str, version: str, as_of: str, coverage: dict, digests: dict[str, str]
) -> dict:
    """The version as a `dcat:Dataset` with its files as distributions (`digests`: each file's
    sha256, by name). An empty version covers the day of its snapshot: what was in force that
    day, which was nothing."""
    check_catalogue(info)
    about = info["datasets"][dataset]
    url = f"{base_url(info)}{dataset}/{version}/"
    zh, en = bilingual(about["description"])
    keywords = about.get("keywords") or {}
    files = sorted(p for p in folder.iterdir() if p.suffix in FILE_TYPES)
    return {
        "@id": url,
        "@type": "dcat:Dataset",
        "dct:identifier": f"{dataset}/{version}",
        "dct:title": _texts(about["title_zh"], about["title_en"]),
        "dct:description": _texts(zh, en or about["title_en"]),
        "dcat:version": version,
        "dct:issued": as_of,
        "dct:modified": as_of,
        "dct:publisher": _agent(info),
        "dcat:contactPoint": _contact(info),
        "dcat:landingPage": {"@id": f"{base_url(info)}index.html#{dataset}", "@type": "foaf:Document"},
        "dcat:keyword": _texts_each(keywords.get("zh", []), "zh") + _texts_each(keywords.get("en", []), "en"),
        "dcat:theme": [
            _concept(f"{EU}data-theme/{t}", *THEMES[t], f"{EU}data-theme") for t in about["themes"]
        ],
        "dct:spatial": SPATIAL,
        "dct:language": LANGUAGES,
        "dct:temporal": {
            "@type": "dct:PeriodOfTime",
            "dcat:startDate": coverage["start"] or as_of,
            "dcat:endDate": coverage["end"] or as_of,
        },
        "dct:accrualPeriodicity": {"@id": FREQUENCIES[info["update_frequency"]], "@type": "dct:Frequency"},
        "dct:license": _licence(info),
        "dcat:distribution": [_distribution(p, dataset, url, info, digests[p.name]) for p in files],
    }


def _texts_each(words: list[str], language: str) -> list[dict]:
    return [{"@language": language, "@value": w} for w in words]


def write_dataset(
    info: dict, folder: Path, dataset: str, version: str, as_of: str, coverage: dict, digests: dict[str, str]
) -> Path:
    """`info`: datasets.yml; `coverage`: {"start", "end"} as YYYY-MM-DD (None when no records);
    `digests`: each data file's sha256, by name."""
    document = {"@context": CONTEXT} | dataset_node(info, folder, dataset, version, as_of, coverage, digests)
    out = folder / "dcat.jsonld"
    out.write_text(json.dumps(document, ensure_ascii=False, indent=1), encoding="utf-8")
    return out


def write_catalog(open_root: Path) -> Path:
    """`catalog.jsonld` at the open root: every dataset's current version (its `latest.json`)."""
    from publishing.metadata import catalogue  # metadata imports this module for write_dataset

    info = catalogue()
    check_catalogue(info)
    datasets = []
    for pointer in sorted(open_root.glob("*/latest.json")):
        current = json.loads(pointer.read_text(encoding="utf-8"))
        document = json.loads(
            (pointer.parent / current["version"] / "dcat.jsonld").read_text(encoding="utf-8")
        )
        datasets.append({k: v for k, v in document.items() if k != "@context"})
    issued = [d["dct:issued"] for d in datasets] or [None]
    publisher = info["publisher"]
    catalog = {
        "@context": CONTEXT,
        "@id": f"{base_url(info)}catalog",
        "@type": "dcat:Catalog",
        "dct:title": _texts(f"{publisher['name_zh']}开放数据", f"{publisher['name_en']} open data"),
        "dct:description": _texts(
            f"{publisher['name_zh']}发布的脱敏公共信用信息开放数据集。",
            f"Desensitised public credit information published by the {publisher['name_en']}.",
        ),
        "dct:publisher": _agent(info),
        "foaf:homepage": {"@id": f"{base_url(info)}index.html", "@type": "foaf:Document"},
        "dct:language": LANGUAGES,
        "dct:spatial": SPATIAL,
        "dct:license": _licence(info),
        "dct:issued": min(issued, key=str),
        "dct:modified": max(issued, key=str),
        "dcat:themeTaxonomy": {
            "@id": f"{EU}data-theme",
            "@type": "skos:ConceptScheme",
            "dct:title": _texts("数据主题", "Data theme"),
        },
        "dcat:dataset": datasets,
    }
    out = open_root / "catalog.jsonld"
    tmp = out.with_suffix(".jsonld.tmp")
    tmp.write_text(json.dumps(catalog, ensure_ascii=False, indent=1), encoding="utf-8")
    tmp.replace(out)
    return out
