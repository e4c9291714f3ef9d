/*
 * gmem_runner: runs a gmemscope scenario against the real kernel, one step at a time, as ioctls
 * and syscalls, and prints each step's outcome in the scenario runner's --json shape:
 *
 *   {"step":N,"op":"...","ret":R,"errno":"EINVAL"|null,"signal":"SIGBUS"|null[,"out":{...}]}
 *
 * Input (stdin): the line-based command file that scripts/kdiff_lower.ts writes (docs/kvm-upstream.md):
 *
 *   <step> <OP> key=value key=value ...
 *
 * Values are decimal or 0x-hex integers (64-bit, two's complement for negative ones), or @N: the
 * handle that an earlier step stored with as=N (an fd, or a mapping's address; -1 if that step
 * failed). A mapping handle also remembers its length (munmap). Unknown ops print
 * {"step":N,"op":...,"unsupported":true}.
 *
 * `--probe` prints what this host supports (KVM_CHECK_EXTENSION and VM types) as one JSON object.
 *
 * The uapi numbers come from the Linux 6.18 uapi (include/uapi/linux/kvm.h): the system's
 * /usr/include/linux/kvm.h may predate guest_memfd, so only the generic ones are taken from it.
 *
 * Build: gcc -O2 -Wall -o gmem_runner native/gmem_runner.c (scripts/kdiff.ts does it on demand).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>
#include <linux/kvm.h>
#include <linux/falloc.h>

/* ---- Linux 6.18 uapi (include/uapi/linux/kvm.h) ---- */
#ifndef KVM_CAP_USER_MEMORY2
#define KVM_CAP_USER_MEMORY2 231
#endif
#ifndef KVM_CAP_MEMORY_FAULT_INFO
#define KVM_CAP_MEMORY_FAULT_INFO 232
#endif
#ifndef KVM_CAP_MEMORY_ATTRIBUTES
#define KVM_CAP_MEMORY_ATTRIBUTES 233
#endif
#ifndef KVM_CAP_GUEST_MEMFD
#define KVM_CAP_GUEST_MEMFD 234
#endif
#ifndef KVM_CAP_VM_TYPES
#define KVM_CAP_VM_TYPES 235
#endif
#ifndef KVM_CAP_PRE_FAULT_MEMORY
#define KVM_CAP_PRE_FAULT_MEMORY 236
#endif
#ifndef KVM_CAP_GUEST_MEMFD_FLAGS
#define KVM_CAP_GUEST_MEMFD_FLAGS 244
#endif

struct gm_userspace_memory_region2 {
	uint32_t slot;
	uint32_t flags;
	uint64_t guest_phys_addr;
	uint64_t memory_size;
	uint64_t userspace_addr;
	uint64_t guest_memfd_offset;
	uint32_t guest_memfd;
	uint32_t pad1;
	uint64_t pad2[14];
};

struct gm_memory_attributes {
	uint64_t address;
	uint64_t size;
	uint64_t attributes;
	uint64_t flags;
};

struct gm_create_guest_memfd {
	uint64_t size;
	uint64_t flags;
	uint64_t reserved[6];
};

struct gm_pre_fault_memory {
	uint64_t gpa;
	uint64_t size;
	uint64_t flags;
	uint64_t padding[5];
};

#define GM_SET_USER_MEMORY_REGION2 _IOW(KVMIO, 0x49, struct gm_userspace_memory_region2)
#define GM_SET_MEMORY_ATTRIBUTES _IOW(KVMIO, 0xd2, struct gm_memory_attributes)
#define GM_CREATE_GUEST_MEMFD _IOWR(KVMIO, 0xd4, struct gm_create_guest_memfd)
#define GM_PRE_FAULT_MEMORY _IOWR(KVMIO, 0xd5, struct gm_pre_fault_memory)

/* ---- handles ---- */
#define MAX_HANDLES 256
#define MAX_VMS 64
static int64_t handle_val[MAX_HANDLES];
static uint64_t handle_len[MAX_HANDLES];
static int kvm_fd = -1;

/* the implicit vCPU 0 of each VM fd (for KVM_PRE_FAULT_MEMORY) */
static struct { int vm; int vcpu; } vcpus[MAX_VMS];
static int nvcpus;

static const char *errno_name(int e)
{
	switch (e) {
	case EPERM: return "EPERM";
	case ENOENT: return "ENOENT";
	case EINTR: return "EINTR";
	case EIO: return "EIO";
	case ENXIO: return "ENXIO";
	case EBADF: return "EBADF";
	case EAGAIN: return "EAGAIN";
	case ENOMEM: return "ENOMEM";
	case EACCES: return "EACCES";
	case EFAULT: return "EFAULT";
	case EBUSY: return "EBUSY";
	case EEXIST: return "EEXIST";
	case ENODEV: return "ENODEV";
	case EINVAL: return "EINVAL";
	case ENOTTY: return "ENOTTY";
	case EFBIG: return "EFBIG";
	case ENOSPC: return "ENOSPC";
	case ESPIPE: return "ESPIPE";
	case EOPNOTSUPP: return "EOPNOTSUPP";
	case EHWPOISON: return "EHWPOISON";
	case E2BIG: return "E2BIG";
	case EOVERFLOW: return "EOVERFLOW";
	case ENOSYS: return "ENOSYS";
	default: {
		static char buf[32];
		snprintf(buf, sizeof(buf), "E%d", e);
		return buf;
	}
	}
}

/* ---- command parsing ---- */
#define MAX_ARGS 16
struct cmd {
	long step;
	char op[64];
	int nargs;
	char key[MAX_ARGS][32];
	char val[MAX_ARGS][64];
};

static int parse_line(char *line, struct cmd *c)
{
	char *save = NULL, *tok;
	memset(c, 0, sizeof(*c));
	tok = strtok_r(line, " \t\r\n", &save);
	if (!tok)
		return 0;
	c->step = strtol(tok, NULL, 10);
	tok = strtok_r(NULL, " \t\r\n", &save);
	if (!tok)
		return 0;
	snprintf(c->op, sizeof(c->op), "%s", tok);
	while ((tok = strtok_r(NULL, " \t\r\n", &save)) && c->nargs < MAX_ARGS) {
		char *eq = strchr(tok, '=');
		if (!eq)
			continue;
		*eq = 0;
		snprintf(c->key[c->nargs], sizeof(c->key[0]), "%s", tok);
		snprintf(c->val[c->nargs], sizeof(c->val[0]), "%s", eq + 1);
		c->nargs++;
	}
	return 1;
}

static int has(const struct cmd *c, const char *k)
{
	for (int i = 0; i < c->nargs; i++)
		if (!strcmp(c->key[i], k))
			return 1;
	return 0;
}

/* An integer argument: decimal, 0x hex, negative decimal, or @N (a handle). */
static uint64_t arg(const struct cmd *c, const char *k, uint64_t dflt)
{
	for (int i = 0; i < c->nargs; i++) {
		if (strcmp(c->key[i], k))
			continue;
		const char *v = c->val[i];
		if (v[0] == '@') {
			long h = strtol(v + 1, NULL, 10);
			return h >= 0 && h < MAX_HANDLES ? (uint64_t)handle_val[h] : (uint64_t)-1;
		}
		if (v[0] == '-')
			return (uint64_t)strtoll(v, NULL, 0);
		return strtoull(v, NULL, 0);
	}
	return dflt;
}

static uint64_t handle_length(const struct cmd *c, const char *k)
{
	for (int i = 0; i < c->nargs; i++)
		if (!strcmp(c->key[i], k) && c->val[i][0] == '@') {
			long h = strtol(c->val[i] + 1, NULL, 10);
			return h >= 0 && h < MAX_HANDLES ? handle_len[h] : 4096;
		}
	return 4096;
}

/* ---- host accesses, with SIGBUS/SIGSEGV caught ---- */
static sigjmp_buf access_env;
static volatile sig_atomic_t access_signal;

static void on_fault(int sig)
{
	access_signal = sig;
	siglongjmp(access_env, 1);
}

static int host_access(uint64_t addr, int write)
{
	access_signal = 0;
	if (sigsetjmp(access_env, 1) == 0) {
		volatile unsigned char *p = (volatile unsigned char *)(uintptr_t)addr;
		if (write)
			*p = 0x5a;
		else
			(void)*p;
	}
	return access_signal;
}

/* ---- output ---- */
static void emit(const struct cmd *c, long long ret, int err, int sig, const char *out)
{
	printf("{\"step\":%ld,\"op\":\"%s\",\"ret\":%lld,\"errno\":", c->step, c->op, ret);
	if (err)
		printf("\"%s\"", errno_name(err));
	else
		printf("null");
	printf(",\"signal\":");
	if (sig == SIGBUS)
		printf("\"SIGBUS\"");
	else if (sig == SIGSEGV)
		printf("\"SIGSEGV\"");
	else
		printf("null");
	if (out)
		printf(",\"out\":%s", out);
	printf("}\n");
	fflush(stdout);
}

static void store(const struct cmd *c, int64_t v, uint64_t len)
{
	if (!has(c, "as"))
		return;
	long h = (long)arg(c, "as", 0);
	if (h >= 0 && h < MAX_HANDLES) {
		handle_val[h] = v;
		handle_len[h] = len;
	}
}

/* KVM_CREATE_VCPU(0) on the VM fd once; later steps reuse it. Returns the vCPU fd or -errno. */
static int vcpu0_of(int vm)
{
	for (int i = 0; i < nvcpus; i++)
		if (vcpus[i].vm == vm)
			return vcpus[i].vcpu;
	int fd = ioctl(vm, KVM_CREATE_VCPU, 0);
	if (fd < 0)
		return -errno;
	if (nvcpus < MAX_VMS) {
		vcpus[nvcpus].vm = vm;
		vcpus[nvcpus].vcpu = fd;
		nvcpus++;
	}
	return fd;
}

/* Runs one command; prints its line. */
static void run(const struct cmd *c)
{
	long long r = 0;
	int err = 0, sig = 0;
	char out[256];
	const char *outp = NULL;
	const char *op = c->op;

#define SYS(expr)                         \
	do {                              \
		errno = 0;                \
		r = (long long)(expr);    \
		if (r < 0) {              \
			err = errno;      \
			r = -1;           \
		}                         \
	} while (0)

	if (!strcmp(op, "KVM_CREATE_VM")) {
		SYS(ioctl(kvm_fd, KVM_CREATE_VM, (unsigned long)arg(c, "type", 0)));
		store(c, r, 0);
	} else if (!strcmp(op, "KVM_CHECK_EXTENSION")) {
		int64_t fd = (int64_t)arg(c, "vm", (uint64_t)-1);
		SYS(ioctl(fd == -1 ? kvm_fd : (int)fd, KVM_CHECK_EXTENSION, (unsigned long)arg(c, "cap", 0)));
	} else if (!strcmp(op, "KVM_CREATE_VCPU")) {
		SYS(ioctl((int)arg(c, "vm", -1), KVM_CREATE_VCPU, (unsigned long)arg(c, "id", 0)));
		store(c, r, 0);
	} else if (!strcmp(op, "KVM_CREATE_GUEST_MEMFD")) {
		struct gm_create_guest_memfd g = { .size = arg(c, "size", 0), .flags = arg(c, "flags", 0) };
		SYS(ioctl((int)arg(c, "vm", -1), GM_CREATE_GUEST_MEMFD, &g));
		store(c, r, 0);
	} else if (!strcmp(op, "KVM_SET_USER_MEMORY_REGION2")) {
		struct gm_userspace_memory_region2 m = {
			.slot = (uint32_t)arg(c, "slot", 0),
			.flags = (uint32_t)arg(c, "flags", 0),
			.guest_phys_addr = arg(c, "guest_phys_addr", 0),
			.memory_size = arg(c, "memory_size", 0),
			.userspace_addr = arg(c, "userspace_addr", 0),
			.guest_memfd_offset = arg(c, "guest_memfd_offset", 0),
			.guest_memfd = (uint32_t)arg(c, "guest_memfd", 0),
		};
		SYS(ioctl((int)arg(c, "vm", -1), GM_SET_USER_MEMORY_REGION2, &m));
	} else if (!strcmp(op, "KVM_SET_MEMORY_ATTRIBUTES")) {
		struct gm_memory_attributes a = {
			.address = arg(c, "address", 0),
			.size = arg(c, "size", 0),
			.attributes = arg(c, "attributes", 0),
			.flags = arg(c, "flags", 0),
		};
		SYS(ioctl((int)arg(c, "vm", -1), GM_SET_MEMORY_ATTRIBUTES, &a));
	} else if (!strcmp(op, "KVM_PRE_FAULT_MEMORY")) {
		int vm = (int)arg(c, "vm", -1);
		int vcpu = vcpu0_of(vm);
		struct gm_pre_fault_memory p = { .gpa = arg(c, "gpa", 0), .size = arg(c, "size", 0), .flags = arg(c, "flags", 0) };
		if (vcpu < 0) {
			r = -1;
			err = -vcpu;
		} else {
			SYS(ioctl(vcpu, GM_PRE_FAULT_MEMORY, &p));
		}
		snprintf(out, sizeof(out), "{\"gpa\":\"0x%llx\",\"size\":\"0x%llx\"}", (unsigned long long)p.gpa,
			 (unsigned long long)p.size);
		outp = out;
	} else if (!strcmp(op, "fallocate")) {
		SYS(fallocate((int)arg(c, "fd", -1), (int)arg(c, "mode", 0), (off_t)arg(c, "offset", 0), (off_t)arg(c, "len", 0)));
	} else if (!strcmp(op, "mmap")) {
		/*
		 * Every mapping is placed at the start of a PROT_NONE reservation one page longer, so an
		 * access just past its end faults with SIGSEGV, as in the engine's address space (which
		 * leaves a page unmapped after each mapping). MAP_FIXED changes only where it goes.
		 */
		size_t len = (size_t)arg(c, "length", 0);
		size_t rlen = ((len + 4095) & ~(size_t)4095) + 4096;
		void *res = len ? mmap(NULL, rlen, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0) : MAP_FAILED;
		int fixed = res != MAP_FAILED ? MAP_FIXED : 0;
		void *p = mmap(fixed ? res : NULL, len, (int)arg(c, "prot", 0), (int)arg(c, "flags", 0) | fixed,
			       (int)arg(c, "fd", -1), (off_t)arg(c, "offset", 0));
		if (p == MAP_FAILED) {
			err = errno;
			r = -1;
			if (fixed)
				munmap(res, rlen);
		} else {
			r = (long long)(uintptr_t)p;
		}
		store(c, r, arg(c, "length", 0));
	} else if (!strcmp(op, "munmap")) {
		SYS(munmap((void *)(uintptr_t)arg(c, "map", 0), (size_t)handle_length(c, "map")));
	} else if (!strcmp(op, "host_access")) {
		uint64_t addr = arg(c, "map", 0) + arg(c, "offset", 0);
		sig = host_access(addr, (int)arg(c, "write", 0));
		r = 0; /* the outcome of an access is its signal */
	} else if (!strcmp(op, "read") || !strcmp(op, "write") || !strcmp(op, "pread") || !strcmp(op, "pwrite")) {
		size_t n = (size_t)arg(c, "count", 0);
		size_t alloc = n > (1u << 20) ? (1u << 20) : n;
		char *buf = calloc(1, alloc ? alloc : 1);
		int fd = (int)arg(c, "fd", -1);
		off_t off = (off_t)arg(c, "offset", 0);
		if (n > alloc)
			n = alloc; /* larger counts are clamped: the runner's buffer is 1 MiB */
		if (!strcmp(op, "read"))
			SYS(read(fd, buf, n));
		else if (!strcmp(op, "write"))
			SYS(write(fd, buf, n));
		else if (!strcmp(op, "pread"))
			SYS(pread(fd, buf, n, off));
		else
			SYS(pwrite(fd, buf, n, off));
		free(buf);
	} else if (!strcmp(op, "lseek")) {
		SYS(lseek((int)arg(c, "fd", -1), (off_t)arg(c, "offset", 0), (int)arg(c, "whence", 0)));
	} else if (!strcmp(op, "ftruncate")) {
		SYS(ftruncate((int)arg(c, "fd", -1), (off_t)arg(c, "length", 0)));
	} else if (!strcmp(op, "close")) {
		int fd = (int)arg(c, "fd", -1);
		/* the VM's implicit vCPU dies with nothing here: it keeps its own VM reference, as a VMM's would */
		SYS(close(fd));
	} else {
		printf("{\"step\":%ld,\"op\":\"%s\",\"unsupported\":true}\n", c->step, c->op);
		fflush(stdout);
		return;
	}
	emit(c, r, err, sig, outp);
}

static int probe(void)
{
	static const struct { const char *name; int cap; } caps[] = {
		{ "KVM_CAP_USER_MEMORY2", KVM_CAP_USER_MEMORY2 },
		{ "KVM_CAP_MEMORY_FAULT_INFO", KVM_CAP_MEMORY_FAULT_INFO },
		{ "KVM_CAP_MEMORY_ATTRIBUTES", KVM_CAP_MEMORY_ATTRIBUTES },
		{ "KVM_CAP_GUEST_MEMFD", KVM_CAP_GUEST_MEMFD },
		{ "KVM_CAP_VM_TYPES", KVM_CAP_VM_TYPES },
		{ "KVM_CAP_PRE_FAULT_MEMORY", KVM_CAP_PRE_FAULT_MEMORY },
		{ "KVM_CAP_GUEST_MEMFD_FLAGS", KVM_CAP_GUEST_MEMFD_FLAGS },
		{ "KVM_CAP_READONLY_MEM", KVM_CAP_READONLY_MEM },
		{ "KVM_CAP_NR_MEMSLOTS", KVM_CAP_NR_MEMSLOTS },
		{ "KVM_CAP_MULTI_ADDRESS_SPACE", KVM_CAP_MULTI_ADDRESS_SPACE },
	};
	printf("{\"api\":%d", ioctl(kvm_fd, KVM_GET_API_VERSION, 0));
	for (unsigned i = 0; i < sizeof(caps) / sizeof(caps[0]); i++)
		printf(",\"%s\":%d", caps[i].name, ioctl(kvm_fd, KVM_CHECK_EXTENSION, caps[i].cap));
	/* per VM type: can it be created, and what does the VM report? */
	printf(",\"vm\":{");
	for (int t = 0; t < 2; t++) {
		int vm = ioctl(kvm_fd, KVM_CREATE_VM, t);
		printf("%s\"%d\":", t ? "," : "", t);
		if (vm < 0) {
			printf("null");
			continue;
		}
		printf("{\"KVM_CAP_MULTI_ADDRESS_SPACE\":%d,\"KVM_CAP_MEMORY_ATTRIBUTES\":%d,\"KVM_CAP_GUEST_MEMFD_FLAGS\":%d,\"KVM_CAP_PRE_FAULT_MEMORY\":%d}",
		       ioctl(vm, KVM_CHECK_EXTENSION, KVM_CAP_MULTI_ADDRESS_SPACE),
		       ioctl(vm, KVM_CHECK_EXTENSION, KVM_CAP_MEMORY_ATTRIBUTES),
		       ioctl(vm, KVM_CHECK_EXTENSION, KVM_CAP_GUEST_MEMFD_FLAGS),
		       ioctl(vm, KVM_CHECK_EXTENSION, KVM_CAP_PRE_FAULT_MEMORY));
		close(vm);
	}
	printf("}}\n");
	return 0;
}

int main(int argc, char **argv)
{
	/* Read all commands first, so that no stdio stream holds an fd while the scenario runs. */
	size_t cap = 1 << 16, len = 0;
	char *text = malloc(cap);
	int is_probe = argc > 1 && !strcmp(argv[1], "--probe");
	if (!is_probe) {
		ssize_t n;
		while ((n = read(0, text + len, cap - len - 1)) > 0) {
			len += (size_t)n;
			if (cap - len < 4096)
				text = realloc(text, cap *= 2);
		}
	}
	text[len] = 0;

	int fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "gmem_runner: /dev/kvm: %s\n", strerror(errno));
		return 2;
	}
	/* Keep /dev/kvm out of the way: the scenario's fds start at 3, as in the engine. */
	kvm_fd = fcntl(fd, F_DUPFD_CLOEXEC, 1000);
	close(fd);
	if (kvm_fd < 0) {
		fprintf(stderr, "gmem_runner: F_DUPFD: %s\n", strerror(errno));
		return 2;
	}
	if (is_probe)
		return probe();

	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_fault;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_NODEFER;
	sigaction(SIGBUS, &sa, NULL);
	sigaction(SIGSEGV, &sa, NULL);
	for (int i = 0; i < MAX_HANDLES; i++)
		handle_val[i] = -1;

	char *save = NULL;
	for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		struct cmd c;
		if (line[0] == '#' || !parse_line(line, &c))
			continue;
		run(&c);
	}
	free(text);
	return 0;
}
