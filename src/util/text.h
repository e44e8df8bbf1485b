/* SPDX-License-Identifier: GPL-2.0-or-later */
/* text.h: hostile text (names from images, servers' replies, files, what users typed) made
 * safe to show on a terminal: bounded, and with nothing a terminal would act on. */
#ifndef URUN_UTIL_TEXT_H
#define URUN_UTIL_TEXT_H

#include <stddef.h>

/* Words quoted in a sentence: up to TEXT_SHORT_MAX bytes shown whole, a longer one cut to
 * TEXT_SHORT_KEEP (cutting a few bytes to add "..." would hide more than it saves). */
#define TEXT_SHORT_KEEP 64
#define TEXT_SHORT_MAX	72

/* Writes into out (keep + 4 bytes) the first n bytes of s (no NUL needed among them) as they
 * may be shown: printable ASCII stays, every other byte (C0, DEL, and any byte of 0x80 or
 * more, which may be a C1 control or part of a bidirectional override) becomes '?'. When
 * n > max only the first keep bytes are shown, followed by "...". Returns out. */
char *text_show_into(char *out, const char *s, size_t n, size_t keep, size_t max);

/* The same, allocated (freed by the caller). */
char *text_shown_n(const char *s, size_t n, size_t keep, size_t max);

/* A NUL-terminated s, at most max bytes of it shown; s is read no further than max + 1. */
char *text_shown(const char *s, size_t max);

/* A word quoted in a sentence (TEXT_SHORT_KEEP/MAX). */
char *text_shown_short(const char *s);
char *text_shown_short_n(const char *s, size_t n);

#endif
