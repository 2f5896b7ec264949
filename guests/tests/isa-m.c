/* M extension: multiplies, divides, remainders, W forms, division by zero and overflow. */
#include "check.h"

#define W(x) ((uint64_t)(int64_t)(int32_t)(uint32_t)(x))
#define HI(x) ((uint64_t)((x) >> 64))

static const int64_t MIN = INT64_MIN;
static const uint64_t X = 0x123456789abcdef1ULL;
static const uint64_t Y = 0xfedcba9876543210ULL;

int main(void)
{
	check("mul", ASM_RR("mul", X, Y), X * Y);
	check("mul neg", ASM_RR("mul", -3L, 7), (uint64_t)-21);
	check("mulh", ASM_RR("mulh", X, Y), HI((__int128)(int64_t)X * (int64_t)Y));
	check("mulh -1*-1", ASM_RR("mulh", -1L, -1L), 0);
	check("mulh min*min", ASM_RR("mulh", MIN, MIN), 0x4000000000000000ULL);
	check("mulhu", ASM_RR("mulhu", X, Y), HI((unsigned __int128)X * Y));
	check("mulhu max*max", ASM_RR("mulhu", -1L, -1L), 0xfffffffffffffffeULL);
	check("mulhsu", ASM_RR("mulhsu", Y, X), HI((__int128)(int64_t)Y * (unsigned __int128)X));
	check("mulhsu -1*max", ASM_RR("mulhsu", -1L, -1L), ~0ULL);
	check("mulw", ASM_RR("mulw", 0x10000, 0x10000), 0);
	check("mulw sign", ASM_RR("mulw", 0x7fffffff, 2), W(0xfffffffe));
	check("mulw ignores upper", ASM_RR("mulw", 0xffffffff00000003ULL, 5), 15);

	check("div", ASM_RR("div", -7L, 2), (uint64_t)-3);
	check("div neg/neg", ASM_RR("div", -7L, -2L), 3);
	check("divu", ASM_RR("divu", -7L, 2), (uint64_t)-7 / 2);
	check("rem", ASM_RR("rem", -7L, 2), (uint64_t)-1);
	check("rem pos/neg", ASM_RR("rem", 7, -2L), 1);
	check("remu", ASM_RR("remu", -7L, 2), (uint64_t)-7 % 2);
	check("div by zero", ASM_RR("div", 42, 0), ~0ULL);
	check("divu by zero", ASM_RR("divu", 42, 0), ~0ULL);
	check("rem by zero", ASM_RR("rem", -42L, 0), (uint64_t)-42);
	check("remu by zero", ASM_RR("remu", 42, 0), 42);
	check("div overflow", ASM_RR("div", MIN, -1L), (uint64_t)MIN);
	check("rem overflow", ASM_RR("rem", MIN, -1L), 0);

	check("divw", ASM_RR("divw", 0xffffffff00000007ULL, 0xfffffffffffffffeULL), (uint64_t)-3);
	check("divuw", ASM_RR("divuw", 0xfffffffffffffff9ULL, 2), W(0xfffffff9U / 2));
	check("divuw sign-ext", ASM_RR("divuw", 0xffffffffULL, 1), ~0ULL);
	check("remw", ASM_RR("remw", -7L, 2), (uint64_t)-1);
	check("remuw", ASM_RR("remuw", 0xfffffff9ULL, 4), 1);
	check("divw by zero", ASM_RR("divw", 5, 0x100000000ULL), ~0ULL);
	check("divuw by zero", ASM_RR("divuw", 5, 0), ~0ULL);
	check("remw by zero", ASM_RR("remw", 0x80000005ULL, 0), W(0x80000005));
	check("remuw by zero", ASM_RR("remuw", 0x180000005ULL, 0), W(0x80000005));
	check("divw overflow", ASM_RR("divw", 0x80000000ULL, -1L), W(0x80000000));
	check("remw overflow", ASM_RR("remw", 0x80000000ULL, -1L), 0);
	return check_finish();
}
