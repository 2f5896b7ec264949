/*
 * ferry-sys.h: what the guest's libc-free programs share: the entry point, Linux system calls on riscv64 (ecall,
 * numbers from asm-generic/unistd.h; a call returns -errno on failure), the memory functions the compiler may
 * call, and console output. Each program includes it once and defines main(argc, argv).
 */
#ifndef FERRY_SYS_H
#define FERRY_SYS_H

typedef unsigned long u64;
typedef long i64;
typedef unsigned int u32;
typedef unsigned short u16;
typedef unsigned char u8;

enum {
    SYS_EPOLL_CREATE1 = 20, SYS_EPOLL_CTL = 21, SYS_EPOLL_PWAIT = 22, SYS_CLOSE = 57, SYS_READ = 63,
    SYS_WRITE = 64, SYS_EXIT = 93, SYS_CLOCK_GETTIME = 113, SYS_SOCKET = 198, SYS_BIND = 200, SYS_LISTEN = 201,
    SYS_SENDTO = 206, SYS_SETSOCKOPT = 208, SYS_MUNMAP = 215, SYS_MREMAP = 216, SYS_MMAP = 222, SYS_ACCEPT4 = 242,
};

enum { E_INTR = 4, E_AGAIN = 11, E_NOMEM = 12 };

static inline long sys6(long n, long a, long b, long c, long d, long e, long f) {
    register long a0 __asm__("a0") = a;
    register long a1 __asm__("a1") = b;
    register long a2 __asm__("a2") = c;
    register long a3 __asm__("a3") = d;
    register long a4 __asm__("a4") = e;
    register long a5 __asm__("a5") = f;
    register long a7 __asm__("a7") = n;
    __asm__ volatile("ecall" : "+r"(a0) : "r"(a1), "r"(a2), "r"(a3), "r"(a4), "r"(a5), "r"(a7) : "memory");
    return a0;
}

static inline long sys3(long n, long a, long b, long c) {
    return sys6(n, a, b, c, 0, 0, 0);
}

/* Writes all of s[0..n) to fd (a console or a pipe: blocking). */
static inline void write_all(int fd, const char *s, long n) {
    while (n > 0) {
        long w = sys3(SYS_WRITE, fd, (long)s, n);
        if (w == -E_INTR) {
            continue;
        }
        if (w <= 0) {
            return;
        }
        s += w;
        n -= w;
    }
}

static inline long str_len(const char *s) {
    long n = 0;
    while (s[n]) {
        n++;
    }
    return n;
}

static inline void put_to(int fd, const char *s) {
    write_all(fd, s, str_len(s));
}

static inline void put(const char *s) {
    put_to(1, s);
}

/* Formats v in decimal into buf (at least 21 bytes) and returns the length; no terminating zero. */
static inline int format_u64(char *buf, u64 v) {
    char tmp[20];
    int n = 0;
    do {
        tmp[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    for (int i = 0; i < n; i++) {
        buf[i] = tmp[n - 1 - i];
    }
    return n;
}

static inline void put_u64(u64 v) {
    char buf[21];
    write_all(1, buf, format_u64(buf, v));
}

/*
 * Parses all of s[0..n) as a decimal number no greater than max; returns 0 for a number, -1 otherwise (empty,
 * another character, too large).
 */
static inline int parse_u64(const char *s, long n, u64 max, u64 *out) {
    u64 v = 0;
    if (n <= 0) {
        return -1;
    }
    for (long i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9') {
            return -1;
        }
        u64 d = (u64)(s[i] - '0');
        if (v > (max - d) / 10) {
            return -1;
        }
        v = v * 10 + d;
    }
    *out = v;
    return 0;
}

static inline int same(const char *a, const char *b) {
    while (*a && *a == *b) {
        a++;
        b++;
    }
    return *a == *b;
}

/* The compiler may emit calls to these for copies and clears, even in freestanding code. */
void *memcpy(void *dst, const void *src, unsigned long n) {
    u8 *d = dst;
    const u8 *s = src;
    while (n--) {
        *d++ = *s++;
    }
    return dst;
}

void *memmove(void *dst, const void *src, unsigned long n) {
    u8 *d = dst;
    const u8 *s = src;
    if (d < s) {
        while (n--) {
            *d++ = *s++;
        }
    } else {
        while (n--) {
            d[n] = s[n];
        }
    }
    return dst;
}

void *memset(void *dst, int c, unsigned long n) {
    u8 *d = dst;
    while (n--) {
        *d++ = (u8)c;
    }
    return dst;
}

int memcmp(const void *a, const void *b, unsigned long n) {
    const u8 *x = a, *y = b;
    for (unsigned long i = 0; i < n; i++) {
        if (x[i] != y[i]) {
            return x[i] < y[i] ? -1 : 1;
        }
    }
    return 0;
}

int main(int argc, char **argv);

/* Entry: the kernel leaves argc at sp and argv after it; gp is set for the linker's gp-relative accesses. */
__asm__(".globl _start\n"
        "_start:\n"
        "  .option push\n"
        "  .option norelax\n"
        "  la gp, __global_pointer$\n"
        "  .option pop\n"
        "  ld a0, 0(sp)\n"
        "  addi a1, sp, 8\n"
        "  andi sp, sp, -16\n"
        "  call main\n"
        "  li a7, 93\n"
        "  ecall\n");

#endif
