"""DCAT-AP 3 metadata of the open data: every version's `dcat.jsonld` and the catalogue at the
open root conform to the official DCAT-AP 3.0.1 SHACL shapes (tests/fixtures/dcat-ap-3.0.1),
mandatory and recommended; a catalogue without a contact point is refused."""

import json
from pathlib import Path

import pytest

from creditlake.settings import RunConfig
from publishing import dcat
from publishing.metadata import catalogue
from tests.conftest import AS_OF
from tests.integration.court_list import ORGANISATION_ROW, land_and_build, publish

SHAPES = Path(__file__).parents[1] / "fixtures" / "dcat-ap-3.0.1"
# The release publishes the shapes twice: the generated files under shacl/ (mandatory and ranges)
# and the split the ITB validator uses under html/shacl/ (mandatory, recommended, ranges).
SHAPE_SETS = {
    "shacl": ("dcat-ap-SHACL.ttl",),
    "html/shacl": ("shapes.ttl", "shapes_recommended.ttl", "range.ttl"),
}
COURT_ROWS = [
    ORGANISATION_ROW,
    [
        "张三丰",
        "2201041990****1238",
        "",
        "长春市朝阳区人民法院",
        "2025-01-02",
        "(2025)吉0104执1号",
        "偿还借款10万元",
        "全部未履行",
        "有履行能力而拒不履行",
        "2025-03-02",
    ],
]


@pytest.fixture(scope="module")
def open_root(tmp_path_factory):
    """One court list landed, built and published (tests/integration/court_list.py)."""
    root = tmp_path_factory.mktemp("dcat")
    cfg = RunConfig(landing=root / "landing", lake=root / "lake", as_of=AS_OF)
    with pytest.MonkeyPatch.context() as mp:
        mp.delenv("CREDITLAKE_OPEN_S3_BUCKET", raising=False)
        mp.setenv("CREDITLAKE_AUDIT_KEY_FILE", str(root / "audit.key"))
        land_and_build(cfg, COURT_ROWS)
        _, released = publish(cfg.to_conf(), "run-dcat")
    assert released, "the run published nothing"
    return cfg.open_root


@pytest.fixture(scope="module")
def shapes():
    from rdflib import Graph

    graphs = {}
    for name, files in SHAPE_SETS.items():
        graph = Graph()
        for file in files:
            graph.parse(SHAPES / file, format="turtle")
        graphs[name] = graph
    return graphs


def _documents(root):
    return [*sorted(root.glob("*/*/dcat.jsonld")), root / "catalog.jsonld"]


def test_every_dcat_document_conforms_to_the_official_dcat_ap_3_shapes(open_root, shapes):
    from pyshacl import validate
    from rdflib import Graph

    documents = _documents(open_root)
    assert len(documents) > 1 and documents[-1].exists()
    for path in documents:
        data = Graph().parse(path, format="json-ld")
        for name, graph in shapes.items():
            conforms, _report, text = validate(data, shacl_graph=graph, allow_warnings=False)
            assert conforms, f"{path.relative_to(open_root)} against {name}:\n{text}"


def test_catalogue_lists_each_datasets_current_version_with_stable_iris(open_root):
    from rdflib import Graph, URIRef
    from rdflib.namespace import DCAT, RDF

    graph = Graph().parse(open_root / "catalog.jsonld", format="json-ld")
    root = graph.value(predicate=RDF.type, object=DCAT.Catalog)
    listed = {str(d) for d in graph.objects(root, DCAT.dataset)}
    base = dcat.base_url(catalogue())
    pointers = [json.loads(p.read_text(encoding="utf-8")) for p in open_root.glob("*/latest.json")]
    current = {f"{base}{p['dataset']}/{p['version']}/" for p in pointers}
    assert listed == current
    court = next(d for d in listed if "/court_dishonest/" in d)
    downloads = {str(u) for u in graph.objects(None, DCAT.downloadURL)}
    assert f"{court}court_dishonest.csv" in downloads
    assert all(isinstance(u, URIRef) for u in graph.objects(None, DCAT.accessURL))


def test_titles_and_descriptions_are_tagged_zh_and_en(open_root):
    from rdflib import Graph
    from rdflib.namespace import DCAT, DCTERMS, RDF

    path = next(open_root.glob("court_dishonest/*/dcat.jsonld"))
    graph = Graph().parse(path, format="json-ld")
    dataset = graph.value(predicate=RDF.type, object=DCAT.Dataset)
    for prop in (DCTERMS.title, DCTERMS.description):
        assert {v.language for v in graph.objects(dataset, prop)} == {"zh", "en"}
    description = {v.language: str(v) for v in graph.objects(dataset, DCTERMS.description)}
    assert "失信被执行人" in description["zh"] and "Dishonest" not in description["zh"]
    assert description["en"].startswith("Dishonest judgment debtors")


def test_a_catalogue_without_a_contact_point_is_refused():
    info = catalogue() | {"contact": {"name_zh": "开放数据", "name_en": "Open data"}}
    with pytest.raises(ValueError, match=r"datasets\.yml.*contact\.url"):
        dcat.check_catalogue(info)
    without = {k: v for k, v in catalogue().items() if k != "contact"}
    with pytest.raises(ValueError, match=r"datasets\.yml.*contact"):
        dcat.check_catalogue(without)
