/*
 * Machine trap vector. mscratch is 0 while running in M mode and holds the
 * M-mode stack top while running in U or S mode. Frame layout = struct sdk_frame.
 */
#define FRAME 288
#define REG(n) (8 * (n))
#define F_MEPC 256
#define F_MSTATUS 264
#define F_MCAUSE 272
#define F_MTVAL 280

	.section .text.sdk_trap, "ax"
	.globl sdk_trap_vector
	.balign 4
sdk_trap_vector:
	csrrw	sp, mscratch, sp
	bnez	sp, 1f
	csrrw	sp, mscratch, sp
1:	addi	sp, sp, -FRAME
	sd	x1, REG(1)(sp)
	sd	x3, REG(3)(sp)
	sd	x4, REG(4)(sp)
	sd	x5, REG(5)(sp)
	sd	x6, REG(6)(sp)
	sd	x7, REG(7)(sp)
	sd	x8, REG(8)(sp)
	sd	x9, REG(9)(sp)
	sd	x10, REG(10)(sp)
	sd	x11, REG(11)(sp)
	sd	x12, REG(12)(sp)
	sd	x13, REG(13)(sp)
	sd	x14, REG(14)(sp)
	sd	x15, REG(15)(sp)
	sd	x16, REG(16)(sp)
	sd	x17, REG(17)(sp)
	sd	x18, REG(18)(sp)
	sd	x19, REG(19)(sp)
	sd	x20, REG(20)(sp)
	sd	x21, REG(21)(sp)
	sd	x22, REG(22)(sp)
	sd	x23, REG(23)(sp)
	sd	x24, REG(24)(sp)
	sd	x25, REG(25)(sp)
	sd	x26, REG(26)(sp)
	sd	x27, REG(27)(sp)
	sd	x28, REG(28)(sp)
	sd	x29, REG(29)(sp)
	sd	x30, REG(30)(sp)
	sd	x31, REG(31)(sp)
	/* interrupted sp: from mscratch (U mode) or above the frame (M mode) */
	csrrw	t0, mscratch, zero
	bnez	t0, 2f
	addi	t0, sp, FRAME
2:	sd	t0, REG(2)(sp)
	csrr	a2, mepc
	sd	a2, F_MEPC(sp)
	csrr	t0, mstatus
	sd	t0, F_MSTATUS(sp)
	csrr	a1, mcause
	sd	a1, F_MCAUSE(sp)
	csrr	a3, mtval
	sd	a3, F_MTVAL(sp)
	.option push
	.option norelax
	la	gp, __global_pointer$
	.option pop
	mv	a0, sp
	call	sdk_trap

	ld	t0, F_MEPC(sp)
	csrw	mepc, t0
	ld	t0, F_MSTATUS(sp)
	csrw	mstatus, t0
	/* returning to U or S mode: re-arm mscratch with the M stack top */
	srli	t1, t0, 11
	andi	t1, t1, 3
	li	t2, 3
	beq	t1, t2, 3f
	addi	t1, sp, FRAME
	csrw	mscratch, t1
3:	ld	x1, REG(1)(sp)
	ld	x3, REG(3)(sp)
	ld	x4, REG(4)(sp)
	ld	x5, REG(5)(sp)
	ld	x6, REG(6)(sp)
	ld	x7, REG(7)(sp)
	ld	x8, REG(8)(sp)
	ld	x9, REG(9)(sp)
	ld	x10, REG(10)(sp)
	ld	x11, REG(11)(sp)
	ld	x12, REG(12)(sp)
	ld	x13, REG(13)(sp)
	ld	x14, REG(14)(sp)
	ld	x15, REG(15)(sp)
	ld	x16, REG(16)(sp)
	ld	x17, REG(17)(sp)
	ld	x18, REG(18)(sp)
	ld	x19, REG(19)(sp)
	ld	x20, REG(20)(sp)
	ld	x21, REG(21)(sp)
	ld	x22, REG(22)(sp)
	ld	x23, REG(23)(sp)
	ld	x24, REG(24)(sp)
	ld	x25, REG(25)(sp)
	ld	x26, REG(26)(sp)
	ld	x27, REG(27)(sp)
	ld	x28, REG(28)(sp)
	ld	x29, REG(29)(sp)
	ld	x30, REG(30)(sp)
	ld	x31, REG(31)(sp)
	ld	sp, REG(2)(sp)
	mret

/*
 * long sdk_run_user(long (*fn)(long), long arg, void *user_stack_top)
 * Runs fn(arg) in U mode; returns when U code calls sdk_user_exit (ecall).
 */
	.section .text.sdk_user, "ax"
	.globl sdk_run_user_asm
sdk_run_user_asm:
	la	t0, user_ctx
	sd	ra, 0(t0)
	sd	sp, 8(t0)
	sd	s0, 16(t0)
	sd	s1, 24(t0)
	sd	s2, 32(t0)
	sd	s3, 40(t0)
	sd	s4, 48(t0)
	sd	s5, 56(t0)
	sd	s6, 64(t0)
	sd	s7, 72(t0)
	sd	s8, 80(t0)
	sd	s9, 88(t0)
	sd	s10, 96(t0)
	sd	s11, 104(t0)
	csrw	mepc, a0
	/* MPP = U, MPIE = 0 */
	li	t1, 0x1880
	csrc	mstatus, t1
	csrw	mscratch, sp
	mv	a0, a1
	mv	sp, a2
	la	ra, sdk_user_return
	mret

/* U mode: fn returned, its result is in a0 */
	.globl sdk_user_return
sdk_user_return:
	li	a7, 0x5344
	ecall
4:	j	4b

/* M mode: entered by mret from the trap handler with a0 = result */
	.globl sdk_user_resume
sdk_user_resume:
	la	t0, user_ctx
	ld	ra, 0(t0)
	ld	sp, 8(t0)
	ld	s0, 16(t0)
	ld	s1, 24(t0)
	ld	s2, 32(t0)
	ld	s3, 40(t0)
	ld	s4, 48(t0)
	ld	s5, 56(t0)
	ld	s6, 64(t0)
	ld	s7, 72(t0)
	ld	s8, 80(t0)
	ld	s9, 88(t0)
	ld	s10, 96(t0)
	ld	s11, 104(t0)
	ret

	.bss
	.balign 8
user_ctx:
	.space 112
