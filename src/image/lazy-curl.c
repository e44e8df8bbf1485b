/* SPDX-License-Identifier: GPL-2.0-or-later */
/* lazy-curl.c: libcurl's functions as urun uses them, loaded on first use
 * (see lazylib.h). Generated once from a table; keep to libcurl's prototypes. */
#include "image/lazylib.h"

/* The shims define the variadic functions themselves: no type-check macros. */
#define CURL_DISABLE_TYPECHECK
#include <curl/curl.h>
#include <pthread.h>
#include <stdarg.h>

enum {
	F_curl_global_init,
	F_curl_easy_init,
	F_curl_easy_cleanup,
	F_curl_easy_reset,
	F_curl_easy_perform,
	F_curl_easy_strerror,
	F_curl_easy_escape,
	F_curl_free,
	F_curl_getdate,
	F_curl_slist_append,
	F_curl_slist_free_all,
	F_curl_url,
	F_curl_url_cleanup,
	F_curl_url_get,
	F_curl_url_set,
	F_curl_easy_setopt,
	F_curl_easy_getinfo,
	F_COUNT
};

static const char *const names[F_COUNT] = {"curl_global_init", "curl_easy_init", "curl_easy_cleanup", "curl_easy_reset", "curl_easy_perform", "curl_easy_strerror", "curl_easy_escape", "curl_free", "curl_getdate", "curl_slist_append", "curl_slist_free_all", "curl_url", "curl_url_cleanup", "curl_url_get", "curl_url_set", "curl_easy_setopt", "curl_easy_getinfo"};
static void *fns[F_COUNT];
static pthread_once_t once = PTHREAD_ONCE_INIT;

static void load(void)
{
	lazylib_load("libcurl.so.4", "libcurl4", names, fns, F_COUNT);
}

#define FN(name) (pthread_once(&once, load), (__typeof__(&name))fns[F_##name])

CURLcode curl_global_init(long flags)
{
	return FN(curl_global_init)(flags);
}

CURL * curl_easy_init(void)
{
	return FN(curl_easy_init)();
}

void curl_easy_cleanup(CURL *h)
{
	FN(curl_easy_cleanup)(h);
}

void curl_easy_reset(CURL *h)
{
	FN(curl_easy_reset)(h);
}

CURLcode curl_easy_perform(CURL *h)
{
	return FN(curl_easy_perform)(h);
}

const char * curl_easy_strerror(CURLcode c)
{
	return FN(curl_easy_strerror)(c);
}

char * curl_easy_escape(CURL *h, const char *s, int n)
{
	return FN(curl_easy_escape)(h, s, n);
}

void curl_free(void *p)
{
	FN(curl_free)(p);
}

time_t curl_getdate(const char *s, const time_t *unused)
{
	return FN(curl_getdate)(s, unused);
}

struct curl_slist * curl_slist_append(struct curl_slist *l, const char *s)
{
	return FN(curl_slist_append)(l, s);
}

void curl_slist_free_all(struct curl_slist *l)
{
	FN(curl_slist_free_all)(l);
}

CURLU * curl_url(void)
{
	return FN(curl_url)();
}

void curl_url_cleanup(CURLU *u)
{
	FN(curl_url_cleanup)(u);
}

CURLUcode curl_url_get(CURLU *u, CURLUPart what, char **part, unsigned int flags)
{
	return FN(curl_url_get)(u, what, part, flags);
}

CURLUcode curl_url_set(CURLU *u, CURLUPart what, const char *part, unsigned int flags)
{
	return FN(curl_url_set)(u, what, part, flags);
}

/* The variadic two: the argument's type follows from the option's range
 * (CURLOPTTYPE_*); every CURLINFO takes a pointer. */
CURLcode curl_easy_setopt(CURL *h, CURLoption opt, ...)
{
	va_list ap;
	CURLcode r;
	va_start(ap, opt);
	if (opt < CURLOPTTYPE_OBJECTPOINT)
		r = FN(curl_easy_setopt)(h, opt, va_arg(ap, long));
	else if (opt >= CURLOPTTYPE_OFF_T && opt < CURLOPTTYPE_BLOB)
		r = FN(curl_easy_setopt)(h, opt, va_arg(ap, curl_off_t));
	else
		r = FN(curl_easy_setopt)(h, opt, va_arg(ap, void *));
	va_end(ap);
	return r;
}

CURLcode curl_easy_getinfo(CURL *h, CURLINFO info, ...)
{
	va_list ap;
	va_start(ap, info);
	CURLcode r = FN(curl_easy_getinfo)(h, info, va_arg(ap, void *));
	va_end(ap);
	return r;
}
