# sysdiff(1) bash completion: the subcommands, every option of each (the getopt tables of
# src/cli/*.c), their values (formats, colors, files, directories, pids), and the syscall
# sets of -e trace=SPEC, --ignore and --keep (%classes and syscall names, item by item).
# `make install` puts it in PREFIX/share/bash-completion/completions/sysdiff, where
# bash-completion loads it when `sysdiff` is first completed; without bash-completion,
# `source` it from ~/.bashrc.  tests/integration/test_install.py checks that these lists
# match the sources (src/cli/*.c, src/filter/sysset.c, src/arch/syscall_names.h).

_sysdiff_classes='%file %desc %network %net %process %memory %signal %ipc %creds %clock
	%stat %lstat %fstat %%stat %statfs %fstatfs %%statfs %pure'

_sysdiff_syscalls='
	_sysctl accept accept4 access acct add_key adjtimex afs_syscall alarm arch_prctl bind
	bpf brk cachestat capget capset chdir chmod chown chroot clock_adjtime clock_getres
	clock_gettime clock_nanosleep clock_settime clone clone3 close close_range connect
	copy_file_range creat create_module delete_module dup dup2 dup3 epoll_create
	epoll_create1 epoll_ctl epoll_ctl_old epoll_pwait epoll_pwait2 epoll_wait
	epoll_wait_old eventfd eventfd2 execve execveat exit exit_group faccessat faccessat2
	fadvise64 fallocate fanotify_init fanotify_mark fchdir fchmod fchmodat fchmodat2
	fchown fchownat fcntl fdatasync fgetxattr file_getattr file_setattr finit_module
	flistxattr flock fork fremovexattr fsconfig fsetxattr fsmount fsopen fspick fstat
	fstatfs fsync ftruncate futex futex_requeue futex_wait futex_waitv futex_wake
	futimesat get_kernel_syms get_mempolicy get_robust_list get_thread_area getcpu getcwd
	getdents getdents64 getegid geteuid getgid getgroups getitimer getpeername getpgid
	getpgrp getpid getpmsg getppid getpriority getrandom getresgid getresuid getrlimit
	getrusage getsid getsockname getsockopt gettid gettimeofday getuid getxattr getxattrat
	init_module inotify_add_watch inotify_init inotify_init1 inotify_rm_watch io_cancel
	io_destroy io_getevents io_pgetevents io_setup io_submit io_uring_enter
	io_uring_register io_uring_setup ioctl ioperm iopl ioprio_get ioprio_set kcmp
	kexec_file_load kexec_load keyctl kill landlock_add_rule landlock_create_ruleset
	landlock_restrict_self lchown lgetxattr link linkat listen listmount listxattr
	listxattrat llistxattr lookup_dcookie lremovexattr lseek lsetxattr lsm_get_self_attr
	lsm_list_modules lsm_set_self_attr lstat madvise map_shadow_stack mbind membarrier
	memfd_create memfd_secret migrate_pages mincore mkdir mkdirat mknod mknodat mlock
	mlock2 mlockall mmap modify_ldt mount mount_setattr move_mount move_pages mprotect
	mq_getsetattr mq_notify mq_open mq_timedreceive mq_timedsend mq_unlink mremap mseal
	msgctl msgget msgrcv msgsnd msync munlock munlockall munmap name_to_handle_at
	nanosleep newfstatat nfsservctl open open_by_handle_at open_tree open_tree_attr openat
	openat2 pause perf_event_open personality pidfd_getfd pidfd_open pidfd_send_signal
	pipe pipe2 pivot_root pkey_alloc pkey_free pkey_mprotect poll ppoll prctl pread64
	preadv preadv2 prlimit64 process_madvise process_mrelease process_vm_readv
	process_vm_writev pselect6 ptrace putpmsg pwrite64 pwritev pwritev2 query_module
	quotactl quotactl_fd read readahead readlink readlinkat readv reboot recvfrom recvmmsg
	recvmsg remap_file_pages removexattr removexattrat rename renameat renameat2
	request_key restart_syscall rmdir rseq rt_sigaction rt_sigpending rt_sigprocmask
	rt_sigqueueinfo rt_sigreturn rt_sigsuspend rt_sigtimedwait rt_tgsigqueueinfo
	sched_get_priority_max sched_get_priority_min sched_getaffinity sched_getattr
	sched_getparam sched_getscheduler sched_rr_get_interval sched_setaffinity
	sched_setattr sched_setparam sched_setscheduler sched_yield seccomp security select
	semctl semget semop semtimedop sendfile sendmmsg sendmsg sendto set_mempolicy
	set_mempolicy_home_node set_robust_list set_thread_area set_tid_address setdomainname
	setfsgid setfsuid setgid setgroups sethostname setitimer setns setpgid setpriority
	setregid setresgid setresuid setreuid setrlimit setsid setsockopt settimeofday setuid
	setxattr setxattrat shmat shmctl shmdt shmget shutdown sigaltstack signalfd signalfd4
	socket socketpair splice stat statfs statmount statx swapoff swapon symlink symlinkat
	sync sync_file_range syncfs sysfs sysinfo syslog tee tgkill time timer_create
	timer_delete timer_getoverrun timer_gettime timer_settime timerfd_create
	timerfd_gettime timerfd_settime times tkill truncate tuxcall umask umount2 uname
	unlink unlinkat unshare uprobe uretprobe uselib userfaultfd ustat utime utimensat
	utimes vfork vhangup vmsplice vserver wait4 waitid write writev'

# The options of each subcommand; those in _sysdiff_args_* take a value (the next word,
# or after '=').  compare's --color takes one only after '=' (--color alone is always).
_sysdiff_opts_trace='-o --output --format -e --trace -s --string-limit -c --summary-only
	-T -t -tt -y -v -p --attach --max-bytes --no-seccomp --no-pin --source --stack -f -ff
	--record-env
	--source-map --debug-dir -h --help'
_sysdiff_args_trace='-o --output --format -e --trace -s --string-limit -p --attach
	--max-bytes --source-map --debug-dir'
_sysdiff_opts_compare='--format -o --output --color --color= --colour --colour= -v
	--verbose --max-mismatches --ignore --keep --no-noise-filter --map-path
	--ignore-cloexec --keep-sigchld --root-exec --strace-cwd --context --level --semantic
	-h --help'
_sysdiff_args_compare='--format -o --output --max-mismatches --ignore --keep --map-path
	--strace-cwd --context --level'
_sysdiff_opts_validate='--trace-syscalls --original --transpiled --original-cmd
	--transpiled-cmd --strict --level --format -o --output -v --verbose --keep-traces
	--timeout --env --workdir --fail-on-skip --max-procs --max-output --max-mismatches
	--color --cases --quiet --shard --durations --net --clock --calibrate --mask
	--mask-path --ignore --keep --map-path --seed --host-clock --allow-write -j --jobs -h
	--help'
_sysdiff_args_validate='--original --transpiled --original-cmd --transpiled-cmd --level
	--format -o --output --keep-traces --timeout --env --workdir --max-procs --max-output
	--max-mismatches --color --cases --shard --durations --net --clock --calibrate --mask
	--mask-path --ignore --keep --map-path --seed --allow-write -j --jobs'
_sysdiff_opts_merge='--format -o --output -v --verbose --fail-on-skip -h --help'
_sysdiff_args_merge='--format -o --output'

# The words of the line as sysdiff will see them: bash splits "--color=al" and
# "trace=%fi" at '=' (COMP_WORDBREAKS), so join them again.  Sets _sd_words, _sd_cword
# (the word being completed) and _sd_pre (the part of that word before the piece bash
# replaces, taken off each reply).
_sysdiff_words()
{
	local i w n
	_sd_words=() _sd_cword=0 _sd_pre=
	for ((i = 0; i < ${#COMP_WORDS[@]}; i++)); do
		w=${COMP_WORDS[i]}
		n=${#_sd_words[@]}
		if ((i > 1)) && [[ $w == = || ${COMP_WORDS[i-1]} == = ]]; then
			((i == COMP_CWORD)) && _sd_pre=${_sd_words[n-1]}
			_sd_words[n-1]+=$w
			n=$((n - 1))
		else
			_sd_words+=("$w")
			((i == COMP_CWORD)) && _sd_pre=
		fi
		((i == COMP_CWORD)) && _sd_cword=$n
	done
	if ((COMP_CWORD >= ${#COMP_WORDS[@]})); then   # completing a new, empty word
		_sd_words+=("")
		_sd_cword=$((${#_sd_words[@]} - 1))
	fi
}

# COMPREPLY from whole words, one a line, each less _sd_pre.
_sysdiff_reply()
{
	local w
	COMPREPLY=()
	while IFS= read -r w; do
		[[ -n $w ]] && COMPREPLY+=("${w#"$_sd_pre"}")
	done <<<"$1"
}

# Does option $2 of subcommand $1 take a value?
_sysdiff_takes_value()
{
	local v=_sysdiff_args_$1 o
	for o in ${!v}; do
		[[ $o == "$2" ]] && return 0
	done
	return 1
}

# A syscall set (SPEC of -e trace=, --ignore, --keep) typed so far, $1, after $2: the
# names and %classes its last item may become.
_sysdiff_spec()
{
	local v=$1 head= item
	case $v in
	*,*) head=${v%,*},; item=${v##*,} ;;
	*) item=$v ;;
	esac
	if [[ -z $head && $item == '!'* ]]; then
		head='!'
		item=${item#!}
	fi
	if [[ $item == '?'* ]]; then
		head+='?'
		item=${item#?}
	fi
	compgen -W "$_sysdiff_classes all none $_sysdiff_syscalls" -P "$2$head" -- "$item"
}

# The value $3 of option $2 of subcommand $1, typed after $4 ("--format=" or nothing).
_sysdiff_value()
{
	local cmd=$1 opt=$2 val=$3 pfx=$4 words p
	case $opt in
	--format)
		words='text json junit html github'
		[[ $cmd == trace ]] && words='text jsonl'
		_sysdiff_reply "$(compgen -W "$words" -P "$pfx" -- "$val")" ;;
	--color | --colour) _sysdiff_reply "$(compgen -W 'auto always never' -P "$pfx" -- "$val")" ;;
	--level) _sysdiff_reply "$(compgen -W 'semantic strict' -P "$pfx" -- "$val")" ;;
	--net) _sysdiff_reply "$(compgen -W 'none host' -P "$pfx" -- "$val")" ;;
	-e)
		if [[ $val == trace=* || $val == t=* ]]; then
			_sysdiff_reply "$(_sysdiff_spec "${val#*=}" "$pfx${val%%=*}=")"
		else
			_sysdiff_reply "$(compgen -W trace= -P "$pfx" -- "$val"; _sysdiff_spec "$val" "$pfx")"
		fi
		compopt -o nospace 2>/dev/null ;;
	--trace | --ignore | --keep)
		_sysdiff_reply "$(_sysdiff_spec "$val" "$pfx")"
		compopt -o nospace 2>/dev/null ;;
	-p | --attach)
		words=
		for p in /proc/[0-9]*; do words+=" ${p#/proc/}"; done
		_sysdiff_reply "$(compgen -W "$words" -P "$pfx" -- "$val")" ;;
	-o | --output | --source-map | --original | --transpiled | --cases | --durations)
		compopt -o filenames 2>/dev/null
		_sysdiff_reply "$(compgen -f -P "$pfx" -- "$val")" ;;
	--debug-dir | --keep-traces | --workdir | --strace-cwd | --allow-write)
		compopt -o filenames 2>/dev/null
		_sysdiff_reply "$(compgen -d -P "$pfx" -- "$val")" ;;
	--original-cmd | --transpiled-cmd) _sysdiff_reply "$(compgen -c -P "$pfx" -- "$val")" ;;
	--env)
		_sysdiff_reply "$(compgen -e -S = -P "$pfx" -- "$val")"
		compopt -o nospace 2>/dev/null ;;
	esac
}

# The k-th word ($2, from 0) after the options of subcommand $1: trace's command and
# its arguments, compare's two traces, validate's arguments, merge's reports.
_sysdiff_operand()
{
	compopt -o filenames 2>/dev/null
	if [[ $1 == trace ]] && (($2 == 0)); then
		_sysdiff_reply "$(compgen -c -- "$cur"; compgen -f -- "$cur")"
	else
		_sysdiff_reply "$(compgen -f -- "$cur")"
	fi
}

_sysdiff()
{
	local _sd_words _sd_cword _sd_pre cur cmd w i opts
	_sysdiff_words
	cur=${_sd_words[_sd_cword]}
	COMPREPLY=()
	if ((_sd_cword <= 1)); then
		_sysdiff_reply "$(compgen -W 'trace compare validate merge help -h --help -V
			--version' -- "$cur")"
		return 0
	fi
	cmd=${_sd_words[1]}
	case $cmd in
	trace | compare | validate | merge) ;;
	*) return 0 ;;
	esac
	# Options end at "--" or at the first other word that is not an option's value.
	for ((i = 2; i < _sd_cword; i++)); do
		w=${_sd_words[i]}
		if [[ $w == -- ]]; then
			_sysdiff_operand "$cmd" $((_sd_cword - i - 1))
			return 0
		fi
		if [[ $w != -?* ]]; then
			_sysdiff_operand "$cmd" $((_sd_cword - i))
			return 0
		fi
		[[ $w != *=* ]] && _sysdiff_takes_value "$cmd" "$w" && ((i++))
	done
	if ((i > _sd_cword)); then   # the value of the option before it
		_sysdiff_value "$cmd" "${_sd_words[_sd_cword-1]}" "$cur" ""
	elif [[ $cur == --*=* ]]; then
		_sysdiff_value "$cmd" "${cur%%=*}" "${cur#*=}" "${cur%%=*}="
	elif [[ $cur == -* ]]; then
		opts=_sysdiff_opts_$cmd
		_sysdiff_reply "$(compgen -W "${!opts}" -- "$cur")"
		[[ ${#COMPREPLY[@]} == 1 && ${COMPREPLY[0]} == *= ]] && compopt -o nospace 2>/dev/null
	else
		_sysdiff_operand "$cmd" 0
	fi
	return 0
}

complete -F _sysdiff sysdiff
