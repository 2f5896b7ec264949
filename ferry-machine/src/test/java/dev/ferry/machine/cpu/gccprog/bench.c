/* A CPU-bound mix in the style of CoreMark: CRC, list walking, matrix multiply, a state machine, sorting. */
typedef unsigned long u64;
typedef unsigned int u32;
#define UART ((volatile unsigned char *)0x10000000)
static void putc_(char c) { *UART = c; }
static void putx(u64 v) { for (int s = 60; s >= 0; s -= 4) putc_("0123456789abcdef"[(v >> s) & 15]); putc_('\n'); }
u64 trap_handler(u64 cause, u64 epc, u64 tval) { (void)cause; (void)tval; return epc + 4; }

static unsigned char buf[2048];
struct node { struct node *next; int key; int val; };
static struct node nodes[256];
static int ma[16][16], mb[16][16], mc[16][16];
static int arr[200];

static u32 crc(const unsigned char *p, int n, u32 c) {
  for (int i = 0; i < n; i++) { c ^= p[i]; for (int k = 0; k < 8; k++) c = (c >> 1) ^ (0xedb88320 & -(c & 1)); }
  return c;
}
static int state_machine(const unsigned char *p, int n) {
  int st = 0, count = 0;
  for (int i = 0; i < n; i++) {
    unsigned char ch = p[i];
    switch (st) {
      case 0: st = ch < 64 ? 1 : ch < 128 ? 2 : 3; break;
      case 1: if (ch & 1) { st = 2; count++; } else st = 0; break;
      case 2: st = ch > 200 ? 0 : 3; count += 2; break;
      default: st = (ch >> 6); count ^= ch; break;
    }
  }
  return count;
}
int main(void) {
  u64 acc = 0;
  for (int i = 0; i < 2048; i++) buf[i] = (unsigned char)(i * 131 + (i >> 5));
  for (int i = 0; i < 256; i++) { nodes[i].next = &nodes[(i * 97 + 13) & 255]; nodes[i].key = i; nodes[i].val = i * 3; }
  for (int i = 0; i < 16; i++) for (int j = 0; j < 16; j++) { ma[i][j] = i + j; mb[i][j] = i - j; }
  for (int iter = 0; iter < ITERS; iter++) {
    acc += crc(buf, 2048, (u32)iter);
    struct node *n = &nodes[iter & 255];
    for (int k = 0; k < 4000; k++) { acc += n->val ^ n->key; n = n->next; }
    for (int i = 0; i < 16; i++) for (int j = 0; j < 16; j++) { int s = 0; for (int k = 0; k < 16; k++) s += ma[i][k] * mb[k][j]; mc[i][j] = s + iter; }
    acc += mc[iter & 15][(iter >> 4) & 15];
    acc += state_machine(buf, 2048);
    for (int i = 0; i < 200; i++) arr[i] = (int)((i * 2654435761u + iter) % 1000);
    for (int i = 1; i < 200; i++) { int x = arr[i], j = i - 1; while (j >= 0 && arr[j] > x) { arr[j + 1] = arr[j]; j--; } arr[j + 1] = x; }
    acc += arr[100] + (acc % 7) * (u64)(acc / 13);
  }
  putx(acc);
  return 0;
}
