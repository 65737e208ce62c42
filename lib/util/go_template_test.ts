import { assertEquals, assertThrows } from "../../tests/helpers/assert.ts";
import { parseTemplate, TemplateError } from "./go_template.ts";

const run = (src: string, data: unknown) => parseTemplate(src).execute(data);
const ctr = {
  ID: "0123456789ab",
  Names: "web",
  State: { Status: "running", Pid: 4242, Running: true },
  Labels: { "com.example.vendor": "ACME", app: "shop" },
  Mounts: [{ Source: "/srv", Destination: "/data" }, { Source: "/etc/x", Destination: "/x" }],
  Ports: [{ HostPort: "8080", PrivatePort: 80 }],
  Tags: ["a", "b"],
  Empty: [],
  Label(key: string) {
    return (this.Labels as Record<string, string>)[key] ?? "";
  },
};

Deno.test("go template: fields, nested fields, tabs and text as docker ps/inspect --format use them", () => {
  assertEquals(run("{{.ID}}\t{{.Names}}", ctr), "0123456789ab\tweb");
  assertEquals(run("{{.State.Pid}}", ctr), "4242");
  assertEquals(run("pid={{ .State.Pid }} running={{.State.Running}}", ctr), "pid=4242 running=true");
  assertEquals(run("{{.Missing}}", ctr), "<no value>");
  assertEquals(run("{{.}}", "plain"), "plain");
});

Deno.test("go template: Docker's functions — json, join, split, upper, lower, title, pad, truncate; Go's printf, len, index", () => {
  assertEquals(run("{{json .Labels}}", ctr), '{"com.example.vendor":"ACME","app":"shop"}');
  assertEquals(run("{{json .Tags}}", ctr), '["a","b"]');
  assertEquals(run('{{join .Tags ", "}}', ctr), "a, b");
  assertEquals(run('{{split "a:b:c" ":"}}', ctr), "[a b c]");
  assertEquals(run("{{upper .Names}} {{lower \"ABC\"}} {{title \"hello world\"}}", ctr), "WEB abc Hello World");
  assertEquals(run('{{pad .Names 1 2}}|{{truncate .ID 4}}', ctr), " web  |0123");
  assertEquals(run('{{printf "%-6s|%5d|%q" .Names .State.Pid .Names}}', ctr), 'web   | 4242|"web"');
  assertEquals(run("{{len .Mounts}} {{len .Names}}", ctr), "2 3");
  assertEquals(run('{{index .Labels "com.example.vendor"}}', ctr), "ACME");
  assertEquals(run("{{(index .Mounts 1).Destination}}", ctr), "/x");
  assertEquals(run('{{.Label "app"}}', ctr), "shop");
  assertEquals(run("{{.Names | upper | printf \"<%s>\"}}", ctr), "<WEB>");
});

Deno.test("go template: range over arrays and maps (in key order), variables, else; if/else if/else with comparisons; with", () => {
  assertEquals(run("{{range .Mounts}}{{.Source}}:{{.Destination}} {{end}}", ctr), "/srv:/data /etc/x:/x ");
  assertEquals(run("{{range $k, $v := .Labels}}{{$k}}={{$v}};{{end}}", ctr), "app=shop;com.example.vendor=ACME;");
  assertEquals(run("{{range $i, $m := .Mounts}}{{$i}}{{$m.Source}} {{end}}", ctr), "0/srv 1/etc/x ");
  assertEquals(run("{{range .Empty}}x{{else}}none{{end}}", ctr), "none");
  assertEquals(run("{{range .Tags}}{{$.Names}}-{{.}} {{end}}", ctr), "web-a web-b ");
  assertEquals(run('{{if eq .State.Status "running"}}up{{else}}down{{end}}', ctr), "up");
  assertEquals(run('{{if eq .State.Status "exited"}}a{{else if gt .State.Pid 100}}b{{else}}c{{end}}', ctr), "b");
  assertEquals(run("{{if and .State.Running (not .Empty)}}yes{{end}}", ctr), "yes");
  assertEquals(run("{{with .State}}{{.Pid}}{{end}} {{with .Empty}}x{{else}}empty{{end}}", ctr), "4242 empty");
  assertEquals(run("{{$n := .Names}}{{$n}}!", ctr), "web!");
});

Deno.test("go template: trim markers, comments, Go's %v of maps and arrays", () => {
  assertEquals(run("a  {{- .Names -}}  b", ctr), "awebb");
  assertEquals(run("{{/* a comment */}}x", ctr), "x");
  assertEquals(run("{{.Tags}} {{.Labels}}", ctr), "[a b] map[app:shop com.example.vendor:ACME]");
});

Deno.test("go template: errors are TemplateErrors that say what is wrong", () => {
  assertThrows(() => parseTemplate("{{.Names"), TemplateError, "unclosed action");
  assertThrows(() => run("{{nope .Names}}", ctr), TemplateError, 'function "nope" not defined');
  assertThrows(() => parseTemplate("{{if .X}}a"), TemplateError, "has no {{end}}");
  assertThrows(() => parseTemplate("{{end}}"), TemplateError, "unexpected {{end}}");
  assertThrows(() => run("{{.State.Pid.X}}", ctr), TemplateError, "can't evaluate field X");
});
