/* PostgreSQL COPY text of rows: the bytes services/common/copy.py's Python formatter writes, built in C.
 *
 * Per value, as `copy._text_rows`: None is \N, True and False are t and f, an int (or int subclass) is
 * str(value), a str has backslash, tab, newline and carriage return escaped, anything else is str(value)
 * escaped the same way; values are tab-separated and every row ends with a newline. A str that is not
 * valid UTF-8 text (a lone surrogate) declines the whole call (None) and the caller formats in Python.
 * tests/unit/test_copytext.py compares the two on drawn rows. Runs with the GIL held.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <string.h>

#define ABI_VERSION 1

typedef struct {
    char *data;
    size_t len, cap;
} Buffer;

static int reserve(Buffer *b, size_t more) {
    if (b->len + more <= b->cap) return 1;
    size_t cap = b->cap ? b->cap : 65536;
    while (cap < b->len + more) cap *= 2;
    char *grown = PyMem_Realloc(b->data, cap);
    if (grown == NULL) return 0;
    b->data = grown;
    b->cap = cap;
    return 1;
}

static int put(Buffer *b, const char *s, size_t n) {
    if (!reserve(b, n)) return 0;
    memcpy(b->data + b->len, s, n);
    b->len += n;
    return 1;
}

static int put_escaped(Buffer *b, const char *s, Py_ssize_t n) {
    if (!reserve(b, (size_t)n * 2)) return 0;
    char *out = b->data + b->len;
    for (Py_ssize_t i = 0; i < n; i++) {
        char c = s[i];
        switch (c) {
            case '\\': *out++ = '\\'; *out++ = '\\'; break;
            case '\t': *out++ = '\\'; *out++ = 't'; break;
            case '\n': *out++ = '\\'; *out++ = 'n'; break;
            case '\r': *out++ = '\\'; *out++ = 'r'; break;
            default: *out++ = c;
        }
    }
    b->len = (size_t)(out - b->data);
    return 1;
}

/* 1 written, 0 declined or failed (an exception is set only when it failed) */
static int put_str(Buffer *b, PyObject *s, int escape) {
    Py_ssize_t n;
    const char *utf8 = PyUnicode_AsUTF8AndSize(s, &n);
    if (utf8 == NULL) {
        if (PyErr_ExceptionMatches(PyExc_UnicodeEncodeError)) PyErr_Clear();
        return 0;
    }
    return escape ? put_escaped(b, utf8, n) : put(b, utf8, (size_t)n);
}

static int put_value(Buffer *b, PyObject *v) {
    if (v == Py_None) return put(b, "\\N", 2);
    if (v == Py_True) return put(b, "t", 1);
    if (v == Py_False) return put(b, "f", 1);
    if (PyUnicode_CheckExact(v)) return put_str(b, v, 1);
    if (PyLong_CheckExact(v)) {
        int overflow;
        long long x = PyLong_AsLongLongAndOverflow(v, &overflow);
        if (!overflow) {
            char digits[24];
            int n = snprintf(digits, sizeof digits, "%lld", x);
            return put(b, digits, (size_t)n);
        }
    }
    PyObject *s = PyObject_Str(v);
    if (s == NULL) return 0;
    int ok = put_str(b, s, !PyLong_Check(v));
    Py_DECREF(s);
    return ok;
}

/* text(rows: list of sequences) -> bytes, or None when declined */
static PyObject *py_text(PyObject *self, PyObject *rows) {
    if (!PyList_Check(rows)) {
        PyErr_SetString(PyExc_TypeError, "rows must be a list");
        return NULL;
    }
    Buffer b = {NULL, 0, 0};
    Py_ssize_t count = PyList_GET_SIZE(rows);
    for (Py_ssize_t i = 0; i < count; i++) {
        PyObject *row = PySequence_Fast(PyList_GET_ITEM(rows, i), "a row must be a sequence");
        if (row == NULL) goto fail;
        Py_ssize_t n = PySequence_Fast_GET_SIZE(row);
        PyObject **values = PySequence_Fast_ITEMS(row);
        for (Py_ssize_t j = 0; j < n; j++) {
            if ((j && !put(&b, "\t", 1)) || !put_value(&b, values[j])) {
                Py_DECREF(row);
                goto fail;
            }
        }
        Py_DECREF(row);
        if (!put(&b, "\n", 1)) goto fail;
    }
    PyObject *out = PyBytes_FromStringAndSize(b.data ? b.data : "", (Py_ssize_t)b.len);
    PyMem_Free(b.data);
    return out;
fail:
    PyMem_Free(b.data);
    if (PyErr_Occurred()) return NULL;
    Py_RETURN_NONE;
}

static PyMethodDef methods[] = {
    {"text", py_text, METH_O, "COPY text of a list of rows (bytes); None when declined."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_copytext", NULL, -1, methods};

PyMODINIT_FUNC PyInit__copytext(void) {
    PyObject *m = PyModule_Create(&module);
    if (m == NULL) return NULL;
    if (PyModule_AddIntConstant(m, "ABI", ABI_VERSION) < 0) return NULL;
    return m;
}
