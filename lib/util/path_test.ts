import { assertEquals } from "../../tests/helpers/assert.ts";
import { dirname, join } from "./path.ts";

Deno.test("join normalises like node's path.join", () => {
  assertEquals(join("/var/lib", "berth", "blobs"), "/var/lib/berth/blobs");
  assertEquals(join("/a/", "/b/", "c/"), "/a/b/c");
  assertEquals(join("a", "..", "..", "b"), "../b");
  assertEquals(join("/a", "..", "..", "b"), "/b");
  assertEquals(join("a", "./b", "."), "a/b");
  assertEquals(join(""), ".");
});

Deno.test("dirname", () => {
  assertEquals(dirname("/a/b/c"), "/a/b");
  assertEquals(dirname("/a"), "/");
  assertEquals(dirname("a"), ".");
  assertEquals(dirname("/a/b/"), "/a");
  assertEquals(dirname("/"), "/");
});
