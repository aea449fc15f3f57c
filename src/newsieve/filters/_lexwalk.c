/* newsieve.filters._lexwalk: the body walk of ``_tree.walk`` over lexbor's own nodes.
 *
 * ``_tree.walk`` in Python asks selectolax for every node's text, tag, child and next sibling:
 * each answer is a new Python object, and that walk was the largest single cost of extraction
 * (bench/bench_filters.py). This module does the same walk on the node structs that selectolax's
 * parser built, reached through ``LexborNode.mem_id`` (the struct's address), and hands back
 * only what the walk produces: the blocks with their subtree totals, and the units' text
 * (squashed here too, as ``_text.squash`` does).
 *
 * ``heads`` reads the title, meta and time elements and the h1s of the whole page in one pass
 * (``_tree.read_page``), where two CSS selections did (lexbor tries each selector on every element).
 *
 * ``markup_over`` is ``extract.markup_over``'s scan of the tags before a page is parsed (how deep
 * they nest, how many attributes one has), the same scan as its Python version (which runs where
 * this module is not built).
 *
 * The structs below mirror lexbor's (lexbor/dom/interfaces/node.h, character_data.h,
 * lexbor/core/str.h): only the leading fields this walk reads. ``layout()`` gives their offsets,
 * and ``_tree.native_walk_ok`` checks them against real nodes of a parsed page before this
 * module is ever used (a selectolax built on another lexbor layout falls back to the Python
 * walk, which gives the same result).
 *
 * Tags are lexbor tag ids (``LexborNode.tag_id``): ``kinds[id]`` says what the walk does with an
 * element (the table is built in Python from the tag names); an id past the table (custom
 * elements get ids that are pointers) is an inline element.
 *
 * The walk also does ``_tree.prune``'s work, without removing anything: an element that prune
 * would remove (hidden, a boilerplate role, a hidden style, a class or id that reads as
 * boilerplate) is passed over with all it holds, and each block's class and id are handed back
 * for ``choose_main``. Attributes are read with lexbor's own exported functions (``bind``: their
 * addresses, found by ``_tree`` in selectolax's module), not through struct offsets; what the
 * class names mean stays in Python (``prune_ctx``). Reading them through selectolax cost a
 * Python object per element and per attribute (~0.2 ms a page of bench_filters, as much as the
 * walk itself).
 */
#include <stdbool.h>
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

typedef struct ns_node ns_node;
struct ns_node {
    void *events; /* lxb_dom_event_target_t */
    uintptr_t local_name; /* the tag id */
    uintptr_t prefix;
    uintptr_t ns;
    void *owner_document;
    ns_node *next;
    ns_node *prev;
    ns_node *parent;
    ns_node *first_child;
    ns_node *last_child;
    void *user;
    int type; /* lxb_dom_node_type_t */
};

typedef struct {
    unsigned char *data;
    size_t length;
} ns_str; /* lexbor_str_t */

typedef struct {
    ns_node node;
    ns_str data;
} ns_chardata; /* lxb_dom_character_data_t */

#define NODE_ELEMENT 1
#define NODE_TEXT 3

enum { KIND_INLINE = 0, KIND_BLOCK = 1, KIND_SKIP = 2, KIND_LINK = 3, KIND_BREAK = 4 };

/* -- growable arrays --------------------------------------------------------------------- */

typedef struct {
    void *data;
    Py_ssize_t len, cap, size;
} vec;

static int vec_grow(vec *v) {
    Py_ssize_t cap = v->cap ? 2 * v->cap : 64;
    void *data = PyMem_Realloc(v->data, (size_t)(cap * v->size));
    if (data == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    v->data = data;
    v->cap = cap;
    return 0;
}

/* ``item`` points at one element of the vector's type: ``vec_push`` copies ``sizeof *item``
   bytes, a constant where this is inlined (a call and a memcpy of ``v->size`` bytes a push were
   ~15% of the walk's own instructions). */
static inline Py_ALWAYS_INLINE int vec_push_sized(vec *v, const void *item, size_t size) {
    assert((size_t)v->size == size);
    if (v->len == v->cap && vec_grow(v)) return -1;
    memcpy((char *)v->data + (size_t)v->len * size, item, size);
    v->len++;
    return 0;
}

#define vec_push(v, item) vec_push_sized((v), (item), sizeof *(item))

#define VEC(type) {NULL, 0, 0, sizeof(type)}
#define AT(v, type, i) (((type *)(v).data)[i])

/* -- text --------------------------------------------------------------------------------- */

/* True when the UTF-8 text has a character that is not whitespace by ``str.isspace``. */
static int has_nonspace(const unsigned char *s, size_t n) {
    size_t i = 0;
    while (i < n) {
        unsigned char c = s[i];
        if (c < 0x80) {
            if (!(c == ' ' || (c >= 0x09 && c <= 0x0d) || (c >= 0x1c && c <= 0x1f))) return 1;
            i++;
            continue;
        }
        uint32_t cp;
        size_t k;
        if ((c & 0xe0) == 0xc0 && i + 1 < n) {
            cp = ((uint32_t)(c & 0x1f) << 6) | (s[i + 1] & 0x3f);
            k = 2;
        } else if ((c & 0xf0) == 0xe0 && i + 2 < n) {
            cp = ((uint32_t)(c & 0x0f) << 12) | ((uint32_t)(s[i + 1] & 0x3f) << 6) | (s[i + 2] & 0x3f);
            k = 3;
        } else {
            return 1; /* four-byte characters are never space; invalid bytes read as U+FFFD */
        }
        if (!(cp == 0x85 || cp == 0xa0 || cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200a) || cp == 0x2028
              || cp == 0x2029 || cp == 0x202f || cp == 0x205f || cp == 0x3000))
            return 1;
        i += k;
    }
    return 0;
}

/* ``_tree.nonspace``: characters other than space, newline, tab and no-break space. */
static Py_ssize_t nonspace(const unsigned char *s, size_t n) {
    Py_ssize_t chars = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = s[i];
        if ((c & 0xc0) == 0x80) continue; /* a continuation byte */
        if (c == ' ' || c == '\n' || c == '\t') continue;
        if (c == 0xc2 && i + 1 < n && s[i + 1] == 0xa0) continue; /* U+00A0 */
        chars++;
    }
    return chars;
}

/* -- squash (``_text.squash``) ----------------------------------------------------------- */

typedef struct {
    PyObject *line_edge;  /* str: what is stripped from each line */
    PyObject *edge_space; /* str: what is stripped from the result's ends */
    PyObject *join;       /* frozenset of one-character str: a line break between two is dropped */
} squash_sets;

static int in_str(Py_UCS4 c, PyObject *chars) {
    Py_ssize_t n = PyUnicode_GET_LENGTH(chars);
    int kind = PyUnicode_KIND(chars);
    const void *data = PyUnicode_DATA(chars);
    for (Py_ssize_t i = 0; i < n; i++)
        if (PyUnicode_READ(kind, data, i) == c) return 1;
    return 0;
}

static int in_join(Py_UCS4 c, PyObject *join) { /* -1 on error */
    PyObject *ch = PyUnicode_FromOrdinal((int)c);
    if (ch == NULL) return -1;
    int found = PySet_Contains(join, ch);
    Py_DECREF(ch);
    return found;
}

/* ``str.isspace`` of one character (``Py_UNICODE_ISSPACE``, without a call for each character
   past ASCII: the unit texts are mostly CJK, and that call was a sixth of the walk). */
static inline int is_space(Py_UCS4 c) {
    if (c < 128) return Py_UNICODE_ISSPACE(c);
    return c == 0x85 || c == 0xa0 || c == 0x1680 || (c >= 0x2000 && c <= 0x200a) || c == 0x2028 || c == 0x2029
           || c == 0x202f || c == 0x205f || c == 0x3000;
}

/* Character classes of the BMP for squash (one byte each, ``classes_of``): ``CLASS_PUNCT`` is 1
   so that it adds to the count as it is; a character with any other bit takes the slow way. */
#define CLASS_PUNCT 1       /* one ``punct`` marks (choose_main's _PUNCT) */
#define CLASS_SPACE 2       /* ``str.isspace`` */
#define CLASS_IDEOGRAPHIC 4 /* U+3000 and squash's placeholder for it, U+E000 */
#define CLASS_NEWLINE 8     /* '\n': lines are joined before the rest (squash's slow way) */

/* One character of UTF-8 past ASCII at ``s`` (the text followed by at least 3 zero bytes: a
   character cut short there reads a 0 where a continuation byte should be): its code point into
   ``*cp`` and how many bytes it took, or 0 when it is not well-formed (overlong forms, surrogates
   and past U+10FFFF are not). A continuation byte XOR 0x80 is below 0x40: one test for two. */
static inline Py_ALWAYS_INLINE int utf8_char(const unsigned char *s, Py_UCS4 *cp) {
    Py_UCS4 c = s[0];
    if (c - 0xe1u <= 0x0eu && c != 0xed) { /* the common case (CJK): never overlong nor a surrogate */
        Py_UCS4 t1 = s[1] ^ 0x80u, t2 = s[2] ^ 0x80u;
        if ((t1 | t2) >= 0x40) return 0;
        *cp = ((c & 0x0f) << 12) | (t1 << 6) | t2;
        return 3;
    }
    if ((c & 0xf0) == 0xe0) {
        Py_UCS4 t1 = s[1] ^ 0x80u, t2 = s[2] ^ 0x80u;
        if ((t1 | t2) >= 0x40) return 0;
        c = ((c & 0x0f) << 12) | (t1 << 6) | t2;
        if (c < 0x800 || c - 0xd800 < 0x800) return 0;
        *cp = c;
        return 3;
    }
    if (c >= 0xc2 && c <= 0xdf) {
        Py_UCS4 t1 = s[1] ^ 0x80u;
        if (t1 >= 0x40) return 0;
        *cp = ((c & 0x1f) << 6) | t1;
        return 2;
    }
    if (c >= 0xf0 && c <= 0xf4) {
        Py_UCS4 t1 = s[1] ^ 0x80u, t2 = s[2] ^ 0x80u, t3 = s[3] ^ 0x80u;
        if ((t1 | t2 | t3) >= 0x40) return 0;
        c = ((c & 0x07) << 18) | (t1 << 12) | (t2 << 6) | t3;
        if (c < 0x10000 || c > 0x10ffff) return 0;
        *cp = c;
        return 4;
    }
    return 0;
}

/* The classes of the BMP for ``punct`` (a str of BMP characters): a new table, NULL on error. */
static unsigned char *build_classes(PyObject *punct) {
    unsigned char *classes = PyMem_Calloc(0x10000, 1);
    if (classes == NULL) {
        PyErr_NoMemory();
        return NULL;
    }
    Py_ssize_t n = PyUnicode_GET_LENGTH(punct);
    for (Py_ssize_t i = 0; i < n; i++) {
        Py_UCS4 c = PyUnicode_READ_CHAR(punct, i);
        if (c > 0xffff) {
            PyMem_Free(classes);
            PyErr_SetString(PyExc_ValueError, "punctuation past the BMP");
            return NULL;
        }
        classes[c] = CLASS_PUNCT;
    }
    for (Py_UCS4 c = 0; c < 0x10000; c++) {
        if (is_space(c)) classes[c] |= CLASS_SPACE;
    }
    classes[0x3000] |= CLASS_IDEOGRAPHIC;
    classes[0xE000] |= CLASS_IDEOGRAPHIC;
    classes['\n'] |= CLASS_NEWLINE;
    return classes;
}

/* The class table of ``punct``: one made on first use and kept for the life of the module (the
   punctuation is a constant of choose_main; 64 KB, ~0.5 M instructions to build), or for another
   ``punct`` a new one into ``*own`` (the caller frees it). NULL on error. (Never written once
   made: a walk on another thread, while this one calls Python, may read the same table.) */
static unsigned char *shared_classes = NULL;
static PyObject *shared_punct = NULL;

static const unsigned char *classes_of(PyObject *punct, unsigned char **own) {
    *own = NULL;
    if (shared_punct != NULL) {
        if (punct == shared_punct) return shared_classes;
        int differ = PyUnicode_Compare(punct, shared_punct);
        if (differ == 0) return shared_classes;
        if (PyErr_Occurred()) return NULL;
        return *own = build_classes(punct);
    }
    unsigned char *classes = build_classes(punct);
    if (classes == NULL) return NULL;
    shared_classes = classes;
    shared_punct = Py_NewRef(punct);
    return classes;
}

/* The squashed text so far in ``out[0:*bn]``: what squash does with ``c``, a character of class
   ``k`` (other than 0 and ``CLASS_PUNCT``: a space, U+3000 or U+E000). A run of spaces writes
   one space, none before the first character: every ' ' written is one of these (a ' ' read is a
   space), so the last one written says a run is open (and one left at the end goes). Whether the
   text has an ideographic space is known at the first one: each U+E000 before it, written as it
   is until then, becomes U+3000 there, as squash's placeholder. */
static inline Py_ALWAYS_INLINE void squash_special(Py_UCS4 c, unsigned k, const unsigned char *classes,
                                                   Py_UCS4 *out, Py_ssize_t *bn, Py_ssize_t *spaces,
                                                   Py_ssize_t *marks, int *ideographic) {
    if (k & CLASS_IDEOGRAPHIC) {
        if (c == 0x3000 && !*ideographic) {
            *ideographic = 1;
            for (Py_ssize_t j = 0; j < *bn; j++) {
                if (out[j] == 0xE000) {
                    out[j] = 0x3000;
                    *marks += (classes[0x3000] & CLASS_PUNCT) - (classes[0xE000] & CLASS_PUNCT);
                }
            }
        }
        if (*ideographic) {
            out[(*bn)++] = 0x3000;
            *marks += classes[0x3000] & CLASS_PUNCT;
            return;
        }
    }
    if (k & CLASS_SPACE) {
        if (*bn > 0 && out[*bn - 1] != ' ') {
            out[(*bn)++] = ' ';
            ++*spaces;
        }
        return;
    }
    out[(*bn)++] = c;
    *marks += k & CLASS_PUNCT;
}

#define NOT_UTF8 (-1)
#define HAS_NEWLINE (-2)
#define FAILED (-3) /* an exception is set */

/* ``_text.squash``'s runs of whitespace -> one space, none at the ends, and its ideographic
   spaces (``squash_special``), over text decoded as it goes: ``n`` bytes of UTF-8 followed by 3
   zero bytes, into ``out`` (room for ``n``): the length, or ``NOT_UTF8`` (not well-formed), or
   ``HAS_NEWLINE`` at the first line break (``squash_lines`` then). In *spaces the spaces written,
   in *puncts the characters of ``CLASS_PUNCT``. (One pass: a decoding pass then a squashing one
   were ~60 instructions a CJK character, this is ~30.) */
static Py_ssize_t squash_utf8(const unsigned char *s, Py_ssize_t n, const unsigned char *classes, Py_UCS4 *out,
                              Py_ssize_t *spaces, Py_ssize_t *puncts) {
    Py_ssize_t i = 0, bn = 0, all_spaces = 0, marks = 0;
    int ideographic = 0;
    while (i < n) {
        Py_UCS4 c = s[i];
        if (c < 0x80) {
            i++;
        } else {
            int used = utf8_char(s + i, &c);
            if (!used) return NOT_UTF8;
            i += used;
        }
        unsigned k = c <= 0xffff ? classes[c] : 0;
        if (k <= CLASS_PUNCT) {
            out[bn++] = c;
            marks += k;
            continue;
        }
        if (k & CLASS_NEWLINE) return HAS_NEWLINE;
        squash_special(c, k, classes, out, &bn, &all_spaces, &marks, &ideographic);
    }
    if (bn > 0 && out[bn - 1] == ' ') {
        bn--;
        all_spaces--;
    }
    *spaces = all_spaces;
    *puncts = marks;
    return bn;
}

/* ``squash_utf8`` of text with line breaks: first, as squash does, each line stripped of
   ``line_edge``, empty ones dropped, the rest joined with a space, or none between two ``join``
   characters (each line decoded into ``out`` where it goes; ``out`` has room for ``n + 1``: a
   line and the space before it take no more than the line's bytes and the line break before it);
   then squashed in place (whether it has an ideographic space is a question for the joined
   text: a line's edges may have been its only ones). The length, ``NOT_UTF8`` or ``FAILED``. */
static Py_ssize_t squash_lines(const unsigned char *s, Py_ssize_t n, const squash_sets *sets,
                               const unsigned char *classes, Py_UCS4 *out, Py_ssize_t *spaces, Py_ssize_t *puncts) {
    const unsigned char *p = s, *end = s + n;
    Py_ssize_t an = 0;
    Py_UCS4 last = 0;
    while (p <= end) {
        const unsigned char *nl = memchr(p, '\n', (size_t)(end - p));
        if (nl == NULL) nl = end;
        Py_UCS4 *line = out + an + 1;
        Py_ssize_t k = 0;
        while (p < nl) { /* (a character cut by the line break reads it as a continuation byte: not one) */
            Py_UCS4 c = *p;
            if (c < 0x80) {
                p++;
            } else {
                int used = utf8_char(p, &c);
                if (!used) return NOT_UTF8;
                p += used;
            }
            line[k++] = c;
        }
        p = nl + 1;
        Py_ssize_t st = 0, e = k;
        while (st < e && in_str(line[st], sets->line_edge)) st++;
        while (e > st && in_str(line[e - 1], sets->line_edge)) e--;
        if (st == e) continue;
        if (an > 0) {
            int j1 = in_join(last, sets->join);
            int j2 = j1 < 0 ? -1 : in_join(line[st], sets->join);
            if (j2 < 0) return FAILED;
            if (!(j1 && j2)) out[an++] = ' ';
        }
        memmove(out + an, line + st, (size_t)(e - st) * sizeof(Py_UCS4));
        an += e - st;
        last = out[an - 1];
    }
    Py_ssize_t bn = 0, all_spaces = 0, marks = 0;
    int ideographic = 0;
    for (Py_ssize_t i = 0; i < an; i++) { /* (writes behind where it reads) */
        Py_UCS4 c = out[i];
        unsigned k = c <= 0xffff ? classes[c] : 0;
        if (k <= CLASS_PUNCT) {
            out[bn++] = c;
            marks += k;
        } else {
            squash_special(c, k, classes, out, &bn, &all_spaces, &marks, &ideographic);
        }
    }
    if (bn > 0 && out[bn - 1] == ' ') {
        bn--;
        all_spaces--;
    }
    *spaces = all_spaces;
    *puncts = marks;
    return bn;
}

/* ``_text.squash`` of the text in ``nbytes`` bytes of UTF-8 (followed by 3 zero bytes), and in
   *spaces how many spaces it holds, in *puncts how many of its characters ``classes`` marks
   ``CLASS_PUNCT``; NULL on error. ``in``: room for ``nbytes + 1`` code points, squash's own. */
static PyObject *squash(const unsigned char *bytes, Py_ssize_t nbytes, const squash_sets *sets,
                        const unsigned char *classes, Py_UCS4 *in, Py_ssize_t *spaces, Py_ssize_t *puncts) {
    PyObject *result = NULL;
    Py_ssize_t all_spaces = 0;
    Py_ssize_t bn = squash_utf8(bytes, nbytes, classes, in, &all_spaces, puncts);
    if (bn == HAS_NEWLINE) bn = squash_lines(bytes, nbytes, sets, classes, in, &all_spaces, puncts);
    if (bn == NOT_UTF8) { /* as Python decodes it, with U+FFFD: that text's UTF-8, squashed */
        PyObject *text = PyUnicode_DecodeUTF8((const char *)bytes, nbytes, "replace");
        if (text == NULL) return NULL;
        Py_ssize_t n;
        const char *utf8 = PyUnicode_AsUTF8AndSize(text, &n);
        char *padded = utf8 == NULL ? NULL : PyMem_Malloc((size_t)n + 3);
        Py_UCS4 *room = padded == NULL ? NULL : PyMem_Malloc(((size_t)n + 1) * sizeof(Py_UCS4));
        if (room != NULL) {
            memcpy(padded, utf8, (size_t)n);
            memset(padded + n, 0, 3);
            result = squash((const unsigned char *)padded, n, sets, classes, room, spaces, puncts);
        } else if (utf8 != NULL) {
            PyErr_NoMemory();
        }
        PyMem_Free(padded);
        PyMem_Free(room);
        Py_DECREF(text);
        return result;
    }
    if (bn >= 0) {
        /* the ends: edge characters go (spaces among them; never punctuation) */
        Py_ssize_t s = 0, e = bn;
        while (s < e && in_str(in[s], sets->edge_space)) all_spaces -= in[s++] == ' ';
        while (e > s && in_str(in[e - 1], sets->edge_space)) all_spaces -= in[--e] == ' ';
        *spaces = all_spaces;
        result = PyUnicode_FromKindAndData(PyUnicode_4BYTE_KIND, in + s, e - s);
    }
    return result;
}

/* -- attributes, through lexbor's exported functions (``bind``) ------------------------------ */

typedef void *(*attr_first_fn)(void *element);
typedef void *(*attr_next_fn)(void *attr);
typedef const unsigned char *(*attr_str_fn)(void *attr, size_t *length);

static attr_first_fn lxb_first_attribute = NULL; /* lxb_dom_element_first_attribute_noi */
static attr_next_fn lxb_next_attribute = NULL;   /* lxb_dom_element_next_attribute_noi */
static attr_str_fn lxb_attr_local_name = NULL;   /* lxb_dom_attr_local_name_noi */
static attr_str_fn lxb_attr_value = NULL;        /* lxb_dom_attr_value_noi */

static PyObject *bind(PyObject *self, PyObject *args) {
    unsigned long long first, next, name, value;
    if (!PyArg_ParseTuple(args, "KKKK", &first, &next, &name, &value)) return NULL;
    if (!first || !next || !name || !value) {
        PyErr_SetString(PyExc_ValueError, "a lexbor function address is 0");
        return NULL;
    }
    lxb_first_attribute = (attr_first_fn)(uintptr_t)first;
    lxb_next_attribute = (attr_next_fn)(uintptr_t)next;
    lxb_attr_local_name = (attr_str_fn)(uintptr_t)name;
    lxb_attr_value = (attr_str_fn)(uintptr_t)value;
    Py_RETURN_NONE;
}

/* The node at ``root_id`` for a pass that reads attributes: NULL (an exception set) when ``bind``
   has not run or the id is 0. */
static ns_node *bound_root(unsigned long long root_id) {
    if (lxb_first_attribute == NULL) {
        PyErr_SetString(PyExc_RuntimeError, "bind() the lexbor attribute functions first");
        return NULL;
    }
    if (root_id == 0) {
        PyErr_SetString(PyExc_ValueError, "no root node");
        return NULL;
    }
    return (ns_node *)(uintptr_t)root_id;
}

typedef struct {
    const unsigned char *data; /* NULL with length 0: absent, or present without a value */
    size_t length;
    int present;
} attr_value;

typedef struct {
    attr_value cls, id, style, role, href;
    int hidden;
} element_attrs;

static int name_is(const unsigned char *name, size_t n, const char *want) {
    return n == strlen(want) && memcmp(name, want, n) == 0;
}

/* The attributes the walk reads, in one pass over the element's list (lexbor keeps the first
   of two attributes of one name, as selectolax's ``attributes`` shows it). */
static void read_attrs(ns_node *element, element_attrs *a) {
    memset(a, 0, sizeof *a);
    for (void *attr = lxb_first_attribute(element); attr != NULL; attr = lxb_next_attribute(attr)) {
        size_t n = 0;
        const unsigned char *name = lxb_attr_local_name(attr, &n);
        if (name == NULL) continue;
        attr_value *slot = NULL;
        if (name_is(name, n, "class")) slot = &a->cls;
        else if (name_is(name, n, "id")) slot = &a->id;
        else if (name_is(name, n, "style")) slot = &a->style;
        else if (name_is(name, n, "role")) slot = &a->role;
        else if (name_is(name, n, "href")) slot = &a->href;
        else if (name_is(name, n, "hidden")) a->hidden = 1;
        if (slot == NULL || slot->present) continue;
        slot->present = 1;
        slot->data = lxb_attr_value(attr, &slot->length);
        if (slot->data == NULL) slot->length = 0;
    }
}

static PyObject *decode_value(const attr_value *v) {
    return PyUnicode_DecodeUTF8(v->data ? (const char *)v->data : "", (Py_ssize_t)v->length, "replace");
}

/* ``word`` (lower case) at the start of ``s``, ASCII letters of any case */
static int follows(const unsigned char *s, size_t n, const char *word) {
    size_t k = 0;
    while (k < n && word[k] && (s[k] | 0x20) == (unsigned char)word[k]) k++;
    return word[k] == 0;
}

/* Could ``_tree._hidden_style`` say yes? Its first test, ``"isplay"`` or ``"isibility"`` in the
   lower-cased style, on ASCII; a style with any other byte goes to Python (lower-casing there
   can make ASCII letters of non-ASCII ones). */
static int style_may_hide(const attr_value *v) {
    const unsigned char *s = v->data;
    size_t n = v->length;
    for (size_t i = 0; i < n; i++) { /* (one pass for both words) */
        if (s[i] >= 0x80) return 1;
        if ((s[i] | 0x20) != 'i') continue;
        if (follows(s + i + 1, n - i - 1, "splay") || follows(s + i + 1, n - i - 1, "sibility")) return 1;
    }
    return 0;
}

typedef struct {
    int by_class;       /* prune(by_class=...) */
    PyObject *cache;    /* dict: "class id" -> bool, _tree._unlikely_cache */
    PyObject *unlikely; /* callable(name) -> bool: _tree._is_unlikely (fills the cache) */
    PyObject *hides;    /* callable(role, style) -> bool: role or style hides the element */
    PyObject *href_of;  /* callable(raw href) -> str: _tree._href_value ('' for none) */
    PyObject *owned;    /* list: keeps the hrefs alive while frames point at them */
} prune_ctx;

#define FLAG_NEVER_UNLIKELY 0x10 /* kinds[]: a tag _tree._NEVER_UNLIKELY names */
#define FLAG_H1 0x20             /* kinds[]: h1, never pruned */
#define FLAG_PARAGRAPH 0x40      /* kinds[]: a tag _tree.PARAGRAPH_TAGS names */
#define KIND_MASK 0x0f

static PyObject *name_of(const element_attrs *a) {
    Py_ssize_t n = (Py_ssize_t)(a->cls.length + 1 + a->id.length);
    char *buf = PyMem_Malloc((size_t)n);
    if (buf == NULL) return PyErr_NoMemory();
    if (a->cls.length) memcpy(buf, a->cls.data, a->cls.length);
    buf[a->cls.length] = ' ';
    if (a->id.length) memcpy(buf + a->cls.length + 1, a->id.data, a->id.length);
    PyObject *name = PyUnicode_DecodeUTF8(buf, n, "replace");
    PyMem_Free(buf);
    return name;
}

/* ``name.strip()`` */
static PyObject *strip(PyObject *name) {
    Py_ssize_t s = 0, e = PyUnicode_GET_LENGTH(name);
    while (s < e && Py_UNICODE_ISSPACE(PyUnicode_READ_CHAR(name, s))) s++;
    while (e > s && Py_UNICODE_ISSPACE(PyUnicode_READ_CHAR(name, e - 1))) e--;
    return PyUnicode_Substring(name, s, e);
}

static int truth_of_call(PyObject *fn, PyObject *a, PyObject *b) {
    PyObject *r = b == NULL ? PyObject_CallOneArg(fn, a) : PyObject_CallFunctionObjArgs(fn, a, b, NULL);
    if (r == NULL) return -1;
    int t = PyObject_IsTrue(r);
    Py_DECREF(r);
    return t;
}

/* ``_tree.prune``'s verdict on one element: 1 pass it over, 0 keep it, -1 error. For a kept
   block, ``*name`` is its stripped "class id" (a new reference) when it has one. */
static int pruned(ns_node *element, int flags, int root, int block, const element_attrs *a, const prune_ctx *ctx,
                  PyObject **name) {
    *name = NULL;
    int exempt = root || (flags & FLAG_H1); /* the walk's root and h1s are never pruned */
    if (!exempt) {
        if (a->hidden) return 1;
        if (a->role.length || (a->style.length && style_may_hide(&a->style))) {
            PyObject *role = a->role.length ? decode_value(&a->role) : Py_NewRef(Py_None);
            if (role == NULL) return -1;
            PyObject *style = a->style.length ? decode_value(&a->style) : Py_NewRef(Py_None);
            int hides = style == NULL ? -1 : truth_of_call(ctx->hides, role, style);
            Py_DECREF(role);
            Py_XDECREF(style);
            if (hides) return hides; /* 1, or -1 */
        }
    }
    if (!a->cls.length && !a->id.length) return 0; /* "class id" of one space: nothing to read */
    int check = !exempt && ctx->by_class && !(flags & FLAG_NEVER_UNLIKELY);
    if (!check && !block) return 0;
    PyObject *full = name_of(a);
    if (full == NULL) return -1;
    if (check) {
        PyObject *hit = PyDict_GetItemWithError(ctx->cache, full);
        int unlikely = hit != NULL ? PyObject_IsTrue(hit)
                       : PyErr_Occurred() ? -1 : truth_of_call(ctx->unlikely, full, NULL);
        if (unlikely) {
            Py_DECREF(full);
            return unlikely;
        }
    }
    if (block) {
        *name = strip(full);
        Py_DECREF(full);
        return *name == NULL ? -1 : 0;
    }
    Py_DECREF(full);
    return 0;
}

static PyObject *javascript_prefix(void) {
    static PyObject *prefix = NULL; /* made once, kept for the life of the module */
    if (prefix == NULL) prefix = PyUnicode_InternFromString("javascript:");
    return prefix;
}

/* ``_tree._href_value(raw, None)``: the href stripped, '' for none, a script or an anchor on the
   page (without a page URL there is nothing to join it to: no call into Python a link). */
static PyObject *href_as_is(PyObject *raw) {
    Py_ssize_t s = 0, e = PyUnicode_GET_LENGTH(raw);
    while (s < e && Py_UNICODE_ISSPACE(PyUnicode_READ_CHAR(raw, s))) s++;
    while (e > s && Py_UNICODE_ISSPACE(PyUnicode_READ_CHAR(raw, e - 1))) e--;
    PyObject *href = PyUnicode_Substring(raw, s, e);
    if (href == NULL) return NULL;
    Py_ssize_t n = PyUnicode_GET_LENGTH(href);
    int script = n >= 11 && PyUnicode_Tailmatch(href, javascript_prefix(), 0, n, -1) == 1;
    if (n == 0 || script || PyUnicode_READ_CHAR(href, 0) == '#') {
        Py_DECREF(href);
        return PyUnicode_FromStringAndSize("", 0);
    }
    return href;
}

/* -- scoring (``_tree.choose_main``'s first loop) ------------------------------------------- */

typedef struct {
    Py_ssize_t min_unit_chars;   /* MIN_UNIT_CHARS */
    double max_link_density;     /* MAX_SCORED_LINK_DENSITY */
    double chars_per_point;      /* PARAGRAPH_CHARS_PER_POINT */
    double max_points;           /* MAX_LENGTH_POINTS */
    PyObject *punct;             /* str: the characters _PUNCT matches */
} scoring;

/* -- the walk ----------------------------------------------------------------------------- */

typedef struct {
    ns_node *next;
    Py_ssize_t owner;
    int in_link;
    PyObject *href; /* borrowed from prune_ctx.owned; NULL: no usable href */
} frame;

typedef struct {
    Py_ssize_t owner;
    Py_ssize_t bytes;
    Py_ssize_t link_chars;
    PyObject *links; /* a new list, or NULL */
    PyObject *last; /* borrowed: the last href appended */
} unit;

typedef struct {
    Py_ssize_t unit;
    const unsigned char *data;
    size_t length;
} piece;

static PyObject *walk(PyObject *self, PyObject *args) {
    unsigned long long root_id;
    const unsigned char *kinds;
    Py_ssize_t nkinds;
    PyTypeObject *unit_type;
    prune_ctx ctx;
    squash_sets sets;
    scoring sc;
    PyObject *tag_names;
    if (!PyArg_ParseTuple(args, "Ky#O!O!pO!OOOUUO(ndddU)", &root_id, &kinds, &nkinds, &PyList_Type, &tag_names,
                          &PyType_Type, &unit_type, &ctx.by_class, &PyDict_Type, &ctx.cache, &ctx.unlikely,
                          &ctx.hides, &ctx.href_of, &sets.line_edge, &sets.edge_space, &sets.join,
                          &sc.min_unit_chars, &sc.max_link_density, &sc.chars_per_point, &sc.max_points, &sc.punct))
        return NULL;
    if (!PyAnySet_Check(sets.join)) {
        PyErr_SetString(PyExc_TypeError, "join must be a set of characters");
        return NULL;
    }
    /* units are made as instances of ``unit_type`` (``_tree.Unit``, a named tuple of 5) */
    if (!PyType_IsSubtype(unit_type, &PyTuple_Type) || unit_type->tp_basicsize != PyTuple_Type.tp_basicsize
        || unit_type->tp_itemsize != PyTuple_Type.tp_itemsize) {
        PyErr_SetString(PyExc_TypeError, "unit_type must be a tuple subclass without slots");
        return NULL;
    }
    ns_node *root = bound_root(root_id);
    if (root == NULL) return NULL;
    unsigned char *own_classes;
    const unsigned char *classes = classes_of(sc.punct, &own_classes);
    if (classes == NULL) return NULL;
    if ((ctx.owned = PyList_New(0)) == NULL) {
        PyMem_Free(own_classes);
        return NULL;
    }

    vec parents = VEC(Py_ssize_t), tags = VEC(uintptr_t), ids = VEC(uintptr_t), seg = VEC(Py_ssize_t);
    vec units = VEC(unit), pieces = VEC(piece), stack = VEC(frame);
    PyObject *result = NULL, *names = NULL;

    Py_ssize_t minus_one = -1;
    uintptr_t root_tag = root->local_name, root_ptr = (uintptr_t)root;
    if (vec_push(&parents, &minus_one) || vec_push(&tags, &root_tag) || vec_push(&ids, &root_ptr)
        || vec_push(&seg, &minus_one))
        goto done;
    if ((names = PyList_New(0)) == NULL) goto done;
    {
        element_attrs a;
        PyObject *name;
        read_attrs(root, &a);
        if (pruned(root, 0, 1, 1, &a, &ctx, &name) < 0) goto done;
        int failed = PyList_Append(names, name ? name : Py_None);
        Py_XDECREF(name);
        if (failed) goto done;
    }

    ns_node *node = root->first_child;
    Py_ssize_t owner = 0;
    int in_link = 0;
    PyObject *href = NULL;
    for (;;) {
        if (node == NULL) {
            if (stack.len == 0) break;
            frame f = AT(stack, frame, --stack.len);
            node = f.next;
            owner = f.owner;
            in_link = f.in_link;
            href = f.href;
            continue;
        }
        __builtin_prefetch(node->next); /* (the walk waits on memory more than it computes) */
        if (node->type == NODE_TEXT) {
            ns_str *text = &((ns_chardata *)node)->data;
            if (text->data != NULL && text->length && has_nonspace(text->data, text->length)) {
                Py_ssize_t u = AT(seg, Py_ssize_t, owner);
                if (u < 0) {
                    unit fresh = {owner, 0, 0, NULL, NULL};
                    if (vec_push(&units, &fresh)) goto done;
                    u = AT(seg, Py_ssize_t, owner) = units.len - 1;
                }
                piece p = {u, text->data, text->length};
                if (vec_push(&pieces, &p)) goto done;
                unit *un = &AT(units, unit, u);
                un->bytes += (Py_ssize_t)text->length;
                if (in_link) {
                    un->link_chars += nonspace(text->data, text->length);
                    if (href != NULL && PyUnicode_GET_LENGTH(href) > 0) {
                        int same = 0;
                        if (un->last != NULL) {
                            same = PyUnicode_Compare(un->last, href) == 0;
                            if (!same && PyErr_Occurred()) goto done;
                        }
                        if (!same) {
                            if (un->links == NULL && (un->links = PyList_New(0)) == NULL) goto done;
                            if (PyList_Append(un->links, href)) goto done;
                            un->last = href;
                        }
                    }
                }
            }
            node = node->next;
            continue;
        }
        if (node->type != NODE_ELEMENT) { /* comments, doctypes: nothing of the article */
            node = node->next;
            continue;
        }
        uintptr_t tag = node->local_name;
        int flags = tag < (uintptr_t)nkinds ? kinds[tag] : KIND_INLINE;
        int kind = flags & KIND_MASK;
        if (kind == KIND_SKIP) {
            node = node->next;
            continue;
        }
        element_attrs a;
        PyObject *name = NULL;
        read_attrs(node, &a);
        int drop = pruned(node, flags, 0, kind == KIND_BLOCK, &a, &ctx, &name);
        if (drop < 0) goto done;
        if (drop) {
            node = node->next;
            continue;
        }
        Py_ssize_t child_owner = owner;
        int child_in_link = in_link;
        PyObject *child_href = href;
        if (kind == KIND_BLOCK) {
            child_owner = tags.len;
            uintptr_t ptr = (uintptr_t)node;
            int failed = PyList_Append(names, name ? name : Py_None);
            Py_XDECREF(name);
            if (failed || vec_push(&tags, &tag) || vec_push(&parents, &owner) || vec_push(&ids, &ptr)
                || vec_push(&seg, &minus_one))
                goto done;
            AT(seg, Py_ssize_t, owner) = -1; /* text after this block is a new unit of the parent */
        } else if (kind == KIND_LINK) {
            child_href = NULL;
            if (a.href.present) {
                PyObject *raw = decode_value(&a.href);
                PyObject *value = raw == NULL ? NULL
                                  : ctx.href_of == Py_None ? href_as_is(raw)
                                                           : PyObject_CallOneArg(ctx.href_of, raw);
                Py_XDECREF(raw);
                if (value == NULL) goto done;
                if (!PyUnicode_Check(value)) {
                    Py_DECREF(value);
                    PyErr_SetString(PyExc_TypeError, "href_of must return str");
                    goto done;
                }
                int failed = PyUnicode_GET_LENGTH(value) > 0 && PyList_Append(ctx.owned, value);
                if (PyUnicode_GET_LENGTH(value) > 0) child_href = value; /* owned keeps it alive */
                Py_DECREF(value);
                if (failed) goto done;
            }
            child_in_link = 1;
        } else if (kind == KIND_BREAK) {
            AT(seg, Py_ssize_t, owner) = -1;
        }
        if (node->first_child != NULL) {
            frame f = {node->next, owner, in_link, href};
            if (vec_push(&stack, &f)) goto done;
            node = node->first_child;
            owner = child_owner;
            in_link = child_in_link;
            href = child_href;
        } else {
            node = node->next;
        }
    }

    /* the units: their pieces joined in order, squashed; the empty ones dropped. Then each
       block's totals over its subtree (``_tree._totals``) and the last block of its subtree. */
    {
        Py_ssize_t nunits = units.len, nblocks = tags.len;
        /* the units' bytes one after the other in one buffer, each followed by squash's 3 zero bytes;
           one buffer of code points for squash, as long as the longest needs (two allocations a
           unit were ~5% of the walk's instructions) */
        Py_ssize_t *start = PyMem_Calloc((size_t)(nunits + 1), sizeof(Py_ssize_t));
        Py_ssize_t *fill = PyMem_Calloc((size_t)(nunits ? nunits : 1), sizeof(Py_ssize_t));
        char *bytes = NULL;
        Py_UCS4 *scratch = NULL;
        Py_ssize_t *totals = PyMem_Calloc((size_t)(3 * nblocks + 1), sizeof(Py_ssize_t));
        Py_ssize_t *ends = PyMem_Calloc((size_t)(nblocks + 1), sizeof(Py_ssize_t));
        double *score = PyMem_Calloc((size_t)(nblocks + 1), sizeof(double));
        PyObject *out_units = NULL, *lists[8] = {NULL};
        if (start == NULL || fill == NULL || totals == NULL || ends == NULL || score == NULL) {
            PyErr_NoMemory();
            goto text_done;
        }
        Py_ssize_t *chars = totals, *link_chars = totals + nblocks, *nlinks = totals + 2 * nblocks;
        Py_ssize_t longest = 0;
        for (Py_ssize_t u = 0; u < nunits; u++) {
            Py_ssize_t n = AT(units, unit, u).bytes;
            fill[u] = start[u];
            start[u + 1] = start[u] + n + 3;
            if (n > longest) longest = n;
        }
        bytes = PyMem_Malloc((size_t)start[nunits] + 1);
        scratch = PyMem_Malloc(((size_t)longest + 1) * sizeof(Py_UCS4));
        if (bytes == NULL || scratch == NULL) {
            PyErr_NoMemory();
            goto text_done;
        }
        for (Py_ssize_t k = 0; k < pieces.len; k++) {
            piece *p = &AT(pieces, piece, k);
            memcpy(bytes + fill[p->unit], p->data, p->length);
            fill[p->unit] += (Py_ssize_t)p->length;
        }
        out_units = PyList_New(0);
        if (out_units == NULL) goto text_done;
        for (Py_ssize_t u = 0; u < nunits; u++) {
            unit *un = &AT(units, unit, u);
            Py_ssize_t spaces = 0;
            Py_ssize_t puncts = 0;
            memset(bytes + fill[u], 0, 3);
            PyObject *text = squash((const unsigned char *)bytes + start[u], fill[u] - start[u], &sets, classes,
                                    scratch, &spaces, &puncts);
            if (text == NULL) goto text_done;
            Py_ssize_t length = PyUnicode_GET_LENGTH(text);
            if (length == 0) {
                Py_DECREF(text);
                continue;
            }
            Py_ssize_t unit_chars = length - spaces; /* == nonspace(text): only single spaces are left */
            Py_ssize_t unit_link_chars = un->link_chars < unit_chars ? un->link_chars : unit_chars;
            PyObject *links = un->links ? un->links : Py_None;
            PyObject *item = unit_type->tp_alloc(unit_type, 5);
            PyObject *values[5] = {PyLong_FromSsize_t(un->owner), text, PyLong_FromSsize_t(unit_chars),
                                   PyLong_FromSsize_t(unit_link_chars), Py_NewRef(links)};
            int failed = item == NULL;
            for (int k = 0; k < 5; k++) {
                if (values[k] == NULL) failed = 1;
            }
            if (failed) {
                for (int k = 0; k < 5; k++) Py_XDECREF(values[k]);
                Py_XDECREF(item);
                goto text_done;
            }
            for (int k = 0; k < 5; k++) PyTuple_SET_ITEM(item, k, values[k]);
            if (PyList_Append(out_units, item)) {
                Py_DECREF(item);
                goto text_done;
            }
            Py_DECREF(item);
            chars[un->owner] += unit_chars;
            link_chars[un->owner] += unit_link_chars;
            nlinks[un->owner] += un->links ? PyList_GET_SIZE(un->links) : 0;
            /* choose_main's score, in its order of operations (the same doubles) */
            if (unit_chars < sc.min_unit_chars || (double)unit_link_chars > sc.max_link_density * (double)unit_chars)
                continue;
            double length_points = (double)unit_chars / sc.chars_per_point;
            if (length_points > sc.max_points) length_points = sc.max_points;
            double points = (double)(1 + puncts) + length_points;
            Py_ssize_t cand = un->owner;
            Py_ssize_t up = AT(parents, Py_ssize_t, cand);
            uintptr_t cand_tag = AT(tags, uintptr_t, cand);
            int paragraph = cand_tag < (uintptr_t)nkinds && (kinds[cand_tag] & FLAG_PARAGRAPH);
            if (paragraph && up >= 0) cand = up;
            score[cand] += points;
            cand = AT(parents, Py_ssize_t, cand);
            if (cand >= 0) {
                score[cand] += points / 2;
                cand = AT(parents, Py_ssize_t, cand);
                if (cand >= 0) score[cand] += points / 3;
            }
        }
        for (Py_ssize_t i = 0; i < nblocks; i++) ends[i] = i;
        for (Py_ssize_t i = nblocks - 1; i > 0; i--) {
            Py_ssize_t q = AT(parents, Py_ssize_t, i);
            chars[q] += chars[i];
            link_chars[q] += link_chars[i];
            nlinks[q] += nlinks[i];
            if (ends[i] > ends[q]) ends[q] = ends[i];
        }
        /* (no list of node ids: nothing reads them after a C walk) */
        for (int k = 0; k < 8; k++) {
            if ((lists[k] = PyList_New(k == 2 ? 0 : nblocks)) == NULL) goto text_done;
        }
        PyObject *zero = PyFloat_FromDouble(0.0); /* most blocks score nothing: one float for them */
        if (zero == NULL) goto text_done;
        Py_ssize_t nnames = PyList_GET_SIZE(tag_names);
        for (Py_ssize_t i = 0; i < nblocks; i++) {
            uintptr_t tag = AT(tags, uintptr_t, i);
            PyObject *tag_name = tag < (uintptr_t)nnames ? PyList_GET_ITEM(tag_names, (Py_ssize_t)tag) : Py_None;
            PyObject *values[8] = {
                Py_NewRef(tag_name),          PyLong_FromSsize_t(AT(parents, Py_ssize_t, i)),
                NULL,                         PyLong_FromSsize_t(ends[i]),
                PyLong_FromSsize_t(chars[i]), PyLong_FromSsize_t(link_chars[i]),
                PyLong_FromSsize_t(nlinks[i]), score[i] == 0.0 ? Py_NewRef(zero) : PyFloat_FromDouble(score[i]),
            };
            /* (spelled out: two loops over the 8 were a tenth of the walk's own instructions) */
            if (values[1] == NULL || values[3] == NULL || values[4] == NULL || values[5] == NULL
                || values[6] == NULL || values[7] == NULL) {
                for (int k = 0; k < 8; k++) Py_XDECREF(values[k]);
                Py_DECREF(zero);
                goto text_done;
            }
            PyList_SET_ITEM(lists[0], i, values[0]);
            PyList_SET_ITEM(lists[1], i, values[1]);
            PyList_SET_ITEM(lists[3], i, values[3]);
            PyList_SET_ITEM(lists[4], i, values[4]);
            PyList_SET_ITEM(lists[5], i, values[5]);
            PyList_SET_ITEM(lists[6], i, values[6]);
            PyList_SET_ITEM(lists[7], i, values[7]);
        }
        Py_DECREF(zero);
        result = Py_BuildValue("(OOOOOOOOOO)", lists[0], lists[1], lists[2], lists[3], out_units, lists[4], lists[5],
                               lists[6], names, lists[7]);
    text_done:
        Py_XDECREF(out_units);
        for (int k = 0; k < 8; k++) Py_XDECREF(lists[k]);
        PyMem_Free(start);
        PyMem_Free(fill);
        PyMem_Free(bytes);
        PyMem_Free(scratch);
        PyMem_Free(totals);
        PyMem_Free(ends);
        PyMem_Free(score);
    }

done:
    Py_XDECREF(names);
    Py_DECREF(ctx.owned);
    for (Py_ssize_t u = 0; u < units.len; u++) Py_XDECREF(AT(units, unit, u).links);
    PyMem_Free(parents.data);
    PyMem_Free(tags.data);
    PyMem_Free(ids.data);
    PyMem_Free(seg.data);
    PyMem_Free(units.data);
    PyMem_Free(pieces.data);
    PyMem_Free(stack.data);
    PyMem_Free(own_classes);
    return result;
}

/* -- the head of a page and its h1s (``extract._head``, ``_tree._h1_texts``) ------------------ */

#define FLAG_JUNK 0x80 /* kinds[]: a tag _text.patterns().junk_tags names */

/* The value of the attribute ``name`` of an element as a str ('' when it has none or no value). */
static PyObject *attr_str(ns_node *element, const char *name) {
    for (void *attr = lxb_first_attribute(element); attr != NULL; attr = lxb_next_attribute(attr)) {
        size_t n = 0;
        const unsigned char *local = lxb_attr_local_name(attr, &n);
        if (local == NULL || !name_is(local, n, name)) continue;
        attr_value v = {NULL, 0, 1};
        v.data = lxb_attr_value(attr, &v.length);
        if (v.data == NULL) v.length = 0;
        return decode_value(&v);
    }
    return PyUnicode_FromStringAndSize("", 0);
}

static int has_attr(ns_node *element, const char *name) {
    for (void *attr = lxb_first_attribute(element); attr != NULL; attr = lxb_next_attribute(attr)) {
        size_t n = 0;
        const unsigned char *local = lxb_attr_local_name(attr, &n);
        if (local != NULL && name_is(local, n, name)) return 1;
    }
    return 0;
}

/* The text of ``element``'s subtree (its text nodes, in order) into ``buf``; with ``ctx``, without
   the subtrees of junk elements and of those ``prune`` removes (not h1s): an h1's text as
   ``_tree._h1_texts`` reads it. 0, or -1 on error. */
static int subtree_text(ns_node *element, const unsigned char *kinds, Py_ssize_t nkinds, const prune_ctx *ctx,
                        vec *buf) {
    vec stack = VEC(ns_node *);
    ns_node *node = element->first_child;
    int failed = 0;
    for (;;) {
        if (node == NULL) {
            if (stack.len == 0) break;
            node = AT(stack, ns_node *, --stack.len);
            continue;
        }
        if (node->type == NODE_TEXT) {
            ns_str *text = &((ns_chardata *)node)->data;
            for (size_t k = 0; text->data != NULL && k < text->length; k++) {
                if (vec_push(buf, &text->data[k])) {
                    failed = 1;
                    break;
                }
            }
            if (failed) break;
        } else if (node->type == NODE_ELEMENT) {
            uintptr_t tag = node->local_name;
            int flags = tag < (uintptr_t)nkinds ? kinds[tag] : KIND_INLINE;
            int enter = 1;
            if (ctx != NULL) {
                if (flags & FLAG_JUNK) {
                    enter = 0;
                } else {
                    element_attrs a;
                    PyObject *name = NULL;
                    read_attrs(node, &a);
                    int drop = pruned(node, flags, 0, 0, &a, ctx, &name);
                    if (drop < 0) {
                        failed = 1;
                        break;
                    }
                    enter = !drop;
                }
            }
            if (enter && node->first_child != NULL) {
                if (vec_push(&stack, &node->next)) {
                    failed = 1;
                    break;
                }
                node = node->first_child;
                continue;
            }
        }
        node = node->next;
    }
    PyMem_Free(stack.data);
    return failed ? -1 : 0;
}

static PyObject *text_of(ns_node *element, const unsigned char *kinds, Py_ssize_t nkinds, const prune_ctx *ctx) {
    vec buf = VEC(unsigned char);
    if (subtree_text(element, kinds, nkinds, ctx, &buf) < 0) {
        PyMem_Free(buf.data);
        return NULL;
    }
    PyObject *text = PyUnicode_DecodeUTF8(buf.data ? (const char *)buf.data : "", buf.len, "replace");
    PyMem_Free(buf.data);
    return text;
}

/* heads(root_id, kinds, title_id, meta_id, time_id, by_class, unlikely_cache, unlikely, hides)
   -> (titles, metas, times, h1s), in document order over the whole tree under the root: the texts
   of the title elements; (property, name, itemprop, content) of the meta elements with a content
   attribute; the datetime of the time elements with one; the texts of the h1s that are not
   inside junk, without junk and what prune removes inside them. What ``extract._head`` and
   ``_tree._h1_texts`` read with two CSS selections over the page (~120 us a page of
   bench_filters: lexbor tries each selector on every element), in one pass. */
static PyObject *heads(PyObject *self, PyObject *args) {
    unsigned long long root_id;
    const unsigned char *kinds;
    Py_ssize_t nkinds;
    unsigned long long title_id, meta_id, time_id;
    prune_ctx ctx = {0};
    if (!PyArg_ParseTuple(args, "Ky#KKKpO!OO", &root_id, &kinds, &nkinds, &title_id, &meta_id, &time_id,
                          &ctx.by_class, &PyDict_Type, &ctx.cache, &ctx.unlikely, &ctx.hides))
        return NULL;
    ns_node *root = bound_root(root_id);
    if (root == NULL) return NULL;
    PyObject *lists[4] = {PyList_New(0), PyList_New(0), PyList_New(0), PyList_New(0)};
    PyObject *result = NULL;
    typedef struct {
        ns_node *next;
        int junk; /* inside a junk element */
    } hframe;
    vec stack = VEC(hframe);
    for (int k = 0; k < 4; k++) {
        if (lists[k] == NULL) goto done;
    }
    ns_node *node = root;
    int junk = 0;
    for (;;) {
        if (node == NULL) {
            if (stack.len == 0) break;
            hframe f = AT(stack, hframe, --stack.len);
            node = f.next;
            junk = f.junk;
            continue;
        }
        __builtin_prefetch(node->next); /* (the pass waits on memory more than it computes: 52 -> 41 us) */
        if (node->type != NODE_ELEMENT) {
            node = node == root ? NULL : node->next;
            continue;
        }
        __builtin_prefetch(node->first_child);
        uintptr_t tag = node->local_name;
        int flags = tag < (uintptr_t)nkinds ? kinds[tag] : KIND_INLINE;
        PyObject *item = NULL;
        PyObject *into = NULL;
        if (tag == title_id) {
            item = text_of(node, kinds, nkinds, NULL);
            into = lists[0];
        } else if (tag == meta_id && has_attr(node, "content")) {
            item = Py_BuildValue("(NNNN)", attr_str(node, "property"), attr_str(node, "name"),
                                 attr_str(node, "itemprop"), attr_str(node, "content"));
            into = lists[1];
        } else if (tag == time_id && has_attr(node, "datetime")) {
            item = attr_str(node, "datetime");
            into = lists[2];
        } else if ((flags & FLAG_H1) && !junk) {
            item = text_of(node, kinds, nkinds, &ctx);
            into = lists[3];
        }
        if (into != NULL) {
            int failed = item == NULL || PyList_Append(into, item);
            Py_XDECREF(item);
            if (failed) goto done;
        }
        if (node->first_child != NULL) {
            hframe f = {node == root ? NULL : node->next, junk}; /* (not the root's siblings) */
            if (vec_push(&stack, &f)) goto done;
            junk = junk || (flags & FLAG_JUNK);
            node = node->first_child;
        } else {
            node = node == root ? NULL : node->next;
        }
    }
    result = PyTuple_Pack(4, lists[0], lists[1], lists[2], lists[3]);
done:
    for (int k = 0; k < 4; k++) Py_XDECREF(lists[k]);
    PyMem_Free(stack.data);
    return result;
}

static PyObject *layout(PyObject *self, PyObject *unused) {
    return Py_BuildValue(
        "{s:n,s:n,s:n,s:n,s:n,s:n,s:n,s:n}",
        "local_name", (Py_ssize_t)offsetof(ns_node, local_name),
        "next", (Py_ssize_t)offsetof(ns_node, next),
        "parent", (Py_ssize_t)offsetof(ns_node, parent),
        "first_child", (Py_ssize_t)offsetof(ns_node, first_child),
        "type", (Py_ssize_t)offsetof(ns_node, type),
        "type_size", (Py_ssize_t)sizeof(int),
        "text_data", (Py_ssize_t)offsetof(ns_chardata, data),
        "text_length", (Py_ssize_t)(offsetof(ns_chardata, data) + offsetof(ns_str, length)));
}

/* -- nesting depth and attributes before parsing (``extract.markup_over``) ------------------- */

#define TAG_NO_DEPTH 1
#define TAG_RAW 2

typedef struct {
    char *name; /* lower case, ASCII */
    Py_ssize_t length;
    uint64_t hash;
    int flags;
    Py_ssize_t open; /* on the stack now */
} tag_name;

typedef struct {
    vec names;       /* tag_name */
    Py_ssize_t *slots; /* open addressing: index into names + 1, 0 = empty */
    Py_ssize_t nslots;
    PyObject *no_depth, *raw;
} name_table;

static int is_alpha(Py_UCS4 c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'); }
static int is_alnum(Py_UCS4 c) { return is_alpha(c) || (c >= '0' && c <= '9'); }
static Py_UCS4 lower(Py_UCS4 c) { return (c >= 'A' && c <= 'Z') ? c + 32 : c; }

static int table_grow(name_table *t) {
    Py_ssize_t nslots = t->nslots ? 2 * t->nslots : 256;
    Py_ssize_t *slots = PyMem_Calloc((size_t)nslots, sizeof(Py_ssize_t));
    if (slots == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    for (Py_ssize_t k = 0; k < t->names.len; k++) {
        Py_ssize_t at = (Py_ssize_t)(AT(t->names, tag_name, k).hash & (uint64_t)(nslots - 1));
        while (slots[at]) at = (at + 1) & (nslots - 1);
        slots[at] = k + 1;
    }
    PyMem_Free(t->slots);
    t->slots = slots;
    t->nslots = nslots;
    return 0;
}

/* The id of the tag name html[start:end] (lower-cased), added on first sight; -1 on error. */
static inline Py_ALWAYS_INLINE Py_ssize_t intern_name(name_table *t, int kind, const void *data,
                                                       Py_ssize_t start, Py_ssize_t end) {
    Py_ssize_t length = end - start;
    uint64_t hash = 1469598103934665603ULL;
    for (Py_ssize_t k = start; k < end; k++) hash = (hash ^ lower(PyUnicode_READ(kind, data, k))) * 1099511628211ULL;
    if (2 * (t->names.len + 1) > t->nslots && table_grow(t)) return -1;
    Py_ssize_t at = (Py_ssize_t)(hash & (uint64_t)(t->nslots - 1));
    while (t->slots[at]) {
        tag_name *known = &AT(t->names, tag_name, t->slots[at] - 1);
        if (known->hash == hash && known->length == length) {
            Py_ssize_t k = 0;
            while (k < length && known->name[k] == (char)lower(PyUnicode_READ(kind, data, start + k))) k++;
            if (k == length) return t->slots[at] - 1;
        }
        at = (at + 1) & (t->nslots - 1);
    }
    tag_name fresh = {PyMem_Malloc((size_t)length + 1), length, hash, 0, 0};
    if (fresh.name == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    for (Py_ssize_t k = 0; k < length; k++) fresh.name[k] = (char)lower(PyUnicode_READ(kind, data, start + k));
    fresh.name[length] = 0;
    PyObject *str = PyUnicode_FromStringAndSize(fresh.name, length);
    int no_depth = str == NULL ? -1 : PySet_Contains(t->no_depth, str);
    int raw = no_depth < 0 ? -1 : PySet_Contains(t->raw, str);
    Py_XDECREF(str);
    if (raw < 0 || vec_push(&t->names, &fresh)) {
        PyMem_Free(fresh.name);
        return -1;
    }
    AT(t->names, tag_name, t->names.len - 1).flags = (no_depth ? TAG_NO_DEPTH : 0) | (raw ? TAG_RAW : 0);
    t->slots[at] = t->names.len;
    return t->names.len - 1;
}

static int html_space(Py_UCS4 c) { return c == ' ' || c == '\t' || c == '\n' || c == '\f' || c == '\r'; }

/* The first ``ch`` (ASCII) in the text at or after ``i``, or ``n``: by ``memchr``, which skips
   many bytes at a time, also for two-byte text (the low byte at an even offset, the high one 0);
   the scans of markup_over spent most of their time in loops of one character a step. */
static inline Py_ALWAYS_INLINE Py_ssize_t find_ascii(int kind, const void *data, Py_ssize_t i, Py_ssize_t n,
                                                     unsigned char ch) {
    if (i >= n) return n;
    if (kind == PyUnicode_1BYTE_KIND) {
        const unsigned char *at = memchr((const unsigned char *)data + i, ch, (size_t)(n - i));
        return at == NULL ? n : at - (const unsigned char *)data;
    }
#if PY_LITTLE_ENDIAN
    if (kind == PyUnicode_2BYTE_KIND) {
        const unsigned char *bytes = data, *p = bytes + 2 * i, *end = bytes + 2 * n;
        while (p < end) {
            const unsigned char *hit = memchr(p, ch, (size_t)(end - p));
            if (hit == NULL) return n;
            size_t offset = (size_t)(hit - bytes);
            if ((offset & 1) == 0 && hit[1] == 0) return (Py_ssize_t)(offset / 2);
            p = hit + 1;
        }
        return n;
    }
#endif
    while (i < n && PyUnicode_READ(kind, data, i) != ch) i++;
    return i;
}

/* The attributes of the start tag whose name ends at ``i``, counted as the HTML tokenizer reads
   them (names end at space, ``/``, ``>`` or ``=``; values are quoted, or end at space or ``>``),
   up to ``limit + 1``; ``*end`` is set past the tag's ``>`` (or to ``n``). */
static inline Py_ALWAYS_INLINE Py_ssize_t count_attributes(int kind, const void *data, Py_ssize_t n,
                                                            Py_ssize_t i, Py_ssize_t limit, Py_ssize_t *end) {
    Py_ssize_t count = 0;
    for (;;) {
        while (i < n && (html_space(PyUnicode_READ(kind, data, i)) || PyUnicode_READ(kind, data, i) == '/')) i++;
        if (i >= n || PyUnicode_READ(kind, data, i) == '>') break;
        if (++count > limit) break;
        i++; /* the name's first character may be anything else, `=` and quotes too */
        while (i < n) {
            Py_UCS4 c = PyUnicode_READ(kind, data, i);
            if (html_space(c) || c == '/' || c == '>' || c == '=') break;
            i++;
        }
        while (i < n && html_space(PyUnicode_READ(kind, data, i))) i++;
        if (i >= n || PyUnicode_READ(kind, data, i) != '=') continue;
        i++;
        while (i < n && html_space(PyUnicode_READ(kind, data, i))) i++;
        if (i < n && (PyUnicode_READ(kind, data, i) == '"' || PyUnicode_READ(kind, data, i) == '\'')) {
            unsigned char quote = (unsigned char)PyUnicode_READ(kind, data, i++);
            i = find_ascii(kind, data, i, n, quote);
            if (i < n) i++;
        } else {
            while (i < n && !html_space(PyUnicode_READ(kind, data, i)) && PyUnicode_READ(kind, data, i) != '>') i++;
        }
    }
    *end = i < n ? i + 1 : n;
    return count;
}

/* The scan of ``markup_over``, inlined once per string kind (``kind`` a constant there, so each
   character is read without a switch on it: 57 -> 32 us a page of bench_filters). 0, or -1 on
   error. */
static inline Py_ALWAYS_INLINE int markup_scan(int kind, const void *data, Py_ssize_t n, Py_ssize_t limit,
                                               Py_ssize_t attr_limit, name_table *table, vec *stack,
                                               Py_ssize_t *depth, Py_ssize_t *attributes) {
    Py_ssize_t i = 0;
    while ((i = find_ascii(kind, data, i, n, '<')) < n) {
        if (i + 3 < n && PyUnicode_READ(kind, data, i + 1) == '!' && PyUnicode_READ(kind, data, i + 2) == '-'
            && PyUnicode_READ(kind, data, i + 3) == '-') { /* a comment: on after its --> */
            Py_ssize_t j = i + 4;
            while (j + 2 < n && !(PyUnicode_READ(kind, data, j) == '-' && PyUnicode_READ(kind, data, j + 1) == '-'
                                  && PyUnicode_READ(kind, data, j + 2) == '>'))
                j++;
            i = j + 2 < n ? j + 3 : n;
            continue;
        }
        Py_ssize_t start = i + 1;
        int end_tag = start < n && PyUnicode_READ(kind, data, start) == '/';
        start += end_tag;
        if (start >= n || !is_alpha(PyUnicode_READ(kind, data, start))) {
            i++;
            continue;
        }
        Py_ssize_t stop = start + 1;
        while (stop < n && is_alnum(PyUnicode_READ(kind, data, stop))) stop++;
        Py_ssize_t id = intern_name(table, kind, data, start, stop);
        if (id < 0) return -1;
        tag_name *tag = &AT(table->names, tag_name, id);
        i = stop;
        if (end_tag) { /* closes the nearest open element of its name and all after it */
            if (tag->open > 0) {
                Py_ssize_t top;
                do {
                    top = AT(*stack, Py_ssize_t, --stack->len);
                    AT(table->names, tag_name, top).open--;
                } while (top != id);
            }
            continue;
        }
        Py_ssize_t count = count_attributes(kind, data, n, i, attr_limit, &i);
        if (count > attr_limit) {
            *attributes = count;
            return 0;
        }
        if (tag->flags & TAG_RAW) { /* its text is not markup: on after the first </name */
            Py_ssize_t j = i, length = tag->length;
            for (;; j++) {
                j = find_ascii(kind, data, j, n, '<');
                if (j + 1 + length >= n) break;
                if (PyUnicode_READ(kind, data, j + 1) != '/') continue;
                Py_ssize_t k = 0;
                while (k < length && lower(PyUnicode_READ(kind, data, j + 2 + k)) == (Py_UCS4)tag->name[k]) k++;
                if (k == length) break;
            }
            i = j + 1 + length < n ? j + 2 + length : n;
            continue;
        }
        if (!(tag->flags & TAG_NO_DEPTH)) {
            if (vec_push(stack, &id)) return -1;
            tag->open++;
            if (stack->len > limit) {
                *depth = stack->len;
                return 0;
            }
        }
    }
    return 0;
}

static PyObject *markup_over(PyObject *self, PyObject *args) {
    PyObject *html, *no_depth, *raw;
    Py_ssize_t limit, attr_limit;
    if (!PyArg_ParseTuple(args, "UnnOO", &html, &limit, &attr_limit, &no_depth, &raw)) return NULL;
    if (!PyAnySet_Check(no_depth) || !PyAnySet_Check(raw)) {
        PyErr_SetString(PyExc_TypeError, "no_depth and raw must be sets of tag names");
        return NULL;
    }
    const void *data = PyUnicode_DATA(html);
    Py_ssize_t n = PyUnicode_GET_LENGTH(html);
    name_table table = {VEC(tag_name), NULL, 0, no_depth, raw};
    vec stack = VEC(Py_ssize_t);
    PyObject *result = NULL;
    Py_ssize_t depth = -1, attributes = -1;
    int failed;
    switch (PyUnicode_KIND(html)) {
    case PyUnicode_1BYTE_KIND:
        failed = markup_scan(PyUnicode_1BYTE_KIND, data, n, limit, attr_limit, &table, &stack, &depth, &attributes);
        break;
    case PyUnicode_2BYTE_KIND:
        failed = markup_scan(PyUnicode_2BYTE_KIND, data, n, limit, attr_limit, &table, &stack, &depth, &attributes);
        break;
    default:
        failed = markup_scan(PyUnicode_4BYTE_KIND, data, n, limit, attr_limit, &table, &stack, &depth, &attributes);
        break;
    }
    if (failed) goto done;
    if (depth >= 0) {
        result = Py_BuildValue("(sn)", "depth", depth);
    } else if (attributes >= 0) {
        result = Py_BuildValue("(sn)", "attributes", attributes);
    } else {
        result = Py_NewRef(Py_None);
    }
done:
    for (Py_ssize_t k = 0; k < table.names.len; k++) PyMem_Free(AT(table.names, tag_name, k).name);
    PyMem_Free(table.names.data);
    PyMem_Free(table.slots);
    PyMem_Free(stack.data);
    return result;
}

static PyMethodDef methods[] = {
    {"markup_over", markup_over, METH_VARARGS,
     "markup_over(html, depth_limit, attribute_limit, no_depth, raw) -> ('depth' | 'attributes', n) | None: see "
     "extract.markup_over."},
    {"walk", walk, METH_VARARGS,
     "walk(root_id, kinds, tag_names, unit_type, by_class, unlikely_cache, unlikely, hides, href_of, line_edge, "
     "edge_space, join, scoring) -> (tags, parents, [], ends, units, chars, link chars, links, names, scores): see "
     "_tree._native_walk."},
    {"heads", heads, METH_VARARGS,
     "heads(root_id, kinds, title_id, meta_id, time_id, by_class, unlikely_cache, unlikely, hides) -> (titles, "
     "metas, times, h1s): see there."},
    {"bind", bind, METH_VARARGS,
     "bind(first_attribute, next_attribute, attr_local_name, attr_value): addresses of lexbor's functions."},
    {"layout", layout, METH_NOARGS, "Byte offsets of the lexbor struct fields this module reads."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_lexwalk", NULL, -1, methods};

PyMODINIT_FUNC PyInit__lexwalk(void) { return PyModule_Create(&module); }
