/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test-template.c: --format templates: fields, functions, trim markers,
 * Go's printing of values, and the errors a bad template gets. */
#include "util/cleanup.h"
#include "util/template.h"
#include "tap.h"

#include <json-c/json.h>

static struct json_object *obj;

static void renders(const char *fmt, const char *want, const char *name)
{
	struct urun_error err = {0};
	_cleanup_free_ char *got = template_render(fmt, obj, &err);

	if (!is_str(got, want, name) && !got)
		printf("# error: %s\n", err.msg ? err.msg : "(none)");
	urun_error_clear(&err);
}

static void fails(const char *fmt, const char *want_in_msg, const char *name)
{
	struct urun_error err = {0};
	_cleanup_free_ char *got = template_render(fmt, obj, &err);

	ok(!got && err.msg && strstr(err.msg, want_in_msg) &&
	       strncmp(err.msg, "template: ", 10) == 0,
	   "%s: %s", name,
	   err.msg ? err.msg
	   : got   ? got
		   : "(no error)");
	urun_error_clear(&err);
}

int main(void)
{
	obj = json_tokener_parse("{\"Id\":\"abc123\",\"Size\":1024,\"Ratio\":0.5,\"Big\":1e6,"
				 "\"Huge\":18446744073709551615,"
				 "\"Neg\":-3,\"Dangling\":false,\"Names\":[\"a\",\"b\",\"c\"],"
				 "\"Empty\":[],\"Null\":null,"
				 "\"Mixed\":[1,\"two\",true,null,{\"k\":\"v\"}],\"Sp\":\"s "
				 "\",\"name\":\"lower-case\",\"NAME\":\"UPPER\","
				 "\"Config\":{\"Env\":[\"PATH=/usr/"
				 "bin\",\"TERM=xterm\"],\"Labels\":{\"z\":\"1\",\"a\":\"x y\"}},"
				 "\"State\":{\"Status\":\"running\",\"Pid\":42,\"Running\":true}}");
	ok(obj != NULL, "fixture parses");

	ok(template_is_template("{{.ID}}"), "{{.ID}} is a template");
	ok(template_is_template("table {{.ID}}\\t{{.Size}}"), "table with fields is a template");
	ok(!template_is_template("json"), "json is not a template");
	ok(!template_is_template("table"), "table is not a template");
	ok(!template_is_template(NULL), "NULL is not a template");

	renders("", "", "empty format renders the empty string");
	renders("plain } text {", "plain } text {", "text without actions is copied");
	renders("a\\tb\\nc", "a\tb\nc", "\\t and \\n escapes");
	renders("{{.Id}}", "abc123", "top-level string field");
	renders("{{.ID}}", "abc123", "{{.ID}} matches key Id");
	renders("{{.NAME}}/{{.name}}", "UPPER/lower-case",
		"exact case wins over case-insensitive match");
	renders("{{.State.Status}}", "running", "nested field");
	renders("{{ .State.Status }}", "running", "whitespace inside braces");
	renders("{{.state.status}}", "running", "case-insensitive at every level");
	renders("{{.Size}} {{.State.Pid}} {{.Neg}}", "1024 42 -3", "integers");
	renders("{{.Huge}}", "18446744073709551615", "uint64 above INT64_MAX is exact");
	renders("{{.Ratio}} {{.Big}}", "0.5 1e+06", "floats print as Go's %v");
	renders("{{.State.Running}} {{.Dangling}}", "true false", "bools");
	renders("{{.Names}}", "[a b c]", "array of strings prints as Go's []string");
	renders("{{.Empty}}", "[]", "empty array");
	renders("{{.Mixed}}", "[1 two true <nil> map[k:v]]",
		"mixed array, nil inside prints <nil>");
	renders("{{.Config.Labels}}", "map[a:x y z:1]", "object prints as a map with sorted keys");
	renders("{{.Missing}}", "<no value>", "missing field prints <no value>");
	renders("{{.Missing.Deeper}}", "<no value>", "field of a missing field prints <no value>");
	renders("{{.Null}}", "<no value>", "null prints <no value>");
	renders("{{json .Config.Env}}", "[\"PATH=/usr/bin\",\"TERM=xterm\"]",
		"json of an array, slash unescaped");
	renders("{{json .State.Status}}", "\"running\"", "json of a string is quoted");
	renders("{{json .State.Pid}}", "42", "json of a number");
	renders("{{json .Missing}}", "null", "json of a missing field is null");
	renders("{{ json   .State }}", "{\"Status\":\"running\",\"Pid\":42,\"Running\":true}",
		"json of an object, extra whitespace");
	{
		struct json_object *saved = obj;
		obj = json_tokener_parse("{\"ID\":\"x\",\"n\":[1,2]}");
		renders("{{.Id}}", "x", "{{.Id}} matches key ID");
		renders("{{.}}", "map[ID:x n:[1 2]]", "{{.}} prints the whole object");
		renders("{{json .}}", "{\"ID\":\"x\",\"n\":[1,2]}",
			"{{json .}} prints the whole object");
		json_object_put(obj);
		obj = saved;
	}
	renders("{{upper .State.Status}}", "RUNNING", "upper");
	renders("{{lower .NAME}}", "upper", "lower");
	renders("a  {{- .Id -}}  b", "aabc123b", "trim markers trim both sides");
	renders("a \\n {{- .Id}}\\t!", "aabc123\t!", "left trim eats escaped whitespace too");
	renders("{{.Id -}}\\n\\n x", "abc123x", "right trim only");
	renders("{{.Sp}} {{- .Id}}", "s abc123", "trim leaves the previous action's output alone");
	renders("table {{.Id}}\\t{{.Size}}", "abc123\t1024", "leading \"table \" stripped");
	renders("ID={{.ID}} status={{.State.Status}}\\n", "ID=abc123 status=running\n",
		"fields within text");

	fails("{{.X", "unclosed action", "unterminated action");
	fails("ok {{.Id}} {{ json .Id", "unclosed action", "unterminated after a good action");
	fails("{{.State.Status.Foo}}", "can't evaluate field Foo", "field of a string");
	fails("{{.Names.First}}", "can't evaluate field First in type array", "field of an array");
	fails("{{.Size.X}}", "can't evaluate field X in type int", "field of a number");
	fails("{{}}", "missing value", "empty action");
	fails("{{ }}", "missing value", "blank action");
	fails("{{nosuch .Id}}", "function \"nosuch\" not defined", "unknown function");
	fails("{{json}}", "wrong number of args for json", "json without an argument");
	fails("{{json .Id .Size}}", "wrong number of args for json", "json with two arguments");
	fails("{{json \"x\"}}", "unsupported argument", "literal argument");
	fails("{{.Id .Size}}", "can't give argument to non-function", "argument to a field");
	fails("{{.A..B}}", "bad field name", "empty field name");
	fails("{{.A.}}", "bad field name", "trailing dot");
	fails("{{.A-B}}", "bad field name", "dash in a field name");
	fails("a {{-.Id}}", "trim marker needs a space", "{{- without its space");
	fails("{{.Id-}}", "trim marker needs a space", "-}} without its space");
	fails("{{upper .Size}}", "expected string; got int", "upper of a number");
	fails("{{lower .Missing}}", "expected string; got null", "lower of a missing field");
	fails("{{.Id | json}}", "can't give argument", "pipelines are not supported");
	{
		struct urun_error err = {0};
		free(template_render("{{nosuch .Id}}", obj, &err));
		ok(err.hint && strstr(err.hint, "{{json .A}}"),
		   "unknown function hint lists what works");
		urun_error_clear(&err);
	}

	json_object_put(obj);
	return done_testing();
}
