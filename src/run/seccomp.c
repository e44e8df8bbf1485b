/* SPDX-License-Identifier: GPL-2.0-or-later */
/* seccomp.c: docker-format seccomp profiles, validated with json-c, compiled
 * to classic BPF with libseccomp in the parent, installed by one prctl. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1 /* memfd_create */
#endif
#include "run/seccomp.h"
#include "util/cleanup.h"
#include "util/error.h"
#include "util/json.h"
#include "util/text.h"

#include <ctype.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <linux/capability.h>
#include <linux/filter.h>
#include <seccomp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/utsname.h>

/* Conditions one entry may carry; the kernel passes six arguments, and a
 * repeated index is legal (see rule_add). */
#define RULE_MAX_ARGS 16
/* Profile strings quoted in messages are cut at this length. */
#define SHOWN_MAX 48
#define SHOWN_BUF (SHOWN_MAX + 4)
/* Message locations: "syscalls[N]", then "syscalls[N]: args[M]" and the like. */
#define ENTRY_WHERE_MAX 48
#define WHERE_MAX	128

struct profile_ctx {
	const char *label; /* starts every message */
	struct urun_error *err;
};

/* The top level, borrowed from the json-c tree that owns it. */
struct profile {
	uint32_t default_action;
	struct json_object *arch_map;	   /* objects, or NULL */
	struct json_object *architectures; /* legacy list of names, or NULL */
	struct json_object *syscalls;	   /* objects, or NULL */
};

/* includes / excludes of one entry. */
struct rule_filter {
	uint64_t caps;
	struct json_object *arches; /* names; NULL when absent or empty */
	int kernel_major;	    /* minKernel; -1 when absent */
	int kernel_minor;
};

struct rule {
	struct json_object *names; /* strings, or NULL with the legacy "name" */
	const char *name;
	uint32_t action;
	bool split_args; /* an argument is compared twice */
	unsigned int n_args;
	struct scmp_arg_cmp args[RULE_MAX_ARGS];
	struct rule_filter inc, exc;
};

/* What a profile is compiled for. */
struct target {
	uint64_t caps;
	uint32_t arch; /* libseccomp token of the native architecture */
	int kernel_major;
	int kernel_minor;
};

static const struct {
	const char *name;
	uint32_t action;
	bool takes_ret; /* errnoRet is the errno, or the tracer's message */
} actions[] = {{"SCMP_ACT_ALLOW", SCMP_ACT_ALLOW, false},
	       {"SCMP_ACT_ERRNO", SCMP_ACT_ERRNO(0), true},
	       {"SCMP_ACT_KILL", SCMP_ACT_KILL, false},
	       {"SCMP_ACT_KILL_THREAD", SCMP_ACT_KILL_THREAD, false},
	       {"SCMP_ACT_KILL_PROCESS", SCMP_ACT_KILL_PROCESS, false},
	       {"SCMP_ACT_TRAP", SCMP_ACT_TRAP, false},
	       {"SCMP_ACT_TRACE", SCMP_ACT_TRACE(0), true},
	       {"SCMP_ACT_LOG", SCMP_ACT_LOG, false}};

static const struct {
	const char *name;
	enum scmp_compare op;
} operators[] = {{"SCMP_CMP_NE", SCMP_CMP_NE},
		 {"SCMP_CMP_LT", SCMP_CMP_LT},
		 {"SCMP_CMP_LE", SCMP_CMP_LE},
		 {"SCMP_CMP_EQ", SCMP_CMP_EQ},
		 {"SCMP_CMP_GE", SCMP_CMP_GE},
		 {"SCMP_CMP_GT", SCMP_CMP_GT},
		 {"SCMP_CMP_MASKED_EQ", SCMP_CMP_MASKED_EQ}};

/* Names as profiles spell them, indexed by capability number. */
#define CAP_NAME(c) [CAP_##c] = "CAP_" #c
/* clang-format off */
static const char *const capability_names[] = {
	CAP_NAME(CHOWN), CAP_NAME(DAC_OVERRIDE), CAP_NAME(DAC_READ_SEARCH), CAP_NAME(FOWNER),
	CAP_NAME(FSETID), CAP_NAME(KILL), CAP_NAME(SETGID), CAP_NAME(SETUID), CAP_NAME(SETPCAP),
	CAP_NAME(LINUX_IMMUTABLE), CAP_NAME(NET_BIND_SERVICE), CAP_NAME(NET_BROADCAST),
	CAP_NAME(NET_ADMIN), CAP_NAME(NET_RAW), CAP_NAME(IPC_LOCK), CAP_NAME(IPC_OWNER),
	CAP_NAME(SYS_MODULE), CAP_NAME(SYS_RAWIO), CAP_NAME(SYS_CHROOT), CAP_NAME(SYS_PTRACE),
	CAP_NAME(SYS_PACCT), CAP_NAME(SYS_ADMIN), CAP_NAME(SYS_BOOT), CAP_NAME(SYS_NICE),
	CAP_NAME(SYS_RESOURCE), CAP_NAME(SYS_TIME), CAP_NAME(SYS_TTY_CONFIG), CAP_NAME(MKNOD),
	CAP_NAME(LEASE), CAP_NAME(AUDIT_WRITE), CAP_NAME(AUDIT_CONTROL), CAP_NAME(SETFCAP),
	CAP_NAME(MAC_OVERRIDE), CAP_NAME(MAC_ADMIN), CAP_NAME(SYSLOG), CAP_NAME(WAKE_ALARM),
	CAP_NAME(BLOCK_SUSPEND), CAP_NAME(AUDIT_READ), CAP_NAME(PERFMON), CAP_NAME(BPF),
	CAP_NAME(CHECKPOINT_RESTORE),
};
/* clang-format on */

static inline void filter_releasep(scmp_filter_ctx *ctx)
{
	if (*ctx)
		seccomp_release(*ctx);
}
#define _cleanup_filter_ __attribute__((cleanup(filter_releasep)))

/* "LABEL: WHERE: WHAT"; errnum 0 for mistakes in the profile itself. */
__attribute__((format(printf, 4, 5))) static int fail(const struct profile_ctx *pc, int errnum,
						      const char *where, const char *fmt, ...)
{
	char what[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	if (where)
		return urun_error_set(pc->err, errnum, "%s: %s: %s", pc->label, where, what);
	return urun_error_set(pc->err, errnum, "%s: %s", pc->label, what);
}

/* Profile strings quoted in messages: short and printable, so a hostile
 * profile can neither flood the terminal nor send it escape sequences. */
static const char *shown(const char *s, char buf[static SHOWN_BUF])
{
	return text_show_into(buf, s, strnlen(s, SHOWN_MAX + 1), SHOWN_MAX, SHOWN_MAX);
}

static const char *type_name(json_type type)
{
	switch (type) {
	case json_type_object:
		return "an object";
	case json_type_array:
		return "an array";
	case json_type_string:
		return "a string";
	case json_type_int:
		return "an integer";
	default:
		return json_type_to_name(type);
	}
}

/* obj[key] when present and not null, else NULL; an error when it has
 * another type. Go's encoding/json writes null for empty lists, so docker
 * profiles have "args": null: null always means absent. */
static int member(const struct profile_ctx *pc, const char *where, struct json_object *obj,
		  const char *key, json_type type, struct json_object **out)
{
	struct json_object *v = NULL;

	*out = NULL;
	if (!json_object_object_get_ex(obj, key, &v) || !v)
		return 0;
	if (!json_object_is_type(v, type))
		return fail(pc, 0, where, "`%s` must be %s", key, type_name(type));
	*out = v;
	return 0;
}

/* `what` names v in messages: "`action`", "names[3]". */
static int string_value(const struct profile_ctx *pc, const char *where, const char *what,
			struct json_object *v, const char **out)
{
	if (!json_object_is_type(v, json_type_string))
		return fail(pc, 0, where, "%s must be a string", what);
	*out = json_object_get_string(v);
	/* "\u0000" would make "getpid\u0000x" match getpid */
	if ((size_t)json_object_get_string_len(v) != strlen(*out))
		return fail(pc, 0, where, "%s contains a NUL character", what);
	if (!**out)
		return fail(pc, 0, where, "%s is empty", what);
	return 0;
}

static int string_member(const struct profile_ctx *pc, const char *where, struct json_object *obj,
			 const char *key, bool required, const char **out)
{
	struct json_object *v;
	char what[WHERE_MAX];

	*out = NULL;
	int r = member(pc, where, obj, key, json_type_string, &v);
	if (r < 0)
		return r;
	if (!v)
		return required ? fail(pc, 0, where, "`%s` is missing", key) : 0;
	snprintf(what, sizeof(what), "`%s`", key);
	return string_value(pc, where, what, v, out);
}

/* An unsigned integer member no larger than max; *present says whether it
 * was there. json-c clamps integers beyond 2^64-1 to that value. */
static int uint_member(const struct profile_ctx *pc, const char *where, struct json_object *obj,
		       const char *key, uint64_t max, bool *present, uint64_t *out)
{
	struct json_object *v;

	*present = false;
	*out = 0;
	int r = member(pc, where, obj, key, json_type_int, &v);
	if (r < 0 || !v)
		return r;
	if (json_object_get_int64(v) < 0)
		return fail(pc, 0, where, "`%s` must not be negative", key);
	*out = json_object_get_uint64(v);
	if (*out > max)
		return fail(pc, 0, where, "`%s` is %" PRIu64 ", more than %" PRIu64, key, *out,
			    max);
	*present = true;
	return 0;
}

/* An action and its errnoRet: defaultAction/defaultErrnoRet at the top,
 * action/errnoRet in an entry. Without errnoRet, EPERM, as runc does. */
static int parse_action(const struct profile_ctx *pc, const char *where, struct json_object *obj,
			const char *key, const char *ret_key, uint32_t *out)
{
	const char *name;
	char b[SHOWN_BUF];
	size_t i;

	int r = string_member(pc, where, obj, key, true, &name);
	if (r < 0)
		return r;
	if (strcmp(name, "SCMP_ACT_NOTIFY") == 0)
		return fail(pc, 0, where,
			    "`SCMP_ACT_NOTIFY` is not supported: urun runs no seccomp agent");
	for (i = 0; i < ARRAY_SIZE(actions); i++)
		if (strcmp(name, actions[i].name) == 0)
			break;
	if (i == ARRAY_SIZE(actions)) {
		r = fail(pc, 0, where, "unknown %s `%s`", key, shown(name, b));
		urun_error_hint(pc->err,
				"use one of SCMP_ACT_ALLOW, SCMP_ACT_ERRNO, SCMP_ACT_KILL, "
				"SCMP_ACT_KILL_PROCESS, SCMP_ACT_KILL_THREAD, SCMP_ACT_TRAP, "
				"SCMP_ACT_TRACE, SCMP_ACT_LOG");
		return r;
	}

	bool has_ret;
	uint64_t ret;
	/* The kernel caps an errno at 4095; a trace message has 16 bits. */
	uint64_t max = actions[i].action == SCMP_ACT_ERRNO(0) ? 4095 : 0xffff;
	r = uint_member(pc, where, obj, ret_key, max, &has_ret, &ret);
	if (r < 0)
		return r;
	if (has_ret && !actions[i].takes_ret)
		return fail(pc, 0, where,
			    "`%s` is only valid with SCMP_ACT_ERRNO and SCMP_ACT_TRACE", ret_key);
	if (!has_ret)
		ret = actions[i].takes_ret ? EPERM : 0;
	*out = actions[i].action | (uint32_t)ret;
	return 0;
}

/* Strict "MAJOR.MINOR" for minKernel; a uname release may go on ("6.1.0-13-amd64"). */
static bool parse_kernel(const char *s, bool strict, int *major, int *minor)
{
	char *end;

	if (!isdigit((unsigned char)s[0]))
		return false;
	errno = 0;
	unsigned long a = strtoul(s, &end, 10);
	if (*end != '.' || !isdigit((unsigned char)end[1]))
		return false;
	unsigned long b = strtoul(end + 1, &end, 10);
	if (errno || a > INT_MAX || b > INT_MAX || (strict && *end))
		return false;
	*major = (int)a;
	*minor = (int)b;
	return true;
}

static int parse_filter(const struct profile_ctx *pc, const char *entry_where,
			struct json_object *entry, const char *key, struct rule_filter *f)
{
	struct json_object *o, *caps, *arches;
	const char *mk;
	char where[WHERE_MAX], what[48], b[SHOWN_BUF];

	*f = (struct rule_filter){.kernel_major = -1, .kernel_minor = -1};
	int r = member(pc, entry_where, entry, key, json_type_object, &o);
	if (r < 0 || !o)
		return r;
	snprintf(where, sizeof(where), "%s: %s", entry_where, key);

	if ((r = member(pc, where, o, "caps", json_type_array, &caps)) < 0)
		return r;
	for (size_t i = 0; caps && i < json_object_array_length(caps); i++) {
		const char *name;
		size_t c;

		snprintf(what, sizeof(what), "caps[%zu]", i);
		if ((r = string_value(pc, where, what, json_object_array_get_idx(caps, i), &name)) <
		    0)
			return r;
		for (c = 0; c < ARRAY_SIZE(capability_names); c++)
			if (capability_names[c] && strcmp(name, capability_names[c]) == 0)
				break;
		/* A typo here would silently change which rules apply. */
		if (c == ARRAY_SIZE(capability_names))
			return fail(pc, 0, where, "unknown capability `%s`", shown(name, b));
		f->caps |= 1ULL << c;
	}

	if ((r = member(pc, where, o, "arches", json_type_array, &arches)) < 0)
		return r;
	for (size_t i = 0; arches && i < json_object_array_length(arches); i++) {
		const char *name;

		snprintf(what, sizeof(what), "arches[%zu]", i);
		if ((r = string_value(pc, where, what, json_object_array_get_idx(arches, i),
				      &name)) < 0)
			return r;
	}
	if (arches && json_object_array_length(arches) > 0)
		f->arches = arches;

	if ((r = string_member(pc, where, o, "minKernel", false, &mk)) < 0)
		return r;
	if (mk && !parse_kernel(mk, true, &f->kernel_major, &f->kernel_minor))
		return fail(pc, 0, where, "`minKernel` must look like \"4.8\", not `%s`",
			    shown(mk, b));
	return 0;
}

static int parse_args(const struct profile_ctx *pc, const char *entry_where,
		      struct json_object *entry, struct rule *rule)
{
	struct json_object *args;
	char where[WHERE_MAX], b[SHOWN_BUF];
	unsigned int seen = 0;

	int r = member(pc, entry_where, entry, "args", json_type_array, &args);
	if (r < 0 || !args)
		return r;
	size_t n = json_object_array_length(args);
	if (n > RULE_MAX_ARGS)
		return fail(pc, 0, entry_where, "%zu argument conditions, more than %d", n,
			    RULE_MAX_ARGS);
	for (size_t i = 0; i < n; i++) {
		struct json_object *a = json_object_array_get_idx(args, i);
		uint64_t index, value, value_two;
		const char *op;
		bool present;
		size_t k;

		snprintf(where, sizeof(where), "%s: args[%zu]", entry_where, i);
		if (!json_object_is_type(a, json_type_object))
			return fail(pc, 0, where, "must be an object");
		if ((r = uint_member(pc, where, a, "index", 5, &present, &index)) < 0)
			return r;
		if (!present)
			return fail(pc, 0, where, "`index` is missing");
		if ((r = uint_member(pc, where, a, "value", UINT64_MAX, &present, &value)) < 0 ||
		    (r = uint_member(pc, where, a, "valueTwo", UINT64_MAX, &present, &value_two)) <
			0 ||
		    (r = string_member(pc, where, a, "op", true, &op)) < 0)
			return r;
		for (k = 0; k < ARRAY_SIZE(operators); k++)
			if (strcmp(op, operators[k].name) == 0)
				break;
		if (k == ARRAY_SIZE(operators)) {
			r = fail(pc, 0, where, "unknown operator `%s`", shown(op, b));
			urun_error_hint(pc->err,
					"use one of SCMP_CMP_NE, SCMP_CMP_LT, SCMP_CMP_LE, "
					"SCMP_CMP_EQ, SCMP_CMP_GE, SCMP_CMP_GT, "
					"SCMP_CMP_MASKED_EQ");
			return r;
		}
		/* For SCMP_CMP_MASKED_EQ, value is the mask and valueTwo what the
		 * masked argument must equal; other operators ignore valueTwo. */
		rule->args[i] = (struct scmp_arg_cmp){
		    .arg = (unsigned int)index,
		    .op = operators[k].op,
		    .datum_a = value,
		    .datum_b = value_two,
		};
		if (seen & (1u << index))
			rule->split_args = true;
		seen |= 1u << index;
	}
	rule->n_args = (unsigned int)n;
	return 0;
}

static int parse_rule(const struct profile_ctx *pc, size_t index, struct json_object *entry,
		      struct rule *rule)
{
	struct json_object *names, *name;
	char where[ENTRY_WHERE_MAX], what[48];
	int r;

	*rule = (struct rule){0};
	snprintf(where, sizeof(where), "syscalls[%zu]", index);
	if (!json_object_is_type(entry, json_type_object))
		return fail(pc, 0, NULL, "%s must be an object", where);

	if ((r = member(pc, where, entry, "names", json_type_array, &names)) < 0 ||
	    (r = member(pc, where, entry, "name", json_type_string, &name)) < 0)
		return r;
	/* Docker, too, reads "name": "" and "names": [] as absent. */
	if (names && json_object_array_length(names) == 0)
		names = NULL;
	if (name && json_object_get_string_len(name) == 0)
		name = NULL;
	if (name && (r = string_value(pc, where, "`name`", name, &rule->name)) < 0)
		return r;
	if (names && rule->name)
		return fail(pc, 0, where, "has both `name` and `names`");
	if (!names && !rule->name)
		return fail(pc, 0, where, "names no syscall");
	for (size_t i = 0; names && i < json_object_array_length(names); i++) {
		const char *unused;

		snprintf(what, sizeof(what), "names[%zu]", i);
		if ((r = string_value(pc, where, what, json_object_array_get_idx(names, i),
				      &unused)) < 0)
			return r;
	}
	rule->names = names;

	if ((r = parse_action(pc, where, entry, "action", "errnoRet", &rule->action)) < 0 ||
	    (r = parse_args(pc, where, entry, rule)) < 0 ||
	    (r = parse_filter(pc, where, entry, "includes", &rule->inc)) < 0 ||
	    (r = parse_filter(pc, where, entry, "excludes", &rule->exc)) < 0)
		return r;
	return 0;
}

/* Byte offset to "line L, column C" for JSON syntax errors. */
static void position(const char *json, size_t off, size_t *line, size_t *col)
{
	*line = 1;
	*col = 1;
	for (size_t i = 0; i < off; i++) {
		if (json[i] == '\n') {
			(*line)++;
			*col = 1;
		} else {
			(*col)++;
		}
	}
}

static int parse_json(const struct profile_ctx *pc, const char *json, size_t len,
		      struct json_object **out)
{
	size_t line, col, end;
	enum json_tokener_error jerr;

	*out = NULL;
	if (len > SECCOMP_PROFILE_MAX_BYTES)
		return fail(pc, 0, NULL, "the profile is larger than %u MiB",
			    SECCOMP_PROFILE_MAX_BYTES >> 20);
	/* The depth limit keeps a hostile, deeply nested file from costing more
	 * than a few kilobytes of parser stack. A C string's terminator may be
	 * counted in len; anything else after the object is not JSON. */
	enum json_parse_status st = json_parse_object(
	    json, len, SECCOMP_PROFILE_MAX_DEPTH,
	    JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8 | JSON_PARSE_NUL_IS_SPACE, out, &jerr,
	    &end);

	position(json, end < len ? end : len, &line, &col);
	switch (st) {
	case JSON_PARSE_OK:
		return 0;
	case JSON_PARSE_NOMEM:
	case JSON_PARSE_TOO_LARGE:
		return fail(pc, ENOMEM, NULL, "creating a JSON parser");
	case JSON_PARSE_INVALID:
		if (jerr == json_tokener_continue)
			return fail(pc, 0, NULL, "invalid JSON: %s",
				    len ? "unexpected end of file" : "the profile is empty");
		if (jerr == json_tokener_error_depth)
			return fail(pc, 0, NULL,
				    "invalid JSON at line %zu, column %zu: nesting deeper than %d",
				    line, col, SECCOMP_PROFILE_MAX_DEPTH);
		return fail(pc, 0, NULL, "invalid JSON at line %zu, column %zu: %s", line, col,
			    json_tokener_error_desc(jerr));
	case JSON_PARSE_TRAILING:
		return fail(pc, 0, NULL, "invalid JSON at line %zu, column %zu: data after the end",
			    line, col);
	case JSON_PARSE_NOT_OBJECT:
		break;
	}
	return fail(pc, 0, NULL, "the top level must be a JSON object");
}

/* The top level. Keys docker ignores (comment, listenerPath...) are ignored. */
static int parse_profile(const struct profile_ctx *pc, struct json_object *root, struct profile *p)
{
	struct json_object *flags;
	char where[WHERE_MAX], what[48];
	int r;

	if ((r = parse_action(pc, NULL, root, "defaultAction", "defaultErrnoRet",
			      &p->default_action)) < 0 ||
	    (r = member(pc, NULL, root, "archMap", json_type_array, &p->arch_map)) < 0 ||
	    (r = member(pc, NULL, root, "architectures", json_type_array, &p->architectures)) < 0 ||
	    (r = member(pc, NULL, root, "syscalls", json_type_array, &p->syscalls)) < 0 ||
	    (r = member(pc, NULL, root, "flags", json_type_array, &flags)) < 0)
		return r;
	/* Filter flags would need seccomp(2) and a decision per flag; refuse
	 * rather than load something else than the profile says. */
	if (flags && json_object_array_length(flags) > 0)
		return fail(pc, 0, NULL, "`flags` is not supported");

	if (p->architectures && json_object_array_length(p->architectures) == 0)
		p->architectures = NULL;
	if (p->arch_map && json_object_array_length(p->arch_map) == 0)
		p->arch_map = NULL;
	if (p->architectures && p->arch_map)
		return fail(pc, 0, NULL, "has both `architectures` and `archMap`; keep `archMap`");
	for (size_t i = 0; p->architectures && i < json_object_array_length(p->architectures);
	     i++) {
		const char *unused;

		snprintf(what, sizeof(what), "architectures[%zu]", i);
		if ((r = string_value(pc, NULL, what,
				      json_object_array_get_idx(p->architectures, i), &unused)) < 0)
			return r;
	}
	for (size_t i = 0; p->arch_map && i < json_object_array_length(p->arch_map); i++) {
		struct json_object *entry = json_object_array_get_idx(p->arch_map, i), *subs;
		const char *unused;

		snprintf(where, sizeof(where), "archMap[%zu]", i);
		if (!json_object_is_type(entry, json_type_object))
			return fail(pc, 0, NULL, "%s must be an object", where);
		if ((r = string_member(pc, where, entry, "architecture", true, &unused)) < 0 ||
		    (r = member(pc, where, entry, "subArchitectures", json_type_array, &subs)) < 0)
			return r;
		for (size_t j = 0; subs && j < json_object_array_length(subs); j++) {
			snprintf(what, sizeof(what), "subArchitectures[%zu]", j);
			if ((r = string_value(pc, where, what, json_object_array_get_idx(subs, j),
					      &unused)) < 0)
				return r;
		}
	}
	return 0;
}

/* Architecture names as profiles spell them: SCMP_ARCH_X86_64 in archMap;
 * Go's GOARCH ("amd64", what docker compares) or libseccomp's own ("x86_64")
 * in includes/excludes.arches. 0 when libseccomp does not know it. */
static uint32_t arch_token(const char *name)
{
	static const struct {
		const char *go, *scmp;
	} go_names[] = {{"amd64", "x86_64"},	       {"386", "x86"},
			{"arm64", "aarch64"},	       {"mipsle", "mipsel"},
			{"mips64le", "mipsel64"},      {"mips64p32", "mips64n32"},
			{"mips64p32le", "mipsel64n32"}};
	char lower[32];

	if (strncmp(name, "SCMP_ARCH_", 10) == 0) {
		size_t i;

		for (i = 0; name[10 + i] && i < sizeof(lower) - 1; i++)
			lower[i] = (char)tolower((unsigned char)name[10 + i]);
		if (name[10 + i])
			return 0;
		lower[i] = '\0';
		name = lower;
	}
	for (size_t i = 0; i < ARRAY_SIZE(go_names); i++)
		if (strcmp(name, go_names[i].go) == 0)
			name = go_names[i].scmp;
	return seccomp_arch_resolve_name(name);
}

static bool arches_include(struct json_object *arches, uint32_t arch)
{
	for (size_t i = 0; i < json_object_array_length(arches); i++)
		if (arch_token(json_object_get_string(json_object_array_get_idx(arches, i))) ==
		    arch)
			return true;
	return false;
}

static bool kernel_at_least(const struct target *t, int major, int minor)
{
	return t->kernel_major > major || (t->kernel_major == major && t->kernel_minor >= minor);
}

/* Docker's semantics: an entry applies when the container has every
 * capability in includes.caps and none in excludes.caps, and the native
 * architecture and running kernel pass the arches and minKernel tests. */
static bool rule_applies(const struct rule *rule, const struct target *t)
{
	const struct rule_filter *inc = &rule->inc, *exc = &rule->exc;

	if ((t->caps & inc->caps) != inc->caps || (t->caps & exc->caps))
		return false;
	if (inc->arches && !arches_include(inc->arches, t->arch))
		return false;
	if (exc->arches && arches_include(exc->arches, t->arch))
		return false;
	if (inc->kernel_major >= 0 && !kernel_at_least(t, inc->kernel_major, inc->kernel_minor))
		return false;
	if (exc->kernel_major >= 0 && kernel_at_least(t, exc->kernel_major, exc->kernel_minor))
		return false;
	return true;
}

static int rule_add(const struct profile_ctx *pc, scmp_filter_ctx ctx, uint32_t default_action,
		    size_t index, const struct rule *rule)
{
	char b[SHOWN_BUF];

	/* libseccomp refuses (EACCES) a rule with the default action; such a
	 * rule changes nothing, as clone3's ENOSYS in urun's own profile. */
	if (rule->action == default_action)
		return 0;
	size_t n = rule->names ? json_object_array_length(rule->names) : 1;
	for (size_t i = 0; i < n; i++) {
		const char *name =
		    rule->names ? json_object_get_string(json_object_array_get_idx(rule->names, i))
				: rule->name;
		int nr = seccomp_syscall_resolve_name(name);
		int r = 0;

		/* Newer than this libseccomp, or a typo: docker skips these too, and
		 * the default action (ENOSYS in urun's profile) covers them. */
		if (nr == __NR_SCMP_ERROR)
			continue;
		/* libseccomp cannot AND two comparisons of one argument; like runc
		 * and crun, make each comparison a rule of its own (an OR). */
		if (rule->split_args) {
			for (unsigned int j = 0; j < rule->n_args && r == 0; j++)
				r = seccomp_rule_add_array(ctx, rule->action, nr, 1,
							   &rule->args[j]);
		} else {
			r = seccomp_rule_add_array(ctx, rule->action, nr, rule->n_args, rule->args);
		}
		if (r < 0) {
			char where[ENTRY_WHERE_MAX];

			snprintf(where, sizeof(where), "syscalls[%zu]", index);
			return fail(pc, -r, where, "libseccomp refused the rule for `%s`",
				    shown(name, b));
		}
	}
	return 0;
}

/* Every entry is parsed and checked; with ctx, the ones that apply to t are added. */
static int add_rules(const struct profile_ctx *pc, const struct profile *p, const struct target *t,
		     scmp_filter_ctx ctx)
{
	size_t n = p->syscalls ? json_object_array_length(p->syscalls) : 0;

	for (size_t i = 0; i < n; i++) {
		struct rule rule;
		int r = parse_rule(pc, i, json_object_array_get_idx(p->syscalls, i), &rule);

		if (r < 0)
			return r;
		if (ctx && rule_applies(&rule, t) &&
		    (r = rule_add(pc, ctx, p->default_action, i, &rule)) < 0)
			return r;
	}
	return 0;
}

static int add_arch(const struct profile_ctx *pc, scmp_filter_ctx ctx, const char *where,
		    const char *name)
{
	char b[SHOWN_BUF];
	uint32_t arch = arch_token(name);

	if (!arch)
		return fail(pc, 0, where, "unknown architecture `%s`", shown(name, b));
	int r = seccomp_arch_add(ctx, arch);
	if (r < 0 && r != -EEXIST)
		return fail(pc, -r, where, "adding architecture `%s`", shown(name, b));
	return 0;
}

/* seccomp_init() put in the native architecture. A 64-bit host also runs
 * 32-bit programs (x86 and x32 on x86_64): without their architectures in
 * the filter, their syscalls would all be killed. */
static int add_arches(const struct profile_ctx *pc, const struct profile *p, uint32_t native,
		      scmp_filter_ctx ctx)
{
	char where[WHERE_MAX];
	int r;

	for (size_t i = 0; p->architectures && i < json_object_array_length(p->architectures);
	     i++) {
		snprintf(where, sizeof(where), "architectures[%zu]", i);
		struct json_object *v = json_object_array_get_idx(p->architectures, i);
		if ((r = add_arch(pc, ctx, where, json_object_get_string(v))) < 0)
			return r;
	}
	for (size_t i = 0; p->arch_map && i < json_object_array_length(p->arch_map); i++) {
		struct json_object *entry = json_object_array_get_idx(p->arch_map, i), *arch, *subs;

		json_object_object_get_ex(entry, "architecture", &arch);
		if (arch_token(json_object_get_string(arch)) != native)
			continue;
		if (!json_object_object_get_ex(entry, "subArchitectures", &subs) || !subs)
			continue;
		for (size_t j = 0; j < json_object_array_length(subs); j++) {
			snprintf(where, sizeof(where), "archMap[%zu]: subArchitectures[%zu]", i, j);
			struct json_object *v = json_object_array_get_idx(subs, j);
			if ((r = add_arch(pc, ctx, where, json_object_get_string(v))) < 0)
				return r;
		}
	}
	return 0;
}

static int export_bpf(const struct profile_ctx *pc, scmp_filter_ctx ctx,
		      struct seccomp_program *out)
{
	struct stat st;

	/* libseccomp 2.5 writes the program only to a file descriptor. */
	_cleanup_close_ int fd = memfd_create("urun-seccomp", MFD_CLOEXEC);
	if (fd < 0)
		return fail(pc, errno, NULL, "creating a memfd for the compiled filter");
	int r = seccomp_export_bpf(ctx, fd);
	if (r < 0)
		return fail(pc, -r, NULL, "exporting the compiled filter");
	if (fstat(fd, &st) < 0)
		return fail(pc, errno, NULL, "reading back the compiled filter");

	size_t size = (size_t)st.st_size;
	size_t insns = size / sizeof(struct sock_filter);
	if (size == 0 || size % sizeof(struct sock_filter))
		return fail(pc, EIO, NULL, "libseccomp exported %zu bytes, not whole instructions",
			    size);
	/* The kernel refuses longer programs with a bare EINVAL at exec time;
	 * say why here, in the parent. */
	if (insns > BPF_MAXINSNS) {
		r = fail(pc, 0, NULL,
			 "the compiled filter has %zu instructions, more than the "
			 "kernel's limit of %d",
			 insns, BPF_MAXINSNS);
		urun_error_hint(pc->err, "drop subArchitectures from archMap or merge entries "
					 "that have argument conditions");
		return r;
	}

	_cleanup_free_ void *bpf = xmalloc(size);
	for (size_t done = 0; done < size;) {
		ssize_t n = pread(fd, (char *)bpf + done, size - done, (off_t)done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return fail(pc, n < 0 ? errno : EIO, NULL,
				    "reading back the compiled filter");
		done += (size_t)n;
	}
	out->bpf = steal_ptr(&bpf);
	out->len = size;
	return 0;
}

/* Parse, check and, with t, compile. */
static int run_profile(const char *json, size_t len, const char *label, const struct target *t,
		       struct seccomp_program *out, struct urun_error *err)
{
	struct profile_ctx pc = {.label = label ? label : "seccomp profile", .err = err};
	struct profile p = {0};
	_cleanup_json_ struct json_object *root = NULL;

	int r = parse_json(&pc, json, len, &root);
	if (r < 0 || (r = parse_profile(&pc, root, &p)) < 0)
		return r;
	if (!t)
		return add_rules(&pc, &p, NULL, NULL);

	_cleanup_filter_ scmp_filter_ctx ctx = seccomp_init(p.default_action);
	if (!ctx)
		return fail(&pc, 0, NULL, "libseccomp refused the default action");
	/* urun sets no_new_privs itself, in the child, before loading. */
	r = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 0);
	if (r < 0)
		return fail(&pc, -r, NULL, "configuring libseccomp");
#if SCMP_VER_MAJOR > 2 || (SCMP_VER_MAJOR == 2 && SCMP_VER_MINOR >= 5)
	/* A binary tree of syscall numbers instead of a list: longer, but the
	 * kernel emulates the filter for every syscall number when it is loaded
	 * (to cache the ones always allowed), so loading drops from ~1.1 ms to
	 * ~0.3 ms here, and each syscall walks log(n) compares, not n. Best
	 * effort: a libseccomp that cannot do it builds the list. */
	(void)seccomp_attr_set(ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2);
#endif
	if ((r = add_arches(&pc, &p, t->arch, ctx)) < 0 || (r = add_rules(&pc, &p, t, ctx)) < 0)
		return r;
	return export_bpf(&pc, ctx, out);
}

int seccomp_compile_buffer_kernel(const char *json, size_t len, const char *name_for_errors,
				  uint64_t caps, const char *kernel, struct seccomp_program *out,
				  struct urun_error *err)
{
	struct target t = {.caps = caps, .arch = seccomp_arch_native()};
	struct utsname u;
	char b[SHOWN_BUF];

	*out = (struct seccomp_program){0};
	if (!kernel) {
		if (uname(&u) < 0)
			return urun_error_set(err, errno, "reading the kernel version");
		kernel = u.release;
	}
	if (!parse_kernel(kernel, false, &t.kernel_major, &t.kernel_minor))
		return urun_error_set(err, 0, "cannot read a kernel version from `%s`",
				      shown(kernel, b));
	return run_profile(json, len, name_for_errors, &t, out, err);
}

int seccomp_compile_buffer(const char *json, size_t len, const char *name_for_errors, uint64_t caps,
			   struct seccomp_program *out, struct urun_error *err)
{
	return seccomp_compile_buffer_kernel(json, len, name_for_errors, caps, NULL, out, err);
}

int seccomp_compile_file(const char *path, uint64_t caps, struct seccomp_program *out,
			 struct urun_error *err)
{
	size_t len = 0, cap = 64 * 1024;

	*out = (struct seccomp_program){0};
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return urun_error_set(err, errno, "opening seccomp profile `%s`", path);
	/* Read one byte past the limit, so "too large" is told apart from "just fits". */
	_cleanup_free_ char *buf = xmalloc(cap);
	for (;;) {
		if (len == cap) {
			if (cap > SECCOMP_PROFILE_MAX_BYTES)
				break;
			cap = cap * 2 > SECCOMP_PROFILE_MAX_BYTES ? SECCOMP_PROFILE_MAX_BYTES + 1
								  : cap * 2;
			buf = xrealloc(buf, cap);
		}
		ssize_t n = read(fd, buf + len, cap - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return urun_error_set(err, errno, "reading seccomp profile `%s`", path);
		if (n == 0)
			break;
		len += (size_t)n;
	}
	_cleanup_free_ char *label = xasprintf("`%s`", path);
	return seccomp_compile_buffer(buf, len, label, caps, out, err);
}

int seccomp_profile_check(const char *json, size_t len, struct urun_error *err)
{
	return run_profile(json, len, NULL, NULL, NULL, err);
}

void seccomp_program_free(struct seccomp_program *p)
{
	if (!p)
		return;
	free(p->bpf);
	*p = (struct seccomp_program){0};
}

int seccomp_program_load(const struct seccomp_program *p)
{
	if (!p || !p->bpf || p->len == 0 || p->len % sizeof(struct sock_filter) ||
	    p->len / sizeof(struct sock_filter) > BPF_MAXINSNS) {
		errno = EINVAL;
		return -EINVAL;
	}
	struct sock_fprog prog = {
	    .len = (unsigned short)(p->len / sizeof(struct sock_filter)),
	    .filter = p->bpf,
	};
	/* The kernel copies the program: nothing here must outlive the call.
	 * Without no_new_privs (or CAP_SYS_ADMIN) this fails with EACCES. */
	if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog, 0, 0) < 0)
		return -errno;
	return 0;
}
