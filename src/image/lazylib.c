/* SPDX-License-Identifier: GPL-2.0-or-later */
/* lazylib.c: the dlopen behind lazy-curl.c and lazy-archive.c. */
#include "image/lazylib.h"

#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>

void lazylib_load(const char *soname, const char *package, const char *const *names, void **fns, int n)
{
	void *h = dlopen(soname, RTLD_NOW | RTLD_LOCAL);
	if (!h) {
		fprintf(stderr, "urun: loading %s: %s\nhint: install the Debian package %s\n", soname, dlerror(),
			package);
		exit(125);
	}
	for (int i = 0; i < n; i++) {
		fns[i] = dlsym(h, names[i]);
		if (!fns[i]) {
			fprintf(stderr, "urun: %s lacks %s: %s\nhint: install a current %s\n", soname, names[i],
				dlerror(), package);
			exit(125);
		}
	}
}
