/* SPDX-License-Identifier: GPL-2.0-or-later */
/* template.h: the subset of Go's text/template that podman and docker users
 * write in --format, rendered over a json-c object. */
#ifndef URUN_UTIL_TEMPLATE_H
#define URUN_UTIL_TEMPLATE_H

#include <stdbool.h>

#include "util/error.h"

struct json_object;

/* Render fmt over obj. Text is copied with `\t` and `\n` turned into tab and
 * newline and a leading "table " dropped (the caller prints the headers).
 * Actions, with optional `{{-`/`-}}` trim markers and inner whitespace:
 *   {{.A.B}}     the field as Go prints it: strings raw, numbers, true/false,
 *                arrays `[a b c]`, objects `map[k:v ...]` with sorted keys;
 *                a missing field prints `<no value>`
 *   {{.}}        the whole object
 *   {{json .A}}  the field (or `.`) as compact JSON; `null` when missing
 *   {{upper .A}} {{lower .A}}  the printed field, case-folded
 * Field names match exactly first, then case-insensitively ({{.ID}} finds
 * "Id"). Returns a malloc'd string, or NULL with err filled for a malformed
 * template, a field taken from a non-object ("template: can't evaluate
 * field Foo in type string") or upper/lower of a non-string. */
char *template_render(const char *fmt, struct json_object *obj, struct urun_error *err);

/* True when fmt is a template (contains "{{"), false for "json", "table"... */
bool template_is_template(const char *fmt);

#endif
