/*
 * json.c: the strict JSON parser every input goes through (nesting capped
 * at JSONX_MAX_DEPTH, invalid UTF-8 refused by our own validator before
 * json-c sees a byte, trailing bytes refused, numbers json-c would
 * silently saturate or make infinite refused, a bare null, json-c's
 * single-quoted keys and duplicate keys refused) and small accessors.
 * Getters borrow: the returned object or string lives as long as its
 * parent. Adders take ownership of nothing the caller keeps.
 *
 * It also owns how doubles are written: json-c prints %.17g, so 0.3
 * would read 0.29999999999999999. Every double Sluice writes is either
 * made by jsonx_new_double or parsed by jsonx_parse, and both give it
 * double_to_json, which prints the shortest text that reads back as the
 * same double. The rule for code elsewhere: never json_object_new_double.
 */
#include <assert.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/printbuf.h>

#include "json.h"
#include "timefmt.h"
#include "xalloc.h"

/* Room for any text double_text writes, e.g. "-1.2345678901234567e-308". */
#define DOUBLE_TEXT_LEN 32

/*
 * Puts in digits (DOUBLE_TEXT_LEN bytes) the fewest significant digits, 1 to
 * 17, of the finite d that strtod reads back as d, without sign, point or
 * trailing zeros. Returns the decimal exponent of the first digit.
 */
static int
shortest_digits(double d, char *digits)
{
	char buf[DOUBLE_TEXT_LEN], *e;
	size_t k = 0;

	for (int p = 1;; p++) {
		snprintf(buf, sizeof(buf), "%.*e", p - 1, d);
		if (p == 17 || strtod(buf, NULL) == d)
			break;
	}
	e = strchr(buf, 'e');
	assert(e != NULL);
	for (const char *c = buf; c < e; c++)
		if (*c >= '0' && *c <= '9')
			digits[k++] = *c;
	while (k > 1 && digits[k - 1] == '0')
		k--;
	digits[k] = '\0';
	return (int)strtol(e + 1, NULL, 10);
}

/*
 * Writes d to buf (DOUBLE_TEXT_LEN bytes) the way JavaScript's
 * Number.prototype.toString lays out the shortest digits: plain up to
 * 21 integer digits, 0.000001 and above without exponent, 1e-7 and
 * 1e+21 with one. An integral value keeps json-c's ".0" so it still
 * reads as a double (1.0, -0.0). NaN and infinities have no JSON form:
 * they are written as null, as JSON.stringify does. Returns the length.
 */
static size_t
double_text(double d, char *buf)
{
	char digits[DOUBLE_TEXT_LEN], *p = buf;
	size_t k;
	int n;

	if (!isfinite(d)) {
		strcpy(buf, "null");
		return 4;
	}
	if (signbit(d))
		*p++ = '-';
	n = shortest_digits(d, digits) + 1;	/* digits before the point */
	k = strlen(digits);
	if ((int)k <= n && n <= 21) {			/* 1500.0 */
		memcpy(p, digits, k);
		memset(p + k, '0', (size_t)n - k);
		memcpy(p + n, ".0", 2);
		p += n + 2;
	} else if (n > 0 && n <= 21) {			/* 1.5 */
		memcpy(p, digits, (size_t)n);
		p[n] = '.';
		memcpy(p + n + 1, digits + n, k - (size_t)n);
		p += k + 1;
	} else if (n > -6 && n <= 0) {			/* 0.0015 */
		memcpy(p, "0.", 2);
		memset(p + 2, '0', (size_t)-n);
		memcpy(p + 2 - n, digits, k);
		p += 2 - n + (int)k;
	} else {					/* 1.5e-7 */
		*p++ = digits[0];
		if (k > 1) {
			*p++ = '.';
			memcpy(p, digits + 1, k - 1);
			p += k - 1;
		}
		p += sprintf(p, "e%+d", n - 1);
	}
	*p = '\0';
	return (size_t)(p - buf);
}

/* json-c's serializer for every double Sluice writes (see the top). */
static int
double_to_json(struct json_object *jso, struct printbuf *pb, int level,
    int flags)
{
	char buf[DOUBLE_TEXT_LEN];
	size_t len = double_text(json_object_get_double(jso), buf);

	(void)level;
	(void)flags;
	return printbuf_memappend(pb, buf, (int)len);
}

/*
 * The length of the UTF-8 sequence whose lead byte is c (1 to 4), with the
 * range its second byte must fall in (RFC 3629, table 3-7 of Unicode):
 * narrower after E0 (no overlong 3-byte forms), ED (no UTF-16 surrogates),
 * F0 (no overlong 4-byte forms) and F4 (nothing above U+10FFFF). Returns
 * 0 for a byte that cannot start a sequence, with the reason in *bad.
 */
static int
utf8_lead(unsigned char c, unsigned char *lo, unsigned char *hi,
    const char **bad)
{
	*lo = 0x80;
	*hi = 0xbf;
	if (c < 0x80)
		return 1;
	if (c < 0xc0)
		*bad = "continuation byte without a lead byte";
	else if (c < 0xc2)
		*bad = "overlong encoding";
	else if (c < 0xe0)
		return 2;
	else if (c < 0xf0) {
		if (c == 0xe0)
			*lo = 0xa0;
		else if (c == 0xed)
			*hi = 0x9f;
		return 3;
	} else if (c < 0xf5) {
		if (c == 0xf0)
			*lo = 0x90;
		else if (c == 0xf4)
			*hi = 0x8f;
		return 4;
	} else
		*bad = "byte above 0xF4";
	return 0;
}

/*
 * Checks that the len bytes of buf are well-formed UTF-8: no overlong
 * forms, no encoded surrogates (U+D800..U+DFFF), nothing above U+10FFFF,
 * no stray continuation bytes and no truncated sequences. json-c's own
 * check looks only at the shape of lead and continuation bytes, so it
 * took "\xc0\xaf" (an overlong "/") and "\xed\xa0\x80". Returns 0, or -1
 * with why naming the problem and its byte offset.
 */
static int
utf8_check(const char *buf, size_t len, char *why, size_t whysz)
{
	const unsigned char *p = (const unsigned char *)buf;
	const char *bad = NULL;
	unsigned char lo, hi, c;
	size_t i = 0, at = 0;
	int n;

	while (i < len && bad == NULL) {
		at = i;
		if ((n = utf8_lead(p[i], &lo, &hi, &bad)) == 0)
			break;
		for (int j = 1; j < n && bad == NULL; j++) {
			if (i + (size_t)j >= len) {
				bad = "sequence truncated by the end of input";
				break;
			}
			c = p[i + (size_t)j];
			if ((c & 0xc0) != 0x80)
				bad = "incomplete sequence";
			else if (j == 1 && (c < lo || c > hi))
				bad = p[i] == 0xed ? "UTF-16 surrogate encoded "
				    "in UTF-8" : p[i] == 0xf4 ? "code point "
				    "above U+10FFFF" : "overlong encoding";
		}
		i += (size_t)n;
	}
	if (bad == NULL)
		return 0;
	snprintf(why, whysz, "invalid UTF-8 at byte %zu: %s", at, bad);
	return -1;
}

/*
 * Refuses numbers that json-c could not represent: it turns 1e999 into an
 * infinity and clamps integers beyond 64 bits to INT64_MIN/INT64_MAX (or
 * UINT64_MAX), so a stored value would differ from the one sent. The two
 * extreme int64 values are refused too: they cannot be told from a clamp.
 * On the same walk (parsing already pays for it) each double gets
 * double_to_json in place of json-c's copy of its input text, so 0.30 and
 * 3e-1 are stored and passed on as 0.3, like a double made here.
 * Nesting is at most JSONX_MAX_DEPTH, so the recursion is bounded.
 */
static int
numbers_settle(struct json_object *v, char *why, size_t whysz)
{
	int64_t n;
	size_t len;

	switch (json_object_get_type(v)) {
	case json_type_double:
		/* Printed like any double, not as the input spelt it. */
		json_object_set_serializer(v, double_to_json, NULL, NULL);
		if (isfinite(json_object_get_double(v)))
			return 0;
		snprintf(why, whysz, "invalid JSON: number out of range");
		return -1;
	case json_type_int:
		n = json_object_get_int64(v);
		if (n != INT64_MAX && n != INT64_MIN)
			return 0;
		snprintf(why, whysz, "invalid JSON: integer out of the "
		    "64-bit range");
		return -1;
	case json_type_array:
		len = json_object_array_length(v);
		for (size_t i = 0; i < len; i++)
			if (numbers_settle(json_object_array_get_idx(v, i), why,
			    whysz) == -1)
				return -1;
		return 0;
	case json_type_object: {
		json_object_object_foreach(v, key, val) {
			(void)key;
			if (numbers_settle(val, why, whysz) == -1)
				return -1;
		}
		return 0;
	}
	default:
		return 0;
	}
}

/*
 * Returns the offset of the first single quote outside a string in the
 * len bytes of buf, or -1. json-c's strict mode still takes 'key' as an
 * object key; in JSON a quote can only appear inside a "string".
 */
static long
stray_quote(const char *buf, size_t len)
{
	int in_str = 0;

	for (size_t i = 0; i < len; i++) {
		if (in_str) {
			if (buf[i] == '\\')
				i++;
			else if (buf[i] == '"')
				in_str = 0;
		} else if (buf[i] == '"') {
			in_str = 1;
		} else if (buf[i] == '\'') {
			return (long)i;
		}
	}
	return -1;
}

struct keycounts {
	int *n;			/* keys of each object, in order of '{' */
	size_t len, cap;
	size_t next;		/* the next object to compare */
};

/*
 * Counts the keys of every object in the valid JSON text buf, in the
 * order the objects open. Strings are skipped whole, so braces and
 * quotes inside them do not count.
 */
static void
count_keys(const char *buf, size_t len, struct keycounts *kc)
{
	long stack[JSONX_MAX_DEPTH + 2];	/* object index, or -1: array */
	int depth = 0, want_key = 0;

	for (size_t i = 0; i < len; i++) {
		switch (buf[i]) {
		case '{':
			if (kc->len == kc->cap) {
				kc->cap = kc->cap ? 2 * kc->cap : 16;
				kc->n = xrealloc(kc->n, kc->cap * sizeof(int));
			}
			kc->n[kc->len] = 0;
			if (depth < JSONX_MAX_DEPTH + 2)
				stack[depth] = (long)kc->len;
			depth++;
			kc->len++;
			want_key = 1;
			break;
		case '[':
			if (depth < JSONX_MAX_DEPTH + 2)
				stack[depth] = -1;
			depth++;
			want_key = 0;
			break;
		case '}':
		case ']':
			depth--;
			want_key = 0;
			break;
		case ',':
			want_key = depth > 0 && depth <= JSONX_MAX_DEPTH + 2 &&
			    stack[depth - 1] >= 0;
			break;
		case '"':
			if (want_key && depth > 0 && depth <= JSONX_MAX_DEPTH + 2)
				kc->n[stack[depth - 1]]++;
			want_key = 0;
			for (i++; i < len && buf[i] != '"'; i++)
				if (buf[i] == '\\')
					i++;
			break;
		default:
			break;
		}
	}
}

/*
 * Walks v's objects in the order their '{' appear in the text and
 * returns -1 at the first whose json-c key count is smaller than the
 * text's: json-c keeps only the last of duplicate keys. Objects before
 * the first duplicate line up exactly, so the first mismatch is it.
 */
static int
keys_match(struct json_object *v, struct keycounts *kc)
{
	size_t len;

	switch (json_object_get_type(v)) {
	case json_type_object: {
		if (kc->next >= kc->len || kc->n[kc->next++] !=
		    json_object_object_length(v))
			return -1;
		json_object_object_foreach(v, key, val) {
			(void)key;
			if (keys_match(val, kc) == -1)
				return -1;
		}
		return 0;
	}
	case json_type_array:
		len = json_object_array_length(v);
		for (size_t i = 0; i < len; i++)
			if (keys_match(json_object_array_get_idx(v, i), kc) ==
			    -1)
				return -1;
		return 0;
	default:
		return 0;
	}
}

/* Returns 1 when some object in the text buf names a key twice. */
static int
duplicate_keys(const char *buf, size_t len, struct json_object *root)
{
	struct keycounts kc = { 0 };
	int dup;

	if (memchr(buf, '{', len) == NULL)
		return 0;
	count_keys(buf, len, &kc);
	dup = keys_match(root, &kc) == -1;
	free(kc.n);
	return dup;
}

/*
 * Parses len bytes of buf. Returns a new object the caller puts, or NULL
 * with the reason (and byte offset, when it helps) in why. A document
 * that is just null is refused like invalid input, so NULL always means
 * failure.
 */
struct json_object *
jsonx_parse(const char *buf, size_t len, char *why, size_t whysz)
{
	struct json_tokener *tok;
	struct json_object *obj;
	enum json_tokener_error err;
	size_t end;
	long q;

	if (len > INT32_MAX) {
		snprintf(why, whysz, "JSON document too large");
		return NULL;
	}
	if (memchr(buf, '\0', len) != NULL) {
		snprintf(why, whysz, "invalid JSON: NUL byte in input");
		return NULL;
	}
	if (utf8_check(buf, len, why, whysz) == -1)
		return NULL;
	tok = json_tokener_new_ex(JSONX_MAX_DEPTH);
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);	/* UTF-8: above */
	obj = json_tokener_parse_ex(tok, buf, (int)len);
	err = json_tokener_get_error(tok);
	end = json_tokener_get_parse_end(tok);
	if (err == json_tokener_continue) {
		/*
		 * All of buf was read. A top-level number or literal ("42",
		 * "true") ends only at a delimiter: the terminating NUL
		 * tells json-c the input is complete.
		 */
		obj = json_tokener_parse_ex(tok, "", 1);
		err = json_tokener_get_error(tok);
		end = len;
	}
	if (err == json_tokener_continue || err == json_tokener_error_parse_eof)
		snprintf(why, whysz, "invalid JSON: unexpected end of input");
	else if (err != json_tokener_success)
		snprintf(why, whysz, "invalid JSON at byte %zu: %s", end,
		    json_tokener_error_desc(err));
	else {
		while (end < len && strchr(" \t\r\n", buf[end]))
			end++;
		if (end < len) {
			snprintf(why, whysz, "invalid JSON: trailing data at "
			    "byte %zu", end);
			err = json_tokener_error_parse_unexpected;
		} else if ((q = stray_quote(buf, len)) >= 0) {
			snprintf(why, whysz, "invalid JSON at byte %ld: "
			    "strings and keys need double quotes", q);
			err = json_tokener_error_parse_unexpected;
		} else if (obj != NULL && duplicate_keys(buf, len, obj)) {
			snprintf(why, whysz, "invalid JSON: an object names the "
			    "same key twice");
			err = json_tokener_error_parse_object_key_name;
		} else if (obj == NULL) {
			snprintf(why, whysz, "null is not accepted here");
			err = json_tokener_error_parse_null;
		} else if (numbers_settle(obj, why, whysz) == -1) {
			err = json_tokener_error_parse_number;
		}
	}
	json_tokener_free(tok);
	if (err != json_tokener_success) {
		json_object_put(obj);
		return NULL;
	}
	return obj;
}

/* Returns obj[key] (borrowed) or NULL when obj is not an object. */
struct json_object *
jsonx_get(struct json_object *obj, const char *key)
{
	struct json_object *v = NULL;

	if (!json_object_is_type(obj, json_type_object))
		return NULL;
	json_object_object_get_ex(obj, key, &v);
	return v;
}

/* Returns obj[key] as a string (borrowed) or NULL if absent/not a string. */
const char *
jsonx_get_str(struct json_object *obj, const char *key)
{
	struct json_object *v = jsonx_get(obj, key);

	return json_object_is_type(v, json_type_string) ?
	    json_object_get_string(v) : NULL;
}

/* Returns 1 when v is an integer (not a double or string). */
int
jsonx_is_int(struct json_object *v)
{
	return json_object_is_type(v, json_type_int);
}

/* Sets obj[key] to a copy of v, or to null when v is NULL. */
void
jsonx_add_str(struct json_object *obj, const char *key, const char *v)
{
	json_object_object_add(obj, key, v ? json_object_new_string(v) :
	    NULL);
}

/* Sets obj[key] to the integer v. */
void
jsonx_add_int(struct json_object *obj, const char *key, int64_t v)
{
	json_object_object_add(obj, key, json_object_new_int64(v));
}

/*
 * Returns a new double object the caller puts (or adds to a parent),
 * printed in the shortest form that reads back as d: 0.3, 1.0, 1e-7.
 */
struct json_object *
jsonx_new_double(double d)
{
	struct json_object *v = json_object_new_double(d);

	json_object_set_serializer(v, double_to_json, NULL, NULL);
	return v;
}

/* Sets obj[key] to the double d, printed as jsonx_new_double does. */
void
jsonx_add_double(struct json_object *obj, const char *key, double d)
{
	json_object_object_add(obj, key, jsonx_new_double(d));
}

/* Sets obj[key] to ms as RFC 3339, or null when ms is 0 (never set). */
void
jsonx_add_time(struct json_object *obj, const char *key, int64_t ms)
{
	char buf[TIMEFMT_LEN];

	jsonx_add_str(obj, key, ms ? timefmt_rfc3339(ms, buf) : NULL);
}

/* Returns compact JSON text for obj, borrowed until obj is put. */
const char *
jsonx_text(struct json_object *obj)
{
	return json_object_to_json_string_ext(obj, JSON_C_TO_STRING_PLAIN |
	    JSON_C_TO_STRING_NOSLASHESCAPE);
}
