/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test-json.c: util/json.c, the one way urun parses untrusted JSON: one object, nothing after
 * it but JSON white space, and string members without NUL bytes. */
#include "util/json.h"
#include "tap.h"

static void status(const char *text, size_t len, unsigned flags, enum json_parse_status want,
		   const char *name)
{
	_cleanup_json_ struct json_object *o = NULL;
	enum json_parse_status st = json_parse_object(text, len, 8, flags, &o, NULL, NULL);
	is_int(st, want, name);
	ok((st == JSON_PARSE_OK) == (o != NULL), "  an object exactly when it parsed");
}

int main(void)
{
	status("{\"a\":1}\r\n\t ", 11, 0, JSON_PARSE_OK, "an object and JSON white space");
	status("{\"a\":1} {}", 10, 0, JSON_PARSE_TRAILING, "a second document after it");
	status("{\"a\":1}\f", 8, 0, JSON_PARSE_TRAILING,
	       "a form feed after it (not JSON white space)");
	status("{\"a\":1}\0", 8, 0, JSON_PARSE_TRAILING, "a NUL after it");
	status("{\"a\":1}\0", 8, JSON_PARSE_NUL_IS_SPACE, JSON_PARSE_OK, "  unless NUL_IS_SPACE");
	status("null\n", 5, 0, JSON_PARSE_NOT_OBJECT, "null is not an object");
	status("[1]", 3, 0, JSON_PARSE_NOT_OBJECT, "an array is not an object");
	status("{\"a\":", 5, 0, JSON_PARSE_INVALID, "cut short");
	status("[[[[[[[[[[[[1]]]]]]]]]]]]", 25, 0, JSON_PARSE_INVALID, "deeper than the bound");

	size_t where = 0;
	struct json_object *o = NULL;
	json_parse_object("{}  x", 5, 8, 0, &o, NULL, &where);
	is_int((long long)where, 4, "where: the offset of the first byte after the object");

	_cleanup_json_ struct json_object *doc = NULL;
	json_parse_object("{\"s\":\"ok\",\"n\":\"a\\u0000b\",\"i\":1}", 31, 8, 0, &doc, NULL, NULL);
	is_str(json_get_str(doc, "s"), "ok", "a string member");
	ok(json_get_str(doc, "n") == NULL, "a string with a NUL byte is refused");
	ok(json_get_str(doc, "i") == NULL, "a number is not a string");
	ok(json_get_str(doc, "x") == NULL, "an absent member");
	ok(json_get_str(NULL, "s") == NULL, "no object");
	return done_testing();
}
