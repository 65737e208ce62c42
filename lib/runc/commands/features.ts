import { CAP_NAMES } from "../../container/capabilities.ts";
import { NAMESPACE_TYPES } from "../../runtime/oci_config.ts";
import { print, type RuncCommand } from "../command.ts";

/** The runtime-spec Features document: what this runtime implements. */
export const featuresCommand: RuncCommand = {
  usage: "features",
  flags: {},
  args: [0, 0],
  run() {
    print(JSON.stringify({
      ociVersionMin: "1.0.0",
      ociVersionMax: "1.0.2",
      hooks: ["prestart", "createRuntime", "createContainer", "startContainer", "poststart", "poststop"],
      mountOptions: [
        "async", "atime", "bind", "defaults", "dev", "diratime", "dirsync", "exec", "mand", "noatime", "nodev", "nodiratime", "noexec",
        "nomand", "norelatime", "nostrictatime", "nosuid", "private", "rbind", "relatime", "remount", "ro", "rprivate", "rshared",
        "rslave", "runbindable", "rw", "shared", "slave", "strictatime", "suid", "sync", "unbindable",
      ],
      linux: {
        namespaces: NAMESPACE_TYPES.filter((n) => n !== "user"),
        capabilities: CAP_NAMES.map((c) => `CAP_${c}`),
        cgroup: { v1: true, v2: true, systemd: false, systemdUser: false },
        seccomp: {
          enabled: true,
          actions: ["SCMP_ACT_ALLOW", "SCMP_ACT_ERRNO", "SCMP_ACT_KILL", "SCMP_ACT_KILL_PROCESS", "SCMP_ACT_KILL_THREAD", "SCMP_ACT_LOG", "SCMP_ACT_TRACE", "SCMP_ACT_TRAP"],
          operators: ["SCMP_CMP_EQ", "SCMP_CMP_GE", "SCMP_CMP_GT", "SCMP_CMP_LE", "SCMP_CMP_LT", "SCMP_CMP_MASKED_EQ", "SCMP_CMP_NE"],
          archs: ["SCMP_ARCH_X86", "SCMP_ARCH_X86_64", "SCMP_ARCH_X32"],
        },
        apparmor: { enabled: false },
        selinux: { enabled: false },
      },
      annotations: { "org.opencontainers.runc.checkpoint.enabled": "false", "org.berth.runtime": "berth" },
    }, null, "    "));
    return 0;
  },
};
