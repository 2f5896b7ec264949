package dev.ferry.machine.cpu;

import static dev.ferry.machine.cpu.JitCompiler.CPU;
import static dev.ferry.machine.cpu.JitCompiler.MEM;
import static dev.ferry.machine.cpu.JitCompiler.REGION;
import static dev.ferry.machine.cpu.JitCompiler.compiledLength;

import org.objectweb.asm.Label;
import org.objectweb.asm.MethodVisitor;
import org.objectweb.asm.Opcodes;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Emits the body of one region method for {@link JitCompiler}: guest registers in JVM locals, a label per
 * block, each guest instruction as bytecode, and exit stubs that write the registers back and leave at the
 * exact instruction.
 */
final class RegionEmitter implements Opcodes {

    // Local variable slots of the generated method.
    private static final int THIS = 0;
    private static final int CPU_ARG = 1;
    private static final int X = 2;
    private static final int ICOUNT = 3;
    private static final int BUDGET = 5;
    private static final int RAM = 7;
    private static final int EPC = 8;
    private static final int EOFF = 10;
    private static final int ADDR = 11;
    private static final int REG0 = 13;

    /** Where an exit stub leaves: the next guest pc and the offset to add to the tick counter. */
    private record Exit(long pc, int off) {
    }

    private final long ramBase;
    private final long ramSize;
    /** Whether loads and stores go through the data TLB (see {@link CompiledRegion#translated}). */
    private final boolean translated;

    private final MethodVisitor mv;
    private final List<Block> blocks;
    private final Map<Long, Integer> index = new HashMap<>();
    private final Label[] labels;
    private final Map<Exit, Label> exits = new LinkedHashMap<>();
    private final boolean[] read = new boolean[33];
    private final boolean[] written = new boolean[33];
    private final Label exit = new Label();
    private int current;

    RegionEmitter(MethodVisitor mv, List<Block> blocks, long ramBase, long ramSize, boolean translated) {
        this.ramBase = ramBase;
        this.ramSize = ramSize;
        this.translated = translated;
        this.mv = mv;
        this.blocks = blocks;
        this.labels = new Label[blocks.size()];
        for (int k = 0; k < blocks.size(); k++) {
            index.put(blocks.get(k).pc, k);
            labels[k] = new Label();
        }
        for (Block b : blocks) {
            int n = compiledLength(b);
            for (int i = 0; i < n; i++) {
                int w = b.ops[i];
                read[(w >>> 14) & 31] = true;
                read[(w >>> 20) & 31] = true;
                int rd = (w >>> 8) & 63;
                if (rd != 32) {
                    written[rd] = true;
                }
            }
        }
        read[0] = false;
        written[0] = false;
    }

    void emit() {
        mv.visitVarInsn(ALOAD, THIS);
        mv.visitFieldInsn(GETFIELD, REGION, "ram", "L" + MEM + ";");
        mv.visitVarInsn(ASTORE, RAM);
        mv.visitInsn(LCONST_0);
        mv.visitVarInsn(LSTORE, EPC);
        mv.visitInsn(ICONST_0);
        mv.visitVarInsn(ISTORE, EOFF);
        mv.visitInsn(LCONST_0);
        mv.visitVarInsn(LSTORE, ADDR);
        for (int r = 1; r < 32; r++) {
            if (read[r] || written[r]) {
                mv.visitVarInsn(ALOAD, X);
                push(r);
                mv.visitInsn(LALOAD);
                mv.visitVarInsn(LSTORE, slot(r));
            }
        }
        for (int k = 0; k < blocks.size(); k++) {
            current = k;
            block(blocks.get(k), labels[k]);
        }
        for (Map.Entry<Exit, Label> e : exits.entrySet()) {
            mv.visitLabel(e.getValue());
            ldc(e.getKey().pc());
            mv.visitVarInsn(LSTORE, EPC);
            push(e.getKey().off());
            mv.visitVarInsn(ISTORE, EOFF);
            mv.visitJumpInsn(GOTO, exit);
        }
        mv.visitLabel(exit);
        for (int r = 1; r < 32; r++) {
            if (written[r]) {
                mv.visitVarInsn(ALOAD, X);
                push(r);
                mv.visitVarInsn(LLOAD, slot(r));
                mv.visitInsn(LASTORE);
            }
        }
        mv.visitVarInsn(ALOAD, THIS);
        mv.visitVarInsn(LLOAD, EPC);
        mv.visitFieldInsn(PUTFIELD, REGION, "exitPc", "J");
        mv.visitVarInsn(LLOAD, ICOUNT);
        mv.visitVarInsn(ILOAD, EOFF);
        mv.visitInsn(I2L);
        mv.visitInsn(LADD);
        mv.visitInsn(LRETURN);
    }

    private int slot(int r) {
        return REG0 + 2 * (r - 1);
    }

    /** Label of an exit stub leaving for {@code pc} with {@code off} ticks to add. */
    private Label exitTo(long pc, int off) {
        return exits.computeIfAbsent(new Exit(pc, off), e -> new Label());
    }

    private void block(Block b, Label start) {
        mv.visitLabel(start);
        int len = b.len;
        // The whole block must fit in the budget: budget - icount < len leaves for the interpreter.
        mv.visitVarInsn(LLOAD, BUDGET);
        mv.visitVarInsn(LLOAD, ICOUNT);
        mv.visitInsn(LSUB);
        ldc(len);
        mv.visitInsn(LCMP);
        mv.visitJumpInsn(IFLT, exitTo(b.pc, 0));
        mv.visitVarInsn(LLOAD, ICOUNT);
        ldc(len);
        mv.visitInsn(LADD);
        mv.visitVarInsn(LSTORE, ICOUNT);
        int n = compiledLength(b);
        for (int i = 0; i < n; i++) {
            instruction(b, i, i - len);
        }
        if (n < len) {
            mv.visitJumpInsn(GOTO, exitTo(b.pc + b.offs[n], n - len));
            return;
        }
        int last = b.ops[len - 1] & 0xff;
        if (!(last >= Op.BEQ && last <= Op.JALR)) {
            jump(b.fallPc);
        }
    }

    /** Continues at guest address {@code pc} after a whole block: in the region, or through an exit. */
    private void jump(long pc) {
        Integer k = index.get(pc);
        if (k == null) {
            mv.visitJumpInsn(GOTO, exitTo(pc, 0));
            return;
        }
        // Backward jumps need no event check: the caller bounds each run's budget (Cpu.jitRun), so loops
        // read no volatile field and HotSpot may hoist loads out of them.
        mv.visitJumpInsn(GOTO, labels[k]);
    }

    private void load(int r) {
        if (r == 0) {
            mv.visitInsn(LCONST_0);
        } else {
            mv.visitVarInsn(LLOAD, slot(r));
        }
    }

    private void store(int rd) {
        if (rd == 0 || rd == 32) {
            mv.visitInsn(POP2);
        } else {
            mv.visitVarInsn(LSTORE, slot(rd));
        }
    }

    private void ldc(long v) {
        if (v == 0) {
            mv.visitInsn(LCONST_0);
        } else if (v == 1) {
            mv.visitInsn(LCONST_1);
        } else {
            mv.visitLdcInsn(v);
        }
    }

    private void push(int v) {
        if (v >= -1 && v <= 5) {
            mv.visitInsn(ICONST_0 + v);
        } else if (v >= Byte.MIN_VALUE && v <= Byte.MAX_VALUE) {
            mv.visitIntInsn(BIPUSH, v);
        } else if (v >= Short.MIN_VALUE && v <= Short.MAX_VALUE) {
            mv.visitIntInsn(SIPUSH, v);
        } else {
            mv.visitLdcInsn(v);
        }
    }

    private void binary(int rs1, int rs2, int opcode) {
        load(rs1);
        load(rs2);
        mv.visitInsn(opcode);
    }

    private void immediate(int rs1, long imm, int opcode) {
        load(rs1);
        ldc(imm);
        mv.visitInsn(opcode);
    }

    /** Pushes 1L when the int comparison result on the stack is negative, else 0L. */
    private void negativeToLong() {
        push(31);
        mv.visitInsn(IUSHR);
        mv.visitInsn(I2L);
    }

    private void flipSign() {
        ldc(Long.MIN_VALUE);
        mv.visitInsn(LXOR);
    }

    private void shiftImm(int rs1, long imm, int opcode) {
        load(rs1);
        push((int) (imm & 63));
        mv.visitInsn(opcode);
    }

    private void shiftImmW(int rs1, long imm, int opcode) {
        load(rs1);
        mv.visitInsn(L2I);
        push((int) (imm & 31));
        mv.visitInsn(opcode);
        mv.visitInsn(I2L);
    }

    private void shiftReg(int rs1, int rs2, int opcode) {
        load(rs1);
        load(rs2);
        mv.visitInsn(L2I);
        mv.visitInsn(opcode);
    }

    private void shiftRegW(int rs1, int rs2, int opcode) {
        load(rs1);
        mv.visitInsn(L2I);
        load(rs2);
        mv.visitInsn(L2I);
        mv.visitInsn(opcode);
        mv.visitInsn(I2L);
    }

    private void helper(int rs1, int rs2, String owner, String name) {
        load(rs1);
        load(rs2);
        mv.visitMethodInsn(INVOKESTATIC, owner, name, "(JJ)J", false);
    }

    /**
     * Computes the physical address of {@code x[rs1] + imm} into ADDR (through the data TLB in a translated
     * region) and leaves through {@code fail} unless it is RAM.
     */
    private void address(int rs1, long imm, int width, int kind, Label fail) {
        if (translated) {
            mv.visitVarInsn(ALOAD, CPU_ARG);
        }
        load(rs1);
        if (imm != 0) {
            ldc(imm);
            mv.visitInsn(LADD);
        }
        if (translated) {
            push(width);
            push(kind);
            mv.visitMethodInsn(INVOKEVIRTUAL, CPU, "jitTranslate", "(JII)J", false);
        }
        mv.visitInsn(DUP2);
        mv.visitVarInsn(LSTORE, ADDR);
        ldc(ramBase);
        mv.visitInsn(LSUB);
        flipSign();
        ldc((ramSize - width) ^ Long.MIN_VALUE);
        mv.visitInsn(LCMP);
        mv.visitJumpInsn(IFGT, fail);
    }

    private void loadMem(Block b, int i, int off, int rd, int rs1, long imm, int width, String name,
            String desc) {
        address(rs1, imm, width, Mmu.READ, exitTo(b.pc + b.offs[i], off));
        mv.visitVarInsn(ALOAD, RAM);
        mv.visitVarInsn(LLOAD, ADDR);
        mv.visitMethodInsn(INVOKEVIRTUAL, MEM, name, desc, false);
    }

    private void storeMem(Block b, int i, int off, int rs1, int rs2, long imm, int width, String name) {
        address(rs1, imm, width, Mmu.WRITE, exitTo(b.pc + b.offs[i], off));
        mv.visitVarInsn(ALOAD, RAM);
        mv.visitVarInsn(LLOAD, ADDR);
        load(rs2);
        if (width == 8) {
            mv.visitMethodInsn(INVOKEVIRTUAL, MEM, name, "(JJ)V", false);
        } else {
            mv.visitInsn(L2I);
            mv.visitMethodInsn(INVOKEVIRTUAL, MEM, name, "(JI)V", false);
        }
        // The interpreter's code-coherence check; a store that hit code ends the block, as there.
        mv.visitVarInsn(ALOAD, CPU_ARG);
        mv.visitVarInsn(LLOAD, ADDR);
        push(width);
        mv.visitMethodInsn(INVOKEVIRTUAL, CPU, "jitStored", "(JI)Z", false);
        mv.visitJumpInsn(IFNE, exitTo(b.pc + b.offs[i + 1], off + 1));
    }

    /**
     * A conditional branch at index {@code i}: taken, it leaves the block (ticks for the instructions after it
     * are taken back); not taken, execution goes on with the next instruction or, at the end, the fall-through.
     */
    private void branch(Block b, int i, int rs1, int rs2, int notTaken, boolean unsigned, long target) {
        load(rs1);
        if (unsigned) {
            flipSign();
        }
        load(rs2);
        if (unsigned) {
            flipSign();
        }
        mv.visitInsn(LCMP);
        Label fall = new Label();
        mv.visitJumpInsn(notTaken, fall);
        int skipped = b.len - (i + 1);
        if (skipped > 0) {
            mv.visitVarInsn(LLOAD, ICOUNT);
            ldc(skipped);
            mv.visitInsn(LSUB);
            mv.visitVarInsn(LSTORE, ICOUNT);
        }
        jump(target);
        mv.visitLabel(fall);
        if (skipped == 0) {
            jump(b.fallPc);
        }
    }

    /** Emits instruction {@code i}; {@code off} is its index minus the block length (ticks to undo). */
    private void instruction(Block b, int i, int off) {
        int w = b.ops[i];
        int op = w & 0xff;
        int rd = (w >>> 8) & 63;
        int rs1 = (w >>> 14) & 31;
        int rs2 = (w >>> 20) & 31;
        long imm = b.imm[i];
        switch (op) {
            case Op.LI -> ldc(imm);
            case Op.ADDI -> {
                if (imm == 0) {
                    load(rs1);
                } else {
                    immediate(rs1, imm, LADD);
                }
            }
            case Op.SLTI -> {
                immediate(rs1, imm, LCMP);
                negativeToLong();
            }
            case Op.SLTIU -> {
                load(rs1);
                flipSign();
                ldc(imm ^ Long.MIN_VALUE);
                mv.visitInsn(LCMP);
                negativeToLong();
            }
            case Op.XORI -> immediate(rs1, imm, LXOR);
            case Op.ORI -> immediate(rs1, imm, LOR);
            case Op.ANDI -> immediate(rs1, imm, LAND);
            case Op.SLLI -> shiftImm(rs1, imm, LSHL);
            case Op.SRLI -> shiftImm(rs1, imm, LUSHR);
            case Op.SRAI -> shiftImm(rs1, imm, LSHR);
            case Op.ADDIW -> {
                immediate(rs1, imm, LADD);
                mv.visitInsn(L2I);
                mv.visitInsn(I2L);
            }
            case Op.SLLIW -> shiftImmW(rs1, imm, ISHL);
            case Op.SRLIW -> shiftImmW(rs1, imm, IUSHR);
            case Op.SRAIW -> shiftImmW(rs1, imm, ISHR);
            case Op.ADD -> binary(rs1, rs2, LADD);
            case Op.SUB -> binary(rs1, rs2, LSUB);
            case Op.SLL -> shiftReg(rs1, rs2, LSHL);
            case Op.SLT -> {
                binary(rs1, rs2, LCMP);
                negativeToLong();
            }
            case Op.SLTU -> {
                load(rs1);
                flipSign();
                load(rs2);
                flipSign();
                mv.visitInsn(LCMP);
                negativeToLong();
            }
            case Op.XOR -> binary(rs1, rs2, LXOR);
            case Op.SRL -> shiftReg(rs1, rs2, LUSHR);
            case Op.SRA -> shiftReg(rs1, rs2, LSHR);
            case Op.OR -> binary(rs1, rs2, LOR);
            case Op.AND -> binary(rs1, rs2, LAND);
            case Op.ADDW, Op.SUBW -> {
                binary(rs1, rs2, op == Op.ADDW ? LADD : LSUB);
                mv.visitInsn(L2I);
                mv.visitInsn(I2L);
            }
            case Op.SLLW -> shiftRegW(rs1, rs2, ISHL);
            case Op.SRLW -> shiftRegW(rs1, rs2, IUSHR);
            case Op.SRAW -> shiftRegW(rs1, rs2, ISHR);
            case Op.MUL -> binary(rs1, rs2, LMUL);
            case Op.MULH -> helper(rs1, rs2, "java/lang/Math", "multiplyHigh");
            case Op.MULHSU -> helper(rs1, rs2, REGION, "mulhsu");
            case Op.MULHU -> helper(rs1, rs2, "java/lang/Math", "unsignedMultiplyHigh");
            case Op.DIV -> helper(rs1, rs2, REGION, "div");
            case Op.DIVU -> helper(rs1, rs2, REGION, "divu");
            case Op.REM -> helper(rs1, rs2, REGION, "rem");
            case Op.REMU -> helper(rs1, rs2, REGION, "remu");
            case Op.MULW -> {
                load(rs1);
                mv.visitInsn(L2I);
                load(rs2);
                mv.visitInsn(L2I);
                mv.visitInsn(IMUL);
                mv.visitInsn(I2L);
            }
            case Op.DIVW -> helper(rs1, rs2, REGION, "divw");
            case Op.DIVUW -> helper(rs1, rs2, REGION, "divuw");
            case Op.REMW -> helper(rs1, rs2, REGION, "remw");
            case Op.REMUW -> helper(rs1, rs2, REGION, "remuw");
            case Op.LB -> {
                loadMem(b, i, off, rd, rs1, imm, 1, "load8", "(J)I");
                mv.visitInsn(I2B);
                mv.visitInsn(I2L);
            }
            case Op.LH -> {
                loadMem(b, i, off, rd, rs1, imm, 2, "load16", "(J)I");
                mv.visitInsn(I2S);
                mv.visitInsn(I2L);
            }
            case Op.LW -> {
                loadMem(b, i, off, rd, rs1, imm, 4, "load32", "(J)I");
                mv.visitInsn(I2L);
            }
            case Op.LD -> loadMem(b, i, off, rd, rs1, imm, 8, "load64", "(J)J");
            case Op.LBU -> {
                loadMem(b, i, off, rd, rs1, imm, 1, "load8", "(J)I");
                mv.visitInsn(I2L);
            }
            case Op.LHU -> {
                loadMem(b, i, off, rd, rs1, imm, 2, "load16", "(J)I");
                mv.visitInsn(I2L);
            }
            case Op.LWU -> {
                loadMem(b, i, off, rd, rs1, imm, 4, "load32", "(J)I");
                mv.visitInsn(I2L);
                ldc(0xffff_ffffL);
                mv.visitInsn(LAND);
            }
            case Op.SB -> storeMem(b, i, off, rs1, rs2, imm, 1, "store8");
            case Op.SH -> storeMem(b, i, off, rs1, rs2, imm, 2, "store16");
            case Op.SW -> storeMem(b, i, off, rs1, rs2, imm, 4, "store32");
            case Op.SD -> storeMem(b, i, off, rs1, rs2, imm, 8, "store64");
            case Op.BEQ -> branch(b, i, rs1, rs2, IFNE, false, imm);
            case Op.BNE -> branch(b, i, rs1, rs2, IFEQ, false, imm);
            case Op.BLT -> branch(b, i, rs1, rs2, IFGE, false, imm);
            case Op.BGE -> branch(b, i, rs1, rs2, IFLT, false, imm);
            case Op.BLTU -> branch(b, i, rs1, rs2, IFGE, true, imm);
            case Op.BGEU -> branch(b, i, rs1, rs2, IFLT, true, imm);
            case Op.JAL -> {
                ldc(b.fallPc);
                store(rd);
                jump(imm);
            }
            case Op.JALR -> {
                load(rs1);
                if (imm != 0) {
                    ldc(imm);
                    mv.visitInsn(LADD);
                }
                ldc(~1L);
                mv.visitInsn(LAND);
                mv.visitVarInsn(LSTORE, EPC);
                ldc(b.fallPc);
                store(rd);
                push(0);
                mv.visitVarInsn(ISTORE, EOFF);
                for (long t : new long[] {b.takenPc, b.otherPc}) {
                    if (index.containsKey(t)) {
                        Label other = new Label();
                        mv.visitVarInsn(LLOAD, EPC);
                        ldc(t);
                        mv.visitInsn(LCMP);
                        mv.visitJumpInsn(IFNE, other);
                        jump(t);
                        mv.visitLabel(other);
                    }
                }
                mv.visitJumpInsn(GOTO, exit);
            }
            case Op.NOP -> {
            }
            case Op.FP -> floatingPoint(b, i, off, rd, rs1, imm);
            default -> throw new IllegalStateException("unsupported op " + op);
        }
        if (producesValue(op)) {
            store(rd);
        }
    }

    /**
     * An F/D instruction through {@link Cpu#jitFp}: it leaves before the instruction when the hart declines
     * (the interpreter then runs it, trap included) and after it when a store wrote code.
     */
    private void floatingPoint(Block b, int i, int off, int rd, int rs1, long imm) {
        mv.visitVarInsn(ALOAD, CPU_ARG);
        ldc(imm);
        load(rs1);
        mv.visitMethodInsn(INVOKEVIRTUAL, CPU, "jitFp", "(JJ)J", false);
        mv.visitVarInsn(LSTORE, ADDR);
        mv.visitVarInsn(ALOAD, CPU_ARG);
        mv.visitMethodInsn(INVOKEVIRTUAL, CPU, "jitFpStatus", "()I", false);
        mv.visitInsn(DUP);
        Label ran = new Label();
        mv.visitJumpInsn(IFEQ, ran);
        mv.visitInsn(ICONST_1);
        mv.visitJumpInsn(IF_ICMPEQ, exitTo(b.pc + b.offs[i], off));
        mv.visitJumpInsn(GOTO, exitTo(b.pc + b.offs[i + 1], off + 1));
        mv.visitLabel(ran);
        mv.visitInsn(POP);
        if (rd != 0 && rd != 32) {
            mv.visitVarInsn(LLOAD, ADDR);
            mv.visitVarInsn(LSTORE, slot(rd));
        }
    }

    private boolean producesValue(int op) {
        return op <= Op.LWU && op >= Op.LI;
    }
}
