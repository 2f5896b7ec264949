/*
 * interp: a bytecode interpreter loop (a small stack machine with a switch dispatch) running a program that
 * computes a sum of a polynomial over a loop counter with a data-dependent branch. Its operand stack and
 * variables are on the code's page. n = iterations of the bytecode program's loop, in thousands.
 */
#include "bench.h"

enum { PUSH, LOAD, STORE, ADD, SUB, MUL, AND, XOR, SHR, JNZ, JMP, DUP, DROP, HALT };

/* vars: 0 = counter, 1 = accumulator, 2 = x */
static const int16_t program[] = {
	/* 0 */ LOAD, 2, PUSH, 13, MUL, PUSH, 7, ADD, PUSH, 0xffff, AND, STORE, 2,
	/* 13 */ LOAD, 2, PUSH, 1, AND, JNZ, 27,
	/* 20 */ LOAD, 1, LOAD, 2, ADD, JMP, 32,
	/* 27 */ LOAD, 1, LOAD, 2, XOR,
	/* 32 */ PUSH, 3, MUL, STORE, 1,
	/* 37 */ LOAD, 0, PUSH, 1, SUB, DUP, STORE, 0, JNZ, 0,
	/* 47 */ HALT,
};

static int64_t stack[64];
static int64_t vars[4];

HOT static int64_t run(long iterations)
{
	vars[0] = iterations;
	vars[1] = 0;
	vars[2] = 1;
	long pc = 0, sp = 0;
	for (;;) {
		int op = program[pc++];
		switch (op) {
		case PUSH: stack[sp++] = program[pc++]; break;
		case LOAD: stack[sp++] = vars[program[pc++]]; break;
		case STORE: vars[program[pc++]] = stack[--sp]; break;
		case ADD: sp--; stack[sp - 1] += stack[sp]; break;
		case SUB: sp--; stack[sp - 1] -= stack[sp]; break;
		case MUL: sp--; stack[sp - 1] *= stack[sp]; break;
		case AND: sp--; stack[sp - 1] &= stack[sp]; break;
		case XOR: sp--; stack[sp - 1] ^= stack[sp]; break;
		case SHR: sp--; stack[sp - 1] >>= stack[sp]; break;
		case JNZ: pc = stack[--sp] ? program[pc] : pc + 1; break;
		case JMP: pc = program[pc]; break;
		case DUP: stack[sp] = stack[sp - 1]; sp++; break;
		case DROP: sp--; break;
		default: return vars[1];
		}
	}
}

int main(void)
{
	long n = sdk_param_long("n", 400);
	return bench_report("interp", n, (uint64_t)run(n * 1000));
}
