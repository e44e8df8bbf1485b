/* SPDX-License-Identifier: GPL-2.0-or-later */
/* state.c: container records in the runtime dir. Each container has
 * containers/<id>/state.json, replaced atomically; a flock on `lock`
 * serialises name allocation so two `run --name x` cannot both win. */
#include "run/state.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/log.h"
#include "util/xdg.h"

#include <dirent.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>

#define STATE_MAX_BYTES (4 << 20)

int64_t state_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

char *state_dir_path(const struct urun_config *cfg)
{
	const char *conf = config_get(cfg, "runtime_dir");
	if (conf && *conf)
		return xstrdup(conf);
	const char *x = getenv("XDG_RUNTIME_DIR");
	struct stat st;
	/* su, sudo -u, cron and batch jobs often carry no XDG_RUNTIME_DIR, or
	 * the caller's: only one that is ours and writable is used. */
	if (x && *x == '/' && stat(x, &st) == 0 && S_ISDIR(st.st_mode) && st.st_uid == geteuid() &&
	    access(x, W_OK) == 0)
		return xasprintf("%s/urun", x);
	return xasprintf("/tmp/urun-%u", (unsigned)geteuid());
}

int state_dir_open(struct state_dir *sd, const struct urun_config *cfg, struct urun_error *err)
{
	sd->fd = sd->lockfd = -1;
	sd->path = state_dir_path(cfg);
	int r = xdg_mkdir_p(sd->path, 0700);
	if (r < 0) {
		r = urun_error_set(err, -r, "creating the runtime dir `%s`", sd->path);
		urun_error_hint(err, "set runtime_dir in ~/.config/urun/urun.conf (or "
				     "URUN_RUNTIME_DIR) to a writable "
				     "directory");
		return r;
	}
	if ((r = fs_check_private_dir(
		 sd->path, "the runtime dir",
		 "remove it, or set runtime_dir in ~/.config/urun/urun.conf (or URUN_RUNTIME_DIR) "
		 "to a directory of yours",
		 err)) < 0)
		return r;
	int dfd = open(sd->path, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dfd < 0)
		return urun_error_set(err, errno, "opening the runtime dir `%s`", sd->path);
	if (mkdirat(dfd, "containers", 0700) < 0 && errno != EEXIST) {
		r = urun_error_set(err, errno, "creating `%s/containers`", sd->path);
		close(dfd);
		return r;
	}
	sd->fd = openat(dfd, "containers", O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	sd->lockfd = openat(dfd, "lock", O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	close(dfd);
	if (sd->fd < 0 || sd->lockfd < 0)
		return urun_error_set(err, errno, "opening `%s/containers`", sd->path);
	return 0;
}

void state_dir_close(struct state_dir *sd)
{
	if (sd->fd >= 0)
		close(sd->fd);
	if (sd->lockfd >= 0)
		close(sd->lockfd);
	free(sd->path);
	sd->path = NULL;
	sd->fd = sd->lockfd = -1;
}

int state_lock(struct state_dir *sd, struct urun_error *err)
{
	while (flock(sd->lockfd, LOCK_EX) < 0)
		if (errno != EINTR)
			return urun_error_set(err, errno, "locking `%s/lock`", sd->path);
	return 0;
}

void state_unlock(struct state_dir *sd)
{
	flock(sd->lockfd, LOCK_UN);
}

uint64_t proc_start_time(pid_t pid)
{
	char path[64], buf[1024];
	if (pid <= 0)
		return 0;
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	/* comm may hold spaces and parentheses: count fields after the last ')'. */
	char *p = strrchr(buf, ')');
	if (!p)
		return 0;
	p++;
	/* fields 3.. follow; starttime is field 22, a state of Z counts as gone */
	int field = 2;
	char *save = NULL;
	for (char *tok = strtok_r(p, " ", &save); tok; tok = strtok_r(NULL, " ", &save)) {
		field++;
		if (field == 3 && (*tok == 'Z' || *tok == 'X'))
			return 0;
		if (field == 22)
			return strtoull(tok, NULL, 10);
	}
	return 0;
}

bool state_refresh(struct ctr_state *st)
{
	if (st->status != CTR_RUNNING)
		return false;
	if (st->monitor > 0 && proc_start_time(st->monitor) == st->monitor_start &&
	    st->monitor_start)
		return false;
	/* The monitor is gone without writing the exit: SIGKILL, OOM, reboot.
	 * Its container had PDEATHSIG, so it is gone too. */
	if (st->pid > 0 && st->pid_start && proc_start_time(st->pid) == st->pid_start)
		return false;
	st->status = CTR_EXITED;
	st->exit_code = -1;
	if (!st->finished)
		st->finished = state_now();
	free(st->error);
	st->error = xstrdup("the container's monitor process died");
	return true;
}

const char *state_status_name(enum ctr_status s)
{
	return s == CTR_RUNNING ? "running" : s == CTR_EXITED ? "exited" : "created";
}

static enum ctr_status status_parse(const char *s)
{
	return s && strcmp(s, "running") == 0  ? CTR_RUNNING
	       : s && strcmp(s, "exited") == 0 ? CTR_EXITED
					       : CTR_CREATED;
}

static void ago(char *buf, size_t len, int64_t since_ns)
{
	int64_t s = (state_now() - since_ns) / 1000000000;
	if (s < 1)
		snprintf(buf, len, "Less than a second");
	else if (s < 60)
		snprintf(buf, len, "%lld second%s", (long long)s, s == 1 ? "" : "s");
	else if (s < 3600)
		snprintf(buf, len, "%lld minute%s", (long long)(s / 60), s / 60 == 1 ? "" : "s");
	else if (s < 86400 * 2)
		snprintf(buf, len, "%lld hour%s", (long long)(s / 3600), s / 3600 == 1 ? "" : "s");
	else
		snprintf(buf, len, "%lld days", (long long)(s / 86400));
}

char *state_status_text(const struct ctr_state *st)
{
	char t[64];
	switch (st->status) {
	case CTR_RUNNING:
		ago(t, sizeof(t), st->started);
		return xasprintf("Up %s", t);
	case CTR_EXITED:
		ago(t, sizeof(t), st->finished ? st->finished : st->created);
		return xasprintf("Exited (%d) %s ago", st->exit_code, t);
	default:
		return xstrdup("Created");
	}
}

/* ---- JSON ---- */

static struct json_object *strv_json(char *const *v)
{
	struct json_object *a = json_object_new_array();
	for (; v && *v; v++)
		json_object_array_add(a, json_object_new_string(*v));
	return a;
}

static void add_str(struct json_object *o, const char *k, const char *v)
{
	if (v)
		json_object_object_add(o, k, json_object_new_string(v));
}

struct json_object *state_to_json(const struct ctr_state *st)
{
	struct json_object *o = json_object_new_object();
	char caps[24];
	snprintf(caps, sizeof(caps), "0x%016llx", (unsigned long long)st->caps);
	add_str(o, "id", st->id);
	add_str(o, "name", st->name);
	add_str(o, "image", st->image);
	add_str(o, "image_id", st->image_id);
	json_object_object_add(o, "command", strv_json(st->command));
	json_object_object_add(o, "create_args", strv_json(st->create_args));
	json_object_object_add(o, "image_arg", json_object_new_int(st->image_arg));
	add_str(o, "driver", st->driver);
	add_str(o, "ctr_dir", st->ctr_dir);
	add_str(o, "log_path", st->log_path);
	json_object_object_add(o, "created", json_object_new_int64(st->created));
	json_object_object_add(o, "started", json_object_new_int64(st->started));
	json_object_object_add(o, "finished", json_object_new_int64(st->finished));
	add_str(o, "status", state_status_name(st->status));
	json_object_object_add(o, "pid", json_object_new_int(st->pid));
	json_object_object_add(o, "pid_start", json_object_new_uint64(st->pid_start));
	json_object_object_add(o, "monitor", json_object_new_int(st->monitor));
	json_object_object_add(o, "monitor_start", json_object_new_uint64(st->monitor_start));
	json_object_object_add(o, "exit_code", json_object_new_int(st->exit_code));
	json_object_object_add(o, "stop_timeout", json_object_new_int(st->stop_timeout));
	json_object_object_add(o, "auto_remove", json_object_new_boolean(st->auto_remove));
	json_object_object_add(o, "tty", json_object_new_boolean(st->tty));
	json_object_object_add(o, "interactive", json_object_new_boolean(st->interactive));
	json_object_object_add(o, "detached", json_object_new_boolean(st->detached));
	json_object_object_add(o, "env", strv_json(st->env));
	add_str(o, "user", st->user);
	add_str(o, "workdir", st->workdir);
	add_str(o, "hostname", st->hostname);
	add_str(o, "caps", caps);
	add_str(o, "seccomp", st->seccomp);
	json_object_object_add(o, "no_new_privs", json_object_new_boolean(st->no_new_privs));
	json_object_object_add(o, "privileged", json_object_new_boolean(st->privileged));
	json_object_object_add(o, "fakeroot", json_object_new_boolean(st->fakeroot));
	json_object_object_add(o, "ns_flags", json_object_new_uint64(st->ns_flags));
	static const char *const nets[] = {[NET_SLIRP] = "slirp4netns",
					   [NET_NONE] = "none",
					   [NET_HOST] = "host",
					   [NET_CONTAINER] = "container",
					   [NET_PASTA] = "pasta"};
	add_str(o, "net", nets[st->net]);
	json_object_object_add(o, "net_join_slirp", json_object_new_boolean(st->net_join_slirp));
	struct json_object *ports = json_object_new_array();
	for (size_t i = 0; i < st->n_ports; i++) {
		struct json_object *p = json_object_new_object();
		add_str(p, "host_ip", st->ports[i].host_ip);
		json_object_object_add(p, "host_port", json_object_new_int(st->ports[i].host_port));
		json_object_object_add(p, "container_port",
				       json_object_new_int(st->ports[i].ctr_port));
		add_str(p, "protocol", st->ports[i].udp ? "udp" : "tcp");
		json_object_array_add(ports, p);
	}
	json_object_object_add(o, "ports", ports);
	add_str(o, "error", st->error);
	return o;
}

static char *get_str(struct json_object *o, const char *k)
{
	struct json_object *v;
	if (!json_object_object_get_ex(o, k, &v) || !json_object_is_type(v, json_type_string))
		return NULL;
	return xstrdup(json_object_get_string(v));
}

static int64_t get_i64(struct json_object *o, const char *k)
{
	struct json_object *v;
	return json_object_object_get_ex(o, k, &v) ? json_object_get_int64(v) : 0;
}

static uint64_t get_u64(struct json_object *o, const char *k)
{
	struct json_object *v;
	return json_object_object_get_ex(o, k, &v) ? json_object_get_uint64(v) : 0;
}

static bool get_bool(struct json_object *o, const char *k)
{
	struct json_object *v;
	return json_object_object_get_ex(o, k, &v) && json_object_get_boolean(v);
}

static char **get_strv(struct json_object *o, const char *k)
{
	struct json_object *a;
	if (!json_object_object_get_ex(o, k, &a) || !json_object_is_type(a, json_type_array))
		return NULL;
	/* Sized once: an environment can hold 500,000 entries. */
	size_t n = json_object_array_length(a);
	char **v = xcalloc(n + 1, sizeof(char *));
	for (size_t i = 0; i < n; i++) {
		const char *s = json_object_get_string(json_object_array_get_idx(a, i));
		v[i] = xstrdup(s ? s : "");
	}
	return v;
}

static int state_from_json(struct json_object *o, struct ctr_state *st)
{
	memset(st, 0, sizeof(*st));
	_cleanup_free_ char *id = get_str(o, "id");
	if (!id || strlen(id) != 64)
		return -EINVAL;
	memcpy(st->id, id, 65);
	st->name = get_str(o, "name");
	st->image = get_str(o, "image");
	st->image_id = get_str(o, "image_id");
	st->command = get_strv(o, "command");
	st->create_args = get_strv(o, "create_args");
	st->image_arg = (int)get_i64(o, "image_arg");
	st->driver = get_str(o, "driver");
	st->ctr_dir = get_str(o, "ctr_dir");
	st->log_path = get_str(o, "log_path");
	st->created = get_i64(o, "created");
	st->started = get_i64(o, "started");
	st->finished = get_i64(o, "finished");
	_cleanup_free_ char *status = get_str(o, "status");
	st->status = status_parse(status);
	st->pid = (pid_t)get_i64(o, "pid");
	st->pid_start = get_u64(o, "pid_start");
	st->monitor = (pid_t)get_i64(o, "monitor");
	st->monitor_start = get_u64(o, "monitor_start");
	st->exit_code = (int)get_i64(o, "exit_code");
	st->stop_timeout = json_object_object_get_ex(o, "stop_timeout", NULL)
			       ? (int)get_i64(o, "stop_timeout")
			       : 10;
	st->auto_remove = get_bool(o, "auto_remove");
	st->tty = get_bool(o, "tty");
	st->interactive = get_bool(o, "interactive");
	st->detached = get_bool(o, "detached");
	st->env = get_strv(o, "env");
	st->user = get_str(o, "user");
	st->workdir = get_str(o, "workdir");
	st->hostname = get_str(o, "hostname");
	_cleanup_free_ char *caps = get_str(o, "caps");
	st->caps = caps ? strtoull(caps, NULL, 16) : 0;
	st->seccomp = get_str(o, "seccomp");
	st->no_new_privs = get_bool(o, "no_new_privs");
	st->privileged = get_bool(o, "privileged");
	st->fakeroot = get_bool(o, "fakeroot");
	st->ns_flags = (unsigned long)get_u64(o, "ns_flags");
	st->error = get_str(o, "error");
	_cleanup_free_ char *net = get_str(o, "net");
	st->net = !net || strcmp(net, "slirp4netns") == 0 ? NET_SLIRP
		  : strcmp(net, "pasta") == 0		  ? NET_PASTA
		  : strcmp(net, "none") == 0		  ? NET_NONE
		  : strcmp(net, "host") == 0		  ? NET_HOST
							  : NET_CONTAINER;
	st->net_join_slirp = get_bool(o, "net_join_slirp");
	struct json_object *ports;
	if (json_object_object_get_ex(o, "ports", &ports) &&
	    json_object_is_type(ports, json_type_array)) {
		size_t n = json_object_array_length(ports);
		st->ports = n ? xcalloc(n, sizeof(*st->ports)) : NULL;
		for (size_t i = 0; i < n && i < 65536; i++) {
			struct json_object *p = json_object_array_get_idx(ports, i);
			_cleanup_free_ char *ip = get_str(p, "host_ip"),
					    *proto = get_str(p, "protocol");
			struct port_map *m = &st->ports[st->n_ports++];
			snprintf(m->host_ip, sizeof(m->host_ip), "%s", ip ? ip : "");
			m->host_port = (uint16_t)get_i64(p, "host_port");
			m->ctr_port = (uint16_t)get_i64(p, "container_port");
			m->udp = proto && strcmp(proto, "udp") == 0;
		}
	}
	if (!st->name)
		st->name = xstrndup(st->id, 12);
	return 0;
}

static bool is_hex_id(const char *s)
{
	if (strlen(s) != 64)
		return false;
	for (; *s; s++)
		if (!((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'f')))
			return false;
	return true;
}

/* replace_only: update a record only while it exists (a reader marking a
 * dead container exited must not bring back one that was just removed). */
static int write_record(struct state_dir *sd, const struct ctr_state *st, bool replace_only,
			struct urun_error *err)
{
	struct json_object *o = state_to_json(st);
	const char *text = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);
	size_t len = strlen(text);
	/* Refused here rather than found "damaged" by the next reader. */
	if (len > STATE_MAX_BYTES) {
		json_object_put(o);
		int r =
		    urun_error_set(err, 0,
				   "the settings of container %.12s take %zu bytes, more than a "
				   "record holds (%u MiB)",
				   st->id, len, STATE_MAX_BYTES >> 20);
		urun_error_hint(err,
				"most of it is the environment: pass fewer or shorter variables");
		return r;
	}
	if (!replace_only && mkdirat(sd->fd, st->id, 0700) < 0 && errno != EEXIST) {
		json_object_put(o);
		return urun_error_set(err, errno, "creating the state of container %.12s", st->id);
	}
	_cleanup_close_ int dfd =
	    openat(sd->fd, st->id, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	char tmp[64];
	snprintf(tmp, sizeof(tmp), ".state.%d", (int)getpid());
	int fd =
	    dfd < 0 ? -1
		    : openat(dfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
	int r = 0;
	if (fd < 0 || write(fd, text, len) != (ssize_t)len)
		r = -errno;
	if (fd >= 0 && close(fd) < 0 && r == 0)
		r = -errno;
	json_object_put(o);
	/* rename(2) replaces state.json in one step: readers see the old
	 * record or the new one, never half of either. RENAME_EXCHANGE does
	 * the same but fails when state.json is gone. */
	if (r == 0 &&
	    renameat2(dfd, tmp, dfd, "state.json", replace_only ? RENAME_EXCHANGE : 0) < 0)
		r = -errno;
	if (dfd >= 0 && (r < 0 || replace_only))
		unlinkat(dfd, tmp, 0);
	if (r < 0 && replace_only)
		return 0; /* removed meanwhile: nothing to update */
	if (r < 0)
		return urun_error_set(err, -r, "writing the state of container %.12s in `%s`",
				      st->id, sd->path);
	return 0;
}

int state_write(struct state_dir *sd, const struct ctr_state *st, struct urun_error *err)
{
	return write_record(sd, st, false, err);
}

static int read_record(struct state_dir *sd, const char *id, struct ctr_state *st,
		       struct urun_error *err)
{
	char path[128];
	snprintf(path, sizeof(path), "%s/state.json", id);
	_cleanup_close_ int fd = openat(sd->fd, path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return urun_error_set(err, errno, "reading the state of container %.12s", id);
	_cleanup_free_ char *buf = NULL;
	size_t got;
	struct urun_error e = {0};
	int rr = fs_read_fd_bounded(fd, path, STATE_MAX_BYTES, &buf, &got, &e);
	urun_error_clear(&e);
	struct json_object *o = rr == 0 ? json_tokener_parse(buf) : NULL;
	int r = o ? state_from_json(o, st) : -EINVAL;
	json_object_put(o);
	if (r == 0 && strcmp(st->id, id) != 0) {
		ctr_state_free(st);
		r = -EINVAL;
	}
	if (r < 0) {
		r = urun_error_set(err, 0, "the state of container %.12s in `%s` is damaged", id,
				   sd->path);
		urun_error_hint(err,
				"remove `%s/containers/%s` (its writable layer, if any, goes with "
				"`urun container prune`)",
				sd->path, id);
		return r;
	}
	return 0;
}

int state_read(struct state_dir *sd, const char *id, struct ctr_state *st, struct urun_error *err)
{
	if (!is_hex_id(id))
		return urun_error_set(err, 0, "`%s` is not a container id", id);
	int r = read_record(sd, id, st, err);
	if (r < 0 || !state_refresh(st))
		return r;
	/* The monitor is gone. It may have recorded the exit (or removed the
	 * record) after we read: now that it cannot write any more, read
	 * again, and only if it still says running, record the death. */
	struct ctr_state again;
	struct urun_error e = {0};
	if ((r = read_record(sd, id, &again, err)) < 0) {
		ctr_state_free(st); /* removed meanwhile */
		return r;
	}
	if (again.status != CTR_RUNNING) {
		ctr_state_free(st);
		*st = again;
		return 0;
	}
	ctr_state_free(&again);
	write_record(sd, st, true, &e);
	urun_error_clear(&e);
	return 0;
}

static int cmp_created(const void *a, const void *b)
{
	const struct ctr_state *x = a, *y = b;
	return x->created < y->created ? 1 : x->created > y->created ? -1 : strcmp(x->id, y->id);
}

int state_list(struct state_dir *sd, struct ctr_state **out, size_t *n, struct urun_error *err)
{
	*out = NULL;
	*n = 0;
	int dfd = openat(sd->fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d = dfd < 0 ? NULL : fdopendir(dfd);
	if (!d) {
		if (dfd >= 0)
			close(dfd);
		return urun_error_set(err, errno, "listing `%s/containers`", sd->path);
	}
	size_t cap = 0;
	struct dirent *de;
	while ((de = readdir(d))) {
		if (!is_hex_id(de->d_name))
			continue;
		struct ctr_state st;
		struct urun_error e = {0};
		if (state_read(sd, de->d_name, &st, &e) < 0) {
			/* A record being created (no state.json yet) or removed. */
			urun_error_clear(&e);
			continue;
		}
		if (*n == cap) {
			cap = cap ? cap * 2 : 16;
			*out = xrealloc(*out, cap * sizeof(**out));
		}
		(*out)[(*n)++] = st;
	}
	closedir(d);
	if (*n)
		qsort(*out, *n, sizeof(**out), cmp_created);
	return 0;
}

int state_find(struct state_dir *sd, const char *ref, struct ctr_state *st, struct urun_error *err)
{
	struct ctr_state *v;
	size_t n;
	int r = state_list(sd, &v, &n, err);
	if (r < 0)
		return r;
	ssize_t hit = -1;
	size_t prefix_hits = 0;
	for (size_t i = 0; i < n && hit < 0; i++)
		if (strcmp(v[i].name, ref) == 0 || strcmp(v[i].id, ref) == 0)
			hit = (ssize_t)i;
	size_t rl = strlen(ref);
	for (size_t i = 0; i < n && hit < 0; i++)
		if (rl >= 3 && strncmp(v[i].id, ref, rl) == 0)
			prefix_hits++;
	if (hit < 0 && prefix_hits == 1)
		for (size_t i = 0; i < n; i++)
			if (strncmp(v[i].id, ref, rl) == 0)
				hit = (ssize_t)i;
	if (hit >= 0) {
		*st = v[hit];
		memset(&v[hit], 0, sizeof(v[hit]));
	}
	ctr_states_free(v, n);
	if (hit >= 0)
		return 0;
	if (prefix_hits > 1)
		return urun_error_set(err, 0, "`%s` matches %zu containers: give more of the id",
				      ref, prefix_hits);
	r = urun_error_set(err, 0, "no container with name or ID `%s` found", ref);
	urun_error_hint(err, "`urun ps -a` lists your containers");
	return r;
}

static int remove_at(int dfd, const char *name)
{
	_cleanup_close_ int fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return unlinkat(dfd, name, 0) < 0 && errno != ENOENT ? -errno : 0;
	DIR *d = fdopendir(fd);
	if (!d)
		return -errno;
	fd = -1;
	struct dirent *de;
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			remove_at(dirfd(d), de->d_name);
	closedir(d);
	/* A reader's update may have put a temp file in for an instant. */
	for (int i = 0; i < 100; i++) {
		if (unlinkat(dfd, name, AT_REMOVEDIR) == 0 || errno == ENOENT)
			return 0;
		if (errno != ENOTEMPTY)
			return -errno;
		struct timespec nap = {.tv_nsec = 1000000};
		nanosleep(&nap, NULL);
		_cleanup_close_ int again =
		    openat(dfd, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		DIR *d2 = again < 0
			      ? NULL
			      : fdopendir(openat(again, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
		while (d2 && (de = readdir(d2)))
			if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
				unlinkat(dirfd(d2), de->d_name, 0);
		if (d2)
			closedir(d2);
	}
	return -ENOTEMPTY;
}

int state_remove(struct state_dir *sd, const char *id, struct urun_error *err)
{
	if (!is_hex_id(id))
		return urun_error_set(err, 0, "`%s` is not a container id", id);
	int r = remove_at(sd->fd, id);
	if (r < 0)
		return urun_error_set(err, -r, "removing the state of container %.12s", id);
	return 0;
}

/* Generated names, docker-style: adjective_noun, from two small lists. */
static const char *const adjectives[] = {
    "agile",  "bold",  "brave",	 "bright", "calm",  "clever", "cool",  "eager", "fair",
    "fast",   "fond",  "gentle", "happy",  "jolly", "keen",   "kind",  "lucid", "merry",
    "modest", "neat",  "nice",	 "noble",  "proud", "quick",  "quiet", "sharp", "shy",
    "steady", "sunny", "swift",	 "tender", "vivid", "warm",   "wise",  "witty", "zen",
};
static const char *const nouns[] = {
    "babbage",	"bohr",	    "curie",  "darwin",	 "dijkstra", "euler",  "fermat",
    "feynman",	"gauss",    "hopper", "hypatia", "kepler",   "knuth",  "lamarr",
    "lovelace", "meitner",  "newton", "noether", "pascal",   "planck", "ritchie",
    "shannon",	"thompson", "turing", "volta",	 "wozniak",  "yalow",  "zuse",
};

static bool name_valid(const char *n)
{
	/* docker: [a-zA-Z0-9][a-zA-Z0-9_.-]* */
	if (!((*n >= 'a' && *n <= 'z') || (*n >= 'A' && *n <= 'Z') || (*n >= '0' && *n <= '9')))
		return false;
	for (const char *c = n; *c; c++)
		if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
		      (*c >= '0' && *c <= '9') || *c == '_' || *c == '.' || *c == '-'))
			return false;
	return strlen(n) <= 128;
}

int state_claim_name(struct state_dir *sd, const char *name, char **out, struct urun_error *err)
{
	struct ctr_state *v;
	size_t n;
	if (name && !name_valid(name)) {
		int r = urun_error_set(err, 0, "container name `%s` is invalid", name);
		urun_error_hint(
		    err,
		    "names are letters, digits, `_`, `.` and `-`, starting with a letter or digit");
		return r;
	}
	int r = state_list(sd, &v, &n, err);
	if (r < 0)
		return r;
	if (name) {
		for (size_t i = 0; i < n; i++)
			if (strcmp(v[i].name, name) == 0) {
				r = urun_error_set(
				    err, 0, "the container name `%s` is already in use by %.12s",
				    name, v[i].id);
				urun_error_hint(
				    err,
				    "remove that container (urun rm %s) or choose another --name",
				    name);
				break;
			}
		if (r == 0)
			*out = xstrdup(name);
		ctr_states_free(v, n);
		return r;
	}
	for (int tries = 0;; tries++) {
		uint32_t rnd[2] = {0, 0};
		if (getrandom(rnd, sizeof(rnd), 0) < 0)
			rnd[0] = (uint32_t)getpid(), rnd[1] = (uint32_t)time(NULL);
		char *cand = tries < 64
				 ? xasprintf("%s_%s", adjectives[rnd[0] % ARRAY_SIZE(adjectives)],
					     nouns[rnd[1] % ARRAY_SIZE(nouns)])
				 : xasprintf("%s_%s%u", adjectives[rnd[0] % ARRAY_SIZE(adjectives)],
					     nouns[rnd[1] % ARRAY_SIZE(nouns)], rnd[0] % 10000);
		bool taken = false;
		for (size_t i = 0; i < n && !taken; i++)
			taken = strcmp(v[i].name, cand) == 0;
		if (!taken) {
			*out = cand;
			break;
		}
		free(cand);
	}
	ctr_states_free(v, n);
	return 0;
}

void ctr_state_free(struct ctr_state *st)
{
	char **strs[] = {&st->name,	&st->image,    &st->image_id, &st->driver,
			 &st->ctr_dir,	&st->log_path, &st->user,     &st->workdir,
			 &st->hostname, &st->seccomp,  &st->error};
	for (size_t i = 0; i < ARRAY_SIZE(strs); i++) {
		free(*strs[i]);
		*strs[i] = NULL;
	}
	free(st->ports);
	st->ports = NULL;
	st->n_ports = 0;
	strv_free(st->command);
	strv_free(st->create_args);
	strv_free(st->env);
	st->command = st->create_args = st->env = NULL;
}

void ctr_states_free(struct ctr_state *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		ctr_state_free(&v[i]);
	free(v);
}
