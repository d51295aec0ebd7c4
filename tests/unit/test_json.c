/*
 * test_json.c: the strict parser every input goes through (lib/json.c).
 * A complete document of one number or literal parses (a task result of
 * 42, `sluicectl run -p n:=5`); a bare null, NUL bytes, invalid UTF-8
 * (overlong forms, encoded surrogates, bytes above 0xF4, stray or
 * truncated sequences, each named),
 * trailing data, deep nesting, infinite numbers and integers json-c would
 * clamp are refused with a reason; NULL always comes with a message. One
 * line per case; exit 1 on any failure.
 */
#include <stdio.h>
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

int
main(void)
{
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
