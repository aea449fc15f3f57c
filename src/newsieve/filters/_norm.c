/* newsieve.filters._norm: the character steps of ``normalize.normalize`` in one pass.
 *
 * In Python the normalized view costs several scans of the page's text, each a regex or a str
 * method (format characters, lower case, the frequent full-width marks, the rest of the table,
 * the gaps between CJK characters) and a map carried from one step to the next: ~140 us a page
 * on the pages of bench/bench_filters.py. Here one pass drops the format characters and
 * translates the others (the table: one character to one character), a second drops the gaps,
 * and the kept characters' original offsets come back as runs: ``normalize`` 147 -> 29 us a page
 * (15 of them this pass, the rest the variant words and the Python around it).
 *
 * ``Normalizer(table, kinds, gap_max)``: ``table`` is a str of 0x10000 characters, ``table[c]`` what the
 * BMP character ``c`` becomes (characters above U+FFFF are kept as they are); ``kinds`` is a
 * bytes of 0x110000 flags by code point: 1 a format character, 2 a gap character, 4 a CJK one
 * (the classes of normalize.py, ``_native_kinds``); ``gap_max`` its ``GAP_MAX``.
 *
 * ``normalize(text) -> (out, runs, longest)``: ``out`` the text with the format characters
 * dropped, the table applied and the gaps dropped (``gap_max`` gap characters or fewer between
 * two CJK characters); ``runs`` None when nothing was dropped, else the flat list
 * ``[origin, count, ...]`` of the maximal runs of kept characters with consecutive original
 * offsets; ``longest`` the length of the longest run of ASCII lower-case letters and digits of
 * ``out`` (measured on the way: a regex over the view for a run of 12 cost ~30 us a page,
 * ``NormalizedText.alnum_run``). ``tests/test_native_norm.py`` compares it with the Python steps.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <string.h>

#define K_FORMAT 1
#define K_GAP 2
#define K_CJK 4

typedef struct {
    PyObject_HEAD
    Py_UCS4 *table;  /* 0x10000 entries */
    PyObject *kinds; /* bytes of 0x110000 flags */
    Py_ssize_t gap_max;
} Normalizer;

static void normalizer_dealloc(Normalizer *self) {
    PyMem_Free(self->table);
    Py_XDECREF(self->kinds);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static int normalizer_init(Normalizer *self, PyObject *args, PyObject *kwds) {
    static char *names[] = {"table", "kinds", "gap_max", NULL};
    PyObject *table, *kinds;
    Py_ssize_t gap_max;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "UO!n", names, &table, &PyBytes_Type, &kinds, &gap_max))
        return -1;
    if (PyUnicode_GET_LENGTH(table) != 0x10000 || PyBytes_GET_SIZE(kinds) != 0x110000) {
        PyErr_SetString(PyExc_ValueError, "table: 0x10000 characters, kinds: 0x110000 bytes");
        return -1;
    }
    Py_UCS4 *copy = PyUnicode_AsUCS4Copy(table);
    if (copy == NULL) return -1;
    PyMem_Free(self->table);
    self->table = copy;
    Py_INCREF(kinds);
    Py_XSETREF(self->kinds, kinds);
    self->gap_max = gap_max;
    return 0;
}

/* The flat [origin, count, ...] list of the maximal runs of consecutive offsets in orig[0:n]. */
static PyObject *runs_of(const Py_ssize_t *orig, Py_ssize_t n) {
    PyObject *runs = PyList_New(0);
    if (runs == NULL) return NULL;
    Py_ssize_t i = 0;
    while (i < n) {
        Py_ssize_t j = i + 1;
        while (j < n && orig[j] == orig[j - 1] + 1) j++;
        PyObject *origin = PyLong_FromSsize_t(orig[i]);
        PyObject *count = PyLong_FromSsize_t(j - i);
        int failed = origin == NULL || count == NULL || PyList_Append(runs, origin) < 0 ||
                     PyList_Append(runs, count) < 0;
        Py_XDECREF(origin);
        Py_XDECREF(count);
        if (failed) {
            Py_DECREF(runs);
            return NULL;
        }
        i = j;
    }
    return runs;
}

static PyObject *normalizer_normalize(Normalizer *self, PyObject *text) {
    if (!PyUnicode_Check(text)) {
        PyErr_SetString(PyExc_TypeError, "normalize() takes a str");
        return NULL;
    }
    if (self->table == NULL || self->kinds == NULL) {
        PyErr_SetString(PyExc_RuntimeError, "Normalizer not initialized");
        return NULL;
    }
    const unsigned char *kinds = (const unsigned char *)PyBytes_AS_STRING(self->kinds);
    const Py_UCS4 *table = self->table;
    Py_ssize_t n = PyUnicode_GET_LENGTH(text);
    int kind = PyUnicode_KIND(text);
    const void *data = PyUnicode_DATA(text);
    Py_UCS4 *buf = PyMem_Malloc((n ? n : 1) * sizeof(Py_UCS4));
    Py_ssize_t *orig = PyMem_Malloc((n ? n : 1) * sizeof(Py_ssize_t));
    if (buf == NULL || orig == NULL) {
        PyMem_Free(buf);
        PyMem_Free(orig);
        return PyErr_NoMemory();
    }
    /* format characters dropped, the others translated (one loop per PEP 393 kind) */
    Py_ssize_t m = 0;
#define TRANSLATE(TYPE)                                   \
    for (Py_ssize_t i = 0; i < n; i++) {                  \
        Py_UCS4 c = ((const TYPE *)data)[i];              \
        if (kinds[c] & K_FORMAT) continue;                \
        buf[m] = c < 0x10000 ? table[c] : c;              \
        orig[m++] = i;                                    \
    }
    if (kind == PyUnicode_1BYTE_KIND) {
        TRANSLATE(Py_UCS1)
    } else if (kind == PyUnicode_2BYTE_KIND) {
        TRANSLATE(Py_UCS2)
    } else {
        TRANSLATE(Py_UCS4)
    }
#undef TRANSLATE
    /* gaps dropped: a run of 1..gap_max gap characters between two CJK characters (inside a run,
       a gap character follows a gap character, never a CJK one: the run is passed over whole) */
    Py_ssize_t k = 0;
    Py_ssize_t j = 0;
    Py_UCS4 maxchar = 0;
    Py_ssize_t run = 0, longest = 0; /* of ASCII lower-case letters and digits in the output */
    while (j < m) {
        if (!(kinds[buf[j]] & K_GAP)) {
            Py_UCS4 c = buf[j];
            if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) {
                if (++run > longest) longest = run;
            } else {
                run = 0;
            }
            maxchar |= c;
            buf[k] = buf[j];
            orig[k++] = orig[j++];
            continue;
        }
        Py_ssize_t end = j + 1;
        while (end < m && (kinds[buf[end]] & K_GAP)) end++;
        int dropped = j > 0 && (kinds[buf[j - 1]] & K_CJK) && end - j <= self->gap_max && end < m &&
                      (kinds[buf[end]] & K_CJK);
        if (!dropped) {
            run = 0; /* (no gap character is a letter or a digit) */
            for (; j < end; j++) {
                maxchar |= buf[j];
                buf[k] = buf[j];
                orig[k++] = orig[j];
            }
        }
        j = end;
    }
    /* the str of the smallest kind that holds the characters, as Python makes it: the OR of the
       characters is below 0x80, 0x100 or 0x10000 exactly when each of them is */
    Py_UCS4 bound = maxchar < 0x80 ? 0x7f : maxchar < 0x100 ? 0xff : maxchar < 0x10000 ? 0xffff : 0x10ffff;
    PyObject *out = PyUnicode_New(k, bound);
    if (out != NULL) {
        int out_kind = PyUnicode_KIND(out);
        void *out_data = PyUnicode_DATA(out);
        if (out_kind == PyUnicode_1BYTE_KIND) {
            for (Py_ssize_t i = 0; i < k; i++) ((Py_UCS1 *)out_data)[i] = (Py_UCS1)buf[i];
        } else if (out_kind == PyUnicode_2BYTE_KIND) {
            for (Py_ssize_t i = 0; i < k; i++) ((Py_UCS2 *)out_data)[i] = (Py_UCS2)buf[i];
        } else {
            memcpy(out_data, buf, k * sizeof(Py_UCS4));
        }
    }
    PyObject *runs = NULL;
    if (out != NULL) {
        if (k == n) {
            runs = Py_None;
            Py_INCREF(runs);
        } else {
            runs = runs_of(orig, k);
        }
    }
    PyMem_Free(buf);
    PyMem_Free(orig);
    if (runs == NULL) {
        Py_XDECREF(out);
        return NULL;
    }
    return Py_BuildValue("(NNn)", out, runs, longest); /* (N: the tuple takes the references) */
}

static PyMethodDef normalizer_methods[] = {
    {"normalize", (PyCFunction)normalizer_normalize, METH_O,
     "normalize(text) -> (out, runs, longest): format characters and gaps dropped, the table "
     "applied; runs None when nothing was dropped, else [origin, count, ...] of the kept "
     "characters; longest the longest run of [a-z0-9] in out."},
    {NULL, NULL, 0, NULL},
};

static PyTypeObject NormalizerType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "newsieve.filters._norm.Normalizer",
    .tp_basicsize = sizeof(Normalizer),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "Normalizer(table, kinds, gap_max): the character steps of normalize.normalize in C.",
    .tp_new = PyType_GenericNew,
    .tp_init = (initproc)normalizer_init,
    .tp_dealloc = (destructor)normalizer_dealloc,
    .tp_methods = normalizer_methods,
};

/* count_range(text, lo, hi) -> how many characters of ``text`` are in [lo, hi] (``_text.count_cjk``:
   its Python way encodes the text to UTF-16 and translates the bytes, ~14 us a page of bench_filters
   in page_stats alone). */
static PyObject *count_range(PyObject *self, PyObject *args) {
    PyObject *text;
    unsigned int lo, hi;
    if (!PyArg_ParseTuple(args, "UII", &text, &lo, &hi)) return NULL;
    Py_ssize_t n = PyUnicode_GET_LENGTH(text), count = 0;
    const void *data = PyUnicode_DATA(text);
    switch (PyUnicode_KIND(text)) {
    case PyUnicode_1BYTE_KIND: {
        const Py_UCS1 *t = data;
        for (Py_ssize_t i = 0; i < n; i++) count += t[i] >= lo && t[i] <= hi;
        break;
    }
    case PyUnicode_2BYTE_KIND: {
        const Py_UCS2 *t = data;
        for (Py_ssize_t i = 0; i < n; i++) count += t[i] >= lo && t[i] <= hi;
        break;
    }
    default: {
        const Py_UCS4 *t = data;
        for (Py_ssize_t i = 0; i < n; i++) count += t[i] >= lo && t[i] <= hi;
        break;
    }
    }
    return PyLong_FromSsize_t(count);
}

static PyMethodDef module_methods[] = {
    {"count_range", count_range, METH_VARARGS, "count_range(text, lo, hi) -> characters of text in [lo, hi]."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_norm", NULL, -1, module_methods};

PyMODINIT_FUNC PyInit__norm(void) {
    if (PyType_Ready(&NormalizerType) < 0) return NULL;
    PyObject *m = PyModule_Create(&module);
    if (m == NULL) return NULL;
    Py_INCREF(&NormalizerType);
    if (PyModule_AddObject(m, "Normalizer", (PyObject *)&NormalizerType) < 0) {
        Py_DECREF(&NormalizerType);
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
