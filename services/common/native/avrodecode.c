/* A native Avro reader for the plain records of our events: what fastavro's schemaless_reader returns.
 *
 * The schema is the authority: Python (services/common/avrofast.py) compiles a parsed `.avsc` into a
 * program (a tuple of (name, op, items program, null branch) per field) and declines any schema with a
 * type this module does not read. This module reads a body only when it is well-formed Avro: a varint
 * of more than 10 bytes, an out-of-range union branch, invalid UTF-8, a length past the end, or a
 * negative array block size is declined (None), and the caller decodes the payload with fastavro, which
 * then decides. So whatever this module returns equals fastavro's record (tests/unit/test_avrofast.py
 * fuzzes the two against each other). Runs with the GIL held; nothing is kept between calls.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>

#define ABI_VERSION 1
#define OP_STRING 0
#define OP_LONG 1
#define OP_BOOLEAN 2
#define OP_ARRAY 3
#define MAX_DEPTH 8

typedef struct {
    const uint8_t *p;
    const uint8_t *end;
} Reader;

/* 1 and the value, or 0 when the bytes are not a varint of at most 10 bytes whose last keeps 64 bits */
static int read_long(Reader *r, int64_t *out) {
    uint64_t n = 0;
    int shift = 0;
    for (int i = 0; i < 10; i++) {
        if (r->p >= r->end) return 0;
        uint8_t b = *r->p++;
        if (i == 9 && b > 1) return 0;
        n |= (uint64_t)(b & 0x7F) << shift;
        if (!(b & 0x80)) {
            *out = (int64_t)((n >> 1) ^ (~(n & 1) + 1));
            return 1;
        }
        shift += 7;
    }
    return 0;
}

static PyObject *read_string(Reader *r) {
    int64_t size;
    if (!read_long(r, &size) || size < 0 || size > r->end - r->p) return NULL;
    PyObject *s = PyUnicode_DecodeUTF8((const char *)r->p, (Py_ssize_t)size, NULL);
    if (s == NULL) {
        PyErr_Clear();
        return NULL;
    }
    r->p += size;
    return s;
}

static PyObject *read_record(Reader *r, PyObject *program, int depth);

static PyObject *read_value(Reader *r, long op, PyObject *items, int depth) {
    int64_t v;
    switch (op) {
        case OP_STRING:
            return read_string(r);
        case OP_LONG:
            return read_long(r, &v) ? PyLong_FromLongLong(v) : NULL;
        case OP_BOOLEAN:
            if (r->p >= r->end) return NULL;
            return PyBool_FromLong(*r->p++ != 0);
        case OP_ARRAY: {
            if (!PyTuple_Check(items)) return NULL;
            PyObject *list = PyList_New(0);
            if (list == NULL) return NULL;
            for (;;) {
                int64_t count, bytes;
                if (!read_long(r, &count)) goto fail;
                if (count == 0) return list;
                if (count < 0) {
                    if (count == INT64_MIN || !read_long(r, &bytes) || bytes < 0) goto fail;
                    count = -count;
                }
                if (count > r->end - r->p) goto fail; /* every item takes at least one byte */
                for (int64_t i = 0; i < count; i++) {
                    PyObject *item = read_record(r, items, depth + 1);
                    if (item == NULL) goto fail;
                    int failed = PyList_Append(list, item);
                    Py_DECREF(item);
                    if (failed) goto fail;
                }
            }
        fail:
            Py_DECREF(list);
            return NULL;
        }
    }
    return NULL;
}

static PyObject *read_record(Reader *r, PyObject *program, int depth) {
    if (depth > MAX_DEPTH) return NULL;
    Py_ssize_t n = PyTuple_GET_SIZE(program);
    PyObject *record = PyDict_New();
    if (record == NULL) return NULL;
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *field = PyTuple_GET_ITEM(program, i);
        PyObject *name = PyTuple_GET_ITEM(field, 0);
        long op = PyLong_AsLong(PyTuple_GET_ITEM(field, 1));
        PyObject *items = PyTuple_GET_ITEM(field, 2);
        long null_branch = PyLong_AsLong(PyTuple_GET_ITEM(field, 3));
        PyObject *value;
        if (null_branch >= 0) { /* a union of null and one type: branch 0 or 1 */
            int64_t branch;
            if (!read_long(r, &branch) || branch < 0 || branch > 1) goto fail;
            value = branch == null_branch ? Py_NewRef(Py_None) : read_value(r, op, items, depth);
        } else {
            value = read_value(r, op, items, depth);
        }
        if (value == NULL) goto fail;
        int failed = PyDict_SetItem(record, name, value);
        Py_DECREF(value);
        if (failed) goto fail;
    }
    return record;
fail:
    Py_DECREF(record);
    return NULL;
}

/* read(program, body) -> dict, or None when declined (the caller then asks fastavro) */
static PyObject *py_read(PyObject *self, PyObject *args) {
    PyObject *program;
    Py_buffer body;
    if (!PyArg_ParseTuple(args, "O!y*", &PyTuple_Type, &program, &body)) return NULL;
    Reader r = {(const uint8_t *)body.buf, (const uint8_t *)body.buf + body.len};
    PyObject *record = read_record(&r, program, 0);
    PyBuffer_Release(&body);
    if (record == NULL) {
        if (PyErr_Occurred() && !PyErr_ExceptionMatches(PyExc_MemoryError)) PyErr_Clear();
        if (PyErr_Occurred()) return NULL;
        Py_RETURN_NONE;
    }
    return record;
}

static PyMethodDef methods[] = {
    {"read", py_read, METH_VARARGS, "Read one record of a compiled program; None when declined."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_avrodecode", NULL, -1, methods};

PyMODINIT_FUNC PyInit__avrodecode(void) {
    PyObject *m = PyModule_Create(&module);
    if (m == NULL) return NULL;
    if (PyModule_AddIntConstant(m, "ABI", ABI_VERSION) < 0) return NULL;
    return m;
}
