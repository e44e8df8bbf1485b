/* SPDX-License-Identifier: GPL-2.0-or-later */
/* text.c: the one terminal-safe view of hostile text (see text.h): an image, a registry or a
 * file must not reach the user's terminal with escape sequences through a message. */
#include "util/text.h"

#include <stdint.h>
#include <string.h>

#include "util/cleanup.h"

/* The length of the character at s (at most n bytes) when it is safe to show, else 0. */
static size_t safe_char(const unsigned char *s, size_t n)
{
	unsigned c = s[0];
	size_t len;
	uint32_t cp, min;

	if (c >= 0x20 && c < 0x7f)
		return 1;
	if (c >= 0xc2 && c <= 0xdf) {
		len = 2, cp = c & 0x1f, min = 0x80;
	} else if (c >= 0xe0 && c <= 0xef) {
		len = 3, cp = c & 0x0f, min = 0x800;
	} else if (c >= 0xf0 && c <= 0xf4) {
		len = 4, cp = c & 0x07, min = 0x10000;
	} else {
		return 0; /* C0, DEL, a stray continuation byte, or no UTF-8 lead byte */
	}
	if (len > n)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	/* C1 controls: U+009B is CSI to terminals that decode it after UTF-8. */
	if (cp <= 0x9f)
		return 0;
	/* Bidirectional marks and overrides would make a message read other than it is. */
	if ((cp >= 0x200e && cp <= 0x200f) || (cp >= 0x202a && cp <= 0x202e) ||
	    (cp >= 0x2066 && cp <= 0x2069))
		return 0;
	return len;
}

char *text_show_into(char *out, const char *s, size_t n, size_t keep, size_t max)
{
	size_t lim = n > max ? keep : n, i = 0;

	while (i < lim) {
		size_t l = safe_char((const unsigned char *)s + i, lim - i);
		if (l == 0) {
			out[i++] = '?';
			continue;
		}
		memcpy(out + i, s + i, l);
		i += l;
	}
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
