"""Documents posted (kind `document`): real records with their documentSection, their earlier version
the same record without it, read through `view_of` and compared as a check compares them."""

from __future__ import annotations

from typing import Any

import pytest

from monitor.core.choices import Choices, kinds_from
from monitor.core.decide import decide
from monitor.core.diff import compare
from monitor.core.events.documents import document_events, document_words
from monitor.core.model import COMPARE_GROUPS, ChangeEvent, Level, Outcome, pushed
from monitor.core.view import fingerprint
from monitor.core.words import md_unescape
from monitor.registry.ctgov.facts import document_url
from monitor.registry.ctgov.record import read_study, view_of
from tests.support.records import status_module, study

CDN = "https://cdn.clinicaltrials.gov/large-docs"

# Each fixture with documents: the "last update posted" of an earlier version that had none (before
# every upload), and the sentences its documents are announced with (as people read them).
POSTED = {
    "NCT02513394": ("2021-11-01", [
        ("Study protocol and statistical analysis plan posted (dated 2020-12-23). "
         f"Document: {CDN}/94/NCT02513394/Prot_SAP_000.pdf"),
    ]),
    "NCT02552212": ("2019-04-01", [
        f"Study protocol posted (dated 2018-12-17). Document: {CDN}/12/NCT02552212/Prot_000.pdf",
        f"Statistical analysis plan posted (dated 2020-06-10). Document: {CDN}/12/NCT02552212/SAP_002.pdf",
    ]),
    "NCT03064438": ("2021-08-01", [
        f"Study protocol posted (dated 2017-08-05). Document: {CDN}/38/NCT03064438/Prot_000.pdf",
        f"Statistical analysis plan posted (dated 2018-05-11). Document: {CDN}/38/NCT03064438/SAP_001.pdf",
    ]),
    "NCT03630471": ("2019-05-10", [
        f"Statistical analysis plan posted (dated 2019-05-07). Document: {CDN}/71/NCT03630471/SAP_000.pdf",
    ]),
    "NCT04431453": ("2023-09-01", [
        f"Study protocol posted (dated 2022-01-06). Document: {CDN}/53/NCT04431453/Prot_000.pdf",
        f"Statistical analysis plan posted (dated 2023-05-22). Document: {CDN}/53/NCT04431453/SAP_001.pdf",
    ]),
    "NCT05594173": ("2022-10-01", [
        ("Study protocol and statistical analysis plan posted (dated 2020-01-07). "
         f"Document: {CDN}/73/NCT05594173/Prot_SAP_000.pdf"),
    ]),
}


def _without_documents(name: str, posted: str) -> dict[str, Any]:
    """The record as an earlier version without its documents, last updated on ``posted``."""
    record = study(name)
    del record["documentSection"]
    status_module(record)["lastUpdatePostDateStruct"] = {"date": posted, "type": "ACTUAL"}
    return record


def _documents(events: list[ChangeEvent]) -> list[ChangeEvent]:
    return [e for e in events if e.kind == "document"]


def _posted_after(name: str, posted: str) -> list[ChangeEvent]:
    """The document events of the record, its previous version without documents posted on ``posted``."""
    return _documents(compare(view_of(_without_documents(name, posted)), view_of(study(name))))


def test_the_view_has_documents_only_when_the_record_has_some() -> None:
    assert "documents" not in view_of(study("NCT06171568"))  # no documentSection: the view of the first release
    without = study("NCT02552212")
    without["documentSection"] = {"largeDocumentModule": {"largeDocs": []}}
    assert "documents" not in view_of(without)
    assert view_of(study("NCT02552212"))["documents"] == {
        "Prot_000.pdf": {"type": "Prot", "label": "Study Protocol", "date": "2018-12-17",
                         "uploaded": "2019-04-27T15:51", "protocol": True, "sap": False, "icf": False,
                         "url": f"{CDN}/12/NCT02552212/Prot_000.pdf"},
        "SAP_002.pdf": {"type": "SAP", "label": "Statistical Analysis Plan", "date": "2020-06-10",
                        "uploaded": "2021-05-03T03:55", "protocol": False, "sap": True, "icf": False,
                        "url": f"{CDN}/12/NCT02552212/SAP_002.pdf"},
    }


def test_the_document_address_is_the_registrys_large_document_url() -> None:
    assert document_url("NCT02513394", "Prot_SAP_000.pdf") == f"{CDN}/94/NCT02513394/Prot_SAP_000.pdf"
    assert document_url("NCT02513394", "a b/../c?.pdf") == f"{CDN}/94/NCT02513394/a%20b%2F..%2Fc%3F.pdf"  # one segment
    assert document_url("not an id", "Prot_000.pdf") is None and document_url("NCT02513394", " ") is None


@pytest.mark.parametrize("name", sorted(POSTED))
def test_a_posted_document_is_announced_with_its_link(name: str) -> None:
    posted, sentences = POSTED[name]
    events = _documents(compare(view_of(_without_documents(name, posted)), view_of(study(name))))
    assert [md_unescape(e.text) for e in events] == sentences
    assert {(e.level, e.field, e.old) for e in events} == {(Level.MEDIUM, "document_posted", None)}
    assert all(set(e.new) <= set(view_of(study(name))["documents"]) for e in events)


def test_the_issues_example_sentence() -> None:
    posted, _ = POSTED["NCT05594173"]
    [event] = compare(view_of(_without_documents("NCT05594173", posted)), view_of(study("NCT05594173")))
    assert event.text.startswith("Study protocol and statistical analysis plan posted (dated 2020-01-07). Document: ")
    assert event.text.endswith("/73/NCT05594173/Prot\\_SAP\\_000.pdf")  # stored Markdown-safe, as every event text


def test_documents_the_previous_version_had_are_a_format_catch_up() -> None:
    """Upgrade: the stored view predates documents; the trial's documents, uploaded before that version
    was posted, were in it already: nothing is said (and nothing pushed)."""
    for name in POSTED:
        before = view_of(_without_documents(name, "2024-01-02"))  # after every upload
        assert _documents(compare(before, view_of(study(name)))) == [], name
        stored = study(name)
        del stored["documentSection"]  # the same version, stored by the release before documents
        old = view_of(stored)
        decision = decide(name, read_study(study(name)), previous_fingerprint=fingerprint(old), previous_view=old,
                          compare_groups=COMPARE_GROUPS)
        assert decision.outcome is Outcome.UNCHANGED and not pushed(decision.events), name
        assert "documents" in (decision.view or {})  # stored: the next check compares documents with documents


def test_the_catch_up_is_by_upload_day() -> None:
    # NCT02552212: the protocol was uploaded 2019-04-27, the SAP 2021-05-03; the previous version posted 2020-01-01
    events = _posted_after("NCT02552212", "2020-01-01")
    assert [e.text.split(" (")[0] for e in events] == ["Statistical analysis plan posted"]
    # uploaded the day the previous version was posted: not known to be in it, so announced
    same_day = _posted_after("NCT03630471", "2019-05-16")
    assert len(same_day) == 1
    month_only = _posted_after("NCT03630471", "2019-05")
    assert len(month_only) == 1  # 2019-05-16 is not known to come before "2019-05"


def test_a_new_document_beside_known_ones_is_always_news() -> None:
    """The previous view had documents (so it could have had this one): no catch-up, whatever the upload date."""
    old = study("NCT02552212")
    old["documentSection"]["largeDocumentModule"]["largeDocs"].pop()  # the SAP not posted yet
    status_module(old)["lastUpdatePostDateStruct"] = {"date": "2024-01-02", "type": "ACTUAL"}
    events = _documents(compare(view_of(old), view_of(study("NCT02552212"))))
    assert [md_unescape(e.text) for e in events] == [POSTED["NCT02552212"][1][1]]


def test_a_replaced_document_and_a_removed_one_are_low() -> None:
    new = study("NCT02552212")
    docs = new["documentSection"]["largeDocumentModule"]["largeDocs"]
    docs[0].update(date="2019-02-01", uploadDate="2019-05-01T09:00")  # Prot_000.pdf, a new version
    del docs[1]  # SAP_002.pdf gone
    events = compare(view_of(study("NCT02552212")), view_of(new))
    assert [(e.kind, e.field, e.level, md_unescape(e.text)) for e in events] == [
        ("document", "document_replaced", Level.LOW, ("Study protocol replaced: dated 2018-12-17 → 2019-02-01, "
         "uploaded "
         f"2019-05-01. Document: {CDN}/12/NCT02552212/Prot_000.pdf")),
        ("document", "document_removed", Level.LOW,
         "Statistical analysis plan removed (SAP_002.pdf, dated 2020-06-10)"),
    ]


def test_relabelling_and_the_size_are_not_a_change() -> None:
    new = study("NCT02552212")
    doc = new["documentSection"]["largeDocumentModule"]["largeDocs"][0]
    doc.update(size=1, label="STUDY PROTOCOL")
    assert view_of(new)["documents"]["Prot_000.pdf"]["label"] == "STUDY PROTOCOL"
    assert _documents(compare(view_of(study("NCT02552212")), view_of(new))) == []
    all_gone = study("NCT02552212")
    del all_gone["documentSection"]
    gone = _documents(compare(view_of(study("NCT02552212")), view_of(all_gone)))
    assert [e.field for e in gone] == ["document_removed", "document_removed"]


def test_what_a_document_is_in_words() -> None:
    assert document_words({"protocol": True, "sap": True, "icf": True}) == (
        "Study protocol, statistical analysis plan and informed consent form")
    assert document_words({"icf": True}) == "Informed consent form"
    assert document_words({"label": "Data <b>dictionary</b>"}) == "Document “Data \\<b\\>dictionary\\</b\\>”"
    assert document_words({}) == "Document"


def test_an_untrusted_link_is_left_out_and_many_documents_are_one_line_beyond_five() -> None:
    odd = {"a.pdf": {"protocol": True, "date": "2020-01-07", "url": "javascript:alert(1)"}}
    [event] = document_events({}, odd, [])
    assert event.text == "Study protocol posted (dated 2020-01-07)"
    many = {f"ICF_{n:03}.pdf": {"icf": True, "uploaded": f"2020-01-{n + 1:02}T10:00"} for n in range(7)}
    events = document_events({}, many, [])
    assert len(events) == 6 and {e.level for e in events} == {Level.MEDIUM}
    assert events[0].text == "Informed consent form posted (uploaded 2020-01-01)"
    assert events[-1].text == ("2 more documents posted: informed consent form (uploaded 2020-01-06); "
                               "informed consent form (uploaded 2020-01-07)")
    assert set(events[-1].new) == {"ICF_005.pdf", "ICF_006.pdf"}


def test_documents_are_a_compare_group_and_a_kind_targets_filter() -> None:
    posted, _ = POSTED["NCT05594173"]
    old, new = view_of(_without_documents("NCT05594173", posted)), view_of(study("NCT05594173"))
    assert [e.kind for e in compare(old, new, ["status", "documents"])] == ["document"]
    assert [e.kind for e in compare(old, new, ["status"])] == ["record_updated"]  # not compared: a record update
    assert kinds_from(["documents"]) == kinds_from(["document"]) == ("document",)
    assert Choices(kinds=("document",)).passes("document", Level.MEDIUM)
    assert not Choices(min_level=Level.HIGH).passes("document", Level.MEDIUM)
