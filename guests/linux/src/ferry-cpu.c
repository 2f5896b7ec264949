/*
 * ferry-cpu: a CPU-bound static program for Ferry's Linux guest, without libc (system calls by ecall), so it
 * adds a few KiB to the initramfs and runs the same on any kernel.
 *
 *   ferry-cpu [ROUNDS]   sieve over 1 MiB, xorshift with division, CRC-32 and an insertion sort per round;
 *                        prints a checksum line (the same on every correct machine) and a line with the
 *                        elapsed `time` CSR ticks (10 MHz on virt)
 *   ferry-cpu time       prints the `time` CSR: ticks since the machine's reset
 */
#include "ferry-sys.h"

#define SIEVE_BYTES (1u << 20)
#define SORT_ITEMS 2048

static u8 sieve[SIEVE_BYTES];
static u32 items[SORT_ITEMS];

static void put_hex(u64 v) {
    char buf[19];
    buf[0] = '0';
    buf[1] = 'x';
    for (int i = 0; i < 16; i++) {
        buf[2 + i] = "0123456789abcdef"[(v >> (60 - 4 * i)) & 15];
    }
    buf[18] = 0;
    put(buf);
}

static u64 rdtime(void) {
    u64 t;
    __asm__ volatile("rdtime %0" : "=r"(t));
    return t;
}

static u64 sieve_count(void) {
    for (u32 i = 0; i < SIEVE_BYTES; i++) {
        sieve[i] = 1;
    }
    sieve[0] = sieve[1] = 0;
    for (u32 i = 2; (u64)i * i < SIEVE_BYTES; i++) {
        if (sieve[i]) {
            for (u32 j = i * i; j < SIEVE_BYTES; j += i) {
                sieve[j] = 0;
            }
        }
    }
    u64 count = 0;
    for (u32 i = 0; i < SIEVE_BYTES; i++) {
        count += sieve[i];
    }
    return count;
}

static u64 xorshift_divide(u64 seed, u32 n) {
    u64 x = seed | 1, acc = 0;
    for (u32 i = 0; i < n; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        acc += x / ((i & 1023) + 3) + x % 977;
    }
    return acc;
}

static u32 crc32(const u8 *p, u32 n) {
    u32 crc = 0xffffffffu;
    for (u32 i = 0; i < n; i++) {
        crc ^= p[i];
        for (int k = 0; k < 8; k++) {
            crc = (crc >> 1) ^ (0xedb88320u & -(crc & 1));
        }
    }
    return ~crc;
}

static u64 sort_items(u64 seed) {
    u64 x = seed | 1;
    for (u32 i = 0; i < SORT_ITEMS; i++) {
        x = x * 6364136223846793005ul + 1442695040888963407ul;
        items[i] = (u32)(x >> 33);
    }
    for (u32 i = 1; i < SORT_ITEMS; i++) {
        u32 v = items[i], j = i;
        while (j > 0 && items[j - 1] > v) {
            items[j] = items[j - 1];
            j--;
        }
        items[j] = v;
    }
    return items[0] ^ ((u64)items[SORT_ITEMS / 2] << 16) ^ ((u64)items[SORT_ITEMS - 1] << 32);
}

static u64 parse(const char *s) {
    u64 v = 0;
    while (*s >= '0' && *s <= '9') {
        v = v * 10 + (u64)(*s++ - '0');
    }
    return v;
}

int main(int argc, char **argv) {
    if (argc > 1 && same(argv[1], "time")) {
        put_u64(rdtime());
        put("\n");
        return 0;
    }
    u64 rounds = argc > 1 ? parse(argv[1]) : 10;
    u64 start = rdtime(), sum = 0;
    for (u64 r = 0; r < rounds; r++) {
        sum = sum * 31 + sieve_count();
        sum = sum * 31 + xorshift_divide(sum + r, 200000);
        sum = sum * 31 + crc32(sieve, 65536);
        sum = sum * 31 + sort_items(sum);
    }
    u64 ticks = rdtime() - start;
    put("ferry-cpu rounds ");
    put_u64(rounds);
    put(" checksum ");
    put_hex(sum);
    put("\nferry-cpu ticks ");
    put_u64(ticks);
    put("\n");
    return 0;
}
