/* newsieve.filters._scan: every occurrence of a set of words in a text (``_match.LiteralScanner``).
 *
 * ``LiteralScanner.scan`` runs over each page's text for the footer triggers, the other
 * triggers, the disease words of ad.medical and the variant spellings of normalize. In Python it
 * finds the places where a word can start with a regex, then slices the text there and looks
 * the slices up by length: the largest self-time function of the detectors (~10% of
 * ``Sieve.clean``). Here a trie over code points is walked from each such place instead, and a
 * hit hands back the word object itself (no slice, no new str).
 *
 * The trie's edges are one open-addressing hash table keyed by (parent node, code point). Most
 * characters of a text start no word: a bitset of the words' first characters (by the low 16 bits
 * of the code point, so that non-BMP characters share it: a false positive only costs a table
 * probe) skips them in a loop of a few instructions, one loop per PEP 393 kind. Most places of a
 * first character start no word either (the next character is no word's second one): two more
 * bitsets, of the one-character words and of the words' first two characters (hashed), skip
 * those without a table probe (on the pages of bench/bench_filters.py: 54 -> 45 us a page for all
 * the scans).
 *
 * On those pages the scans take 46 us a page instead of 287 (the Python scanner's): ``Sieve.clean``
 * 0.2 to 0.3 ms a page (7-11%) faster.
 *
 * ``Scanner(words).scan(text, pos, endpos)`` returns what ``LiteralScanner.scan`` returns: the
 * ``(start, word)`` of every occurrence wholly inside ``text[pos:endpos]``, by start, longest
 * first at one start (``tests/test_native_scan.py`` compares the two).
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <structmember.h>
#include <stdint.h>
#include <string.h>

#define SET_BITS 0x10000 /* each bitset: one bit per low 16 bits of a code point (or of a pair's hash) */
#define NO_NODE (-1)
#define NO_CHAR 0xFFFFFFFFu /* past the end of the text: not a code point */
#define EMPTY_KEY UINT64_MAX

typedef struct {
    PyObject *word;  /* the word that ends here (a reference held by ``words``), or NULL */
    int32_t fanout;  /* how many children: the walk stops at a leaf without a table probe */
} trie_node;

typedef struct {
    uint64_t key; /* parent node << 21 | code point; EMPTY_KEY for a free slot */
    int32_t child;
} edge;

typedef struct {
    PyObject_HEAD
    PyObject *words; /* tuple: the distinct non-empty words, first occurrence first */
    trie_node *nodes; /* nodes[0] is the root */
    Py_ssize_t n_nodes;
    edge *edges; /* 2^bits slots, at most half of them used */
    int shift;   /* 64 - bits */
    uint64_t mask;
    uint64_t *first;  /* SET_BITS bits: the words' first characters */
    uint64_t *single; /* SET_BITS bits: the one-character words */
    uint64_t *pairs;  /* SET_BITS bits: the words' first two characters, hashed */
} Scanner;

/* -- the trie ----------------------------------------------------------------------------- */

static inline uint64_t edge_key(int32_t parent, Py_UCS4 c) { return ((uint64_t)parent << 21) | c; }

static inline uint64_t edge_slot(const Scanner *s, uint64_t key) {
    return (key * 0x9E3779B97F4A7C15ULL) >> s->shift; /* Fibonacci hashing: the top bits */
}

static inline int32_t child_of(const Scanner *s, int32_t parent, Py_UCS4 c) {
    uint64_t key = edge_key(parent, c);
    for (uint64_t i = edge_slot(s, key);; i = (i + 1) & s->mask) {
        const edge *e = &s->edges[i];
        if (e->key == key) return e->child;
        if (e->key == EMPTY_KEY) return NO_NODE;
    }
}

/* The child of parent by c, made if missing (there is always a free slot: see scanner_new). */
static int32_t add_child(Scanner *s, int32_t parent, Py_UCS4 c) {
    uint64_t key = edge_key(parent, c);
    uint64_t i = edge_slot(s, key);
    for (; s->edges[i].key != EMPTY_KEY; i = (i + 1) & s->mask)
        if (s->edges[i].key == key) return s->edges[i].child;
    int32_t child = (int32_t)s->n_nodes++;
    s->nodes[child].word = NULL;
    s->nodes[child].fanout = 0;
    s->nodes[parent].fanout++;
    s->edges[i].key = key;
    s->edges[i].child = child;
    return child;
}

static inline int has_bit(const uint64_t *bits, uint32_t i) { return (int)((bits[i >> 6] >> (i & 63)) & 1); }
static inline void set_bit(uint64_t *bits, uint32_t i) { bits[i >> 6] |= (uint64_t)1 << (i & 63); }
static inline uint32_t char_bit(Py_UCS4 c) { return c & (SET_BITS - 1); }
static inline uint32_t pair_bit(Py_UCS4 a, Py_UCS4 b) {
    return (uint32_t)((edge_key((int32_t)a, b) * 0x9E3779B97F4A7C15ULL) >> 48);
}

/* -- construction ------------------------------------------------------------------------- */

static void scanner_dealloc(Scanner *s) {
    Py_XDECREF(s->words);
    PyMem_Free(s->nodes);
    PyMem_Free(s->edges);
    PyMem_Free(s->first);
    PyMem_Free(s->single);
    PyMem_Free(s->pairs);
    Py_TYPE(s)->tp_free((PyObject *)s);
}

/* Scanner(words): words an iterable of str; empty ones are dropped, a repeated one counts once. */
static PyObject *scanner_new(PyTypeObject *type, PyObject *args, PyObject *kwargs) {
    static char *names[] = {"words", NULL};
    PyObject *given;
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "O:Scanner", names, &given)) return NULL;
    PyObject *all = PySequence_Tuple(given);
    if (all == NULL) return NULL;
    Scanner *s = (Scanner *)type->tp_alloc(type, 0);
    if (s == NULL) {
        Py_DECREF(all);
        return NULL;
    }
    PyObject *kept = NULL;
    Py_ssize_t n = PyTuple_GET_SIZE(all), chars = 0;
    for (Py_ssize_t k = 0; k < n; k++) {
        PyObject *w = PyTuple_GET_ITEM(all, k);
        if (!PyUnicode_Check(w)) {
            PyErr_Format(PyExc_TypeError, "words must be str, not %.100s", Py_TYPE(w)->tp_name);
            goto fail;
        }
        chars += PyUnicode_GET_LENGTH(w);
    }
    if (chars >= (1 << 29)) { /* node ids are int32, and the table holds twice as many slots */
        PyErr_SetString(PyExc_OverflowError, "too many characters in the words");
        goto fail;
    }
    int bits = 4;
    while (((Py_ssize_t)1 << bits) < 2 * chars) bits++;
    s->shift = 64 - bits;
    s->mask = ((uint64_t)1 << bits) - 1;
    s->nodes = PyMem_Malloc((size_t)(chars + 1) * sizeof(trie_node));
    s->edges = PyMem_Malloc(((size_t)1 << bits) * sizeof(edge));
    s->first = PyMem_Calloc(SET_BITS / 64, sizeof(uint64_t));
    s->single = PyMem_Calloc(SET_BITS / 64, sizeof(uint64_t));
    s->pairs = PyMem_Calloc(SET_BITS / 64, sizeof(uint64_t));
    kept = PyList_New(0);
    if (s->nodes == NULL || s->edges == NULL || s->first == NULL || s->single == NULL || s->pairs == NULL) {
        PyErr_NoMemory();
        goto fail;
    }
    if (kept == NULL) goto fail;
    memset(s->edges, 0xff, ((size_t)1 << bits) * sizeof(edge)); /* every key EMPTY_KEY */
    s->nodes[0].word = NULL;
    s->nodes[0].fanout = 0;
    s->n_nodes = 1;
    for (Py_ssize_t k = 0; k < n; k++) {
        PyObject *w = PyTuple_GET_ITEM(all, k);
        Py_ssize_t len = PyUnicode_GET_LENGTH(w);
        if (len == 0) continue;
        int kind = PyUnicode_KIND(w);
        const void *data = PyUnicode_DATA(w);
        int32_t node = 0;
        for (Py_ssize_t i = 0; i < len; i++) node = add_child(s, node, PyUnicode_READ(kind, data, i));
        if (s->nodes[node].word != NULL) continue; /* a repeated word: the first one is kept */
        if (PyList_Append(kept, w) < 0) goto fail;
        s->nodes[node].word = w; /* kept (then words) holds the reference */
        Py_UCS4 c = PyUnicode_READ(kind, data, 0);
        set_bit(s->first, char_bit(c));
        if (len == 1)
            set_bit(s->single, char_bit(c));
        else
            set_bit(s->pairs, pair_bit(c, PyUnicode_READ(kind, data, 1)));
    }
    s->words = PyList_AsTuple(kept);
    if (s->words == NULL) goto fail;
    Py_DECREF(kept);
    Py_DECREF(all);
    return (PyObject *)s;
fail:
    Py_XDECREF(kept);
    Py_DECREF(all);
    Py_DECREF(s);
    return NULL;
}

/* -- scan --------------------------------------------------------------------------------- */

/* Appends (start, word) to out; -1 on error. */
static int add_hit(PyObject *out, Py_ssize_t start, PyObject *word) {
    PyObject *at = PyLong_FromSsize_t(start);
    if (at == NULL) return -1;
    PyObject *hit = PyTuple_New(2);
    if (hit == NULL) {
        Py_DECREF(at);
        return -1;
    }
    Py_INCREF(word);
    PyTuple_SET_ITEM(hit, 0, at);
    PyTuple_SET_ITEM(hit, 1, word);
    int failed = PyList_Append(out, hit);
    Py_DECREF(hit);
    return failed;
}

/* The walk found the words starting at one place shortest first: out[from:] turned longest first. */
static void reverse_tail(PyObject *out, Py_ssize_t from) {
    PyObject **items = ((PyListObject *)out)->ob_item;
    for (Py_ssize_t a = from, b = PyList_GET_SIZE(out) - 1; a < b; a++, b--) {
        PyObject *t = items[a];
        items[a] = items[b];
        items[b] = t;
    }
}

/* Can a word start with c, followed by next (NO_CHAR at the end)? Most places of a first
 * character are not such a start (on the bench pages, 1 in 8 to 60 is followed by a second
 * character): two bit tests each, instead of two table probes. */
static inline int may_start(const Scanner *s, Py_UCS4 c, Py_UCS4 next) {
    return has_bit(s->single, char_bit(c)) || (next != NO_CHAR && has_bit(s->pairs, pair_bit(c, next)));
}

/* The words starting at text[start] (whose first character is one's) appended to out, longest
 * first; -1 on error. Not inlined, and reading the text by its kind, not by a loop per kind: it
 * runs at 2 to 15% of the places (bench pages), and the loops below stay a few instructions a character (with
 * this inlined, they took twice as long on text without a first character). */
static Py_NO_INLINE int walk_from(const Scanner *s, int kind, const void *data, Py_ssize_t start,
                                  Py_ssize_t end, PyObject *out) {
    Py_UCS4 c = PyUnicode_READ(kind, data, start);
    if (!may_start(s, c, start + 1 < end ? PyUnicode_READ(kind, data, start + 1) : NO_CHAR)) return 0;
    Py_ssize_t before = PyList_GET_SIZE(out);
    int32_t node = 0;
    for (Py_ssize_t i = start; i < end && s->nodes[node].fanout; i++) {
        node = child_of(s, node, PyUnicode_READ(kind, data, i));
        if (node == NO_NODE) break;
        if (s->nodes[node].word != NULL && add_hit(out, start, s->nodes[node].word) < 0) return -1;
    }
    if (PyList_GET_SIZE(out) - before > 1) reverse_tail(out, before);
    return 0;
}

/* The places of the words' first characters in text[pos:end], one loop per character width (PEP
 * 393 kind): the text read as an array of CHAR. */
#define SCAN_LOOP(NAME, CHAR, KIND)                                                                   \
    static int NAME(const Scanner *s, const void *data, Py_ssize_t pos, Py_ssize_t end, PyObject *out) { \
        const CHAR *text = (const CHAR *)data;                                                         \
        const uint64_t *first = s->first;                                                              \
        for (Py_ssize_t start = pos; start < end; start++)                                             \
            if (has_bit(first, char_bit(text[start])) && walk_from(s, KIND, data, start, end, out) < 0)  \
                return -1;                                                                             \
        return 0;                                                                                      \
    }

SCAN_LOOP(scan_ucs1, Py_UCS1, PyUnicode_1BYTE_KIND)
SCAN_LOOP(scan_ucs2, Py_UCS2, PyUnicode_2BYTE_KIND)
SCAN_LOOP(scan_ucs4, Py_UCS4, PyUnicode_4BYTE_KIND)

/* An index argument as re's finditer takes it, clamped to [0, length]; -1 on error. */
static int clamped_index(PyObject *arg, Py_ssize_t length, Py_ssize_t *out) {
    Py_ssize_t value = PyNumber_AsSsize_t(arg, PyExc_OverflowError);
    if (value == -1 && PyErr_Occurred()) return -1;
    *out = value < 0 ? 0 : value > length ? length : value;
    return 0;
}

/* scan(text, pos=0, endpos=None) -> list[tuple[int, str]] */
static PyObject *scanner_scan(Scanner *s, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames) {
    static const char *const names[] = {"text", "pos", "endpos"};
    PyObject *given[3] = {NULL, NULL, NULL};
    if (nargs > 3) {
        PyErr_Format(PyExc_TypeError, "scan() takes at most 3 arguments (%zd given)", nargs);
        return NULL;
    }
    for (Py_ssize_t k = 0; k < nargs; k++) given[k] = args[k];
    Py_ssize_t n_kw = kwnames == NULL ? 0 : PyTuple_GET_SIZE(kwnames);
    for (Py_ssize_t k = 0; k < n_kw; k++) {
        PyObject *name = PyTuple_GET_ITEM(kwnames, k);
        int slot = 0;
        while (slot < 3 && PyUnicode_CompareWithASCIIString(name, names[slot]) != 0) slot++;
        if (slot == 3 || given[slot] != NULL) {
            PyErr_Format(PyExc_TypeError, "scan() got an unexpected or repeated argument %R", name);
            return NULL;
        }
        given[slot] = args[nargs + k];
    }
    PyObject *text = given[0];
    if (text == NULL || !PyUnicode_Check(text)) {
        PyErr_SetString(PyExc_TypeError, "scan() needs a str text");
        return NULL;
    }
    Py_ssize_t length = PyUnicode_GET_LENGTH(text), pos = 0, end = length;
    if (given[1] != NULL && clamped_index(given[1], length, &pos) < 0) return NULL;
    if (given[2] != NULL && given[2] != Py_None && clamped_index(given[2], length, &end) < 0) return NULL;
    PyObject *out = PyList_New(0);
    if (out == NULL) return NULL;
    const void *data = PyUnicode_DATA(text);
    int failed;
    switch (PyUnicode_KIND(text)) {
    case PyUnicode_1BYTE_KIND:
        failed = scan_ucs1(s, data, pos, end, out);
        break;
    case PyUnicode_2BYTE_KIND:
        failed = scan_ucs2(s, data, pos, end, out);
        break;
    default:
        failed = scan_ucs4(s, data, pos, end, out);
        break;
    }
    if (failed) {
        Py_DECREF(out);
        return NULL;
    }
    return out;
}

static PyMethodDef scanner_methods[] = {
    {"scan", (PyCFunction)(void (*)(void))scanner_scan, METH_FASTCALL | METH_KEYWORDS,
     "scan(text, pos=0, endpos=None) -> [(start, word)]: every occurrence wholly inside "
     "text[pos:endpos], by start, longest first at one start."},
    {NULL, NULL, 0, NULL},
};

static PyMemberDef scanner_members[] = {
    {"words", T_OBJECT, offsetof(Scanner, words), READONLY, "The distinct non-empty words, in order."},
    {NULL, 0, 0, 0, NULL},
};

static PyTypeObject ScannerType = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "newsieve.filters._scan.Scanner",
    .tp_basicsize = sizeof(Scanner),
    .tp_dealloc = (destructor)scanner_dealloc,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "Scanner(words): every occurrence of the words in a text (see _match.LiteralScanner).",
    .tp_methods = scanner_methods,
    .tp_members = scanner_members,
    .tp_new = scanner_new,
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_scan", NULL, -1, NULL};

PyMODINIT_FUNC PyInit__scan(void) {
    if (PyType_Ready(&ScannerType) < 0) return NULL;
    PyObject *m = PyModule_Create(&module);
    if (m == NULL) return NULL;
    Py_INCREF(&ScannerType);
    if (PyModule_AddObject(m, "Scanner", (PyObject *)&ScannerType) < 0) {
        Py_DECREF(&ScannerType);
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
