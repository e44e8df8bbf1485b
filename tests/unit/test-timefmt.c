/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test-timefmt.c: RFC 3339 parsing and printing as Go does it, and the
 * wording of podman's CREATED column (go-units HumanDuration). */
#include "util/timefmt.h"
#include "tap.h"

#include <errno.h>

static void parses(const char *s, long long sec, int nsec, int offset, const char *back)
{
	struct timefmt_time t = {0};
	char out[64] = "";
	int r = timefmt_parse_rfc3339(s, &t);
	ok(r == 0 && t.sec == sec && t.nsec == nsec && t.offset == offset, "parse %s", s);
	if (r == 0)
		timefmt_rfc3339(&t, out, sizeof(out));
	is_str(out, back, "  and print it back as Go does");
}

static void refuses(const char *s)
{
	struct timefmt_time t;
	is_int(timefmt_parse_rfc3339(s, &t), -EINVAL, s);
}

static void since(long long ago, int ago_nsec, const char *want)
{
	struct timefmt_time now = {.sec = 1700000000, .nsec = 500000000}, t = now;
	char out[64];
	t.sec -= ago;
	t.nsec -= ago_nsec;
	if (t.nsec < 0) {
		t.nsec += 1000000000;
		t.sec--;
	}
	timefmt_human_since(&t, &now, out, sizeof(out));
	is_str(out, want, want);
}

int main(void)
{
	parses("1970-01-01T00:00:00Z", 0, 0, 0, "1970-01-01T00:00:00Z");
	parses("2023-05-06T07:08:09.123456789+02:00", 1683349689, 123456789, 7200,
	       "2023-05-06T07:08:09.123456789+02:00");
	parses("2023-05-06T05:08:09.5Z", 1683349689, 500000000, 0, "2023-05-06T05:08:09.5Z");
	parses("2023-05-06T05:08:09.500000000+00:00", 1683349689, 500000000, 0,
	       "2023-05-06T05:08:09.5Z");
	parses("2023-05-06T05:08:09.1234567891234Z", 1683349689, 123456789, 0,
	       "2023-05-06T05:08:09.123456789Z");
	parses("2000-02-29T23:59:59-05:30", 951888599, 0, -19800, "2000-02-29T23:59:59-05:30");
	parses("1969-12-31T23:59:59Z", -1, 0, 0, "1969-12-31T23:59:59Z");
	parses("0001-01-01T00:00:00Z", -62135596800LL, 0, 0, "0001-01-01T00:00:00Z");
	refuses("");
	refuses("garbage");
	refuses("2023-05-06");
	refuses("2023-05-06T05:08:09");
	refuses("2023-05-06 05:08:09Z");
	refuses("2023-13-06T05:08:09Z");
	refuses("2023-02-29T05:08:09Z");
	refuses("1900-02-29T05:08:09Z");
	refuses("2023-04-31T05:08:09Z");
	refuses("2023-05-06T24:00:00Z");
	refuses("2023-05-06T05:08:60Z");
	refuses("2023-05-06T05:08:09.Z");
	refuses("2023-05-06T05:08:09+0200");
	refuses("2023-05-06T05:08:09Zjunk");
	refuses("+2023-05-06T05:08:09Z");

	since(0, 0, "Less than a second");
	since(-3600, 0, "Less than a second");
	since(0, 999999999, "Less than a second");
	since(1, 0, "1 second");
	since(59, 999999999, "59 seconds");
	since(60, 0, "About a minute");
	since(119, 0, "About a minute");
	since(120, 0, "2 minutes");
	since(3599, 0, "59 minutes");
	since(3600, 0, "About an hour");
	since(5399, 0, "About an hour");
	since(5400, 0, "2 hours");
	since(47 * 3600 + 1799, 0, "47 hours");
	since(47 * 3600 + 1800, 0, "2 days");
	since(13 * 86400, 0, "13 days");
	since(14 * 86400, 0, "2 weeks");
	since(59 * 86400, 0, "8 weeks");
	since(60 * 86400, 0, "2 months");
	since(729 * 86400, 0, "24 months");
	since(730 * 86400, 0, "2 years");
	since(3 * 365 * 86400 + 100 * 86400, 0, "3 years");
	since(1700000000, 500000000, "53 years");
	since(1700000000LL + 62135596800LL, 0, "292 years");
	return done_testing();
}
