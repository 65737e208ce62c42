import { assertEquals, assertThrows } from "../../tests/helpers/assert.ts";
import { UsageError } from "./errors.ts";
import { parseTimeArg } from "./time_arg.ts";

Deno.test("time arguments: Unix seconds, Go durations back from now, dates; anything else refused", () => {
  const now = 10_000_000;
  assertEquals(parseTimeArg("1700000000", "since", now), 1_700_000_000_000);
  assertEquals(parseTimeArg("1700000000.25", "since", now), 1_700_000_000_250);
  assertEquals(parseTimeArg("10m", "since", now), now - 600_000);
  assertEquals(parseTimeArg("1h30m", "since", now), now - 5_400_000);
  assertEquals(parseTimeArg("1.5h", "since", now), now - 5_400_000);
  assertEquals(parseTimeArg("2m3.5s", "until", now), now - 123_500);
  assertEquals(parseTimeArg("300ms", "since", now), now - 300);
  assertEquals(parseTimeArg("0s", "until", now), now);
  assertEquals(parseTimeArg("2026-12-01T08:00:00Z", "since", now), Date.UTC(2026, 11, 1, 8));
  assertEquals(parseTimeArg("2026-12-01T08:00:00.5+01:00", "since", now), Date.UTC(2026, 11, 1, 7, 0, 0, 500));
  for (const bad of ["soon", "10x", "m", "1h-5m", "-5m", ""]) {
    assertThrows(() => parseTimeArg(bad, "since", now), UsageError, `invalid value for "since": failed to parse value as time or duration: "${bad}"`);
  }
});
