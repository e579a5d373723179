"""Engines that rank passages for a code, learned from the project's own coding.

An engine is anything with `name`, `version`, `threshold` and
`rank(training, candidates) -> list[Suggestion]` (the `SuggestionEngine` protocol);
`settings.SUGGESTION_ENGINE` names the class (dotted path) and `engine()` builds it.

The default, `TfidfEngine`, runs on the server with no model to download and sends no
text anywhere. Why this design (measured on the demo, leave-one-transcript-out, see
bench/suggestions.py and tests/suggestions/test_quality.py):
- Features: TF-IDF over word 1-2-grams *and* character 2-5-grams inside word bounds
  (`char_wb`). Character n-grams catch inflected forms ("Russia", "Russian", "Russia's";
  Russian case endings alike) that word features miss, with no language-specific stemmer.
- Learner: logistic regression (log loss) fitted by stochastic gradient descent, with
  balanced class weights so that 0.5 is a usable decision threshold although a code's
  sentences are a few percent of all. On the demo (21 codes, 7 transcripts held out in
  turn) it reaches a mean precision@10 of 0.24 (micro precision 0.49, recall 0.31) in
  7.5 s for all 147 fits; liblinear's exact logistic regression reaches 0.25 (0.54, 0.30)
  in 30 s and lbfgs the same in 160 s. A twentieth of the time for nearly the same
  ranking: the evaluation page and a coder's click both stay quick.
- Few examples (fewer than MIN_EXAMPLES coded sentences): a classifier would learn noise,
  so the engine ranks by cosine similarity to the nearest coded passage or to the code's
  definition (description, inclusion criteria, example) instead.
- The code's definition is one more positive document and its exclusion criteria one
  more negative one, so a code with a careful definition starts better than one without.
- The vocabulary is fitted once on every passage it sees (no labels are used there) and
  kept while the same passages come back, so evaluating every code transcript by
  transcript fits it once.

Plugging in an embedding model (off by default): write a class with the same four
members whose `rank` embeds `training.positives`, `training.negatives` and the
candidates with the deployer's model (for example a sentence-transformers model stored on
the server) and scores each candidate, for instance by logistic regression on the
embeddings; then set SUGGESTION_ENGINE = "yourpackage.engines.EmbeddingEngine". Its
name and version are stored with every coding it proposes that a coder accepts.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Protocol, Sequence

import numpy as np
from django.conf import settings
from django.utils.module_loading import import_string

MIN_EXAMPLES = 3     # fewer coded sentences than this: nearest neighbours instead of a classifier
NEAREST = 2          # coded passages named as a suggestion's reason
WORDS = 4            # words named as a suggestion's reason
MAX_CHAR_FEATURES = 100_000


@dataclass(frozen=True)
class Passage:
    """A range of a transcript's text (code points) and the text there."""

    transcript_id: int
    start: int
    end: int
    text: str

    @property
    def key(self) -> tuple[int, int, int]:
        return (self.transcript_id, self.start, self.end)


@dataclass
class Training:
    """What an engine learns a code from: passages coded with it, passages not coded with
    it (in transcripts someone coded, and suggestions rejected), and its definition."""

    positives: list[Passage]
    negatives: list[Passage]
    definition: str = ""   # description, inclusion criteria and example
    exclusion: str = ""    # exclusion criteria: what the code is not


@dataclass
class Suggestion:
    passage: Passage
    score: float                                          # 0..1, higher is likelier
    nearest: list[Passage] = field(default_factory=list)  # the coded passages most alike
    words: list[str] = field(default_factory=list)        # the words that weighed most


class SuggestionEngine(Protocol):
    name: str
    version: str
    threshold: float   # a score at or above it counts as "the engine would code this"

    def rank(self, training: Training, candidates: Sequence[Passage], explain: int = 20) -> list[Suggestion]:
        """Every candidate with its score, likeliest first; the first `explain` with their
        reasons (nearest coded passages, weightiest words)."""


class TfidfEngine:
    name = "tfidf-logreg"
    version = "1"
    threshold = 0.5
    neighbour_threshold = 0.35   # the cosine similarity that counts as "would code" with few examples

    def __init__(self):
        self._corpus_key: str | None = None
        self._rows: dict[str, int] = {}
        self._matrix = None
        self._union = None
        self._word_features: np.ndarray | None = None
        self._names: np.ndarray | None = None

    # --- features ---------------------------------------------------------------------------

    def _fit(self, texts: list[str]) -> None:
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.pipeline import FeatureUnion

        unique = sorted(set(texts))
        key = hashlib.sha256("\x00".join(unique).encode()).hexdigest()
        if key == self._corpus_key:
            return
        union = FeatureUnion([
            ("word", TfidfVectorizer(analyzer="word", ngram_range=(1, 2), min_df=1, sublinear_tf=True)),
            ("char", TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), min_df=2, sublinear_tf=True,
                                     max_features=MAX_CHAR_FEATURES)),
        ])
        self._union = union
        self._matrix = self._unit(union.fit_transform(unique))
        words = len(union.transformer_list[0][1].vocabulary_)
        self._word_features = np.arange(words)
        self._names = union.transformer_list[0][1].get_feature_names_out()
        self._rows = {text: i for i, text in enumerate(unique)}
        self._corpus_key = key

    @staticmethod
    def _unit(matrix):
        """Rows of unit length over both halves together, so a dot product is a cosine."""
        from sklearn.preprocessing import normalize

        return normalize(matrix).tocsr()

    def _vectors(self, texts: list[str]):
        """Rows of the fitted passages; texts the vocabulary was not fitted on (a code's
        definition) are transformed with it."""
        from scipy.sparse import vstack

        new = [t for t in texts if t not in self._rows]
        if not new:
            return self._matrix[[self._rows[t] for t in texts]]
        extra = self._unit(self._union.transform(new))
        rows = {t: self._matrix.shape[0] + i for i, t in enumerate(new)}
        return vstack([self._matrix, extra]).tocsr()[[self._rows.get(t, rows.get(t)) for t in texts]]

    # --- ranking ----------------------------------------------------------------------------

    def rank(self, training: Training, candidates: Sequence[Passage], explain: int = 20) -> list[Suggestion]:
        candidates = list(candidates)
        if not candidates:
            return []
        extra_pos = [training.definition] if training.definition.strip() else []
        extra_neg = [training.exclusion] if training.exclusion.strip() else []
        pos_texts = [p.text for p in training.positives] + extra_pos
        neg_texts = [p.text for p in training.negatives] + extra_neg
        cand_texts = [p.text for p in candidates]
        self._fit([p.text for p in training.positives + training.negatives] + cand_texts)
        cand = self._vectors(cand_texts)
        coded = self._vectors([p.text for p in training.positives]) if training.positives else None
        similarity = (cand @ coded.T).toarray() if coded is not None else np.zeros((len(candidates), 0))

        contributions = None
        if len(training.positives) >= MIN_EXAMPLES and neg_texts:
            x = self._vectors(pos_texts + neg_texts)
            y = np.array([1] * len(pos_texts) + [0] * len(neg_texts))
            model = self._model()
            model.fit(x, y)
            scores = model.predict_proba(cand)[:, 1]
            weights = model.coef_[0][self._word_features]
            contributions = cand[:, self._word_features].multiply(weights).tocsr()
        else:
            reference = similarity
            if extra_pos:
                definition = (cand @ self._vectors(extra_pos).T).toarray()
                reference = np.hstack([similarity, definition])
            scores = reference.max(axis=1) if reference.shape[1] else np.zeros(len(candidates))
            # Put the neighbour similarity on the classifier's scale: its threshold maps to 0.5.
            scores = np.clip(scores * (self.threshold / self.neighbour_threshold), 0.0, 1.0)

        order = np.argsort(-scores, kind="stable")
        suggestions = []
        for rank, i in enumerate(order):
            if rank >= explain:
                suggestions.append(Suggestion(passage=candidates[i], score=float(scores[i])))
                continue
            nearest = []
            if similarity.shape[1]:
                for j in np.argsort(-similarity[i])[:NEAREST]:
                    if similarity[i, j] > 0:
                        nearest.append(training.positives[j])
            suggestions.append(Suggestion(passage=candidates[i], score=float(scores[i]), nearest=nearest,
                                          words=self._top_words(i, contributions, cand)))
        return suggestions

    @staticmethod
    def _model():
        from sklearn.linear_model import SGDClassifier

        return SGDClassifier(loss="log_loss", class_weight="balanced", alpha=1e-4, max_iter=50, tol=1e-4,
                             random_state=0)

    def _top_words(self, i: int, contributions, cand) -> list[str]:
        row = contributions[i] if contributions is not None else cand[i, self._word_features]
        row = row.tocoo()
        ranked = sorted(zip(row.data, row.col), reverse=True)
        return [str(self._names[col]) for value, col in ranked if value > 0][:WORDS]


def engine() -> SuggestionEngine:
    """The engine the settings choose (SUGGESTION_ENGINE, a dotted path to a class)."""
    return import_string(getattr(settings, "SUGGESTION_ENGINE", "apps.suggestions.engines.TfidfEngine"))()
