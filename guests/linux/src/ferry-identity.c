/*
 * ferry-identity: reads the identity a Ferry host gives a VM (its clone-identity registers, described in the
 * device tree as /soc/identity@102000, compatible "ferry,identity"; read through /dev/mem) and applies a new one.
 *
 *   ferry-identity              prints "generation G", "mac M", "ip I" and "name N", one per line
 *   ferry-identity watch PROG   checks the generation five times a second; when it changes (the VM was cloned),
 *                               runs PROG GENERATION MAC IP NAME and waits for it
 *
 * Without the device (on QEMU, or a machine booted without it) both exit 1 at once and print nothing, so the
 * same image boots unchanged where there is no such device.
 */
#include "ferry-sys.h"

enum { SYS_OPENAT = 56, SYS_NANOSLEEP = 101, SYS_CLONE = 220, SYS_EXECVE = 221, SYS_WAIT4 = 260 };
enum { AT_FDCWD = -100, O_RDONLY = 0, O_RDWR = 2, O_SYNC = 0x101000, PROT_READ = 1, MAP_SHARED = 1, SIGCHLD = 17 };

#define BASE 0x102000ul
#define MAGIC 0x44495246u
#define NODE "/sys/firmware/devicetree/base/soc/identity@102000/compatible"

struct identity {
    u32 generation;
    char mac[18];
    char ip[257];
    char name[65];
};

static volatile const u8 *regs;

static u32 reg32(u32 off) {
    return *(volatile const u32 *)(regs + off);
}

static int map_registers(void) {
    long node = sys3(SYS_OPENAT, AT_FDCWD, (long)NODE, O_RDONLY);
    if (node < 0) {
        return -1;
    }
    sys3(SYS_CLOSE, node, 0, 0);
    long fd = sys3(SYS_OPENAT, AT_FDCWD, (long)"/dev/mem", O_RDWR | O_SYNC);
    if (fd < 0) {
        return -1;
    }
    long p = sys6(SYS_MMAP, 0, 4096, PROT_READ, MAP_SHARED, fd, (long)BASE);
    sys3(SYS_CLOSE, fd, 0, 0);
    if (p < 0 && p > -4096) {
        return -1;
    }
    regs = (volatile const u8 *)p;
    return reg32(0) == MAGIC ? 0 : -1;
}

static void copy_string(char *dst, u32 off, u32 len, u32 max) {
    if (len > max) {
        len = max;
    }
    for (u32 i = 0; i < len; i++) {
        dst[i] = (char)regs[off + i];
    }
    dst[len] = 0;
}

static void read_identity(struct identity *id) {
    static const char hex[] = "0123456789abcdef";
    u32 again;
    do {
        id->generation = reg32(8);
        int none = 1;
        for (int i = 0; i < 6; i++) {
            u8 b = regs[0x10 + i];
            none &= b == 0;
            id->mac[3 * i] = hex[b >> 4];
            id->mac[3 * i + 1] = hex[b & 15];
            id->mac[3 * i + 2] = i < 5 ? ':' : 0;
        }
        if (none) {
            id->mac[0] = 0;
        }
        copy_string(id->ip, 0x40, reg32(0x20), 256);
        copy_string(id->name, 0x140, reg32(0x24), 64);
        again = reg32(8);
    } while (again != id->generation);
}

static void line(const char *key, const char *value) {
    put(key);
    put(" ");
    put(value);
    put("\n");
}

static void run(char *prog, struct identity *id) {
    char gen[21];
    gen[format_u64(gen, id->generation)] = 0;
    char *argv[] = {prog, gen, id->mac, id->ip, id->name, 0};
    char *envp[] = {"PATH=/bin:/sbin:/usr/bin:/usr/sbin", 0};
    long pid = sys6(SYS_CLONE, SIGCHLD, 0, 0, 0, 0, 0);
    if (pid == 0) {
        sys3(SYS_EXECVE, (long)prog, (long)argv, (long)envp);
        sys3(SYS_EXIT, 127, 0, 0);
    }
    if (pid > 0) {
        int status;
        while (sys6(SYS_WAIT4, pid, (long)&status, 0, 0, 0, 0) == -E_INTR) {
        }
    }
}

int main(int argc, char **argv) {
    if (map_registers() != 0) {
        return 1;
    }
    struct identity id;
    read_identity(&id);
    if (argc == 1) {
        char gen[21];
        gen[format_u64(gen, id.generation)] = 0;
        line("generation", gen);
        line("mac", id.mac);
        line("ip", id.ip);
        line("name", id.name);
        return 0;
    }
    if (argc != 3 || !same(argv[1], "watch")) {
        put_to(2, "usage: ferry-identity [watch PROGRAM]\n");
        return 2;
    }
    u32 seen = id.generation;
    struct { long sec; long nsec; } pause = {0, 200000000};
    for (;;) {
        sys3(SYS_NANOSLEEP, (long)&pause, 0, 0);
        if (reg32(8) != seen) {
            read_identity(&id);
            seen = id.generation;
            run(argv[2], &id);
        }
    }
}
