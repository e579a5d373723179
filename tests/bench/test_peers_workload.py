"""The side-by-side bench (bench/peers) gives both tools the same workload on every run."""
from bench.peers.workload import CODES, SCALES, build, word_spans


def test_the_same_seed_gives_the_same_workload_and_another_seed_another():
    assert build("study") == build("study")
    assert build("study", seed=20) != build("study")


def test_each_scale_has_the_size_the_issue_names():
    for scale, size in SCALES.items():
        workload = build(scale)
        assert len(workload.documents) == size["documents"]
        assert all(len(text.split()) == size["words"] for text in workload.documents)
        assert len(workload.passages) == size["documents"] * size["passages"]
        assert {c for p in workload.passages for c in p.codes} == set(range(len(CODES)))


def test_every_passage_lies_inside_its_document_on_word_boundaries():
    workload = build("study")
    for passage in workload.passages:
        spans = word_spans(workload.documents[passage.document])
        assert passage.start in {s for s, _ in spans}
        assert passage.end in {e for _, e in spans}
        assert 0 <= passage.start < passage.end <= len(workload.documents[passage.document])
