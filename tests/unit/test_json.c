/*
 * test_json.c: the strict parser every input goes through (lib/json.c).
 * A complete document of one number or literal parses (a task result of
 * 42, `sluicectl run -p n:=5`); a bare null, NUL bytes, invalid UTF-8
 * (overlong forms, encoded surrogates, bytes above 0xF4, stray or
 * truncated sequences, each named),
 * trailing data, deep nesting, infinite numbers and integers json-c would
 * clamp are refused with a reason; NULL always comes with a message.
 * Doubles, made by jsonx_new_double or parsed, print in the shortest
 * form that reads back as the same double (0.3, not 0.29999999999999999),
 * integral ones keep ".0", and random bit patterns all read back. One
 * line per case; exit 1 on any failure.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "json.h"

/* Parses text; returns 1 when it parsed and prints as want. */
static int
parses_as(const char *text, size_t len, const char *want, char *why,
    size_t whysz)
{
	struct json_object *o;
	int ok;

	why[0] = '\0';
	if ((o = jsonx_parse(text, len, why, whysz)) == NULL)
		return 0;
	ok = strcmp(jsonx_text(o), want) == 0;
	if (!ok)
		snprintf(why, whysz, "got %s", jsonx_text(o));
	json_object_put(o);
	return ok;
}

static void
accepted(const char *name, const char *text, const char *want)
{
	char why[256];

	check(name, parses_as(text, strlen(text), want, why, sizeof(why)),
	    why);
}

/* Expects a refusal whose reason contains part. */
static void
refused(const char *name, const char *text, size_t len, const char *part)
{
	char why[256], detail[400];
	struct json_object *o;

	strcpy(why, "(untouched)");
	o = jsonx_parse(text, len, why, sizeof(why));
	snprintf(detail, sizeof(detail), "%s -> %s", o ? "parsed" :
	    "refused", why);
	check(name, o == NULL && strstr(why, part) != NULL, detail);
	json_object_put(o);
}

static void
refused_text(const char *name, const char *text, const char *part)
{
	refused(name, text, strlen(text), part);
}

/* Expects jsonx_new_double(d) to print as want. */
static void
double_prints(const char *name, double d, const char *want)
{
	struct json_object *o = jsonx_new_double(d);
	char detail[128];

	snprintf(detail, sizeof(detail), "got %s", jsonx_text(o));
	check(name, strcmp(jsonx_text(o), want) == 0, detail);
	json_object_put(o);
}

/*
 * Prints doubles of n pseudo-random bit patterns (a fixed xorshift, so a
 * failure repeats) and checks each text reads back as the same double
 * and is at most 25 bytes (a sign, 17 digits and an exponent such as
 * "e-308", or 21 integer digits and ".0").
 */
static void
random_doubles_read_back(const char *name, int n)
{
	uint64_t x = 0x9e3779b97f4a7c15u, bits;
	char detail[160] = "", full[40];
	struct json_object *o;
	const char *t;
	double d;
	int bad = 0;

	for (int i = 0; i < n && !bad; i++) {
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		bits = x;
		memcpy(&d, &bits, sizeof(d));
		if (!isfinite(d))
			continue;
		o = jsonx_new_double(d);
		t = jsonx_text(o);
		snprintf(full, sizeof(full), "%.17g", d);
		if (strtod(t, NULL) != d || strlen(t) > 25) {
			snprintf(detail, sizeof(detail), "%s printed %s", full,
			    t);
			bad = 1;
		}
		json_object_put(o);
	}
	check(name, !bad, detail);
}

int
main(void)
{
	double_prints("double_0_3", 0.3, "0.3");
	double_prints("double_0_1", 0.1, "0.1");
	double_prints("double_duration_0_068", 68 / 1000.0, "0.068");
	double_prints("double_2_5", 2.5, "2.5");
	double_prints("double_integral_keeps_point", 1.0, "1.0");
	double_prints("double_zero", 0.0, "0.0");
	double_prints("double_negative_zero", -0.0, "-0.0");
	double_prints("double_negative", -1.5, "-1.5");
	double_prints("double_needs_17_digits", 0.1 + 0.2,
	    "0.30000000000000004");
	double_prints("double_small_plain", 0.000001, "0.000001");
	double_prints("double_small_exponent", 1e-7, "1e-7");
	double_prints("double_small_exponent_digits", 1.25e-7, "1.25e-7");
	double_prints("double_large_int", 1e15, "1000000000000000.0");
	double_prints("double_2_pow_53", 9007199254740992.0,
	    "9007199254740992.0");
	double_prints("double_1e20_plain", 1e20, "100000000000000000000.0");
	double_prints("double_1e21_exponent", 1e21, "1e+21");
	double_prints("double_max", 1.7976931348623157e308,
	    "1.7976931348623157e+308");
	double_prints("double_min_subnormal", 5e-324, "5e-324");
	double_prints("double_nan_is_null", NAN, "null");
	double_prints("double_infinity_is_null", -INFINITY, "null");
	random_doubles_read_back("random_doubles_read_back", 200000);
	accepted("parsed_doubles_shortest", "{\"p\":0.30,\"q\":[3e-1,1E2,"
	    "0.1,1.0,-0.0,1.5e300]}",
	    "{\"p\":0.3,\"q\":[0.3,100.0,0.1,1.0,-0.0,1.5e+300]}");
	accepted("parsed_17_digits_shortened", "[0.29999999999999999,"
	    "0.10000000000000001,0.068000000000000005]", "[0.3,0.1,0.068]");

	accepted("object", "{\"a\": [1, 2.5, \"x\", true, null]}",
	    "{\"a\":[1,2.5,\"x\",true,null]}");
	accepted("top_level_integer", "42", "42");
	accepted("top_level_negative", "-7", "-7");
	accepted("top_level_number", "2.5", "2.5");
	accepted("top_level_true", "true", "true");
	accepted("top_level_false", "false", "false");
	accepted("top_level_string", "\"x\"", "\"x\"");
	accepted("trailing_whitespace", "{} \n\t", "{}");
	accepted("largest_integer", "9223372036854775806",
	    "9223372036854775806");
	accepted("smallest_integer", "-9223372036854775807",
	    "-9223372036854775807");

	refused("null_document", "null", 4, "null is not accepted");
	refused("null_document_with_space", "null ", 5,
	    "null is not accepted");
	refused("empty", "", 0, "unexpected end of input");
	refused("blank", "  \n", 3, "unexpected end of input");
	refused("unterminated_object", "{\"a\":", 5,
	    "unexpected end of input");
	refused("unterminated_literal", "nul", 3, "unexpected end of input");
	refused("lone_minus", "-", 1, "unexpected end of input");
	refused("trailing_data", "{} x", 4, "invalid JSON");
	refused("two_numbers", "1 2", 3, "invalid JSON");
	refused("trailing_comma", "{\"a\":1,}", 8, "invalid JSON");
	refused("single_quoted_key", "{'a':1}", 7, "double quotes");
	accepted("quote_inside_string", "{\"it's\": \"a \\\" '\"}",
	    "{\"it's\":\"a \\\" '\"}");
	refused("nul_byte", "{\"a\":\"x\0\"}", 10, "NUL byte");
	refused("invalid_utf8", "[\"\xff\"]", 5,
	    "invalid UTF-8 at byte 2: byte above 0xF4");
	refused("utf8_overlong_slash", "[\"\xc0\xaf\"]", 6,
	    "invalid UTF-8 at byte 2: overlong encoding");
	refused("utf8_overlong_3byte", "[\"\xe0\x80\xaf\"]", 7,
	    "overlong encoding");
	refused("utf8_overlong_4byte", "[\"\xf0\x80\x80\xaf\"]", 8,
	    "overlong encoding");
	refused("utf8_surrogate", "[\"\xed\xa0\x80\"]", 7,
	    "UTF-16 surrogate");
	refused("utf8_low_surrogate", "[\"\xed\xbf\xbf\"]", 7,
	    "UTF-16 surrogate");
	refused("utf8_above_10ffff", "[\"\xf4\x90\x80\x80\"]", 8,
	    "above U+10FFFF");
	refused("utf8_f5", "[\"\xf5\x80\x80\x80\"]", 8, "above 0xF4");
	refused("utf8_stray_continuation", "[\"a\x80\"]", 5,
	    "invalid UTF-8 at byte 3: continuation byte");
	refused("utf8_incomplete", "[\"\xe2\x82\"]", 6,
	    "incomplete sequence");
	refused("utf8_truncated_at_end", "\"\xe2\x82", 3,
	    "truncated by the end of input");
	refused("utf8_in_key", "{\"\xc1\xbf\":1}", 7, "overlong");
	accepted("utf8_valid_edges", "[\"\xc2\x80\xdf\xbf\xe0\xa0\x80"
	    "\xed\x9f\xbf\xee\x80\x80\xf0\x90\x80\x80\xf4\x8f\xbf\xbf\"]",
	    "[\"\xc2\x80\xdf\xbf\xe0\xa0\x80\xed\x9f\xbf\xee\x80\x80"
	    "\xf0\x90\x80\x80\xf4\x8f\xbf\xbf\"]");
	refused("too_deep",
	    "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]"
	    "]]]]]]]]]]]]]]]]]]]]", 80, "nesting too deep");
	refused("infinite_number", "1e999", 5, "number out of range");
	refused("infinite_nested", "{\"a\":[1,-1e999]}", 16,
	    "number out of range");
	refused("integer_above_int64", "{\"n\":99999999999999999999}", 26,
	    "integer out of the 64-bit range");
	refused("integer_below_int64", "[-9223372036854775809]", 22,
	    "integer out of the 64-bit range");
	refused("nan_literal", "NaN", 3, "invalid JSON");

	refused_text("duplicate_key", "{\"a\":1,\"a\":2}", "same key twice");
	refused_text("duplicate_key_nested", "{\"x\":[{\"p\":true,\"q\":1,"
	    "\"p\":false}]}", "same key twice");
	refused_text("duplicate_key_escaped", "{\"paused\":true,"
	    "\"\\u0070aused\":false}", "same key twice");
	refused_text("duplicate_key_after_objects", "{\"a\":{\"b\":{}},"
	    "\"c\":{},\"a\":{\"d\":1}}", "same key twice");
	accepted("same_key_in_sibling_objects",
	    "[{\"a\":1},{\"a\":2,\"b\":{\"a\":3}}]",
	    "[{\"a\":1},{\"a\":2,\"b\":{\"a\":3}}]");
	accepted("braces_and_quotes_inside_strings",
	    "{\"k\":\"{\\\"a\\\":1,\\\"a\\\":2}\",\"l\":\"}]\"}",
	    "{\"k\":\"{\\\"a\\\":1,\\\"a\\\":2}\",\"l\":\"}]\"}");
	accepted("empty_objects", "{\"a\":{},\"b\":[{},{}]}",
	    "{\"a\":{},\"b\":[{},{}]}");
	return check_status();
}
