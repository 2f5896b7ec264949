/* U mode under PMP: ecalls, counter gating, privileged CSRs and WFI from U, access faults, PMP-denied MMIO. */
typedef unsigned long u64;
#define UART ((volatile unsigned char *)0x10000000)

static void putc_(char c) { *UART = c; }
static void puts_(const char *s) { while (*s) putc_(*s++); }
static void putx(u64 v) { for (int s = 60; s >= 0; s -= 4) putc_("0123456789abcdef"[(v >> s) & 15]); }

void enter_user(void (*fn)(void));
extern char user_resume[];
volatile int user_done;
volatile u64 user_stack[512];

__asm__(
    ".globl enter_user\n"
    "enter_user:\n"
    "  la t0, saved_m\n"
    "  sd ra, 0(t0)\n sd sp, 8(t0)\n sd s0, 16(t0)\n sd s1, 24(t0)\n"
    "  csrw mepc, a0\n"
    "  li t0, 0x1800\n csrc mstatus, t0\n"
    "  la sp, user_stack + 4096\n"
    "  mret\n"
    ".globl user_resume\n"
    "user_resume:\n"
    "  la t0, saved_m\n"
    "  ld ra, 0(t0)\n ld sp, 8(t0)\n ld s0, 16(t0)\n ld s1, 24(t0)\n"
    "  ret\n"
    ".data\n.align 3\nsaved_m: .dword 0, 0, 0, 0\n.text\n");

u64 trap_handler(u64 cause, u64 epc, u64 tval) {
  u64 st;
  __asm__ volatile("csrr %0, mstatus" : "=r"(st));
  puts_("trap "); putx(cause); putc_(' '); putx(tval); puts_(" mpp "); putx((st >> 11) & 3); putc_('\n');
  if (cause == 8 && user_done) {
    __asm__ volatile("li t0, 0x1800\n csrs mstatus, t0" ::: "t0");
    return (u64)user_resume;
  }
  unsigned short h = *(unsigned short *)epc;
  return epc + ((h & 3) == 3 ? 4 : 2);
}

static int fib(int n) { return n < 2 ? n : fib(n - 1) + fib(n - 2); }

static void user_main(void) {
  puts_("user fib "); putx(fib(15)); putc_('\n');
  u64 v = 0x55;
  __asm__ volatile("rdcycle %0" : "+r"(v));
  puts_("rdcycle "); putx(v != 0x55); putc_('\n');
  __asm__ volatile("csrr %0, mstatus" : "+r"(v));
  __asm__ volatile("wfi");
  __asm__ volatile("ecall");
  (void)*(volatile u64 *)0x3000000000UL;
  __asm__ volatile(".word 0x00000053");
  user_done = 1;
  __asm__ volatile("ecall");
}

static void user_quiet(void) {
  *(volatile u64 *)&user_stack[3] = 7;
  UART[0] = '!';
  user_done = 1;
  __asm__ volatile("ecall");
}

int main(void) {
  __asm__ volatile("li t0, -1\n csrw pmpaddr0, t0\n li t0, 0x1f\n csrw pmpcfg0, t0" ::: "t0");
  enter_user(user_main);
  puts_("back in M\n");
  user_done = 0;
  __asm__ volatile("li t0, 7\n csrw mcounteren, t0" ::: "t0");
  enter_user(user_main);
  puts_("with scounteren\n");
  user_done = 0;
  __asm__ volatile("li t0, 7\n csrw scounteren, t0" ::: "t0");
  enter_user(user_main);
  /* RAM only (NAPOT over 0x80000000 + 128 MiB): the UART is now out of bounds for U. */
  __asm__ volatile("li t0, 0x20ffffff\n csrw pmpaddr0, t0\n" ::: "t0");
  u64 a;
  __asm__ volatile("csrr %0, pmpaddr0" : "=r"(a));
  puts_("pmpaddr0 "); putx(a); putc_('\n');
  user_done = 0;
  enter_user(user_quiet);
  puts_("stack word "); putx(user_stack[3]); putc_('\n');
  puts_("done\n");
  return 0;
}
