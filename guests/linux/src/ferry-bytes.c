/*
 * ferry-bytes: writes deterministic, incompressible bytes to stdout, so a guest can serve an object whose
 * checksum a client computes without fetching it first (the web image's /big).
 *
 *   ferry-bytes COUNT   writes COUNT bytes: xorshift64 (shifts 13, 7, 17) from the state 0x9e3779b97f4a7c15;
 *                       each step's new state is written as 8 bytes, least significant first; the last
 *                       step's bytes are cut at COUNT
 */
#include "ferry-sys.h"

#define CHUNK 4096

static u8 buf[CHUNK];

int main(int argc, char **argv) {
    u64 count;
    if (argc != 2 || parse_u64(argv[1], str_len(argv[1]), ~0ul, &count) != 0) {
        put_to(2, "usage: ferry-bytes COUNT\n");
        return 2;
    }
    u64 x = 0x9e3779b97f4a7c15ul;
    while (count > 0) {
        for (int i = 0; i < CHUNK; i += 8) {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            for (int k = 0; k < 8; k++) {
                buf[i + k] = (u8)(x >> (8 * k));
            }
        }
        long n = count < CHUNK ? (long)count : CHUNK;
        write_all(1, (const char *)buf, n);
        count -= (u64)n;
    }
    return 0;
}
