/* SPDX-License-Identifier: GPL-2.0-or-later */
/* json.c: parsing untrusted JSON documents with json-c, one way for every module (json.h). */
#include "util/json.h"

#include <limits.h>
#include <string.h>

static enum json_parse_status parse(const char *text, size_t len, int depth, unsigned flags,
				    struct json_object **o, enum json_tokener_error *e, size_t *end)
{
	if (len > INT_MAX)
		return JSON_PARSE_TOO_LARGE;
	struct json_tokener *tok = json_tokener_new_ex(depth);
	if (!tok)
		return JSON_PARSE_NOMEM;
	json_tokener_set_flags(tok, (int)(flags & ~JSON_PARSE_NUL_IS_SPACE));
	*o = json_tokener_parse_ex(tok, text, (int)len);
	*e = json_tokener_get_error(tok);
	*end = json_tokener_get_parse_end(tok);
	json_tokener_free(tok);
	if (*e != json_tokener_success)
		return JSON_PARSE_INVALID;
	for (size_t i = *end; i < len; i++) {
		char c = text[i];
		if (!(c == ' ' || c == '\t' || c == '\r' || c == '\n' ||
		      (c == '\0' && (flags & JSON_PARSE_NUL_IS_SPACE)))) {
			*end = i;
			return JSON_PARSE_TRAILING;
		}
	}
	return json_object_is_type(*o, json_type_object) ? JSON_PARSE_OK : JSON_PARSE_NOT_OBJECT;
}

enum json_parse_status json_parse_object(const char *text, size_t len, int depth,
					 unsigned tokener_flags, struct json_object **out,
					 enum json_tokener_error *jerr, size_t *where)
{
	struct json_object *o = NULL;
	enum json_tokener_error e = json_tokener_success;
	size_t end = 0;
	enum json_parse_status st = parse(text, len, depth, tokener_flags, &o, &e, &end);

	if (jerr)
		*jerr = e;
	if (where)
		*where = end;
	*out = st == JSON_PARSE_OK ? o : NULL;
	if (st != JSON_PARSE_OK)
		json_object_put(o);
	return st;
}

const char *json_get_str(struct json_object *o, const char *key)
{
	struct json_object *v;
	if (!o || !json_object_object_get_ex(o, key, &v) ||
	    !json_object_is_type(v, json_type_string))
		return NULL;
	const char *s = json_object_get_string(v);
	if (strlen(s) != (size_t)json_object_get_string_len(v))
		return NULL;
	return s;
}
