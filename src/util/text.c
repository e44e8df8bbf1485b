/* SPDX-License-Identifier: GPL-2.0-or-later */
/* text.c: the one terminal-safe view of hostile text (see text.h): an image, a registry or a
 * file must not reach the user's terminal with escape sequences through a message. */
#include "util/text.h"

#include <string.h>

#include "util/cleanup.h"

char *text_show_into(char *out, const char *s, size_t n, size_t keep, size_t max)
{
	size_t lim = n > max ? keep : n;

	/* Printable ASCII only: besides C0 and DEL, a byte of 0x80 or more may be a C1 control
	 * (0x9b is CSI to an 8-bit terminal; U+009B to one that decodes UTF-8 first) or part
	 * of a bidirectional override that makes a message read other than it is. */
	for (size_t i = 0; i < lim; i++)
		out[i] = (unsigned char)s[i] >= 0x20 && (unsigned char)s[i] < 0x7f ? s[i] : '?';
	strcpy(out + lim, lim < n ? "..." : "");
	return out;
}

char *text_shown_n(const char *s, size_t n, size_t keep, size_t max)
{
	return text_show_into(xmalloc((n > max ? keep : n) + 4), s, n, keep, max);
}

char *text_shown(const char *s, size_t max)
{
	return text_shown_n(s, strnlen(s, max + 1), max, max);
}

char *text_shown_short(const char *s)
{
	return text_shown_n(s, strlen(s), TEXT_SHORT_KEEP, TEXT_SHORT_MAX);
}

char *text_shown_short_n(const char *s, size_t n)
{
	return text_shown_n(s, n, TEXT_SHORT_KEEP, TEXT_SHORT_MAX);
}
