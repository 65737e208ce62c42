import { assertEquals } from "../../tests/helpers/assert.ts";
import { isExited, parseProcStat, procStat } from "./proc_stat.ts";

Deno.test("parseProcStat: a command name with spaces and parentheses does not shift the fields", () => {
  const line =
    "4242 (a) b (c)) S 17 4242 4242 0 -1 4194560 100 0 0 0 7 3 0 0 20 0 1 0 123456 1000 10 18446744073709551615\n";
  const s = parseProcStat(line);
  assertEquals(s, { comm: "a) b (c)", state: "S", ppid: 17, utime: 7, stime: 3, startTime: 123456 });
});

Deno.test("procStat: this process is alive and has a start time; a pid that cannot exist is undefined", () => {
  const s = procStat(Deno.pid)!;
  assertEquals(isExited(s.state), false);
  assertEquals(s.startTime > 0, true);
  assertEquals(procStat(2 ** 22 + 1), undefined);
});
