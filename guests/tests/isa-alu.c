/* RV64I integer ALU: register/immediate forms, shifts, compares, W forms, lui/auipc. */
#include "check.h"

#define S64(x) ((uint64_t)(int64_t)(x))
#define W(x) ((uint64_t)(int64_t)(int32_t)(uint32_t)(x))

static const uint64_t A = 0x8000000000000001ULL;
static const uint64_t B = 0x00000000ffffffffULL;
static const uint64_t C = 0x7fffffff80000000ULL;

int main(void)
{
	check("add", ASM_RR("add", A, B), A + B);
	check("add wrap", ASM_RR("add", -1L, 1), 0);
	check("sub", ASM_RR("sub", B, A), B - A);
	check("sll", ASM_RR("sll", A, 4), A << 4);
	check("sll masks shamt to 6 bits", ASM_RR("sll", 1, 65), 2);
	check("srl", ASM_RR("srl", A, 63), 1);
	check("sra", ASM_RR("sra", A, 63), ~0ULL);
	check("sra 4", ASM_RR("sra", C | (1ULL << 63), 4), (uint64_t)((int64_t)(C | (1ULL << 63)) >> 4));
	check("slt neg<pos", ASM_RR("slt", A, 1), 1);
	check("slt pos<neg", ASM_RR("slt", 1, A), 0);
	check("sltu", ASM_RR("sltu", 1, A), 1);
	check("sltu eq", ASM_RR("sltu", A, A), 0);
	check("xor", ASM_RR("xor", A, C), A ^ C);
	check("or", ASM_RR("or", A, B), A | B);
	check("and", ASM_RR("and", C, B), C & B);

	check("addi -1", ASM_RI("addi", 0, -1), ~0ULL);
	check("addi 2047", ASM_RI("addi", A, 2047), A + 2047);
	check("addi -2048", ASM_RI("addi", 0, -2048), S64(-2048));
	check("slti", ASM_RI("slti", -5L, -4), 1);
	check("sltiu -1 imm", ASM_RI("sltiu", 5, -1), 1);
	check("sltiu seqz", ASM_RI("sltiu", 0, 1), 1);
	check("xori not", ASM_RI("xori", C, -1), ~C);
	check("ori", ASM_RI("ori", 0, 0x555), 0x555);
	check("andi sign-ext imm", ASM_RI("andi", A, -16), A & ~15ULL);
	check("slli 63", ASM_RI("slli", 1, 63), 1ULL << 63);
	check("srli 32", ASM_RI("srli", A, 32), A >> 32);
	check("srai 32", ASM_RI("srai", A, 32), (uint64_t)((int64_t)A >> 32));

	check("addw wrap", ASM_RR("addw", 0x7fffffff, 1), W(0x80000000));
	check("addw ignores upper", ASM_RR("addw", A, B), W(0));
	check("subw", ASM_RR("subw", 0, 1), ~0ULL);
	check("sllw", ASM_RR("sllw", 1, 31), W(0x80000000));
	check("sllw masks shamt to 5 bits", ASM_RR("sllw", 1, 33), 2);
	check("srlw", ASM_RR("srlw", C, 4), W(0x08000000));
	check("srlw 0 sign-ext", ASM_RR("srlw", 0xffffffff80000000ULL, 0), W(0x80000000));
	check("sraw", ASM_RR("sraw", 0x80000000, 31), ~0ULL);
	check("addiw", ASM_RI("addiw", 0x7fffffff, 1), W(0x80000000));
	check("addiw sext.w", ASM_RI("addiw", 0x1ffffffffULL, 0), ~0ULL);
	check("slliw", ASM_RI("slliw", 3, 30), W(0xc0000000));
	check("srliw", ASM_RI("srliw", 0xffffffffULL, 1), W(0x7fffffff));
	check("sraiw", ASM_RI("sraiw", 0x80000000ULL, 1), W(0xc0000000));

	uint64_t r;
	__asm__ volatile("lui %0, 0x80000" : "=r"(r));
	check("lui sign-ext", r, 0xffffffff80000000ULL);
	__asm__ volatile("lui %0, 0x7ffff" : "=r"(r));
	check("lui", r, 0x7ffff000);
	uint64_t pc1, pc2;
	__asm__ volatile("1: auipc %0, 0\n\tla %1, 1b" : "=r"(pc1), "=r"(pc2));
	check("auipc 0 = pc", pc1 - pc2, 0);
	__asm__ volatile("1: auipc %0, 1\n\tla %1, 1b" : "=r"(pc1), "=r"(pc2));
	check("auipc 1", pc1 - pc2, 0x1000);
	__asm__ volatile("li %0, 5\n\taddi x0, %0, 1\n\tmv %0, x0" : "=r"(r));
	check("x0 stays zero", r, 0);
	return check_finish();
}
