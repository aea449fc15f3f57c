"""The detectors the pipeline runs, as data: ``"module:Class"`` paths, in order.

Each class is built once per ``Sieve`` as ``Class(rules, config)`` and must satisfy
``filters.base.Detector``. Order does not change results (detectors do not read each
other's output); it only sets the order of ``Verdict.detectors``.

The detectors' module constants are ``Final``: compiled with mypyc, a ``Final`` constant is inlined or
read from a C static, where any other module global is a lookup in the module's dict at each use, in
the loops over blocks and lines too (~0.1 million instructions a page less on bench_filters).
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
