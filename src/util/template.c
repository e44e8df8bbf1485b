/* SPDX-License-Identifier: GPL-2.0-or-later */
/* template.c: --format templates, the subset of Go's text/template that
 * podman and docker users write, rendered over json-c objects (template.h). */
#include "util/template.h"
#include "util/cleanup.h"

#include <ctype.h>
#include <json-c/json.h>
#include <math.h>
#include <strings.h>

#define SUPPORTED  "--format knows {{.A.B}}, {{.}}, {{json .A}}, {{upper .A}} and {{lower .A}}"
#define TRIM_SPACE "a trim marker needs a space, as in `{{- .A -}}`"

struct buf {
	char *s;
	size_t len, cap;
};

static void buf_freep(struct buf *b)
{
	free(b->s);
}

static void buf_add(struct buf *b, const char *s, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		b->cap = (b->len + n + 1) * 2;
		b->s = xrealloc(b->s, b->cap);
	}
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = '\0';
}

static void buf_puts(struct buf *b, const char *s)
{
	buf_add(b, s, strlen(s));
}

/* The characters Go's trim markers remove. */
static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* podman normalises a format before parsing it: "table " goes (its caller
 * prints the headers), and `\t` `\n`, hard to type in a shell, become real
 * characters. Doing it first, as podman does, lets {{- trim them too. */
static char *normalize(const char *fmt)
{
	if (strncmp(fmt, "table ", 6) == 0)
		fmt += 6;
	char *out = xmalloc(strlen(fmt) + 1), *o = out;
	for (const char *p = fmt; *p; p++)
		if (p[0] == '\\' && (p[1] == 't' || p[1] == 'n'))
			*o++ = *++p == 't' ? '\t' : '\n';
		else
			*o++ = *p;
	*o = '\0';
	return out;
}

/* Go prints a float64 with %v as the shortest digits that read back the
 * same, in %e form when the exponent is < -4 or >= 6 (so 1e6 is "1e+06"). */
static void put_double(struct buf *b, double d)
{
	char s[64];
	int prec;

	if (!isfinite(d)) {
		buf_puts(b, isnan(d) ? "NaN" : d > 0 ? "+Inf" : "-Inf");
		return;
	}
	for (prec = 0; prec < 17; prec++) {
		snprintf(s, sizeof(s), "%.*e", prec, d);
		if (strtod(s, NULL) == d)
			break;
	}
	int exp = atoi(strchr(s, 'e') + 1);
	if (exp >= -4 && exp < 6)
		snprintf(s, sizeof(s), "%.*f", prec > exp ? prec - exp : 0, d);
	buf_puts(b, s);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* A value as Go's fmt prints what encoding/json decodes into interface{}:
 * `[a b]`, `map[k:v]` with sorted keys. A template prints a missing value
 * as "<no value>"; inside an array or map fmt prints nil as "<nil>". */
static void put_value(struct buf *b, struct json_object *v, bool top)
{
	switch (json_object_get_type(v)) {
	case json_type_null:
		buf_puts(b, top ? "<no value>" : "<nil>");
		break;
	case json_type_boolean:
		buf_puts(b, json_object_get_boolean(v) ? "true" : "false");
		break;
	case json_type_int:
		/* json-c's own text is exact, also for uint64 above INT64_MAX */
		buf_puts(b, json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN));
		break;
	case json_type_double:
		put_double(b, json_object_get_double(v));
		break;
	case json_type_string:
		buf_add(b, json_object_get_string(v), (size_t)json_object_get_string_len(v));
		break;
	case json_type_array:
		buf_puts(b, "[");
		for (size_t i = 0; i < json_object_array_length(v); i++) {
			buf_puts(b, i ? " " : "");
			put_value(b, json_object_array_get_idx(v, i), false);
		}
		buf_puts(b, "]");
		break;
	case json_type_object: {
		_cleanup_free_ const char **keys =
		    xcalloc((size_t)json_object_object_length(v) + 1, sizeof(*keys));
		size_t n = 0;
		json_object_object_foreach(v, key, val) {
			keys[n++] = key;
		}
		qsort(keys, n, sizeof(*keys), cmp_str);
		buf_puts(b, "map[");
		for (size_t i = 0; i < n; i++) {
			buf_puts(b, i ? " " : "");
			buf_puts(b, keys[i]);
			buf_puts(b, ":");
			put_value(b, json_object_object_get(v, keys[i]), false);
		}
		buf_puts(b, "]");
		break;
	}
	}
}

/* Exact name first; then the first key differing only in case, because
 * podman's structs answer both {{.ID}} and {{.Id}} and users type either. */
static struct json_object *get_field(struct json_object *o, const char *name)
{
	struct json_object *v;

	if (json_object_object_get_ex(o, name, &v))
		return v;
	json_object_object_foreach(o, key, val) {
		if (strcasecmp(key, name) == 0)
			return val;
	}
	return NULL;
}

/* Go identifiers: letters (any Unicode ones, hence bytes >= 0x80), digits, _ */
static bool is_ident(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	while (isalnum(*p) || *p == '_' || *p >= 0x80)
		p++;
	return *s && !*p;
}

/* Resolve ".", ".A" or ".A.B". A missing key gives NULL and stays NULL
 * down the chain, as Go does for maps; only asking a string, number or
 * array for a field is an error. */
static int eval_field(struct json_object *root, const char *chain, struct json_object **out,
		      struct urun_error *err)
{
	struct json_object *cur = root;

	for (const char *seg = chain; strcmp(chain, ".") != 0 && *seg;) {
		size_t len = strcspn(seg + 1, ".");
		_cleanup_free_ char *name = xstrndup(seg + 1, len);
		if (*seg != '.' || !is_ident(name))
			return urun_error_set(err, 0, "template: bad field name in `%s`", chain);
		if (cur && !json_object_is_type(cur, json_type_object))
			return urun_error_set(err, 0,
					      "template: can't evaluate field %s in type %s", name,
					      json_type_to_name(json_object_get_type(cur)));
		if (cur)
			cur = get_field(cur, name);
		seg += 1 + len;
	}
	*out = cur;
	return 0;
}

/* One action, its text between the braces and trim markers. */
static int run_action(struct buf *b, char *act, struct json_object *obj, struct urun_error *err)
{
	char *w[3], *save = NULL;
	int n = 0, r;
	struct json_object *v;

	for (char *tok = strtok_r(act, " \t\r\n", &save); tok;
	     tok = strtok_r(NULL, " \t\r\n", &save)) {
		if (n == 3)
			return urun_error_set(err, 0, "template: too many arguments to %s", w[0]);
		w[n++] = tok;
	}
	if (n == 0)
		return urun_error_set(err, 0, "template: missing value for command");
	if (w[0][0] == '.') {
		if (n > 1)
			return urun_error_set(
			    err, 0, "template: can't give argument to non-function %s", w[0]);
		if ((r = eval_field(obj, w[0], &v, err)) == 0)
			put_value(b, v, true);
		return r;
	}
	bool json = strcmp(w[0], "json") == 0, upper = strcmp(w[0], "upper") == 0;
	if (!json && !upper && strcmp(w[0], "lower") != 0) {
		r = urun_error_set(err, 0, "template: function \"%s\" not defined", w[0]);
		urun_error_hint(err, SUPPORTED);
		return r;
	}
	if (n != 2)
		return urun_error_set(
		    err, 0, "template: wrong number of args for %s: want 1 got %d", w[0], n - 1);
	if (w[1][0] != '.') {
		r = urun_error_set(err, 0, "template: unsupported argument `%s` to %s", w[1], w[0]);
		urun_error_hint(err, SUPPORTED);
		return r;
	}
	if ((r = eval_field(obj, w[1], &v, err)) < 0)
		return r;
	if (json) {
		/* compact, "/" unescaped, like Go's encoder; a missing field is null */
		buf_puts(b, json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN |
								  JSON_C_TO_STRING_NOSLASHESCAPE));
		return 0;
	}
	/* podman's upper/lower are strings.ToUpper/ToLower: strings only */
	if (!json_object_is_type(v, json_type_string))
		return urun_error_set(err, 0, "template: %s: expected string; got %s", w[0],
				      json_type_to_name(json_object_get_type(v)));
	size_t start = b->len;
	put_value(b, v, true);
	/* ASCII only, whatever the locale: multi-byte UTF-8 passes unchanged */
	for (char *c = b->s + start; *c; c++)
		if (upper ? (*c >= 'a' && *c <= 'z') : (*c >= 'A' && *c <= 'Z'))
			*c ^= 0x20;
	return 0;
}

static char *syntax_error(struct urun_error *err, const char *what, const char *at)
{
	urun_error_set(err, 0, "template: %s: `%.40s`", what, at);
	return NULL;
}

char *template_render(const char *fmt, struct json_object *obj, struct urun_error *err)
{
	_cleanup_free_ char *t = normalize(fmt);
	__attribute__((cleanup(buf_freep))) struct buf b = {0};
	size_t text_start = 0; /* where the current text run begins in b */
	char *p = t;

	buf_add(&b, "", 0); /* an empty result is "", not NULL */
	for (char *open; (open = strstr(p, "{{"));) {
		buf_add(&b, p, (size_t)(open - p));
		char *in = open + 2;
		/* "{{- " trims the template's own text before it, never what the
		 * previous action printed. Go reads {{-3}} and {{3-}} as numbers,
		 * so the space is required; saying so beats "function -3 ...". */
		if (in[0] == '-' && !is_space(in[1]))
			return syntax_error(err, TRIM_SPACE, open);
		if (in[0] == '-') {
			while (b.len > text_start && is_space(b.s[b.len - 1]))
				b.len--;
			b.s[b.len] = '\0';
			in++;
		}
		char *close = strstr(in, "}}");
		if (!close)
			return syntax_error(err, "unclosed action", open);
		p = close + 2;
		if (close > in && close[-1] == '-') {
			if (close - in < 2 || !is_space(close[-2]))
				return syntax_error(err, TRIM_SPACE, open);
			close--;
			while (is_space(*p))
				p++;
		}
		*close = '\0';
		if (run_action(&b, in, obj, err) < 0)
			return NULL;
		text_start = b.len;
	}
	buf_puts(&b, p);
	return steal_ptr(&b.s);
}

bool template_is_template(const char *fmt)
{
	return fmt && strstr(fmt, "{{") != NULL;
}
