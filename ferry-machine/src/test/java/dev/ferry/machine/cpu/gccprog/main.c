typedef unsigned long u64;
typedef long i64;
typedef unsigned int u32;
#define UART ((volatile unsigned char *)0x10000000)

static void putc_(char c) { *UART = c; }
static void puts_(const char *s) { while (*s) putc_(*s++); }
static void putu(u64 v, int base) {
  char buf[32]; int n = 0;
  do { buf[n++] = "0123456789abcdef"[v % base]; v /= base; } while (v);
  while (n) putc_(buf[--n]);
}
static void puti(i64 v) { if (v < 0) { putc_('-'); putu(-(u64)v, 10); } else putu(v, 10); }
static void nl(void) { putc_('\n'); }

static volatile u64 traps;
u64 trap_handler(u64 cause, u64 epc, u64 tval) {
  traps++;
  puts_("trap "); putu(cause, 16); putc_(' '); putu(tval, 16); nl();
  unsigned short h = *(unsigned short *)epc;
  return epc + ((h & 3) == 3 ? 4 : 2);
}

static u32 crc32(const unsigned char *p, int n) {
  u32 c = 0xffffffff;
  for (int i = 0; i < n; i++) { c ^= p[i]; for (int k = 0; k < 8; k++) c = (c >> 1) ^ (0xedb88320 & -(c & 1)); }
  return ~c;
}

static int fib(int n) { return n < 2 ? n : fib(n - 1) + fib(n - 2); }

struct S { i64 a; int b; short c; char d[13]; };

static void sort(i64 *v, int n) {
  for (int i = 1; i < n; i++) { i64 x = v[i]; int j = i - 1; while (j >= 0 && v[j] > x) { v[j + 1] = v[j]; j--; } v[j + 1] = x; }
}

static int classify(int x) {
  switch (x & 15) {
    case 0: return 11; case 1: return 23; case 2: return 37; case 3: return 41; case 4: return 53;
    case 5: return 67; case 6: return 71; case 7: return 83; case 9: return 97; default: return -x;
  }
}

static u64 atomics(void) {
  static u64 word; static u32 w32;
  u64 r = __atomic_fetch_add(&word, 5, __ATOMIC_SEQ_CST);
  r += __atomic_fetch_or(&word, 0x100, __ATOMIC_SEQ_CST);
  u64 expect = 0x105;
  r += __atomic_compare_exchange_n(&word, &expect, 77, 0, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
  r += __atomic_exchange_n(&w32, 0xfffffff0u, __ATOMIC_SEQ_CST);
  r += (u64)(i64)(int)__atomic_fetch_add(&w32, 3, __ATOMIC_SEQ_CST);
  return r * 31 + word + w32;
}

unsigned char buf[4096];
volatile i64 vals[8] = {5, -3, 1000000007, -9223372036854775807L - 1, 42, 0, -1, 123456789012345L};

int main(void) {
  puts_("hello from rv64imac\n");
  for (int i = 0; i < 4096; i++) buf[i] = (unsigned char)(i * 7 + (i >> 3));
  puts_("crc "); putu(crc32(buf, 4096), 16); nl();
  puts_("fib "); puti(fib(22)); nl();
  for (int i = 0; i < 8; i++) for (int j = 0; j < 8; j++) {
    i64 a = vals[i], b = vals[j];
    u64 h = (u64)(a * b) ^ (u64)(b ? a / b : 0) ^ ((u64)(b ? a % b : 0) << 1);
    h ^= (b ? (u64)a / (u64)b : 0) + (u64)((__int128)a * b >> 64) + (u64)((unsigned __int128)(u64)a * (u64)b >> 64);
    h ^= (u64)(i64)((int)a / ((int)b ? (int)b : 1)) + (u64)(i64)((int)a * (int)b) + ((u32)a >> (b & 31)) + ((int)a >> (b & 31));
    putu(h, 16); putc_(i == 7 && j == 7 ? '\n' : ' ');
  }
  struct S s1 = {-5, 7, -2, "structcopy!"}, s2;
  __builtin_memcpy(&s2, &s1, sizeof s1);
  s2.d[0] = 'S';
  puts_(s2.d); putc_(' '); puti(s2.a + s2.b + s2.c); nl();
  i64 arr[20];
  for (int i = 0; i < 20; i++) arr[i] = (i64)((u64)(i * 2654435761u) % 1000) - 500;
  sort(arr, 20);
  for (int i = 0; i < 20; i++) { puti(arr[i]); putc_(i == 19 ? '\n' : ','); }
  i64 acc = 0;
  for (int i = 0; i < 1000; i++) acc += classify(i) * (i & 3 ? 1 : -1);
  puts_("switch "); puti(acc); nl();
  puts_("atomics "); putu(atomics(), 16); nl();
  u64 t0; __asm__ volatile("csrr %0, minstret" : "=r"(t0));
  puts_("instret>0 "); putu(t0 > 0, 10); nl();
  __asm__ volatile("ebreak");
  __asm__ volatile(".word 0xffffffff");
  __asm__ volatile("ecall");
  volatile u64 *bad = (u64 *)0x3000000000UL;
  (void)*bad;
  puts_("traps "); putu(traps, 10); nl();
  unsigned char *mis = buf + 1;
  *(volatile u32 *)(mis + 2) = 0xdeadbeef;
  puts_("misaligned "); putu(*(volatile u64 *)(mis), 16); nl();
  puts_("done\n");
  return 0;
}
