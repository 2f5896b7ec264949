/*
 * F/D edge cases, printed in hex for comparison with QEMU: each operation in the five static rounding
 * modes and through frm (result and fflags), mstatus.FS tracking and SD, illegal FP instructions and CSR
 * accesses while FS is Off, reserved rounding modes (static and in frm), fcsr/frm/fflags masking,
 * NaN boxing, FP loads and stores (compressed ones included).
 */
#include "check.h"

#define FS_MASK (3UL << 13)
#define SD (1UL << 63)

static uint64_t take_flags(void)
{
	uint64_t f;
	__asm__ volatile("csrrw %0, fflags, zero" : "=r"(f));
	return f;
}

#define LD3 "fmv.d.x ft0, %1\n\tfmv.d.x ft1, %2\n\tfmv.d.x ft2, %3\n\t"
#define CL "ft0", "ft1", "ft2", "ft3"
/* one instruction in every rounding mode: rne rtz rdn rup rmm dyn */
#define MODES(X) X(rne) X(rtz) X(rdn) X(rup) X(rmm) X(dyn)
#define FN_BIN(name, insn) \
	static void name(const char *label, uint64_t a, uint64_t b) { uint64_t r, f; printf("%-24s", label); \
	MODES(name##_M) printf("\n"); }
#define BIN_MODE(insn, a, b, mode) ({ uint64_t r_; take_flags(); __asm__ volatile(LD3 insn " ft3, ft0, ft1, " #mode "\n\tfmv.x.d %0, ft3" \
	: "=r"(r_) : "r"(a), "r"(b), "r"(0UL) : CL); r_; })
#define TER_MODE(insn, a, b, c, mode) ({ uint64_t r_; take_flags(); __asm__ volatile(LD3 insn " ft3, ft0, ft1, ft2, " #mode "\n\tfmv.x.d %0, ft3" \
	: "=r"(r_) : "r"(a), "r"(b), "r"(c) : CL); r_; })
#define UN_MODE(insn, a, mode) ({ uint64_t r_; take_flags(); __asm__ volatile(LD3 insn " ft3, ft0, " #mode "\n\tfmv.x.d %0, ft3" \
	: "=r"(r_) : "r"(a), "r"(0UL), "r"(0UL) : CL); r_; })
#define TOI_MODE(insn, a, mode) ({ uint64_t r_; take_flags(); __asm__ volatile(LD3 insn " %0, ft0, " #mode \
	: "=r"(r_) : "r"(a), "r"(0UL), "r"(0UL) : CL); r_; })
#define FRI_MODE(insn, a, mode) ({ uint64_t r_; take_flags(); __asm__ volatile(insn " ft3, %1, " #mode "\n\tfmv.x.d %0, ft3" \
	: "=r"(r_) : "r"(a) : CL); r_; })

/* exact conversions, which the assembler will not take a rounding mode for: encoded with .insn */
#define UX_MODE(f7, rs2, a, m) ({ uint64_t r_; take_flags(); __asm__ volatile(LD3 ".insn r 0x53, " #m ", " #f7 ", ft3, ft0, " #rs2 \
	"\n\tfmv.x.d %0, ft3" : "=r"(r_) : "r"(a), "r"(0UL), "r"(0UL) : CL); r_; })
#define FX_MODE(f7, rs2, a, m) ({ uint64_t r_; take_flags(); __asm__ volatile(".insn r 0x53, " #m ", " #f7 ", ft3, %1, " #rs2 \
	"\n\tfmv.x.d %0, ft3" : "=r"(r_) : "r"(a) : CL); r_; })
#define XALL(M, label, f7, rs2, a) do { printf("%-10s %016lx\n ", label, (uint64_t)(a)); \
	SHOW(M(f7, rs2, a, 0)); SHOW(M(f7, rs2, a, 1)); SHOW(M(f7, rs2, a, 2)); SHOW(M(f7, rs2, a, 3)); \
	SHOW(M(f7, rs2, a, 4)); SHOW(M(f7, rs2, a, 7)); printf("\n"); } while (0)

#define SHOW(expr) do { uint64_t r_ = (expr); printf(" %016lx/%02lx", r_, take_flags()); } while (0)
#define ALL(M, ...) do { printf("%-12s", #M); SHOW(M(__VA_ARGS__, rne)); SHOW(M(__VA_ARGS__, rtz)); \
	SHOW(M(__VA_ARGS__, rdn)); SHOW(M(__VA_ARGS__, rup)); SHOW(M(__VA_ARGS__, rmm)); SHOW(M(__VA_ARGS__, dyn)); printf("\n"); } while (0)

#define B(insn, a, b) do { printf("%-10s %016lx %016lx\n ", insn, (uint64_t)(a), (uint64_t)(b)); \
	SHOW(BIN_MODE(insn, a, b, rne)); SHOW(BIN_MODE(insn, a, b, rtz)); SHOW(BIN_MODE(insn, a, b, rdn)); \
	SHOW(BIN_MODE(insn, a, b, rup)); SHOW(BIN_MODE(insn, a, b, rmm)); SHOW(BIN_MODE(insn, a, b, dyn)); printf("\n"); } while (0)
#define T(insn, a, b, c) do { printf("%-10s %016lx %016lx %016lx\n ", insn, (uint64_t)(a), (uint64_t)(b), (uint64_t)(c)); \
	SHOW(TER_MODE(insn, a, b, c, rne)); SHOW(TER_MODE(insn, a, b, c, rtz)); SHOW(TER_MODE(insn, a, b, c, rdn)); \
	SHOW(TER_MODE(insn, a, b, c, rup)); SHOW(TER_MODE(insn, a, b, c, rmm)); SHOW(TER_MODE(insn, a, b, c, dyn)); printf("\n"); } while (0)
#define U(insn, a) do { printf("%-10s %016lx\n ", insn, (uint64_t)(a)); \
	SHOW(UN_MODE(insn, a, rne)); SHOW(UN_MODE(insn, a, rtz)); SHOW(UN_MODE(insn, a, rdn)); \
	SHOW(UN_MODE(insn, a, rup)); SHOW(UN_MODE(insn, a, rmm)); SHOW(UN_MODE(insn, a, dyn)); printf("\n"); } while (0)
#define TI(insn, a) do { printf("%-10s %016lx\n ", insn, (uint64_t)(a)); \
	SHOW(TOI_MODE(insn, a, rne)); SHOW(TOI_MODE(insn, a, rtz)); SHOW(TOI_MODE(insn, a, rdn)); \
	SHOW(TOI_MODE(insn, a, rup)); SHOW(TOI_MODE(insn, a, rmm)); SHOW(TOI_MODE(insn, a, dyn)); printf("\n"); } while (0)
#define FI(insn, a) do { printf("%-10s %016lx\n ", insn, (uint64_t)(a)); \
	SHOW(FRI_MODE(insn, a, rne)); SHOW(FRI_MODE(insn, a, rtz)); SHOW(FRI_MODE(insn, a, rdn)); \
	SHOW(FRI_MODE(insn, a, rup)); SHOW(FRI_MODE(insn, a, rmm)); SHOW(FRI_MODE(insn, a, dyn)); printf("\n"); } while (0)
/* no rounding mode */
#define PLAIN2(insn, a, b) do { uint64_t r_; take_flags(); __asm__ volatile(LD3 insn " ft3, ft0, ft1\n\tfmv.x.d %0, ft3" \
	: "=r"(r_) : "r"((uint64_t)(a)), "r"((uint64_t)(b)), "r"(0UL) : CL); \
	printf("%-10s %016lx %016lx -> %016lx/%02lx\n", insn, (uint64_t)(a), (uint64_t)(b), r_, take_flags()); } while (0)
#define CMP2(insn, a, b) do { uint64_t r_; take_flags(); __asm__ volatile(LD3 insn " %0, ft0, ft1" \
	: "=r"(r_) : "r"((uint64_t)(a)), "r"((uint64_t)(b)), "r"(0UL) : CL); \
	printf("%-10s %016lx %016lx -> %lx/%02lx\n", insn, (uint64_t)(a), (uint64_t)(b), r_, take_flags()); } while (0)
#define CLASS(insn, a) do { uint64_t r_; __asm__ volatile(LD3 insn " %0, ft0" \
	: "=r"(r_) : "r"((uint64_t)(a)), "r"(0UL), "r"(0UL) : CL); printf("%-10s %016lx -> %03lx\n", insn, (uint64_t)(a), r_); } while (0)

#define S(x) (0xffffffff00000000ULL | (uint32_t)(x))

static const uint64_t DMAX = 0x7fefffffffffffff, DMIN = 0x0010000000000000, DSUB = 1, DINF = 0x7ff0000000000000;
static const uint64_t DQNAN = 0x7ff8000000000000, DSNAN = 0x7ff4000000000000, ONE = 0x3ff0000000000000;

static void arithmetic(void)
{
	printf("-- arithmetic (result/fflags in rne rtz rdn rup rmm dyn)\n");
	B("fadd.d", ONE, 0x3ca0000000000000);           /* 1 + 2^-53: tie */
	B("fadd.d", ONE, 0x3cb8000000000000);           /* 1 + 3*2^-53 */
	B("fadd.d", 0xbff0000000000000, 0xbca0000000000000);
	B("fadd.d", DMAX, DMAX);                         /* overflow: inf or max per mode */
	B("fadd.d", DMAX | SD, DMAX | SD);
	B("fadd.d", ONE, ONE | SD);                      /* exact zero: -0 in rdn */
	B("fadd.d", 0, SD);
	B("fadd.d", DINF, DINF | SD);                    /* invalid */
	B("fadd.d", DSNAN, ONE);
	B("fadd.d", 0x7ff8000000000123, ONE);           /* payload dropped */
	B("fsub.d", DMIN, 0x0010000000000001);
	B("fmul.d", DSUB, 0x3fe0000000000000);          /* underflow to 0 or min subnormal */
	B("fmul.d", 0x001fffffffffffff, 0x3fe0000000000000); /* tiny after rounding? */
	B("fmul.d", 0x3fefffffffffffff, 0x0010000000000001);
	B("fmul.d", 0x3ff0000000000001, 0x000fffffffffffff);
	B("fmul.d", DINF, 0);
	B("fmul.d", 0x5fe0000000000000, 0x5fe0000000000000);
	B("fdiv.d", ONE, 0x4008000000000000);
	B("fdiv.d", ONE, 0);
	B("fdiv.d", ONE | SD, 0);
	B("fdiv.d", 0, 0);
	B("fdiv.d", DMIN, 0x4330000000000000);
	U("fsqrt.d", 0x4000000000000000);
	U("fsqrt.d", ONE | SD);
	U("fsqrt.d", SD);
	U("fsqrt.d", DSUB);
	T("fmadd.d", ONE, ONE, ONE | SD);               /* exact zero */
	T("fmadd.d", 0x3ff0000000000001, 0x3ff0000000000001, 0xbff0000000000002); /* cancellation to 2^-104 */
	T("fmadd.d", DINF, 0, DQNAN);                   /* inf*0 + qNaN: invalid on RISC-V */
	T("fmadd.d", DINF, ONE, DINF | SD);
	T("fmadd.d", DMAX, 0x4000000000000000, DMAX | SD);
	T("fmsub.d", 0x3ff8000000000000, 0x3ff8000000000000, 0x4002000000000000);
	T("fnmadd.d", 0, ONE, 0);
	T("fnmsub.d", 0, ONE, 0);
	T("fmadd.d", DSUB, 0x3fe0000000000000, SD);
	B("fadd.s", S(0x3f800000), S(0x33800000));
	B("fadd.s", S(0x7f7fffff), S(0x7f7fffff));
	B("fmul.s", S(0x00000001), S(0x3f000000));
	B("fmul.s", S(0x00ffffff), S(0x3f000000));
	B("fdiv.s", S(0x3f800000), S(0x40400000));
	B("fadd.s", 0x000000003f800000, S(0x3f800000)); /* improperly boxed: canonical NaN */
	U("fsqrt.s", S(0x40000000));
	T("fmadd.s", S(0x3f800001), S(0x3f800001), S(0xbf800002));
	T("fnmadd.s", S(0x7f800000), S(0), S(0x7fc00000));
	U("fcvt.s.d", 0x3ff0000010000000);             /* tie */
	U("fcvt.s.d", 0x47efffffefffffff);
	U("fcvt.s.d", 0x47efffffffffffff);             /* overflow per mode */
	U("fcvt.s.d", 0x3690000000000000);             /* 2^-150: tie below min subnormal */
	U("fcvt.s.d", 0x380fffffffffffff);
	U("fcvt.s.d", DSNAN);
	XALL(UX_MODE, "fcvt.d.s", 0x21, x0, S(0x7f800001));
	XALL(UX_MODE, "fcvt.d.s", 0x21, x0, S(0x00000001));
	XALL(UX_MODE, "fcvt.d.s", 0x21, x0, 0x3f800000);
}

static void conversions(void)
{
	static const uint64_t d[] = { 0x3fe0000000000000, 0xbfe0000000000000, 0x3ff8000000000000, 0xc004000000000000,
		0x41dfffffffc00000, 0x41dfffffffe00000, 0x41e0000000000000, 0xc1e0000000000000, 0xc1e0000000100000,
		0x41efffffffe00000, 0x41f0000000000000, 0x43e0000000000000, 0xc3e0000000000000, 0x43f0000000000000,
		0xbff0000000000000, 0xbfd0000000000000, DINF, DINF | SD, DQNAN, DSNAN | SD, SD, 0x3ca0000000000000 };
	printf("-- conversions\n");
	for (unsigned i = 0; i < sizeof d / sizeof d[0]; i++) {
		TI("fcvt.w.d", d[i]);
		TI("fcvt.wu.d", d[i]);
		TI("fcvt.l.d", d[i]);
		TI("fcvt.lu.d", d[i]);
	}
	static const uint32_t s[] = { 0x3f000000, 0xbf000000, 0x3fc00000, 0x4f000000, 0xcf000000, 0x4f800000,
		0x5f000000, 0xdf000000, 0x5f800000, 0xbf800000, 0x7f800000, 0xff800000, 0x7fc00000, 0xff800001 };
	for (unsigned i = 0; i < sizeof s / sizeof s[0]; i++) {
		TI("fcvt.w.s", S(s[i]));
		TI("fcvt.wu.s", S(s[i]));
		TI("fcvt.l.s", S(s[i]));
		TI("fcvt.lu.s", S(s[i]));
	}
	TI("fcvt.w.s", 0x3f800000);                     /* improperly boxed: NaN */
	static const uint64_t n[] = { 0, 1, (uint64_t)-1, 0x7fffffff, 0x80000000, 0xffffffff, 0x1000001,
		0x20000000000001, 0x8000000000000001, 0x7fffffffffffffff, 0xfffffffffffffc01, 0x8000000000000401 };
	for (unsigned i = 0; i < sizeof n / sizeof n[0]; i++) {
		XALL(FX_MODE, "fcvt.d.w", 0x69, x0, n[i]);
		XALL(FX_MODE, "fcvt.d.wu", 0x69, x1, n[i]);
		FI("fcvt.d.l", n[i]);
		FI("fcvt.d.lu", n[i]);
		FI("fcvt.s.w", n[i]);
		FI("fcvt.s.wu", n[i]);
		FI("fcvt.s.l", n[i]);
		FI("fcvt.s.lu", n[i]);
	}
}

static void sign_minmax_compare(void)
{
	static const uint64_t v[] = { 0, SD, ONE, ONE | SD, DQNAN, DSNAN, DINF, DINF | SD, DSUB, 0x7ff8000000000123 };
	printf("-- sign injection, min/max, comparisons, class\n");
	for (unsigned i = 0; i < sizeof v / sizeof v[0]; i++) {
		for (unsigned j = 0; j < sizeof v / sizeof v[0]; j++) {
			PLAIN2("fmin.d", v[i], v[j]);
			PLAIN2("fmax.d", v[i], v[j]);
			CMP2("feq.d", v[i], v[j]);
			CMP2("flt.d", v[i], v[j]);
			CMP2("fle.d", v[i], v[j]);
		}
		PLAIN2("fsgnj.d", v[i], SD);
		PLAIN2("fsgnjn.d", v[i], SD);
		PLAIN2("fsgnjx.d", v[i], SD);
		CLASS("fclass.d", v[i]);
	}
	static const uint64_t s[] = { S(0), S(0x80000000), S(0x7fc00000), S(0x7fa00000), S(0x3f800000),
		0x000000003f800000, S(0x00000001), S(0xff800000) };
	for (unsigned i = 0; i < sizeof s / sizeof s[0]; i++) {
		for (unsigned j = 0; j < sizeof s / sizeof s[0]; j++) {
			PLAIN2("fmin.s", s[i], s[j]);
			PLAIN2("fmax.s", s[i], s[j]);
			CMP2("feq.s", s[i], s[j]);
			CMP2("flt.s", s[i], s[j]);
			CMP2("fle.s", s[i], s[j]);
			PLAIN2("fsgnj.s", s[i], s[j]);
			PLAIN2("fsgnjn.s", s[i], s[j]);
			PLAIN2("fsgnjx.s", s[i], s[j]);
		}
		CLASS("fclass.s", s[i]);
		uint64_t r;
		__asm__ volatile("fmv.d.x ft0, %1\n\tfmv.x.w %0, ft0" : "=r"(r) : "r"(s[i]) : "ft0");
		printf("fmv.x.w    %016lx -> %016lx\n", s[i], r);
	}
}

static uint64_t fs(void)
{
	return sdk_csr_read(mstatus) & (FS_MASK | SD);
}

static void set_fs(uint64_t v)
{
	sdk_csr_clear(mstatus, FS_MASK);
	sdk_csr_set(mstatus, v << 13);
}

static void state_and_traps(void)
{
	static uint64_t mem[4] __attribute__((aligned(8)));
	register uint64_t *base __asm__("s1") = mem;
	uint64_t r;
	printf("-- misa F,D: %lx %lx\n", sdk_csr_read(misa) >> 5 & 1, sdk_csr_read(misa) >> 3 & 1);
	catch_traps(1);
	trap_reset();
	/* FS tracking: which instructions make FS Dirty */
	set_fs(1);
	printf("FS initial: %lx\n", fs());
	__asm__ volatile("fmv.x.d %0, ft0" : "=r"(r));
	printf("after fmv.x.d: %lx\n", fs());
	__asm__ volatile("feq.d %0, ft0, ft0" : "=r"(r));
	printf("after feq.d: %lx\n", fs());
	__asm__ volatile("fcvt.w.d %0, ft0" : "=r"(r));
	printf("after fcvt.w.d: %lx\n", fs());
	__asm__ volatile("fsd ft0, 0(%0)" :: "r"(mem) : "memory");
	printf("after fsd: %lx\n", fs());
	r = sdk_csr_read(fflags);
	printf("after csrr fflags: %lx\n", fs());
	set_fs(2);
	sdk_csr_write(fflags, 0x1f);
	printf("after csrw fflags: %lx fcsr=%lx\n", fs(), sdk_csr_read(fcsr));
	set_fs(2);
	__asm__ volatile("fmv.d.x ft0, zero");
	printf("after fmv.d.x: %lx\n", fs());
	set_fs(1);
	__asm__ volatile("fld ft1, 0(%0)" :: "r"(mem) : "memory");
	printf("after fld: %lx\n", fs());
	set_fs(2);
	__asm__ volatile("fsgnj.d ft1, ft1, ft1");
	printf("after fmv.d: %lx\n", fs());
	/* CSR masks */
	sdk_csr_write(fcsr, ~0UL);
	printf("fcsr=%lx frm=%lx fflags=%lx\n", sdk_csr_read(fcsr), sdk_csr_read(frm), sdk_csr_read(fflags));
	sdk_csr_write(frm, 0x1d);
	printf("frm<-1d: fcsr=%lx frm=%lx\n", sdk_csr_read(fcsr), sdk_csr_read(frm));
	__asm__ volatile("csrrwi %0, fflags, 0x15" : "=r"(r));
	printf("fsflagsi old=%lx fcsr=%lx\n", r, sdk_csr_read(fcsr));
	sdk_csr_write(fcsr, 0);
	/* FS Off: FP instructions and FP CSRs are illegal */
	set_fs(0);
	printf("FS off: %lx\n", fs());
	__asm__ volatile(".option push\n\t.option norvc\n\tfadd.d ft0, ft1, ft2\n\t.option pop");
	printf("fadd.d with FS off: traps=%lu cause=%lx tval=%lx\n", trap_count, trap_cause, trap_tval);
	trap_reset();
	__asm__ volatile(".option push\n\t.option norvc\n\tfmv.x.d %0, ft0\n\t.option pop" : "=r"(r));
	printf("fmv.x.d with FS off: traps=%lu cause=%lx tval=%lx\n", trap_count, trap_cause, trap_tval);
	trap_reset();
	__asm__ volatile(".option push\n\t.option norvc\n\tfrcsr %0\n\t.option pop" : "=r"(r));
	printf("frcsr with FS off: traps=%lu cause=%lx tval=%lx\n", trap_count, trap_cause, trap_tval);
	trap_reset();
	__asm__ volatile(".option push\n\t.option norvc\n\tcsrw fflags, zero\n\t.option pop");
	printf("csrw fflags with FS off: traps=%lu cause=%lx tval=%lx\n", trap_count, trap_cause, trap_tval);
	trap_reset();
	__asm__ volatile(".option push\n\t.option rvc\n\tc.fld fa0, 0(%0)\n\t.option pop" :: "r"(base) : "memory");
	printf("c.fld with FS off: traps=%lu cause=%lx tval=%lx\n", trap_count, trap_cause, trap_tval);
	trap_reset();
	__asm__ volatile(".option push\n\t.option rvc\n\tc.fsdsp fa0, 8(sp)\n\t.option pop" ::: "memory");
	printf("c.fsdsp with FS off: traps=%lu cause=%lx tval=%lx\n", trap_count, trap_cause, trap_tval);
	trap_reset();
	printf("FS still off: %lx\n", fs());
	set_fs(1);
	/* reserved rounding modes */
	__asm__ volatile(".option push\n\t.option norvc\n\t.insn r 0x53, 5, 0x01, ft3, ft0, ft1\n\t.option pop");
	printf("fadd.d rm=5: traps=%lu cause=%lx tval=%lx FS=%lx\n", trap_count, trap_cause, trap_tval, fs());
	trap_reset();
	__asm__ volatile(".option push\n\t.option norvc\n\t.insn r 0x53, 6, 0x69, ft3, zero, x0\n\t.option pop");
	printf("fcvt.d.w rm=6: traps=%lu cause=%lx tval=%lx\n", trap_count, trap_cause, trap_tval);
	trap_reset();
	__asm__ volatile(".insn r 0x53, 5, 0x21, ft3, ft0, x0");
	printf("fcvt.d.s rm=5: traps=%lu cause=%lx tval=%lx\n", trap_count, trap_cause, trap_tval);
	trap_reset();
	__asm__ volatile(".option push\n\t.option norvc\n\t.insn r 0x53, 5, 0x11, ft3, ft0, ft1\n\t.option pop");
	printf("fsgnj f3=5: traps=%lu cause=%lx tval=%lx\n", trap_count, trap_cause, trap_tval);
	trap_reset();
	for (uint64_t m = 5; m < 8; m++) {
		sdk_csr_write(frm, m);
		__asm__ volatile("fadd.d ft3, ft0, ft1, dyn");
		printf("frm=%lx fadd.d dyn: traps=%lu cause=%lx\n", m, trap_count, trap_cause);
		trap_reset();
		__asm__ volatile("fsgnj.d ft3, ft0, ft1\n\tfmin.d ft3, ft0, ft1\n\tfeq.d %0, ft0, ft1" : "=r"(r));
		printf("frm=%lx fsgnj/fmin/feq: traps=%lu\n", m, trap_count);
		trap_reset();
		__asm__ volatile(".insn r 0x53, 7, 0x21, ft3, ft0, x0");
		printf("frm=%lx fcvt.d.s dyn: traps=%lu\n", m, trap_count);
		trap_reset();
		__asm__ volatile(".insn r 0x53, 7, 0x69, ft3, zero, x0");
		printf("frm=%lx fcvt.d.w dyn: traps=%lu\n", m, trap_count);
		trap_reset();
		__asm__ volatile(".insn r 0x53, 7, 0x71, %0, ft0, x0\n\t.insn r 0x53, 7, 0x51, %0, ft0, ft1" : "=r"(r));
		printf("frm=%lx fclass/feq with f3=7: traps=%lu cause=%lx\n", m, trap_count, trap_cause);
		trap_reset();
	}
	sdk_csr_write(frm, 0);
	/* loads, stores, NaN boxing */
	mem[0] = 0x1122334455667788;
	mem[1] = 0x3ff0000000000000;
	__asm__ volatile("flw ft0, 0(%1)\n\tfmv.x.d %0, ft0" : "=r"(r) : "r"(mem) : "ft0", "memory");
	printf("flw -> %016lx\n", r);
	__asm__ volatile("fld ft0, 8(%0)\n\tfsw ft0, 16(%0)\n\tfsd ft0, 24(%0)" :: "r"(mem) : "ft0", "memory");
	printf("fsw/fsd -> %016lx %016lx\n", mem[2], mem[3]);
	__asm__ volatile("fld ft0, 8(%1)\n\tfadd.s ft1, ft0, ft0\n\tfmv.x.d %0, ft1" : "=r"(r) : "r"(mem) : "ft0", "ft1");
	printf("fadd.s of a double: %016lx\n", r);
	mem[2] = 0x4000000000000000;
	__asm__ volatile(".option push\n\t.option rvc\n\tc.fld fa0, 16(%1)\n\tc.fsd fa0, 0(%1)\n\t.option pop\n\tfmv.x.d %0, fa0"
			 : "=r"(r) : "r"(base) : "fa0", "memory");
	printf("c.fld/c.fsd -> %016lx %016lx\n", r, mem[0]);
	__asm__ volatile("addi sp, sp, -16\n\t.option push\n\t.option rvc\n\tc.fsdsp fa0, 8(sp)\n\tc.fldsp fa1, 8(sp)\n\t"
			 ".option pop\n\tld %0, 8(sp)\n\taddi sp, sp, 16" : "=r"(r) :: "fa1", "memory");
	printf("c.fsdsp/c.fldsp -> %016lx\n", r);
	/* misaligned FP loads and stores */
	mem[0] = 0x0123456789abcdef;
	mem[1] = 0xfedcba9876543210;
	__asm__ volatile("fld ft0, 3(%1)\n\tfmv.x.d %0, ft0\n\tfsd ft0, 9(%2)" : "=r"(r) : "r"(mem), "r"(mem) : "ft0", "memory");
	printf("misaligned fld -> %016lx, fsd -> %016lx %016lx traps=%lu\n", r, mem[1], mem[2], trap_count);
	__asm__ volatile("flw ft0, 6(%1)\n\tfmv.x.d %0, ft0" : "=r"(r) : "r"(mem) : "ft0", "memory");
	printf("misaligned flw -> %016lx traps=%lu\n", r, trap_count);
	trap_reset();
	/* an FP load that faults leaves the register and FS alone */
	set_fs(2);
	__asm__ volatile(".option push\n\t.option norvc\n\tfld ft0, 0(%0)\n\t.option pop" :: "r"(0x100UL) : "ft0", "memory");
	printf("fld fault: traps=%lu cause=%lx tval=%lx FS=%lx\n", trap_count, trap_cause, trap_tval, fs());
	trap_reset();
	catch_traps(0);
}

int main(void)
{
	__asm__ volatile("csrw frm, %0" :: "r"(3UL)); /* dyn = rup */
	arithmetic();
	conversions();
	sign_minmax_compare();
	__asm__ volatile("csrw frm, zero");
	state_and_traps();
	return check_finish();
}
