/* SPDX-License-Identifier: GPL-2.0-or-later */
/* json.h: the json-c helpers every parser of untrusted JSON shares: a cleanup attribute, one
 * document parsed whole with a nesting bound, and string members read safely. */
#ifndef URUN_UTIL_JSON_H
#define URUN_UTIL_JSON_H

#include <json-c/json.h>
#include <stddef.h>

static inline void json_putp(struct json_object **o)
{
	if (*o)
		json_object_put(*o);
}
#define _cleanup_json_ __attribute__((cleanup(json_putp)))

/* What json_parse_object found; each caller words its own message from it. */
enum json_parse_status {
	JSON_PARSE_OK,
	JSON_PARSE_NOMEM,      /* no parser could be made */
	JSON_PARSE_INVALID,    /* *jerr says why; json_tokener_continue: it ends too early */
	JSON_PARSE_TRAILING,   /* something other than white space after the value, at *where */
	JSON_PARSE_NOT_OBJECT, /* valid, but not an object */
	JSON_PARSE_TOO_LARGE,  /* len is more than json-c takes (INT_MAX) */
};

/* Flags for json_parse_object besides json-c's JSON_TOKENER_* ones. */
#define JSON_PARSE_NUL_IS_SPACE (1u << 31) /* a C string's terminator may be counted in len */

/* Parse text[0..len) as exactly one JSON object nested at most depth deep: after it only JSON
 * white space (space, tab, CR, LF: a second document there would be read differently by other
 * tools). tokener_flags are json-c's JSON_TOKENER_* (strictness, UTF-8 validation) or'ed with
 * JSON_PARSE_NUL_IS_SPACE. On JSON_PARSE_OK *out holds the object; otherwise *out is NULL,
 * *jerr the tokener's error and *where the offset the parser stopped at (either may be NULL). */
enum json_parse_status json_parse_object(const char *text, size_t len, int depth,
					 unsigned tokener_flags, struct json_object **out,
					 enum json_tokener_error *jerr, size_t *where);

/* o's member key when it is a string without NUL bytes (json-c keeps them; a C string would
 * end there, and two readers would disagree on the value), else NULL. o may be NULL. */
const char *json_get_str(struct json_object *o, const char *key);

#endif
