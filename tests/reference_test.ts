import { assertEquals, assertThrows } from "./helpers/assert.ts";
import { formatReference, parseReference } from "../lib/image/reference.ts";
import { BerthError } from "../lib/util/errors.ts";

Deno.test("references normalise like Docker's", () => {
  const cases: Array<[string, string]> = [
    ["busybox", "docker.io/library/busybox:latest"],
    ["busybox:1.36", "docker.io/library/busybox:1.36"],
    ["library/busybox", "docker.io/library/busybox:latest"],
    ["user/app:v1", "docker.io/user/app:v1"],
    ["127.0.0.1:5000/a/b:tag", "127.0.0.1:5000/a/b:tag"],
    ["localhost/x", "localhost/x:latest"],
    ["quay.io/org/img", "quay.io/org/img:latest"],
    ["index.docker.io/library/alpine", "docker.io/library/alpine:latest"],
    [`busybox@sha256:${"a".repeat(64)}`, `docker.io/library/busybox@sha256:${"a".repeat(64)}`],
    [`h:1/r:t@sha256:${"b".repeat(64)}`, `h:1/r:t@sha256:${"b".repeat(64)}`],
  ];
  for (const [input, want] of cases) assertEquals(formatReference(parseReference(input)), want, input);
  const r = parseReference("127.0.0.1:5000/a/b:tag");
  assertEquals([r.registry, r.repository, r.tag], ["127.0.0.1:5000", "a/b", "tag"]);
});

Deno.test("bad references are refused with a reason", () => {
  for (const bad of ["", "UPPER", "a@sha256:short", "a:b:c/d", "a/-b", "x:" + "t".repeat(200)]) {
    assertThrows(() => parseReference(bad), BerthError);
  }
});
