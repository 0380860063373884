/* The fast path of a filing: GSTR-1 invoice and note rows checked straight from the JSON text.
 *
 * Python (services/ingest/domain) is the authority on every rule. This module takes a row only when it
 * can prove Python would accept it: every field present and valid, in the plain JSON that suppliers'
 * software writes (no string escapes, ASCII only, no exponents, amounts as numbers, no duplicate keys).
 * Anything else is declined and the row goes through Python, which decides and explains. For a row it
 * takes, it builds exactly what Python builds: the Checked tuple, the FiledDocument Avro item and the
 * SHA-256 version hash of the canonical content (tests/unit/test_fastrows.py compares both, field by
 * field and byte by byte). Runs with the GIL held; its working buffers are allocated per call.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <dlfcn.h>
#include <stdint.h>
#include <string.h>

#include "sha256.h"

#define ABI_VERSION 2
#define MAX_ITEMS 256
#define MAX_DEPTH 32
#define CHECKED_FIELDS 17
#define LIMIT_RUPEES_DIGITS 15
#define GST_START 20170701
#define LAST_SUPPORTED 20991231
#define RATE_40_FROM 20250922
#define TOLERANCE 100 /* paise, per tax head */
#define INT64_LIMIT ((__int128)9000000000000000000LL)

typedef __int128 i128;

static PyTypeObject *checked_type = NULL;

/* ---------- SHA-256: the process's own libcrypto when loaded (hardware SHA), else sha256.h ------------ */

typedef int (*sha_init_fn)(void *);
typedef int (*sha_update_fn)(void *, const void *, size_t);
typedef int (*sha_final_fn)(unsigned char *, void *);
static sha_init_fn ossl_init;
static sha_update_fn ossl_update;
static sha_final_fn ossl_final;

static void find_libcrypto(void) {
    /* only a library already in the process (Python's hashlib loads it): nothing new is loaded */
    void *lib = dlopen("libcrypto.so.3", RTLD_NOW | RTLD_NOLOAD);
    if (lib == NULL) return;
    ossl_init = (sha_init_fn)dlsym(lib, "SHA256_Init");
    ossl_update = (sha_update_fn)dlsym(lib, "SHA256_Update");
    ossl_final = (sha_final_fn)dlsym(lib, "SHA256_Final");
    if (!ossl_init || !ossl_update || !ossl_final) ossl_init = NULL;
}

static void hash_hex(const uint8_t *data, size_t n, char *out) {
    if (ossl_init == NULL) {
        sha256_hex(data, n, out);
        return;
    }
    _Alignas(16) unsigned char ctx[256]; /* SHA256_CTX is 112 bytes */
    unsigned char digest[32];
    ossl_init(ctx);
    ossl_update(ctx, data, n);
    ossl_final(digest, ctx);
    static const char hex[] = "0123456789abcdef";
    for (int i = 0; i < 32; i++) {
        out[2 * i] = hex[digest[i] >> 4];
        out[2 * i + 1] = hex[digest[i] & 15];
    }
}

/* ---------- the party context ---------------------------------------------------------------------- */

typedef struct {
    int note, amendment, eco;
    char supplier[15], recipient[15], ecom_op[15];
    int has_ecom_op;
    char source_form[8];
    Py_ssize_t source_form_len;
    char return_period[6];
    int period_last, filed_on; /* yyyymmdd; filed_on 0 while saved */
    char gstr2b[6];
    int has_gstr2b;
    char sec[2][12], osec[2][12]; /* [0] invoice or credit note, [1] debit note */
    Py_ssize_t sec_len[2], osec_len[2];
    PyObject *table, *party_field, *party, *number_field, *recipient_o, *supplier_o, *sec_o[2], *series_o, *rank_o,
        *problems;
} Ctx;

static void ctx_free(PyObject *capsule) {
    Ctx *c = (Ctx *)PyCapsule_GetPointer(capsule, "fastrows.ctx");
    if (c == NULL) return;
    Py_XDECREF(c->table); Py_XDECREF(c->party_field); Py_XDECREF(c->party); Py_XDECREF(c->number_field);
    Py_XDECREF(c->recipient_o); Py_XDECREF(c->supplier_o); Py_XDECREF(c->sec_o[0]); Py_XDECREF(c->sec_o[1]);
    Py_XDECREF(c->series_o); Py_XDECREF(c->rank_o); Py_XDECREF(c->problems);
    PyMem_Free(c);
}

static int copy_ascii(PyObject *text, char *out, Py_ssize_t size, Py_ssize_t *len) {
    Py_ssize_t n;
    const char *s = PyUnicode_AsUTF8AndSize(text, &n);
    if (s == NULL) return -1;
    if (n > size || (len == NULL && n != size)) {
        PyErr_Format(PyExc_ValueError, "fastrows: %R does not fit its field", text);
        return -1;
    }
    memcpy(out, s, (size_t)n);
    if (len) *len = n;
    return 0;
}

static int text_or_none(PyObject *value, const char *name) {
    if (value == Py_None || PyUnicode_Check(value)) return 1;
    PyErr_Format(PyExc_TypeError, "fastrows: %s must be text or None, got %R", name, value);
    return 0;
}

/* context(table, party_field, party, number_field, rank, note, amendment, eco, sections, orig_sections,
 *         supplier, recipient, ecom_operator, source_form, return_period, period_last, filed_on,
 *         gstr2b_period, claim_series) -> capsule */
static PyObject *make_context(PyObject *self, PyObject *args) {
    PyObject *table, *party_field, *party, *number_field, *sections, *orig_sections, *supplier, *recipient,
        *ecom_op, *source_form, *return_period, *gstr2b, *series;
    int rank, note, amendment, eco, period_last, filed_on;
    if (!PyArg_ParseTuple(args, "UUUUiiiiO!O!UUOUUiiOU", &table, &party_field, &party, &number_field, &rank, &note,
                          &amendment, &eco, &PyTuple_Type, &sections, &PyTuple_Type, &orig_sections, &supplier,
                          &recipient, &ecom_op, &source_form, &return_period, &period_last, &filed_on, &gstr2b,
                          &series))
        return NULL;
    if (PyTuple_GET_SIZE(sections) != 2 || PyTuple_GET_SIZE(orig_sections) != 2) {
        PyErr_SetString(PyExc_ValueError, "fastrows: sections and orig_sections are pairs");
        return NULL;
    }
    Ctx *c = (Ctx *)PyMem_Calloc(1, sizeof(Ctx));
    if (c == NULL) return PyErr_NoMemory();
    PyObject *capsule = PyCapsule_New(c, "fastrows.ctx", ctx_free);
    if (capsule == NULL) {
        PyMem_Free(c);
        return NULL;
    }
    c->note = note; c->amendment = amendment; c->eco = eco;
    c->period_last = period_last; c->filed_on = filed_on;
    if (copy_ascii(supplier, c->supplier, 15, NULL) || copy_ascii(recipient, c->recipient, 15, NULL) ||
        copy_ascii(source_form, c->source_form, 8, &c->source_form_len) ||
        copy_ascii(return_period, c->return_period, 6, NULL))
        goto fail;
    if (!text_or_none(ecom_op, "ecom_operator") || !text_or_none(gstr2b, "gstr2b_period")) goto fail;
    for (int i = 0; i < 2; i++)
        if (!text_or_none(PyTuple_GET_ITEM(sections, i), "sections") ||
            PyTuple_GET_ITEM(sections, i) == Py_None ||
            !text_or_none(PyTuple_GET_ITEM(orig_sections, i), "orig_sections")) {
            if (!PyErr_Occurred()) PyErr_SetString(PyExc_TypeError, "fastrows: sections are text");
            goto fail;
        }
    if (ecom_op != Py_None) {
        if (copy_ascii(ecom_op, c->ecom_op, 15, NULL)) goto fail;
        c->has_ecom_op = 1;
    }
    if (gstr2b != Py_None) {
        if (!PyUnicode_Check(gstr2b) || copy_ascii(gstr2b, c->gstr2b, 6, NULL)) goto fail;
        c->has_gstr2b = 1;
    }
    for (int i = 0; i < 2; i++) {
        PyObject *s = PyTuple_GET_ITEM(sections, i), *o = PyTuple_GET_ITEM(orig_sections, i);
        if (!PyUnicode_Check(s) || copy_ascii(s, c->sec[i], 12, &c->sec_len[i])) goto fail;
        Py_INCREF(s);
        c->sec_o[i] = s;
        if (o != Py_None && (!PyUnicode_Check(o) || copy_ascii(o, c->osec[i], 12, &c->osec_len[i]))) goto fail;
    }
    Py_INCREF(table); c->table = table;
    Py_INCREF(party_field); c->party_field = party_field;
    Py_INCREF(party); c->party = party;
    Py_INCREF(number_field); c->number_field = number_field;
    Py_INCREF(recipient); c->recipient_o = recipient;
    Py_INCREF(supplier); c->supplier_o = supplier;
    Py_INCREF(series); c->series_o = series;
    if ((c->rank_o = PyLong_FromLong(rank)) == NULL || (c->problems = PyTuple_New(0)) == NULL) goto fail;
    return capsule;
fail:
    Py_DECREF(capsule);
    return NULL;
}

/* ---------- JSON subset ---------------------------------------------------------------------------- */

typedef struct {
    const unsigned char *s;
    Py_ssize_t n, i;
} Cur;

static inline void ws(Cur *c) {
    while (c->i < c->n) {
        unsigned char ch = c->s[c->i];
        if (ch != ' ' && ch != '\n' && ch != '\t' && ch != '\r') return;
        c->i++;
    }
}

static inline int peek(Cur *c) {
    ws(c);
    return c->i < c->n ? c->s[c->i] : -1;
}

/* A string of printable ASCII without escapes; (start, len) of its content. */
static int str_(Cur *c, const unsigned char **start, Py_ssize_t *len) {
    if (peek(c) != '"') return 0;
    Py_ssize_t j = ++c->i;
    while (j < c->n) {
        unsigned char ch = c->s[j];
        if (ch == '"') {
            *start = c->s + c->i;
            *len = j - c->i;
            c->i = j + 1;
            return 1;
        }
        if (ch < 0x20 || ch >= 0x7f || ch == '\\') return 0;
        j++;
    }
    return 0;
}

typedef struct {
    const unsigned char *ip, *fp; /* integer and fraction digits */
    Py_ssize_t ilen, flen;
    int neg, exp;
} Num;

/* A JSON number, by the grammar (its end must be in the window: the next token is checked later). */
static int num_(Cur *c, Num *out) {
    if (peek(c) < 0) return 0;
    Py_ssize_t j = c->i;
    memset(out, 0, sizeof *out);
    if (j < c->n && c->s[j] == '-') { out->neg = 1; j++; }
    if (j >= c->n || c->s[j] < '0' || c->s[j] > '9') return 0;
    out->ip = c->s + j;
    if (c->s[j] == '0') j++;
    else while (j < c->n && c->s[j] >= '0' && c->s[j] <= '9') j++;
    out->ilen = c->s + j - out->ip;
    if (j < c->n && c->s[j] == '.') {
        j++;
        out->fp = c->s + j;
        while (j < c->n && c->s[j] >= '0' && c->s[j] <= '9') j++;
        out->flen = c->s + j - out->fp;
        if (out->flen == 0) return 0;
    }
    if (j < c->n && (c->s[j] == 'e' || c->s[j] == 'E')) {
        out->exp = 1;
        j++;
        if (j < c->n && (c->s[j] == '+' || c->s[j] == '-')) j++;
        Py_ssize_t d = j;
        while (j < c->n && c->s[j] >= '0' && c->s[j] <= '9') j++;
        if (j == d) return 0;
    }
    if (j >= c->n) return 0;
    c->i = j;
    return 1;
}

static int lit_(Cur *c, const char *word) {
    size_t k = strlen(word);
    if (c->i + (Py_ssize_t)k > c->n || memcmp(c->s + c->i, word, k) != 0) return 0;
    c->i += (Py_ssize_t)k;
    return 1;
}

static int null_(Cur *c) {
    if (peek(c) != 'n') return 0;
    return lit_(c, "null");
}

static int skip_(Cur *c, int depth) {
    const unsigned char *s;
    Py_ssize_t n;
    Num num;
    int ch = peek(c);
    if (ch == '"') return str_(c, &s, &n);
    if (ch == 't') return lit_(c, "true");
    if (ch == 'f') return lit_(c, "false");
    if (ch == 'n') return lit_(c, "null");
    /* Python refuses integers of over 4,300 digits and some exponents (int / Decimal limits): decline both */
    if (ch == '-' || (ch >= '0' && ch <= '9')) return num_(c, &num) && !num.exp && num.ilen <= 1000;
    if ((ch != '{' && ch != '[') || depth >= MAX_DEPTH) return 0;
    int close = ch == '{' ? '}' : ']';
    c->i++;
    if (peek(c) == close) {
        c->i++;
        return 1;
    }
    for (;;) {
        if (close == '}') {
            if (!str_(c, &s, &n) || peek(c) != ':') return 0;
            c->i++;
        }
        if (!skip_(c, depth + 1)) return 0;
        ch = peek(c);
        c->i++;
        if (ch == close) return 1;
        if (ch != ',') return 0;
    }
}

/* After a member's value: ',' (1, another member follows) or '}' (2, the object ends). */
static int next_member(Cur *c) {
    int ch = peek(c);
    if (ch == ',') { c->i++; return 1; }
    if (ch == '}') { c->i++; return 2; }
    return 0;
}

/* ---------- field rules (services/ingest/domain/rules.py) ----------------------------------------- */

/* A number >= 0 in hundredths: at most `digits` integer digits, no non-zero digit past the second place. */
static int hundredths(const Num *v, Py_ssize_t digits, int64_t *out) {
    if (v->neg || v->exp || v->ilen > digits) return 0;
    int64_t whole = 0;
    for (Py_ssize_t k = 0; k < v->ilen; k++) whole = whole * 10 + (v->ip[k] - '0');
    int64_t cents = 0;
    for (Py_ssize_t k = 0; k < v->flen; k++) {
        int d = v->fp[k] - '0';
        if (k < 2) cents = cents * 10 + d;
        else if (d) return 0;
    }
    if (v->flen == 1) cents *= 10;
    *out = whole * 100 + cents;
    return 1;
}

/* An amount in paise: at most 15 integer digits, at most 2 places that are not zero. */
static int amount_(const Num *v, int64_t *paise) { return hundredths(v, LIMIT_RUPEES_DIGITS, paise); }

/* A value that is a number amount, or null when `optional` (0). */
static int amount_value(Cur *c, int optional, int64_t *paise) {
    Num v;
    if (peek(c) == 'n') {
        *paise = 0;
        return optional && null_(c);
    }
    return num_(c, &v) && amount_(&v, paise);
}

static const int RATES[] = {0, 10, 25, 100, 150, 300, 500, 600, 750, 1200, 1800, 2800, 4000};
static const char *RATE_TEXT[] = {"0", "0.1", "0.25", "1", "1.5", "3", "5", "6", "7.5", "12", "18", "28", "40"};
#define N_RATES 13

/* A GST rate as a number: index into RATES. */
static int rate_(const Num *v, int *index) {
    int64_t scaled;
    if (!hundredths(v, 2, &scaled)) return 0;
    for (int k = 0; k < N_RATES; k++)
        if (RATES[k] == scaled) {
            *index = k;
            return 1;
        }
    return 0;
}

static int is_digit(unsigned char ch) { return ch >= '0' && ch <= '9'; }

/* DD-MM-YYYY, a calendar date from 01-07-2017 to the return period's last day: yyyymmdd. */
static int date_(const unsigned char *s, Py_ssize_t n, int not_after, int *out) {
    if (n != 10 || s[2] != '-' || s[5] != '-') return 0;
    for (int k = 0; k < 10; k++)
        if (k != 2 && k != 5 && !is_digit(s[k])) return 0;
    int d = (s[0] - '0') * 10 + (s[1] - '0'), m = (s[3] - '0') * 10 + (s[4] - '0');
    int y = (s[6] - '0') * 1000 + (s[7] - '0') * 100 + (s[8] - '0') * 10 + (s[9] - '0');
    static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (m < 1 || m > 12 || d < 1) return 0;
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    if (d > days[m - 1] + (m == 2 && leap)) return 0;
    int v = y * 10000 + m * 100 + d;
    if (v < GST_START || v > not_after || v > LAST_SUPPORTED) return 0;
    *out = v;
    return 1;
}

/* 1-16 characters, the first a letter or digit, then letters, digits, '-' and '/'. */
static int doc_number_(const unsigned char *s, Py_ssize_t n) {
    if (n < 1 || n > 16) return 0;
    for (Py_ssize_t k = 0; k < n; k++) {
        unsigned char ch = s[k];
        int alnum = is_digit(ch) || (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z');
        if (!alnum && (k == 0 || (ch != '-' && ch != '/'))) return 0;
    }
    return 1;
}

static int alphabet_code(unsigned char ch) {
    if (is_digit(ch)) return ch - '0';
    if (ch >= 'A' && ch <= 'Z') return ch - 'A' + 10;
    return -1;
}

/* A GSTIN by services/common/gst/gstin.py: state, PAN, entity code, letter, check character. */
static int gstin_(const unsigned char *s, Py_ssize_t n) {
    if (n != 15) return 0;
    for (int k = 0; k < 15; k++)
        if (alphabet_code(s[k]) < 0) return 0;
    if (!is_digit(s[0]) || !is_digit(s[1])) return 0;
    int state = (s[0] - '0') * 10 + (s[1] - '0');
    if (!((state >= 1 && state <= 38) || state == 97)) return 0;
    for (int k = 2; k < 7; k++)
        if (is_digit(s[k])) return 0;
    for (int k = 7; k < 11; k++)
        if (!is_digit(s[k])) return 0;
    if (is_digit(s[11]) || s[12] == '0' || is_digit(s[13])) return 0;
    int total = 0;
    for (int k = 0; k < 14; k++) {
        int product = alphabet_code(s[k]) * (k % 2 ? 2 : 1);
        total += product / 36 + product % 36;
    }
    int check = (36 - total % 36) % 36;
    return alphabet_code(s[14]) == check;
}

static int pos_(const unsigned char *s, Py_ssize_t n) {
    if (n != 2 || !is_digit(s[0]) || !is_digit(s[1])) return 0;
    int code = (s[0] - '0') * 10 + (s[1] - '0');
    return (code >= 1 && code <= 38) || code == 96 || code == 97;
}

static const char *INV_TYPES[] = {"R", "SEWP", "SEWOP", "DE", "CBW"};
enum { INV_R, INV_SEWP, INV_SEWOP, INV_DE, INV_CBW, N_INV_TYPES };

static int eq(const unsigned char *s, Py_ssize_t n, const char *word) {
    return (size_t)n == strlen(word) && memcmp(s, word, (size_t)n) == 0;
}

/* ---------- one row ---------------------------------------------------------------------------------- */

typedef struct {
    int rate;
    int64_t taxable, igst, cgst, sgst, cess;
} Item;

typedef struct {
    const unsigned char *number, *onumber;
    Py_ssize_t number_len, onumber_len;
    int date, odate, pos_code, inv_typ, diff, deleted, rchrg;
    char pos[2], ntty, etin[15];
    int has_etin;
    int64_t value;
    int n_items;
    Item items[MAX_ITEMS];
} Row;

enum { K_NUMBER, K_DATE, K_ONUMBER, K_ODATE, K_VAL, K_POS, K_RCHRG, K_INVTYP, K_ETIN, K_DIFF, K_ITMS, K_FLAG,
       K_NTTY, K_UNKNOWN };

static int row_key(const Ctx *x, const unsigned char *k, Py_ssize_t n) {
    if (x->note) {
        if (eq(k, n, "nt_num")) return K_NUMBER;
        if (eq(k, n, "nt_dt")) return K_DATE;
        if (eq(k, n, "ntty")) return K_NTTY;
        if (x->amendment && eq(k, n, "ont_num")) return K_ONUMBER;
        if (x->amendment && eq(k, n, "ont_dt")) return K_ODATE;
    } else {
        if (eq(k, n, "inum")) return K_NUMBER;
        if (eq(k, n, "idt")) return K_DATE;
        if (x->amendment && eq(k, n, "oinum")) return K_ONUMBER;
        if (x->amendment && eq(k, n, "oidt")) return K_ODATE;
    }
    if (eq(k, n, "val")) return K_VAL;
    if (eq(k, n, "pos")) return K_POS;
    if (eq(k, n, "rchrg")) return K_RCHRG;
    if (eq(k, n, "inv_typ")) return K_INVTYP;
    if (!x->eco && eq(k, n, "etin")) return K_ETIN;
    if (eq(k, n, "diff_percent")) return K_DIFF;
    if (eq(k, n, "itms")) return K_ITMS;
    if (eq(k, n, "flag")) return K_FLAG;
    return K_UNKNOWN;
}

/* {"rt": .., "txval": .., "iamt": .., "camt": .., "samt": .., "csamt": ..} */
static int item_detail(Cur *c, Item *it) {
    const unsigned char *k;
    Py_ssize_t n;
    unsigned seen = 0;
    memset(it, 0, sizeof *it);
    if (peek(c) != '{') return 0;
    c->i++;
    if (peek(c) == '}') return 0; /* rt and txval are required */
    for (;;) {
        if (!str_(c, &k, &n) || peek(c) != ':') return 0;
        c->i++;
        int field = eq(k, n, "rt") ? 0 : eq(k, n, "txval") ? 1 : eq(k, n, "iamt") ? 2 : eq(k, n, "camt") ? 3
                  : eq(k, n, "samt") ? 4 : eq(k, n, "csamt") ? 5 : -1;
        if (field < 0) {
            if (!skip_(c, 3)) return 0;
        } else {
            if (seen & (1u << field)) return 0;
            seen |= 1u << field;
            Num v;
            if (field == 0) {
                if (!num_(c, &v) || !rate_(&v, &it->rate)) return 0;
            } else {
                int64_t *slot[] = {NULL, &it->taxable, &it->igst, &it->cgst, &it->sgst, &it->cess};
                if (!amount_value(c, field >= 2, slot[field])) return 0;
            }
        }
        int more = next_member(c);
        if (more == 2) break;
        if (more != 1) return 0;
    }
    return (seen & 3u) == 3u;
}

/* [{"num": .., "itm_det": {...}}, ...], at least one item. */
static int items_(Cur *c, Row *r) {
    if (peek(c) != '[') return 0;
    c->i++;
    r->n_items = 0;
    for (;;) {
        if (r->n_items >= MAX_ITEMS || peek(c) != '{') return 0;
        c->i++;
        int has_detail = 0;
        if (peek(c) == '}') return 0;
        for (;;) {
            const unsigned char *k;
            Py_ssize_t n;
            if (!str_(c, &k, &n) || peek(c) != ':') return 0;
            c->i++;
            if (eq(k, n, "itm_det")) {
                if (has_detail || !item_detail(c, &r->items[r->n_items])) return 0;
                has_detail = 1;
            } else if (!skip_(c, 2)) {
                return 0;
            }
            int more = next_member(c);
            if (more == 2) break;
            if (more != 1) return 0;
        }
        if (!has_detail) return 0;
        r->n_items++;
        int ch = peek(c);
        c->i++;
        if (ch == ']') return 1;
        if (ch != ',') return 0;
    }
}

static int text_value(Cur *c, const unsigned char **s, Py_ssize_t *n) { return str_(c, s, n); }

/* Parse the row object at the cursor into r; 0 declines (the row goes through Python). */
static int parse_row(Cur *c, const Ctx *x, Row *r) {
    const unsigned char *k, *s;
    Py_ssize_t n, sn;
    unsigned seen = 0;
    memset(r, 0, offsetof(Row, items));
    r->rchrg = 'N';
    r->inv_typ = INV_R;
    if (peek(c) != '{') return 0;
    c->i++;
    if (peek(c) == '}') return 0;
    for (;;) {
        if (!str_(c, &k, &n) || peek(c) != ':') return 0;
        c->i++;
        int key = row_key(x, k, n);
        if (key != K_UNKNOWN) {
            if (seen & (1u << key)) return 0;
            seen |= 1u << key;
        }
        if (key == K_UNKNOWN) {
            if (!skip_(c, 1)) return 0;
        } else if (peek(c) == 'n') { /* null is absent: fine only where the field is optional */
            if (!null_(c)) return 0;
            if (key != K_RCHRG && key != K_INVTYP && key != K_ETIN && key != K_DIFF && key != K_FLAG) return 0;
        } else if (key == K_ITMS) {
            if (!items_(c, r)) return 0;
        } else if (key == K_VAL) {
            if (!amount_value(c, 0, &r->value)) return 0;
        } else if (key == K_DIFF) {
            Num v;
            int ch = peek(c);
            if (ch == '"') {
                if (!text_value(c, &s, &sn) || !eq(s, sn, "0.65")) return 0;
            } else {
                if (!num_(c, &v) || v.neg || v.exp || v.ilen != 1 || v.ip[0] != '0' || v.flen < 2 ||
                    v.fp[0] != '6' || v.fp[1] != '5')
                    return 0;
                for (Py_ssize_t q = 2; q < v.flen; q++)
                    if (v.fp[q] != '0') return 0;
            }
            r->diff = 1;
        } else {
            if (!text_value(c, &s, &sn)) return 0;
            switch (key) {
            case K_NUMBER:
                if (!doc_number_(s, sn)) return 0;
                r->number = s; r->number_len = sn;
                break;
            case K_ONUMBER:
                if (!doc_number_(s, sn)) return 0;
                r->onumber = s; r->onumber_len = sn;
                break;
            case K_DATE:
                if (!date_(s, sn, x->period_last, &r->date)) return 0;
                break;
            case K_ODATE:
                if (!date_(s, sn, x->period_last, &r->odate)) return 0;
                break;
            case K_POS:
                if (!pos_(s, sn)) return 0;
                r->pos[0] = (char)s[0]; r->pos[1] = (char)s[1];
                break;
            case K_RCHRG:
                if (!eq(s, sn, "Y") && !eq(s, sn, "N")) return 0;
                r->rchrg = s[0];
                break;
            case K_INVTYP: {
                int t = 0;
                while (t < N_INV_TYPES && !eq(s, sn, INV_TYPES[t])) t++;
                if (t == N_INV_TYPES) return 0;
                r->inv_typ = t;
                break;
            }
            case K_ETIN:
                if (!gstin_(s, sn)) return 0;
                memcpy(r->etin, s, 15);
                r->has_etin = 1;
                break;
            case K_NTTY:
                if (!eq(s, sn, "C") && !eq(s, sn, "D")) return 0;
                r->ntty = (char)s[0];
                break;
            case K_FLAG:
                r->deleted = eq(s, sn, "D");
                break;
            default:
                return 0;
            }
        }
        int more = next_member(c);
        if (more == 2) break;
        if (more != 1) return 0;
    }
    unsigned required = 1u << K_NUMBER | 1u << K_DATE | 1u << K_VAL | 1u << K_POS | 1u << K_ITMS;
    if (x->amendment) required |= 1u << K_ONUMBER | 1u << K_ODATE;
    if (x->note) required |= 1u << K_NTTY;
    return (seen & required) == required && r->number && r->date && r->n_items > 0 &&
           (!x->amendment || (r->onumber && r->odate));
}

/* ---------- the rules across fields (taxes.py, classification.py) --------------------------------- */

static i128 abs128(i128 v) { return v < 0 ? -v : v; }

static int taxes_ok(const Ctx *x, const Row *r) {
    int supplier_state_ne_pos = x->supplier[0] != r->pos[0] || x->supplier[1] != r->pos[1];
    int sez = r->inv_typ == INV_SEWP || r->inv_typ == INV_SEWOP;
    i128 total = 0;
    for (int k = 0; k < r->n_items; k++) {
        const Item *it = &r->items[k];
        total += (i128)it->taxable + it->igst + it->cgst + it->sgst + it->cess;
        if (RATES[it->rate] == 4000 && r->date < RATE_40_FROM) return 0;
        if (r->inv_typ == INV_SEWOP) {
            if (it->igst || it->cgst || it->sgst || it->cess) return 0;
            continue;
        }
        i128 expected = (i128)it->taxable * RATES[it->rate] * (r->diff ? 65 : 100); /* paise x 10^6 */
        if (sez || supplier_state_ne_pos) {
            if (it->cgst || it->sgst) return 0;
            if (abs128((i128)it->igst * 1000000 - expected) > (i128)TOLERANCE * 1000000) return 0;
        } else {
            if (it->igst || it->sgst != it->cgst) return 0;
            if (abs128((i128)it->cgst * 2000000 - expected) > (i128)TOLERANCE * 2000000) return 0;
        }
    }
    /* val may differ from taxable value plus taxes (docs/rules.md 9.6); one below it is accepted with a
     * warning, which Python gives (taxes.py value_warnings): decline such a row */
    return (i128)r->value + TOLERANCE >= total;
}

static int financial_year(int yyyymmdd) {
    int y = yyyymmdd / 10000, m = yyyymmdd / 100 % 100;
    return m >= 4 ? y : y - 1;
}

/* ---------- output: canonical JSON (the hash) and Avro -------------------------------------------- */

typedef struct {
    char *p;
    size_t n;
} Out;

/* Per call, not static: an allocation while a row is built may run a finalizer that lets another thread
 * (another filing) in, which would then scan with the same buffers. */
typedef struct {
    Row row;
    char json[8192 + MAX_ITEMS * 160];
    char avro[4096 + MAX_ITEMS * 64];
} Scratch;

static inline void put(Out *o, const void *s, size_t n) {
    memcpy(o->p + o->n, s, n);
    o->n += n;
}
static inline void puts_(Out *o, const char *s) { put(o, s, strlen(s)); }
static void put_int(Out *o, int64_t v) {
    char tmp[24];
    int k = 0;
    uint64_t u = v < 0 ? (uint64_t)(-(v + 1)) + 1 : (uint64_t)v;
    do { tmp[k++] = (char)('0' + u % 10); u /= 10; } while (u);
    if (v < 0) o->p[o->n++] = '-';
    while (k) o->p[o->n++] = tmp[--k];
}
static void put_iso(Out *o, int d) { /* yyyymmdd -> YYYY-MM-DD */
    char t[10] = {(char)('0' + d / 10000000), (char)('0' + d / 1000000 % 10), (char)('0' + d / 100000 % 10),
                  (char)('0' + d / 10000 % 10), '-', (char)('0' + d / 1000 % 10), (char)('0' + d / 100 % 10), '-',
                  (char)('0' + d / 10 % 10), (char)('0' + d % 10)};
    put(o, t, 10);
}
static void j_key(Out *o, const char *key) { /* ,"key": */
    if (o->n > 1) o->p[o->n++] = ',';
    o->p[o->n++] = '"';
    puts_(o, key);
    o->p[o->n++] = '"';
    o->p[o->n++] = ':';
}
static void j_str(Out *o, const char *key, const void *s, size_t n) {
    j_key(o, key);
    o->p[o->n++] = '"';
    put(o, s, n);
    o->p[o->n++] = '"';
}
static void j_int(Out *o, const char *key, int64_t v) {
    j_key(o, key);
    put_int(o, v);
}

static void a_long(Out *o, int64_t v) {
    uint64_t z = ((uint64_t)v << 1) ^ (uint64_t)(v >> 63);
    while (z & ~0x7fULL) {
        o->p[o->n++] = (char)((z & 0x7f) | 0x80);
        z >>= 7;
    }
    o->p[o->n++] = (char)z;
}
static void a_str(Out *o, const void *s, size_t n) {
    a_long(o, (int64_t)n);
    put(o, s, n);
}
static void a_opt(Out *o, const void *s, size_t n) { /* ["null", "string"] */
    if (s == NULL) {
        o->p[o->n++] = 0;
        return;
    }
    o->p[o->n++] = 2;
    a_str(o, s, n);
}
static void a_iso(Out *o, int d) {
    o->p[o->n++] = 20; /* length 10, zig-zag */
    put_iso(o, d);
}

typedef struct {
    int64_t taxable, igst, cgst, sgst, cess;
} Totals;

static int totals_of(const Row *r, Totals *t) {
    i128 s[5] = {0, 0, 0, 0, 0};
    for (int k = 0; k < r->n_items; k++) {
        s[0] += r->items[k].taxable; s[1] += r->items[k].igst; s[2] += r->items[k].cgst;
        s[3] += r->items[k].sgst; s[4] += r->items[k].cess;
    }
    for (int k = 0; k < 5; k++)
        if (s[k] >= INT64_LIMIT) return 0;
    t->taxable = (int64_t)s[0]; t->igst = (int64_t)s[1]; t->cgst = (int64_t)s[2];
    t->sgst = (int64_t)s[3]; t->cess = (int64_t)s[4];
    return 1;
}

/* The Checked tuple for an accepted row (a new reference), or NULL with an exception set. */
static PyObject *build(const Ctx *x, const Row *r, Scratch *w) {
    Totals t;
    if (!totals_of(r, &t)) return Py_None; /* sentinel: decline */
    int side = x->note && r->ntty == 'D' ? 1 : 0;
    const char *section = x->sec[side];
    size_t section_len = (size_t)x->sec_len[side];
    const char *supplier_state = x->supplier;
    const char *operator_ = x->has_ecom_op ? x->ecom_op : (r->has_etin ? r->etin : NULL);
    const char *inv_typ = INV_TYPES[r->inv_typ];
    int credit = x->note && r->ntty == 'C';
    int fy = financial_year(r->date);
    char upper[16], oupper[16];
    for (Py_ssize_t k = 0; k < r->number_len; k++)
        upper[k] = (char)(r->number[k] >= 'a' && r->number[k] <= 'z' ? r->number[k] - 32 : r->number[k]);
    for (Py_ssize_t k = 0; k < r->onumber_len; k++)
        oupper[k] = (char)(r->onumber[k] >= 'a' && r->onumber[k] <= 'z' ? r->onumber[k] - 32 : r->onumber[k]);

    /* route: reverse charge, then the place-of-supply bar, then section 16(4) */
    const char *route = "ims", *part = "ims", *reason = "";
    int pos_is_supplier = r->pos[0] == supplier_state[0] && r->pos[1] == supplier_state[1];
    int recipient_elsewhere = x->recipient[0] != r->pos[0] || x->recipient[1] != r->pos[1];
    if (r->rchrg == 'Y') {
        route = "gstr2b"; part = "revsup";
    } else if (pos_is_supplier && recipient_elsewhere) {
        route = "gstr2b"; part = "itcunavl"; reason = "P";
    } else if (x->filed_on && !credit && x->filed_on > (fy + 1) * 10000 + 1130) {
        route = "gstr2b"; part = "itcunavl"; reason = "C";
    }

    /* the canonical content, keys sorted, None left out: its SHA-256 is the version hash */
    Out j = {w->json, 0};
    j.p[j.n++] = '{';
    j_int(&j, "cess", t.cess);
    j_int(&j, "cgst", t.cgst);
    if (r->diff) j_str(&j, "diff_percent", "0.65", 4);
    j_key(&j, "doc_date");
    j.p[j.n++] = '"'; put_iso(&j, r->date); j.p[j.n++] = '"';
    if (operator_) j_str(&j, "ecom_operator", operator_, 15);
    j_int(&j, "igst", t.igst);
    j_str(&j, "inv_typ", inv_typ, strlen(inv_typ));
    j_key(&j, "items");
    j.p[j.n++] = '[';
    for (int k = 0; k < r->n_items; k++) {
        const Item *it = &r->items[k];
        if (k) j.p[j.n++] = ',';
        puts_(&j, "{\"cess\":"); put_int(&j, it->cess);
        puts_(&j, ",\"cgst\":"); put_int(&j, it->cgst);
        puts_(&j, ",\"igst\":"); put_int(&j, it->igst);
        puts_(&j, ",\"rate\":\""); puts_(&j, RATE_TEXT[it->rate]);
        puts_(&j, "\",\"sgst\":"); put_int(&j, it->sgst);
        puts_(&j, ",\"taxable\":"); put_int(&j, it->taxable);
        j.p[j.n++] = '}';
    }
    j.p[j.n++] = ']';
    if (x->note) j_str(&j, "note_type", &r->ntty, 1);
    j_str(&j, "number", r->number, (size_t)r->number_len);
    if (x->amendment) {
        j_key(&j, "orig_date");
        j.p[j.n++] = '"'; put_iso(&j, r->odate); j.p[j.n++] = '"';
        j_str(&j, "orig_number", r->onumber, (size_t)r->onumber_len);
    }
    j_str(&j, "pos", r->pos, 2);
    j_str(&j, "recipient", x->recipient, 15);
    j_str(&j, "return_period", x->return_period, 6);
    j_key(&j, "reverse_charge");
    puts_(&j, r->rchrg == 'Y' ? "true" : "false");
    j_str(&j, "section", section, section_len);
    j_int(&j, "sgst", t.sgst);
    j_str(&j, "source_form", x->source_form, (size_t)x->source_form_len);
    j_str(&j, "supplier", x->supplier, 15);
    j_int(&j, "taxable", t.taxable);
    j_int(&j, "value", r->value);
    j.p[j.n++] = '}';
    char hash[64];
    hash_hex((const uint8_t *)j.p, j.n, hash);

    /* FiledDocument (DocumentsFiled v2), fields in schema order */
    char key[64], okey[64];
    Out kb = {key, 0};
    put(&kb, section, section_len); kb.p[kb.n++] = '|';
    put(&kb, x->supplier, 15); kb.p[kb.n++] = '|';
    put_int(&kb, fy); kb.p[kb.n++] = '|';
    put(&kb, upper, (size_t)r->number_len);
    Out ob = {okey, 0};
    if (x->amendment) {
        put(&ob, x->osec[side], (size_t)x->osec_len[side]); ob.p[ob.n++] = '|';
        put(&ob, x->supplier, 15); ob.p[ob.n++] = '|';
        put_int(&ob, financial_year(r->odate)); ob.p[ob.n++] = '|';
        put(&ob, oupper, (size_t)r->onumber_len);
    }
    Out a = {w->avro, 0};
    a_str(&a, kb.p, kb.n);
    a_opt(&a, x->amendment ? ob.p : NULL, ob.n);
    a_str(&a, hash, 64);
    a_str(&a, section, section_len);
    a_str(&a, x->supplier, 15);
    a_str(&a, r->number, (size_t)r->number_len);
    a_iso(&a, r->date);
    a_str(&a, x->source_form, (size_t)x->source_form_len);
    a_str(&a, inv_typ, strlen(inv_typ));
    a_str(&a, r->pos, 2);
    a.p[a.n++] = r->rchrg == 'Y' ? 1 : 0;
    a_long(&a, r->value); a_long(&a, t.taxable); a_long(&a, t.igst);
    a_long(&a, t.cgst); a_long(&a, t.sgst); a_long(&a, t.cess);
    a_opt(&a, x->note ? &r->ntty : NULL, 1);
    a_opt(&a, x->amendment ? r->onumber : NULL, (size_t)r->onumber_len);
    if (x->amendment) {
        a.p[a.n++] = 2;
        a_iso(&a, r->odate);
    } else {
        a.p[a.n++] = 0;
    }
    a_opt(&a, operator_, 15);
    a_opt(&a, r->diff ? "0.65" : NULL, 4);
    a.p[a.n++] = 0; /* port_code */
    a_long(&a, r->n_items);
    for (int k = 0; k < r->n_items; k++) {
        const Item *it = &r->items[k];
        a_str(&a, RATE_TEXT[it->rate], strlen(RATE_TEXT[it->rate]));
        a_long(&a, it->taxable); a_long(&a, it->igst); a_long(&a, it->cgst);
        a_long(&a, it->sgst); a_long(&a, it->cess);
    }
    a.p[a.n++] = 0;
    a_str(&a, route, strlen(route));
    a_str(&a, part, strlen(part));
    a_str(&a, reason, strlen(reason));
    a_opt(&a, x->has_gstr2b ? x->gstr2b : NULL, 6);
    a.p[a.n++] = r->deleted ? 1 : 0;
    a.p[a.n++] = 0; /* sez_supplier: null (DocumentsFiled v2; only a Bill of Entry names one) */

    /* Checked(table, party_field, party, number_field, reported_number, problems, recipient, section, supplier,
     *         number, doc_date, series, claim, rank, item, deleted, warnings); this path takes no row with a
     * warning, so its warnings are the empty tuple */
    char series[40];
    Out sb = {series, 0};
    put(&sb, x->supplier, 15);
    put_int(&sb, fy);
    sb.p[sb.n++] = x->note ? '1' : '0';
    sb.p[sb.n++] = x->amendment ? '1' : '0';
    put(&sb, upper, (size_t)r->number_len);
    char iso[10];
    Out ib = {iso, 0};
    put_iso(&ib, r->date);
    PyObject *number = PyUnicode_FromStringAndSize((const char *)r->number, r->number_len);
    PyObject *doc_date = PyUnicode_FromStringAndSize(iso, 10);
    PyObject *series_o = PyUnicode_FromStringAndSize(series, (Py_ssize_t)sb.n);
    PyObject *fy_o = PyLong_FromLong(fy);
    PyObject *upper_o = PyUnicode_FromStringAndSize(upper, r->number_len);
    PyObject *item = PyBytes_FromStringAndSize(a.p, (Py_ssize_t)a.n);
    PyObject *out = checked_type->tp_alloc(checked_type, CHECKED_FIELDS);
    if (!number || !doc_date || !series_o || !fy_o || !upper_o || !item || !out) goto fail;
    PyObject *claim = PyTuple_Pack(4, x->supplier_o, fy_o, x->series_o, upper_o);
    if (claim == NULL) goto fail;
    Py_DECREF(fy_o);
    Py_DECREF(upper_o);
    PyObject *fields[CHECKED_FIELDS] = {x->table, x->party_field, x->party, x->number_field, number, x->problems,
                                        x->recipient_o, x->sec_o[side], x->supplier_o, number, doc_date, series_o,
                                        claim, x->rank_o, item, r->deleted ? Py_True : Py_False, x->problems};
    for (int k = 0; k < CHECKED_FIELDS; k++) {
        int created = k == 4 || k == 9 || k == 10 || k == 11 || k == 12 || k == 14;
        if (!created) Py_INCREF(fields[k]);
        PyTuple_SET_ITEM(out, k, fields[k]);
    }
    Py_INCREF(number); /* held twice: reported_number and number */
    return out;
fail:
    Py_XDECREF(number); Py_XDECREF(doc_date); Py_XDECREF(series_o); Py_XDECREF(fy_o);
    Py_XDECREF(upper_o); Py_XDECREF(item); Py_XDECREF(out);
    return NULL;
}

/* ---------- entry points ------------------------------------------------------------------------------ */


/* One row at the cursor: a Checked (new reference), Py_None (borrowed: declined) or NULL (error). */
static PyObject *one_row(Cur *c, const Ctx *x, Scratch *w) {
    if (!parse_row(c, x, &w->row) || !taxes_ok(x, &w->row)) return Py_None;
    return build(x, &w->row, w);
}

static Ctx *ctx_of(PyObject *capsule) { return (Ctx *)PyCapsule_GetPointer(capsule, "fastrows.ctx"); }

static int ready(void) {
    if (checked_type == NULL) {
        PyErr_SetString(PyExc_RuntimeError, "fastrows: configure(Checked) first");
        return 0;
    }
    return 1;
}

/* scan(text, pos, ctx) -> (rows, pos, closed): the rows of an array taken from `pos` (just after '[' or
 * ','), up to the first row it declines or that the window does not hold whole; `closed` when it also
 * consumed the array's ']'. The caller reads the next row itself when not closed. */
static PyObject *scan(PyObject *self, PyObject *args) {
    PyObject *text, *capsule;
    Py_ssize_t pos;
    if (!PyArg_ParseTuple(args, "UnO", &text, &pos, &capsule) || !ready()) return NULL;
    Ctx *x = ctx_of(capsule);
    if (x == NULL) return NULL;
    Scratch *w = PyMem_Malloc(sizeof(Scratch));
    if (w == NULL) return PyErr_NoMemory();
    PyObject *rows = PyList_New(0);
    if (rows == NULL) goto fail;
    int closed = 0;
    if (PyUnicode_KIND(text) == PyUnicode_1BYTE_KIND && pos >= 0) {
        Cur c = {PyUnicode_1BYTE_DATA(text), PyUnicode_GET_LENGTH(text), pos};
        for (;;) {
            Cur at = c;
            PyObject *row = one_row(&at, x, w);
            if (row == NULL) goto fail;
            if (row == Py_None) break;
            int ch = peek(&at);
            if (ch != ',' && ch != ']') {
                Py_DECREF(row);
                break;
            }
            at.i++;
            int failed = PyList_Append(rows, row);
            Py_DECREF(row);
            if (failed) goto fail;
            pos = at.i;
            c = at;
            if (ch == ']') {
                closed = 1;
                break;
            }
        }
    }
    PyMem_Free(w);
    return Py_BuildValue("(NnO)", rows, pos, closed ? Py_True : Py_False);
fail:
    PyMem_Free(w);
    Py_XDECREF(rows);
    return NULL;
}

/* check(text, ctx) -> Checked | None: one row's text, alone (tests compare it with Python's answer). */
static PyObject *check(PyObject *self, PyObject *args) {
    PyObject *text, *capsule;
    if (!PyArg_ParseTuple(args, "UO", &text, &capsule) || !ready()) return NULL;
    Ctx *x = ctx_of(capsule);
    if (x == NULL) return NULL;
    if (PyUnicode_KIND(text) != PyUnicode_1BYTE_KIND) Py_RETURN_NONE;
    /* the text gets a delimiter after it, as a row inside its array has */
    Py_ssize_t n = PyUnicode_GET_LENGTH(text);
    unsigned char *copy = PyMem_Malloc((size_t)n + 1);
    Scratch *w = PyMem_Malloc(sizeof(Scratch));
    if (copy == NULL || w == NULL) {
        PyMem_Free(copy);
        PyMem_Free(w);
        return PyErr_NoMemory();
    }
    memcpy(copy, PyUnicode_1BYTE_DATA(text), (size_t)n);
    copy[n] = ']';
    Cur c = {copy, n + 1, 0};
    PyObject *row = one_row(&c, x, w);
    if (row != NULL && row != Py_None && (peek(&c) != ']' || c.i != n)) {
        Py_DECREF(row);
        row = Py_None;
    }
    PyMem_Free(copy);
    PyMem_Free(w);
    if (row == Py_None) Py_RETURN_NONE;
    return row;
}

static PyObject *configure(PyObject *self, PyObject *arg) {
    if (!PyType_Check(arg) || !PyType_IsSubtype((PyTypeObject *)arg, &PyTuple_Type)) {
        PyErr_SetString(PyExc_TypeError, "fastrows: Checked must be a tuple type");
        return NULL;
    }
    Py_XDECREF(checked_type);
    Py_INCREF(arg);
    checked_type = (PyTypeObject *)arg;
    Py_RETURN_NONE;
}

/* use_libcrypto(flag) -> bool: whether hashes now come from libcrypto (tests run both implementations) */
static PyObject *use_libcrypto(PyObject *self, PyObject *arg) {
    int on = PyObject_IsTrue(arg);
    if (on < 0) return NULL;
    ossl_init = NULL;
    if (on) find_libcrypto();
    return PyBool_FromLong(ossl_init != NULL);
}

static PyObject *libcrypto(PyObject *self, PyObject *unused) { return PyBool_FromLong(ossl_init != NULL); }

static PyMethodDef methods[] = {
    {"libcrypto", libcrypto, METH_NOARGS, "libcrypto() -> whether libcrypto's SHA-256 is in use"},
    {"use_libcrypto", use_libcrypto, METH_O, "use_libcrypto(flag) -> whether libcrypto's SHA-256 is used"},
    {"configure", configure, METH_O, "configure(Checked): the tuple type of a checked row"},
    {"context", make_context, METH_VARARGS, "the native context of one party entry of one table"},
    {"scan", scan, METH_VARARGS, "scan(text, pos, ctx) -> (rows, pos, closed)"},
    {"check", check, METH_VARARGS, "check(text, ctx) -> Checked | None"},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_fastrows", NULL, -1, methods};

PyMODINIT_FUNC PyInit__fastrows(void) {
    PyObject *hashlib = PyImport_ImportModule("hashlib"); /* loads libcrypto, whose SHA-256 uses the CPU's */
    if (hashlib == NULL) PyErr_Clear();
    Py_XDECREF(hashlib);
    find_libcrypto();
    PyObject *m = PyModule_Create(&module);
    if (m == NULL) return NULL;
    if (PyModule_AddIntConstant(m, "ABI", ABI_VERSION) < 0 ||
        PyModule_AddIntConstant(m, "CHECKED_FIELDS", CHECKED_FIELDS) < 0) {
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
