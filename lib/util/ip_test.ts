import { assertEquals } from "../../tests/helpers/assert.ts";
import { isIP, isIPv4, isIPv6 } from "./ip.ts";

Deno.test("ip: what Go's net.ParseIP takes", () => {
  for (const good of ["10.0.0.1", "0.0.0.0", "255.255.255.255"]) assertEquals(isIPv4(good), true, good);
  for (const bad of ["999.1.1.1", "1.2.3", "1.2.3.4.5", "01.2.3.4", "a.b.c.d", "1.2.3.4 ", ""]) assertEquals(isIPv4(bad), false, bad);
  for (const good of ["::1", "fe80::1", "2001:db8::8a2e:370:7334", "::ffff:10.0.0.1", "1:2:3:4:5:6:7:8"]) assertEquals(isIPv6(good), true, good);
  for (const bad of ["1:2:3:4:5:6:7:8:9", ":::", "fe80::1%eth0", "12345::1", "g::1", "10.0.0.1"]) assertEquals(isIPv6(bad), false, bad);
  assertEquals([isIP("10.0.0.1"), isIP("::1"), isIP("example.com")], [true, true, false]);
});
