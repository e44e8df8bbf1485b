/* container.h: start a container from a spec and supervise it. */
#ifndef URUN_RUN_CONTAINER_H
#define URUN_RUN_CONTAINER_H

#include "run/spec.h"

/* Run in the foreground. Returns the exit status to use (the command's, or
 * 128+signal), or a negative error with err filled (err->status says 125,
 * 126 or 127). */
int container_run(struct container_spec *spec, struct urun_error *err);

#endif
