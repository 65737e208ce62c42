import { assertEquals, assertThrows } from "../../tests/helpers/assert.ts";
import { OptionError, parseOptions } from "./parse_args.ts";

const opts = {
  interactive: { type: "boolean", short: "i" },
  tty: { type: "boolean", short: "t" },
  name: { type: "string" },
  env: { type: "string", short: "e", multiple: true },
} as const;

Deno.test("parseOptions: long, short, clusters, attached values, lists", () => {
  const r = parseOptions(["-it", "--name=a", "-eA=1", "-e", "B=2", "--env", "C", "img", "x"], opts);
  assertEquals(r.values, { interactive: true, tty: true, name: "a", env: ["A=1", "B=2", "C"] });
  assertEquals(r.positionals, ["img", "x"]);
});

Deno.test("parseOptions: stops at the first positional when asked, and at --", () => {
  assertEquals(parseOptions(["-i", "img", "ls", "-l", "--name"], opts, true).positionals, ["img", "ls", "-l", "--name"]);
  assertEquals(parseOptions(["--", "-i"], opts).positionals, ["-i"]);
});

Deno.test("parseOptions: errors name the flag", () => {
  assertThrows(() => parseOptions(["--nope"], opts), OptionError, "unknown flag: --nope");
  assertThrows(() => parseOptions(["--name"], opts), OptionError, "flag needs an argument: --name");
  assertThrows(() => parseOptions(["-x"], opts), OptionError, "unknown shorthand flag: 'x' in -x");
});
