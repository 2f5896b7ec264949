/*
 * ferry-kv: a key-value server for Ferry's Linux guest that speaks memcached's text protocol, so memcached
 * clients (Debian's libmemcached-tools) can drive it. One thread, non-blocking sockets and epoll for many
 * concurrent clients, the data in the guest's RAM, no libc.
 *
 *   ferry-kv [-p PORT] [-m MEGABYTES] [-c CONNECTIONS]     defaults: 11211, 64, 1024
 *
 * Commands: get|gets KEY..., set|add|replace|append|prepend KEY FLAGS EXPTIME BYTES [noreply] + data,
 * cas KEY FLAGS EXPTIME BYTES CAS [noreply] + data, delete KEY [noreply], incr|decr KEY DELTA [noreply],
 * touch KEY EXPTIME [noreply], flush_all [DELAY] [noreply], stats, version, verbosity N [noreply], quit.
 * Keys up to 250 bytes, values up to 1 MiB. Items live in an arena of MEGABYTES, carved into size classes
 * (each 1.25 times the last); nothing is evicted: a store that finds no room is answered
 * "SERVER_ERROR out of memory storing object". Connection buffers are outside that limit.
 */
#include "ferry-sys.h"

#define MAX_KEY 250
#define MAX_VALUE (1 << 20)
#define MAX_LINE (64 << 10)
#define MAX_TOKENS 8
#define CLASSES 64
#define BUF_INITIAL (16 << 10)
#define BUF_KEEP (256 << 10)   /* an empty buffer larger than this is given back */
#define OUT_HIGH (1 << 20)     /* no more commands run while this much output waits */
#define THIRTY_DAYS (60 * 60 * 24 * 30)
#define VERSION "1.6.0-ferry-kv"

enum {
    PROT_RW = 3, MAP_PRIVATE_ANON = 0x22, MAP_NORESERVE = 0x4000, MREMAP_MAYMOVE = 1,
    AF_INET = 2, SOCK_STREAM = 1, SOCK_NONBLOCK = 0x800, SOCK_CLOEXEC = 0x80000,
    SOL_SOCKET = 1, SO_REUSEADDR = 2, IPPROTO_TCP = 6, TCP_NODELAY = 1, MSG_NOSIGNAL = 0x4000,
    EPOLLIN = 1, EPOLLOUT = 4, EPOLL_ADD = 1, EPOLL_DEL = 2, EPOLL_MOD = 3, CLOCK_REALTIME = 0,
};

struct epoll_event {
    u32 events;
    u64 data;
};

struct sockaddr_in {
    u16 family;
    u16 port;
    u32 addr;
    u8 zero[8];
};

/* ---- memory ---- */

static void *map(long bytes, int noreserve) {
    long p = sys6(SYS_MMAP, 0, bytes, PROT_RW, MAP_PRIVATE_ANON | (noreserve ? MAP_NORESERVE : 0), -1, 0);
    return (u64)p > (u64)-4096 ? 0 : (void *)p;
}

/* A byte buffer in its own mapping, grown by mremap. */
struct buf {
    char *p;
    long len;
    long cap;
};

static int buf_reserve(struct buf *b, long need) {
    if (b->cap >= need) {
        return 0;
    }
    long cap = b->cap ? b->cap : BUF_INITIAL;
    while (cap < need) {
        cap *= 2;
    }
    long p = b->p ? sys6(SYS_MREMAP, (long)b->p, b->cap, cap, MREMAP_MAYMOVE, 0, 0) : (long)map(cap, 0);
    if (p == 0 || (u64)p > (u64)-4096) {
        return -1;
    }
    b->p = (char *)p;
    b->cap = cap;
    return 0;
}

static void buf_release(struct buf *b) {
    if (b->p) {
        sys3(SYS_MUNMAP, (long)b->p, b->cap, 0);
    }
    b->p = 0;
    b->len = b->cap = 0;
}

static int buf_add(struct buf *b, const char *s, long n) {
    if (buf_reserve(b, b->len + n) != 0) {
        return -1;
    }
    memcpy(b->p + b->len, s, (unsigned long)n);
    b->len += n;
    return 0;
}

/* An item: the key, then the value followed by "\r\n", so a reply copies it in one piece. */
struct item {
    struct item *next;
    u64 cas;
    i64 expires; /* unix seconds; 0: never */
    u32 flags;
    u32 bytes;   /* value length without the "\r\n" */
    u32 hash;
    u8 nkey;
    u8 cls;
    char data[];
};

/* The item arena: a bump pointer and a free list per size class; freed items go back to their class. */
static char *arena_top, *arena_end;
static u64 class_size[CLASSES];
static int classes;
static struct item *free_items[CLASSES];
static u64 arena_bytes, item_bytes;

static void arena_init(u64 bytes) {
    arena_top = map((long)bytes, 1);
    arena_end = arena_top ? arena_top + bytes : 0;
    arena_bytes = bytes;
    u64 size = 64, largest = sizeof(struct item) + MAX_KEY + MAX_VALUE + 2;
    while (size < largest && classes < CLASSES - 1) {
        class_size[classes++] = size;
        size = (size * 5 / 4 + 7) & ~7ul;
    }
    class_size[classes++] = largest;
}

static struct item *item_alloc(u64 size) {
    int c = 0;
    while (class_size[c] < size) {
        c++;
    }
    struct item *it = free_items[c];
    if (it) {
        free_items[c] = it->next;
    } else if (arena_top && (u64)(arena_end - arena_top) >= class_size[c]) {
        it = (struct item *)arena_top;
        arena_top += class_size[c];
    } else {
        return 0;
    }
    it->cls = (u8)c;
    item_bytes += class_size[c];
    return it;
}

static void item_free(struct item *it) {
    item_bytes -= class_size[it->cls];
    it->next = free_items[it->cls];
    free_items[it->cls] = it;
}

/* ---- the table ---- */

static struct item **table;
static u64 table_mask, items, total_items, next_cas = 1;
static i64 now, flush_at;

static u32 hash_key(const char *k, long n) {
    u32 h = 2166136261u;
    for (long i = 0; i < n; i++) {
        h = (h ^ (u8)k[i]) * 16777619u;
    }
    return h;
}

static int expired(const struct item *it) {
    return it->expires != 0 && it->expires <= now;
}

static void unlink_item(struct item **link) {
    struct item *it = *link;
    *link = it->next;
    items--;
    item_free(it);
}

/* The live item with this key, or null; an expired one met on the way is dropped. */
static struct item **find(const char *k, long n, u32 h) {
    struct item **link = &table[h & table_mask];
    while (*link) {
        struct item *it = *link;
        if (it->hash == h && it->nkey == n && memcmp(it->data, k, (unsigned long)n) == 0) {
            if (expired(it)) {
                unlink_item(link);
                return 0;
            }
            return link;
        }
        link = &it->next;
    }
    return 0;
}

/* Puts a new item in place of the old one with its key (if any). */
static void link_item(struct item *it) {
    struct item **old = find(it->data, it->nkey, it->hash);
    if (old) {
        unlink_item(old);
    }
    it->next = table[it->hash & table_mask];
    table[it->hash & table_mask] = it;
    items++;
    total_items++;
}

static void flush_all(void) {
    for (u64 b = 0; b <= table_mask; b++) {
        while (table[b]) {
            unlink_item(&table[b]);
        }
    }
}

static struct item *new_item(const char *k, long nkey, u32 h, u32 flags, i64 expires, u64 bytes) {
    struct item *it = item_alloc(sizeof(struct item) + (u64)nkey + bytes + 2);
    if (!it) {
        return 0;
    }
    it->next = 0;
    it->cas = next_cas++;
    it->expires = expires;
    it->flags = flags;
    it->bytes = (u32)bytes;
    it->hash = h;
    it->nkey = (u8)nkey;
    memcpy(it->data, k, (unsigned long)nkey);
    it->data[nkey + bytes] = '\r';
    it->data[nkey + bytes + 1] = '\n';
    return it;
}

static char *value_of(struct item *it) {
    return it->data + it->nkey;
}

/* memcached's rule: 0 never expires, up to 30 days is relative, more is a unix time, negative is expired. */
static i64 expiry(i64 exptime) {
    if (exptime == 0) {
        return 0;
    }
    if (exptime < 0) {
        return 1;
    }
    return exptime > THIRTY_DAYS ? exptime : now + exptime;
}

/* ---- connections ---- */

struct conn {
    int fd;
    int in_use;
    int closing;   /* close once the output is out */
    int eof;       /* the client sent all it will */
    int waiting;   /* registered for EPOLLOUT instead of EPOLLIN */
    u64 swallow;   /* bytes of a refused data block still to skip */
    long out_sent;
    struct buf in, out;
};

static struct conn *conns;
static int max_conns, epfd, open_conns;
static u64 total_conns, cmd_get, cmd_set, get_hits, get_misses;

/* Adds to the output; a connection whose output cannot grow is closed. */
static void reply_n(struct conn *c, const char *s, long n) {
    if (buf_add(&c->out, s, n) != 0) {
        c->closing = 1;
    }
}

static void reply(struct conn *c, const char *s) {
    reply_n(c, s, str_len(s));
}

static void reply_u64(struct conn *c, u64 v) {
    char b[21];
    reply_n(c, b, format_u64(b, v));
}

struct token {
    const char *s;
    long n;
};

/* The first token of s[0..n) (words are separated by spaces) in *t; 0 when there is none. */
static int next_token(const char *s, long n, struct token *t) {
    long i = 0;
    while (i < n && s[i] == ' ') {
        i++;
    }
    long start = i;
    while (i < n && s[i] != ' ') {
        i++;
    }
    t->s = s + start;
    t->n = i - start;
    return t->n > 0;
}

/* Splits s[0..n) into at most max tokens; returns how many, or max + 1 when there are more. */
static int tokenize(const char *s, long n, struct token *t, int max) {
    int count = 0;
    struct token next;
    for (const char *end = s + n; next_token(s, end - s, &next); s = next.s + next.n) {
        if (count == max) {
            return max + 1;
        }
        t[count++] = next;
    }
    return count;
}

static int is(const struct token *t, const char *word) {
    long n = str_len(word);
    return t->n == n && memcmp(t->s, word, (unsigned long)n) == 0;
}

static int parse_i64(const struct token *t, i64 *out) {
    u64 v;
    if (t->n > 1 && t->s[0] == '-') {
        if (parse_u64(t->s + 1, t->n - 1, 1ul << 63, &v) != 0) {
            return -1;
        }
        *out = -(i64)v;
        return 0;
    }
    if (parse_u64(t->s, t->n, (1ul << 63) - 1, &v) != 0) {
        return -1;
    }
    *out = (i64)v;
    return 0;
}

static int noreply(const struct token *t, int count, int plain) {
    return count == plain + 1 && is(&t[plain], "noreply");
}

static void put_value(struct conn *c, struct item *it, int with_cas) {
    reply(c, "VALUE ");
    reply_n(c, it->data, it->nkey);
    reply(c, " ");
    reply_u64(c, it->flags);
    reply(c, " ");
    reply_u64(c, it->bytes);
    if (with_cas) {
        reply(c, " ");
        reply_u64(c, it->cas);
    }
    reply(c, "\r\n");
    reply_n(c, value_of(it), (long)it->bytes + 2);
}

/* get or gets: keys is the rest of the line after the command word. */
static void cmd_retrieve(struct conn *c, const char *keys, long n, int with_cas) {
    struct token t;
    int count = 0;
    for (long i = 0; next_token(keys + i, n - i, &t); i = t.s + t.n - keys) {
        if (t.n > MAX_KEY) {
            reply(c, "CLIENT_ERROR bad command line format\r\n");
            return;
        }
        count++;
    }
    if (count == 0) {
        reply(c, "ERROR\r\n");
        return;
    }
    for (long i = 0; next_token(keys + i, n - i, &t); i = t.s + t.n - keys) {
        struct item **link = find(t.s, t.n, hash_key(t.s, t.n));
        cmd_get++;
        if (link) {
            get_hits++;
            put_value(c, *link, with_cas);
        } else {
            get_misses++;
        }
    }
    reply(c, "END\r\n");
}

enum store { SET, ADD, REPLACE, APPEND, PREPEND, CAS };

/*
 * A storage command whose line is line[0..n) and whose data may follow at data (avail bytes there). Returns how
 * many bytes after the line it used, or -1 when the data block is not all there yet.
 */
static long cmd_store(struct conn *c, enum store kind, const char *line, long n, const char *data, long avail) {
    struct token t[MAX_TOKENS];
    int count = tokenize(line, n, t, MAX_TOKENS);
    int plain = kind == CAS ? 6 : 5;
    u64 flags, bytes, cas = 0;
    i64 exptime;
    int quiet = noreply(t, count, plain);
    if ((count != plain && !quiet) || t[1].n > MAX_KEY || parse_u64(t[2].s, t[2].n, 0xffffffffu, &flags) != 0
            || parse_i64(&t[3], &exptime) != 0 || parse_u64(t[4].s, t[4].n, 1ul << 40, &bytes) != 0
            || (kind == CAS && parse_u64(t[5].s, t[5].n, ~0ul, &cas) != 0)) {
        reply(c, "CLIENT_ERROR bad command line format\r\n");
        return 0;
    }
    if (bytes > MAX_VALUE) {
        c->swallow = bytes + 2;
        reply(c, "SERVER_ERROR object too large for cache\r\n");
        return 0;
    }
    if ((u64)avail < bytes + 2) {
        return -1;
    }
    long used = (long)bytes + 2;
    cmd_set++;
    if (data[bytes] != '\r' || data[bytes + 1] != '\n') {
        reply(c, "CLIENT_ERROR bad data chunk\r\n");
        return used;
    }
    u32 h = hash_key(t[1].s, t[1].n);
    struct item **link = find(t[1].s, t[1].n, h);
    struct item *old = link ? *link : 0;
    const char *answer = "STORED\r\n";
    if ((kind == ADD && old) || ((kind == REPLACE || kind == APPEND || kind == PREPEND) && !old)) {
        answer = "NOT_STORED\r\n";
    } else if (kind == CAS && !old) {
        answer = "NOT_FOUND\r\n";
    } else if (kind == CAS && old->cas != cas) {
        answer = "EXISTS\r\n";
    } else if ((kind == APPEND || kind == PREPEND) && old->bytes + bytes > MAX_VALUE) {
        answer = "SERVER_ERROR object too large for cache\r\n";
    } else {
        int joined = kind == APPEND || kind == PREPEND;
        u64 total = joined ? old->bytes + bytes : bytes;
        struct item *it = joined ? new_item(t[1].s, t[1].n, h, old->flags, old->expires, total)
                                 : new_item(t[1].s, t[1].n, h, (u32)flags, expiry(exptime), total);
        if (!it) {
            if (kind == SET && old) {
                unlink_item(find(t[1].s, t[1].n, h)); /* as memcached: no stale value after a failed set */
            }
            answer = "SERVER_ERROR out of memory storing object\r\n";
        } else {
            char *v = value_of(it);
            if (kind == APPEND) {
                memcpy(v, value_of(old), old->bytes);
                memcpy(v + old->bytes, data, bytes);
            } else if (kind == PREPEND) {
                memcpy(v, data, bytes);
                memcpy(v + bytes, value_of(old), old->bytes);
            } else {
                memcpy(v, data, bytes);
            }
            link_item(it);
        }
    }
    if (!quiet) {
        reply(c, answer);
    }
    return used;
}

static void cmd_delete(struct conn *c, const struct token *t, int count) {
    int quiet = is(&t[count - 1], "noreply");
    int plain = count - quiet;
    if (plain < 2 || plain > 3 || (plain == 3 && !is(&t[2], "0")) || t[1].n > MAX_KEY) {
        reply(c, "CLIENT_ERROR bad command line format.  Usage: delete <key> [noreply]\r\n");
        return;
    }
    struct item **link = find(t[1].s, t[1].n, hash_key(t[1].s, t[1].n));
    if (link) {
        unlink_item(link);
    }
    if (!quiet) {
        reply(c, link ? "DELETED\r\n" : "NOT_FOUND\r\n");
    }
}

static void cmd_arith(struct conn *c, const struct token *t, int count, int up) {
    int quiet = noreply(t, count, 3);
    u64 delta, value;
    if ((count != 3 && !quiet) || t[1].n > MAX_KEY) {
        reply(c, "CLIENT_ERROR bad command line format\r\n");
        return;
    }
    if (parse_u64(t[2].s, t[2].n, ~0ul, &delta) != 0) {
        reply(c, "CLIENT_ERROR invalid numeric delta argument\r\n");
        return;
    }
    u32 h = hash_key(t[1].s, t[1].n);
    struct item **link = find(t[1].s, t[1].n, h);
    if (!link) {
        if (!quiet) {
            reply(c, "NOT_FOUND\r\n");
        }
        return;
    }
    struct item *old = *link;
    if (parse_u64(value_of(old), old->bytes, ~0ul, &value) != 0) {
        reply(c, "CLIENT_ERROR cannot increment or decrement non-numeric value\r\n");
        return;
    }
    value = up ? value + delta : (value > delta ? value - delta : 0);
    char digits[21];
    int nd = format_u64(digits, value);
    struct item *it = new_item(t[1].s, t[1].n, h, old->flags, old->expires, (u64)nd);
    if (!it) {
        reply(c, "SERVER_ERROR out of memory\r\n");
        return;
    }
    memcpy(value_of(it), digits, (unsigned long)nd);
    link_item(it);
    if (!quiet) {
        reply_n(c, digits, nd);
        reply(c, "\r\n");
    }
}

static void cmd_touch(struct conn *c, const struct token *t, int count) {
    int quiet = noreply(t, count, 3);
    i64 exptime;
    if ((count != 3 && !quiet) || t[1].n > MAX_KEY || parse_i64(&t[2], &exptime) != 0) {
        reply(c, "CLIENT_ERROR bad command line format\r\n");
        return;
    }
    struct item **link = find(t[1].s, t[1].n, hash_key(t[1].s, t[1].n));
    if (link) {
        (*link)->expires = expiry(exptime);
    }
    if (!quiet) {
        reply(c, link ? "TOUCHED\r\n" : "NOT_FOUND\r\n");
    }
}

static void cmd_flush(struct conn *c, const struct token *t, int count) {
    int quiet = is(&t[count - 1], "noreply");
    i64 delay = 0;
    if (count - quiet > 2 || (count - quiet == 2 && (parse_i64(&t[1], &delay) != 0 || delay < 0))) {
        reply(c, "CLIENT_ERROR bad command line format\r\n");
        return;
    }
    if (delay == 0) {
        flush_all();
        flush_at = 0;
    } else {
        flush_at = expiry(delay);
    }
    if (!quiet) {
        reply(c, "OK\r\n");
    }
}

static void stat(struct conn *c, const char *name, u64 v) {
    reply(c, "STAT ");
    reply(c, name);
    reply(c, " ");
    reply_u64(c, v);
    reply(c, "\r\n");
}

static void cmd_stats(struct conn *c) {
    stat(c, "time", (u64)now);
    reply(c, "STAT version " VERSION "\r\n");
    stat(c, "curr_connections", (u64)open_conns);
    stat(c, "total_connections", total_conns);
    stat(c, "cmd_get", cmd_get);
    stat(c, "cmd_set", cmd_set);
    stat(c, "get_hits", get_hits);
    stat(c, "get_misses", get_misses);
    stat(c, "curr_items", items);
    stat(c, "total_items", total_items);
    stat(c, "bytes", item_bytes);
    stat(c, "limit_maxbytes", arena_bytes);
    reply(c, "END\r\n");
}

/*
 * Runs the command whose line is line[0..n) ("\r\n" removed); data points after the line, avail bytes there.
 * Returns the bytes of data it used, or -1 when a storage command's data block is not all there yet.
 */
static long command(struct conn *c, const char *line, long n, const char *data, long avail) {
    struct token t[MAX_TOKENS];
    int count = tokenize(line, n, t, MAX_TOKENS);
    if (count == 0) {
        reply(c, "ERROR\r\n");
        return 0;
    }
    if (flush_at != 0 && flush_at <= now) {
        flush_all();
        flush_at = 0;
    }
    static const char *const stores[] = {"set", "add", "replace", "append", "prepend", "cas"};
    for (int k = 0; k < 6; k++) {
        if (is(&t[0], stores[k])) {
            return cmd_store(c, (enum store)k, line, n, data, avail);
        }
    }
    if (is(&t[0], "get") || is(&t[0], "gets")) {
        long rest = t[0].s + t[0].n - line;
        cmd_retrieve(c, line + rest, n - rest, t[0].n == 4);
    } else if (count > MAX_TOKENS) {
        reply(c, "ERROR\r\n");
    } else if (is(&t[0], "delete")) {
        cmd_delete(c, t, count);
    } else if (is(&t[0], "incr") || is(&t[0], "decr")) {
        cmd_arith(c, t, count, t[0].s[0] == 'i');
    } else if (is(&t[0], "touch")) {
        cmd_touch(c, t, count);
    } else if (is(&t[0], "flush_all")) {
        cmd_flush(c, t, count);
    } else if (is(&t[0], "version")) {
        reply(c, "VERSION " VERSION "\r\n"); /* as memcached 1.6: arguments are ignored */
    } else if (is(&t[0], "verbosity") && (count == 2 || noreply(t, count, 2))) {
        if (!is(&t[count - 1], "noreply")) {
            reply(c, "OK\r\n");
        }
    } else if (is(&t[0], "stats") && count == 1) {
        cmd_stats(c);
    } else if (is(&t[0], "quit") && count == 1) {
        c->closing = 1;
    } else {
        reply(c, "ERROR\r\n");
    }
    return 0;
}

/*
 * Runs the complete commands in the input buffer until the output is full, then keeps what is left. Returns 1
 * when it stopped for the output (commands may be waiting), 0 when it needs more input.
 */
static int run_commands(struct conn *c) {
    long pos = 0;
    while (!c->closing && c->out.len < OUT_HIGH && pos < c->in.len) {
        if (c->swallow > 0) {
            long take = c->in.len - pos < (long)c->swallow ? c->in.len - pos : (long)c->swallow;
            pos += take;
            c->swallow -= (u64)take;
            continue;
        }
        char *line = c->in.p + pos;
        long left = c->in.len - pos, end = 0;
        while (end < left && line[end] != '\n') {
            end++;
        }
        if (end == left) {
            if (left > MAX_LINE) {
                reply(c, "CLIENT_ERROR line too long\r\n");
                c->closing = 1;
            }
            break;
        }
        long n = end > 0 && line[end - 1] == '\r' ? end - 1 : end;
        long used = command(c, line, n, line + end + 1, left - end - 1);
        if (used < 0) {
            break;
        }
        pos += end + 1 + used;
    }
    memmove(c->in.p, c->in.p + pos, (unsigned long)(c->in.len - pos));
    c->in.len -= pos;
    if (c->in.len == 0 && c->in.cap > BUF_KEEP) {
        buf_release(&c->in);
    }
    return !c->closing && c->out.len >= OUT_HIGH;
}

static void close_conn(struct conn *c) {
    sys6(SYS_EPOLL_CTL, epfd, EPOLL_DEL, c->fd, 0, 0, 0);
    sys3(SYS_CLOSE, c->fd, 0, 0);
    buf_release(&c->in);
    buf_release(&c->out);
    c->in_use = 0;
    open_conns--;
}

static void watch(struct conn *c, int out) {
    struct epoll_event ev = {out ? EPOLLOUT : EPOLLIN, (u64)c};
    sys6(SYS_EPOLL_CTL, epfd, EPOLL_MOD, c->fd, (long)&ev, 0, 0);
    c->waiting = out;
}

/* Sends what it can; returns -1 when the connection is broken. */
static int send_output(struct conn *c) {
    while (c->out_sent < c->out.len) {
        long w = sys6(SYS_SENDTO, c->fd, (long)(c->out.p + c->out_sent), c->out.len - c->out_sent, MSG_NOSIGNAL,
                      0, 0);
        if (w == -E_AGAIN) {
            return 0;
        }
        if (w == -E_INTR) {
            continue;
        }
        if (w < 0) {
            return -1;
        }
        c->out_sent += w;
    }
    c->out.len = c->out_sent = 0;
    if (c->out.cap > BUF_KEEP) {
        buf_release(&c->out);
    }
    return 0;
}

/* Reads (when it may), runs commands and sends, until the connection waits for the client or is closed. */
static void serve(struct conn *c, int readable) {
    if (readable && !c->eof) {
        if (buf_reserve(&c->in, c->in.len + BUF_INITIAL) != 0) {
            close_conn(c);
            return;
        }
        long r = sys3(SYS_READ, c->fd, (long)(c->in.p + c->in.len), c->in.cap - c->in.len);
        if (r == 0) {
            c->eof = 1;
        } else if (r > 0) {
            c->in.len += r;
        } else if (r != -E_AGAIN && r != -E_INTR) {
            close_conn(c);
            return;
        }
    }
    for (;;) {
        int more = run_commands(c);
        if (send_output(c) != 0) {
            close_conn(c);
            return;
        }
        if (c->out.len > 0) {
            if (!c->waiting) {
                watch(c, 1);
            }
            return;
        }
        if (c->closing || (c->eof && !more)) {
            close_conn(c);
            return;
        }
        if (c->waiting) {
            watch(c, 0);
        }
        if (!more) {
            return;
        }
    }
}

static void accept_all(int listener) {
    for (;;) {
        long fd = sys6(SYS_ACCEPT4, listener, 0, 0, SOCK_NONBLOCK | SOCK_CLOEXEC, 0, 0);
        if (fd < 0) {
            return;
        }
        struct conn *c = 0;
        for (int i = 0; i < max_conns && !c; i++) {
            c = conns[i].in_use ? 0 : &conns[i];
        }
        if (!c) {
            static const char full[] = "ERROR Too many open connections\r\n";
            sys6(SYS_SENDTO, fd, (long)full, sizeof full - 1, MSG_NOSIGNAL, 0, 0);
            sys3(SYS_CLOSE, fd, 0, 0);
            continue;
        }
        int one = 1;
        sys6(SYS_SETSOCKOPT, fd, IPPROTO_TCP, TCP_NODELAY, (long)&one, sizeof one, 0);
        memset(c, 0, sizeof *c);
        c->fd = (int)fd;
        c->in_use = 1;
        struct epoll_event ev = {EPOLLIN, (u64)c};
        if (sys6(SYS_EPOLL_CTL, epfd, EPOLL_ADD, fd, (long)&ev, 0, 0) != 0) {
            sys3(SYS_CLOSE, fd, 0, 0);
            c->in_use = 0;
            continue;
        }
        open_conns++;
        total_conns++;
    }
}

static i64 wall_clock(void) {
    i64 ts[2] = {0, 0};
    sys3(SYS_CLOCK_GETTIME, CLOCK_REALTIME, (long)ts, 0);
    return ts[0];
}

static int fail(const char *what, long err) {
    put_to(2, "ferry-kv: ");
    put_to(2, what);
    put_to(2, " failed (errno ");
    char b[21];
    write_all(2, b, format_u64(b, (u64)-err));
    put_to(2, ")\n");
    return 1;
}

static int listen_on(u64 port) {
    long fd = sys3(SYS_SOCKET, AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        return (int)fd;
    }
    int one = 1;
    sys6(SYS_SETSOCKOPT, fd, SOL_SOCKET, SO_REUSEADDR, (long)&one, sizeof one, 0);
    struct sockaddr_in a = {AF_INET, (u16)((port >> 8) | (port << 8)), 0, {0}};
    long r = sys3(SYS_BIND, fd, (long)&a, sizeof a);
    if (r == 0) {
        r = sys3(SYS_LISTEN, fd, 1024, 0);
    }
    return r == 0 ? (int)fd : (int)r;
}

int main(int argc, char **argv) {
    u64 port = 11211, megabytes = 64, connections = 1024;
    for (int i = 1; i < argc; i += 2) {
        u64 *opt = same(argv[i], "-p") ? &port : same(argv[i], "-m") ? &megabytes : same(argv[i], "-c")
                 ? &connections : 0;
        if (!opt || i + 1 >= argc || parse_u64(argv[i + 1], str_len(argv[i + 1]), 1ul << 20, opt) != 0
                || *opt == 0 || (opt == &port && port > 65535)) {
            put_to(2, "usage: ferry-kv [-p PORT] [-m MEGABYTES] [-c CONNECTIONS]\n");
            return 2;
        }
    }
    arena_init(megabytes << 20);
    u64 buckets = 1024;
    while (buckets < (megabytes << 20) / 256) {
        buckets *= 2;
    }
    table = map((long)(buckets * sizeof *table), 1);
    table_mask = buckets - 1;
    max_conns = (int)connections;
    conns = map((long)(connections * sizeof *conns), 0);
    if (!arena_end || !table || !conns) {
        return fail("mmap", -E_NOMEM);
    }
    int listener = listen_on(port);
    if (listener < 0) {
        return fail("listen", listener);
    }
    epfd = (int)sys3(SYS_EPOLL_CREATE1, 0, 0, 0);
    struct epoll_event ev = {EPOLLIN, 0};
    if (epfd < 0 || sys6(SYS_EPOLL_CTL, epfd, EPOLL_ADD, listener, (long)&ev, 0, 0) != 0) {
        return fail("epoll", epfd < 0 ? epfd : -E_NOMEM);
    }
    put("ferry-kv: port ");
    put_u64(port);
    put(", ");
    put_u64(megabytes);
    put(" MiB for items, up to ");
    put_u64(connections);
    put(" connections\n");
    static struct epoll_event events[64];
    for (;;) {
        long n = sys6(SYS_EPOLL_PWAIT, epfd, (long)events, 64, -1, 0, 8);
        now = wall_clock();
        for (long i = 0; i < n; i++) {
            struct conn *c = (struct conn *)events[i].data;
            if (!c) {
                accept_all(listener);
            } else if (c->in_use) {
                serve(c, (events[i].events & ~(u32)EPOLLOUT) != 0);
            }
        }
    }
}
