"""The detectors the pipeline runs, as data: ``"module:Class"`` paths, in order.

Each class is built once per ``Sieve`` as ``Class(rules, config)`` and must satisfy
``filters.base.Detector``. Order does not change results (detectors do not read each
other's output); it only sets the order of ``Verdict.detectors``.
"""

DETECTORS: tuple[str, ...] = (
    "newsieve.filters.detectors.medical:MedicalAdDetector",
    "newsieve.filters.detectors.gambling:GamblingDetector",
    "newsieve.filters.detectors.other_ads:OtherAdDetector",
    "newsieve.filters.detectors.boilerplate:BoilerplateDetector",
    "newsieve.filters.detectors.related:RelatedDetector",
    "newsieve.filters.detectors.listruns:ListRunDetector",
    "newsieve.filters.detectors.damage:DamageDetector",
    "newsieve.filters.detectors.promotion:PromotionDetector",
    "newsieve.filters.detectors.repetition:RepetitionDetector",
)
