/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test-text.c: the terminal-safe view of hostile text (util/text.c): what is replaced, what is
 * kept, and where it is cut. */
#include "util/text.h"
#include "tap.h"

#include <stdlib.h>

static void shows(const char *s, size_t max, const char *want, const char *name)
{
	char *got = text_shown(s, max);
	is_str(got, want, name);
	free(got);
}

int main(void)
{
	shows("alpine:3.19", 200, "alpine:3.19", "plain ASCII is kept");
	shows("a\x1b[2Jb\x07\t\n\x7f", 200, "a?[2Jb????", "C0 controls and DEL become ?");
	shows("caf\xc3\xa9", 200, "caf??", "every byte of 0x80 or more becomes ?, one a byte");
	shows("a\xc2\x9b"
	      "2Jb",
	      200, "a??2Jb", "a C1 control (CSI) in UTF-8 becomes ?, one a byte");
	shows("a\x9b"
	      "2J",
	      200, "a?2J", "a raw C1 byte becomes ?");
	shows("x\xe2\x80\xaegnp.exe", 200, "x???gnp.exe", "a bidirectional override becomes ?");
	shows("\xc0\xaf\xed\xa0\x80", 200, "?????", "so do bytes of no valid character");
	shows("abcdef", 6, "abcdef", "exactly max bytes: whole");
	shows("abcdefg", 6, "abcdef...", "one byte more: cut at max with ...");
	shows("ab\xc3\xa9", 3, "ab?...", "cut at the limit, by bytes");

	char *s = text_shown_short(
	    "0123456789012345678901234567890123456789012345678901234567890123456789ab");
	is_str(s, "0123456789012345678901234567890123456789012345678901234567890123456789ab",
	       "a short word of 72 bytes: whole");
	free(s);
	s = text_shown_short(
	    "0123456789012345678901234567890123456789012345678901234567890123456789abc");
	is_str(s, "0123456789012345678901234567890123456789012345678901234567890123...",
	       "73 bytes: cut to 64");
	free(s);
	s = text_shown_short_n("abc\x1b"
			       "def",
			       4);
	is_str(s, "abc?", "_n reads n bytes only");
	free(s);
	char buf[8];
	is_str(text_show_into(buf, "ab\ncdefgh", 9, 4, 4), "ab?c...", "into a caller's buffer");
	return done_testing();
}
