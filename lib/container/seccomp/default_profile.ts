/**
 * Docker's default seccomp profile (moby's `profiles/seccomp/default.json`, same rules and semantics):
 * everything not listed fails with EPERM; the allow list; rules that apply only to containers holding a
 * capability (CAP_SYS_ADMIN → mount, unshare, setns, clone with namespace flags…), only on some
 * architectures, or only for some arguments (personality, socket, clone).
 */
import type { Action, RuleFilter, SeccompProfile, SyscallRule } from "./profile.ts";

function rule(names: string, action: Action = "SCMP_ACT_ALLOW", extra: Partial<SyscallRule> = {}): SyscallRule {
  return { names: names.trim().split(/\s+/), action, ...extra };
}
const caps = (...c: string[]): { includes: RuleFilter } => ({ includes: { caps: c } });
const arches = (...a: string[]): { includes: RuleFilter } => ({ includes: { arches: a } });
/** clone's flags may not ask for new namespaces: CLONE_NEWNS|NEWCGROUP|NEWUTS|NEWIPC|NEWUSER|NEWPID|NEWNET */
const CLONE_NAMESPACE_FLAGS = 0x7e020000;

const ALLOWED = `
accept accept4 access adjtimex alarm bind brk capget capset chdir chmod chown chown32 clock_adjtime
clock_adjtime64 clock_getres clock_getres_time64 clock_gettime clock_gettime64 clock_nanosleep
clock_nanosleep_time64 close close_range connect copy_file_range creat dup dup2 dup3 epoll_create epoll_create1
epoll_ctl epoll_ctl_old epoll_pwait epoll_pwait2 epoll_wait epoll_wait_old eventfd eventfd2 execve execveat exit
exit_group faccessat faccessat2 fadvise64 fadvise64_64 fallocate fanotify_mark fchdir fchmod fchmodat fchown
fchown32 fchownat fcntl fcntl64 fdatasync fgetxattr flistxattr flock fork fremovexattr fsetxattr fstat fstat64
fstatat64 fstatfs fstatfs64 fsync ftruncate ftruncate64 futex futex_time64 futex_waitv futimesat getcpu getcwd
getdents getdents64 getegid getegid32 geteuid geteuid32 getgid getgid32 getgroups getgroups32 getitimer
getpeername getpgid getpgrp getpid getppid getpriority getrandom getresgid getresgid32 getresuid getresuid32
getrlimit get_robust_list getrusage getsid getsockname getsockopt get_thread_area gettid gettimeofday getuid
getuid32 getxattr inotify_add_watch inotify_init inotify_init1 inotify_rm_watch io_cancel ioctl io_destroy
io_getevents io_pgetevents io_pgetevents_time64 ioprio_get ioprio_set io_setup io_submit io_uring_enter
io_uring_register io_uring_setup ipc kill landlock_add_rule landlock_create_ruleset landlock_restrict_self lchown
lchown32 lgetxattr link linkat listen listxattr llistxattr _llseek lremovexattr lseek lsetxattr lstat lstat64
madvise membarrier memfd_create memfd_secret mincore mkdir mkdirat mknod mknodat mlock mlock2 mlockall mmap mmap2
mprotect mq_getsetattr mq_notify mq_open mq_timedreceive mq_timedreceive_time64 mq_timedsend mq_timedsend_time64
mq_unlink mremap msgctl msgget msgrcv msgsnd msync munlock munlockall munmap name_to_handle_at nanosleep
newfstatat _newselect open openat openat2 pause pidfd_open pidfd_send_signal pipe pipe2 pkey_alloc pkey_free
pkey_mprotect poll ppoll ppoll_time64 prctl pread64 preadv preadv2 prlimit64 process_mrelease pselect6
pselect6_time64 pwrite64 pwritev pwritev2 read readahead readlink readlinkat readv recv recvfrom recvmmsg
recvmmsg_time64 recvmsg remap_file_pages removexattr rename renameat renameat2 restart_syscall rmdir rseq
rt_sigaction rt_sigpending rt_sigprocmask rt_sigqueueinfo rt_sigreturn rt_sigsuspend rt_sigtimedwait
rt_sigtimedwait_time64 rt_tgsigqueueinfo sched_getaffinity sched_getattr sched_getparam sched_get_priority_max
sched_get_priority_min sched_getscheduler sched_rr_get_interval sched_rr_get_interval_time64 sched_setaffinity
sched_setattr sched_setparam sched_setscheduler sched_yield seccomp select semctl semget semop semtimedop
semtimedop_time64 send sendfile sendfile64 sendmmsg sendmsg sendto setfsgid setfsgid32 setfsuid setfsuid32 setgid
setgid32 setgroups setgroups32 setitimer setpgid setpriority setregid setregid32 setresgid setresgid32 setresuid
setresuid32 setreuid setreuid32 setrlimit set_robust_list setsid setsockopt set_thread_area set_tid_address setuid
setuid32 setxattr shmat shmctl shmdt shmget shutdown sigaltstack signalfd signalfd4 sigprocmask sigreturn
socketcall socketpair splice stat stat64 statfs statfs64 statx symlink symlinkat sync sync_file_range syncfs
sysinfo tee tgkill time timer_create timer_delete timer_getoverrun timer_gettime timer_gettime64 timer_settime
timer_settime64 timerfd_create timerfd_gettime timerfd_gettime64 timerfd_settime timerfd_settime64 times tkill
truncate truncate64 ugetrlimit umask uname unlink unlinkat utime utimensat utimensat_time64 utimes vfork vmsplice
wait4 waitid waitpid write writev`;

let built: SeccompProfile | undefined;

/** Docker's default profile (built on first use: `berth run` normally takes the prebuilt filter). */
export function defaultProfile(): SeccompProfile {
  return built ??= makeProfile();
}

const makeProfile = (): SeccompProfile => ({
  defaultAction: "SCMP_ACT_ERRNO",
  defaultErrnoRet: 1,
  archMap: [{ architecture: "SCMP_ARCH_X86_64", subArchitectures: ["SCMP_ARCH_X86", "SCMP_ARCH_X32"] }],
  syscalls: [
    rule(ALLOWED),
    rule("process_vm_readv process_vm_writev ptrace", "SCMP_ACT_ALLOW", { includes: { minKernel: "4.8" } }),
    rule("socket", "SCMP_ACT_ALLOW", { args: [{ index: 0, value: 40 /* AF_VSOCK */, op: "SCMP_CMP_NE" }] }),
    // personality: only the harmless personas (Linux, and the ones 32-bit programs and setarch use)
    ...[0, 8, 0x20000, 0x20008, 0xffffffff].map((v) =>
      rule("personality", "SCMP_ACT_ALLOW", { args: [{ index: 0, value: v, op: "SCMP_CMP_EQ" }] })
    ),
    rule("sync_file_range2 swapcontext", "SCMP_ACT_ALLOW", arches("ppc64le")),
    rule("arm_fadvise64_64 arm_sync_file_range sync_file_range2 breakpoint cacheflush set_tls", "SCMP_ACT_ALLOW", arches("arm", "arm64")),
    rule("arch_prctl", "SCMP_ACT_ALLOW", arches("amd64", "x32")),
    rule("modify_ldt", "SCMP_ACT_ALLOW", arches("amd64", "x32", "x86")),
    rule("s390_pci_mmio_read s390_pci_mmio_write s390_runtime_instr", "SCMP_ACT_ALLOW", arches("s390", "s390x")),
    rule("riscv_flush_icache", "SCMP_ACT_ALLOW", arches("riscv64")),
    rule("open_by_handle_at", "SCMP_ACT_ALLOW", caps("CAP_DAC_READ_SEARCH")),
    rule(
      `bpf clone clone3 fanotify_init fsconfig fsmount fsopen fspick lookup_dcookie mount mount_setattr move_mount
       open_tree perf_event_open quotactl quotactl_fd setdomainname sethostname setns syslog umount umount2 unshare`,
      "SCMP_ACT_ALLOW",
      caps("CAP_SYS_ADMIN"),
    ),
    // clone's flags are its first argument, on s390 its second
    ...([
      [0, { excludes: { caps: ["CAP_SYS_ADMIN"], arches: ["s390", "s390x"] } }],
      [1, { includes: { arches: ["s390", "s390x"] }, excludes: { caps: ["CAP_SYS_ADMIN"] } }],
    ] as Array<[number, Partial<SyscallRule>]>)
      .map(([index, when]) => rule("clone", "SCMP_ACT_ALLOW", { args: [{ index, value: CLONE_NAMESPACE_FLAGS, valueTwo: 0, op: "SCMP_CMP_MASKED_EQ" }], ...when })),
    // clone3's flags are in memory a filter cannot read: ENOSYS makes libc fall back to clone
    rule("clone3", "SCMP_ACT_ERRNO", { errnoRet: 38, excludes: { caps: ["CAP_SYS_ADMIN"] } }),
    rule("reboot", "SCMP_ACT_ALLOW", caps("CAP_SYS_BOOT")),
    rule("chroot", "SCMP_ACT_ALLOW", caps("CAP_SYS_CHROOT")),
    rule("delete_module init_module finit_module", "SCMP_ACT_ALLOW", caps("CAP_SYS_MODULE")),
    rule("acct", "SCMP_ACT_ALLOW", caps("CAP_SYS_PACCT")),
    rule("kcmp pidfd_getfd process_madvise process_vm_readv process_vm_writev ptrace", "SCMP_ACT_ALLOW", caps("CAP_SYS_PTRACE")),
    rule("iopl ioperm", "SCMP_ACT_ALLOW", caps("CAP_SYS_RAWIO")),
    rule("settimeofday stime clock_settime clock_settime64", "SCMP_ACT_ALLOW", caps("CAP_SYS_TIME")),
    rule("vhangup", "SCMP_ACT_ALLOW", caps("CAP_SYS_TTY_CONFIG")),
    rule("get_mempolicy mbind set_mempolicy set_mempolicy_home_node", "SCMP_ACT_ALLOW", caps("CAP_SYS_NICE")),
    rule("syslog", "SCMP_ACT_ALLOW", caps("CAP_SYSLOG")),
    rule("bpf", "SCMP_ACT_ALLOW", caps("CAP_BPF")),
    rule("perf_event_open", "SCMP_ACT_ALLOW", caps("CAP_PERFMON")),
  ],
});
