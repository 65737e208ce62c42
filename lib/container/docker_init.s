# docker-init: the pid 1 of `berth run --init` (x86-64 Linux, GNU as, Intel syntax; no libc, no data
# section — everything is rip-relative or on the stack). lib/container/docker_init.ts holds its bytes;
# lib/container/docker_init_test.ts assembles this file and checks they are the same.
#
# Called as `/sbin/docker-init -- COMMAND [ARG...]`. It blocks every signal, forks, and the child
# unblocks them and executes COMMAND (searched in $PATH, or the usual default, when it has no `/`;
# exit 127 if it cannot, 126 if a candidate was not executable). The parent reads signals from a
# signalfd: SIGCHLD reaps every exited process (orphans are re-parented to pid 1), the others go to
# the child — except those the terminal sent (si_code SI_KERNEL), which its process group got
# already. When the child ends, the init exits with its code (128+N for a signal N).
.intel_syntax noprefix
.globl _start
_start:
        mov rax, [rsp]
        cmp rax, 3
        jb usage
        lea r13, [rsp+24]
        lea r14, [rsp+rax*8+16]                # r13: the child's argv, r14: envp
        sub rsp, 160
        mov qword ptr [rsp], -1
        mov eax, 14                            # rt_sigprocmask(SIG_SETMASK, all)
        mov edi, 2
        mov rsi, rsp
        xor edx, edx
        mov r10d, 8
        syscall
        mov eax, 57                            # fork
        syscall
        test rax, rax
        jz child
        js usage
        mov rbx, rax
        mov eax, 289                           # signalfd4(-1, all, 8, SFD_CLOEXEC)
        mov rdi, -1
        mov rsi, rsp
        mov edx, 8
        mov r10d, 0x80000
        syscall
        mov r15, rax
wait_signal:
        xor eax, eax
        mov rdi, r15
        lea rsi, [rsp+16]
        mov edx, 128
        syscall
        cmp rax, 128
        jne wait_signal
        mov esi, [rsp+16]
        cmp esi, 17                            # SIGCHLD
        je reap
        cmp dword ptr [rsp+24], 0x80           # si_code SI_KERNEL: from the terminal
        je wait_signal
        mov eax, 62                            # kill(child, signo)
        mov rdi, rbx
        syscall
        jmp wait_signal
reap:
        mov eax, 61                            # wait4(-1, &status, WNOHANG)
        mov rdi, -1
        lea rsi, [rsp+8]
        mov edx, 1
        xor r10d, r10d
        syscall
        test rax, rax
        jle wait_signal
        cmp rax, rbx
        jne reap
        mov eax, [rsp+8]
        mov edi, eax
        and edi, 0x7f
        jz exited
        add edi, 128
        jmp leave
exited:
        movzx edi, ah                          # exit status
leave:
        mov eax, 231
        syscall
usage:
        mov edi, 125
        jmp leave
    
child:
        mov qword ptr [rsp], 0                 # the child: every signal unblocked
        mov eax, 14
        mov edi, 2
        mov rsi, rsp
        xor edx, edx
        mov r10d, 8
        syscall
        xor ebp, ebp
        mov rdi, [r13]
        mov rsi, rdi
1:  mov al, [rsi]
        test al, al
        jz search
        inc rsi
        cmp al, '/'
        jne 1b
        mov rsi, r13
        mov rdx, r14
        mov eax, 59
        syscall
        cmp rax, -13
        jne failed
        inc ebp
        jmp failed
search:
        mov rcx, r14
2:  mov rsi, [rcx]
        test rsi, rsi
        jz default_path
        add rcx, 8
        cmp dword ptr [rsi], 0x48544150        # "PATH"
        jne 2b
        cmp byte ptr [rsi+4], '='
        jne 2b
        add rsi, 5
        jmp have_path
default_path:
        lea rsi, [rip+path_default]
have_path:
        mov r15, rsi
        sub rsp, 4224                          # DIR/COMMAND is built here (bounded)
segment:
        mov rdi, rsp
        lea rdx, [rsp+4096]
3:  mov al, [r15]
        test al, al
        jz end_segment
        inc r15
        cmp al, ':'
        je end_segment_colon
        cmp rdi, rdx
        jae 3b
        mov [rdi], al
        inc rdi
        jmp 3b
end_segment:
        mov r12d, 1
        jmp 8f
end_segment_colon:
        xor r12d, r12d
8:
        cmp rdi, rsp
        jne 4f
        mov byte ptr [rdi], '.'
        inc rdi
4:  mov byte ptr [rdi], '/'
        inc rdi
        mov rsi, [r13]
        lea rdx, [rsp+4223]
5:  cmp rdi, rdx
        jae next_segment
        mov al, [rsi]
        mov [rdi], al
        inc rsi
        inc rdi
        test al, al
        jnz 5b
        mov rdi, rsp
        mov rsi, r13
        mov rdx, r14
        mov eax, 59
        syscall
        cmp rax, -13                           # EACCES: 126 if nothing else runs
        jne next_segment
        mov ebp, 1
next_segment:
        test r12d, r12d
        jz segment
failed:
        mov eax, 1
        mov edi, 2
        lea rsi, [rip+message]
        mov edx, message_end - message
        syscall
        mov rsi, [r13]
        mov rdx, rsi
6:  cmp byte ptr [rdx], 0
        je 7f
        inc rdx
        jmp 6b
7:  sub rdx, rsi
        mov eax, 1
        mov edi, 2
        syscall
        mov eax, 1
        mov edi, 2
        lea rsi, [rip+newline]
        mov edx, 1
        syscall
        mov edi, 127
        sub edi, ebp
        mov eax, 231
        syscall
message:
        .ascii "docker-init: cannot execute "
message_end:
newline:
        .ascii "\n"
path_default:
        .asciz "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
