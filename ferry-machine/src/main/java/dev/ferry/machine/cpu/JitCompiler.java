package dev.ferry.machine.cpu;

import dev.ferry.machine.memory.GuestMemory;
import org.objectweb.asm.ClassWriter;
import org.objectweb.asm.Label;
import org.objectweb.asm.MethodVisitor;
import org.objectweb.asm.Opcodes;
import org.objectweb.asm.Type;

import java.lang.invoke.MethodHandles;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Translates a hot {@link Block} and the blocks reachable from it in the same page (through the successor
 * links the interpreter recorded) into one JVM method: a label per block, guest registers in JVM locals, RAM
 * accesses through {@link GuestMemory}. Everything unusual is left to the interpreter: the generated code
 * writes the registers back and exits at the exact instruction (system instructions, AMOs, accesses outside
 * RAM), after a store that hit a page holding code, and at a block that does not fit the remaining budget.
 */
final class JitCompiler implements Opcodes {

    /**
     * Largest region, in guest instructions. Small enough that HotSpot's C1 compiles the generated method (about
     * 25 bytes of bytecode per guest instruction; C1 gave up on methods of 3,500 bytes and more, which then ran in
     * the bytecode interpreter until C2 compiled them), so a region runs compiled soon after it is made.
     */
    static final int MAX_INSNS = 80;
    /** Generated methods larger than this are retried with fewer blocks (see {@link #MAX_INSNS}). */
    private static final int MAX_CODE = 3000;

    static final String CPU = Type.getInternalName(Cpu.class);
    static final String REGION = Type.getInternalName(CompiledRegion.class);
    static final String MEM = Type.getInternalName(GuestMemory.class);
    private static final String RUN_DESC = "(L" + CPU + ";[JJJ)J";
    private static final String PACKAGE = REGION.substring(0, REGION.lastIndexOf('/') + 1);

    private static final MethodHandles.Lookup LOOKUP = MethodHandles.lookup();

    /** Generated classes the JVM rejected, in this process (a compiler bug; tests check it stays zero). */
    static final AtomicInteger REJECTED = new AtomicInteger();

    private final GuestMemory ram;
    private final CodePage[] code;
    private final long ramBase;
    private final long ramSize;
    private int classCounter;
    /** Whether the region being compiled translates its loads and stores (see {@link CompiledRegion#translated}). */
    private boolean translated;

    JitCompiler(GuestMemory ram, CodePage[] code) {
        this.ram = ram;
        this.code = code;
        this.ramBase = ram.base();
        this.ramSize = ram.size();
    }

    /** Compiles the region headed by {@code head}, or returns {@code null} when it has nothing worth compiling. */
    CompiledRegion compile(Block head, boolean translated) {
        this.translated = translated;
        int limit = MAX_INSNS;
        while (limit >= 16) {
            List<Block> blocks = region(head, limit);
            if (blocks.isEmpty()) {
                return null;
            }
            byte[] bytes = generate(blocks);
            if (bytes != null) {
                CompiledRegion r = define(bytes, page(head.phys));
                if (r != null) {
                    r.blocks = blocks.toArray(new Block[0]);
                    r.translated = translated;
                }
                return r;
            }
            limit /= 2;
        }
        return null;
    }

    private int page(long pc) {
        return (int) ((pc - ramBase) >>> GuestMemory.PAGE_SHIFT);
    }

    private static boolean supported(int op) {
        return op != Op.AMO && op != Op.SYSTEM && op != Op.ILLEGAL && op != Op.FETCH_FAULT;
    }

    /** Number of leading instructions of {@code b} the compiler translates. */
    static int compiledLength(Block b) {
        for (int i = 0; i < b.len; i++) {
            if (!supported(b.ops[i] & 0xff)) {
                return i;
            }
        }
        return b.len;
    }

    /**
     * Whether {@code b} may join a region of {@code page}: current code of that page only, on a page that guest
     * memory watches (a write to it drops the region) or that is in granule mode (a store into the bytes of one
     * of the region's blocks drops it).
     */
    private boolean eligible(Block b, int page, long virtualOffset) {
        if (b == null || !b.valid || b.verify || b.crossesPage || page(b.phys) != page
                || b.pc - b.phys != virtualOffset) {
            return false;
        }
        CodePage cp = code[page];
        return cp != null && (cp.watched || cp.granuleMode)
                && cp.table[((int) b.pc & GuestMemory.PAGE_MASK) >>> 1] == b;
    }

    /** The head plus blocks reachable from it through recorded links, breadth first, within the size limit. */
    private List<Block> region(Block head, int limit) {
        int page = page(head.phys);
        long virtualOffset = head.pc - head.phys;
        List<Block> out = new ArrayList<>();
        if (!eligible(head, page, virtualOffset) || compiledLength(head) == 0) {
            return out;
        }
        Map<Long, Block> seen = new HashMap<>();
        ArrayDeque<Block> queue = new ArrayDeque<>();
        queue.add(head);
        seen.put(head.pc, head);
        int insns = 0;
        while (!queue.isEmpty()) {
            Block b = queue.poll();
            if (insns + b.len > limit) {
                continue;
            }
            insns += b.len;
            out.add(b);
            if (compiledLength(b) < b.len) {
                continue;
            }
            int last = b.ops[b.len - 1] & 0xff;
            List<Block> next = new ArrayList<>(3);
            // The two most recent other successors: taken branches, the jump target, the last jalr targets
            // (return sites, typically; the code compares the actual target).
            if (b.takenNext != null && b.takenNext.pc == b.takenPc) {
                next.add(b.takenNext);
            }
            if (b.otherNext != null && b.otherNext.pc == b.otherPc) {
                next.add(b.otherNext);
            }
            if (last != Op.JAL && last != Op.JALR && b.fallNext != null && b.fallNext.pc == b.fallPc) {
                next.add(b.fallNext);
            }
            for (Block n : next) {
                if (eligible(n, page, virtualOffset) && !seen.containsKey(n.pc)) {
                    seen.put(n.pc, n);
                    queue.add(n);
                }
            }
        }
        return out;
    }

    /** Loads the generated class; a class the JVM rejects leaves the code to the interpreter (and is logged). */
    private CompiledRegion define(byte[] bytes, int page) {
        try {
            Class<?> c = LOOKUP.defineHiddenClass(bytes, true).lookupClass();
            return (CompiledRegion) c.getDeclaredConstructor(GuestMemory.class, int.class).newInstance(ram, page);
        } catch (ReflectiveOperationException | LinkageError e) {
            REJECTED.incrementAndGet();
            System.getLogger(JitCompiler.class.getName()).log(System.Logger.Level.WARNING,
                    "JIT: generated code rejected, interpreting instead", e);
            return null;
        }
    }

    // ---------------------------------------------------------------- code generation


    /** Bytecode of the region class, or {@code null} when the method came out too large. */
    private byte[] generate(List<Block> blocks) {
        String name = PACKAGE + "Region$" + (classCounter++);
        ClassWriter cw = new ClassWriter(ClassWriter.COMPUTE_FRAMES | ClassWriter.COMPUTE_MAXS) {
            @Override
            protected String getCommonSuperClass(String a, String b) {
                return "java/lang/Object";
            }
        };
        cw.visit(V21, ACC_FINAL | ACC_SUPER, name, null, REGION, null);
        MethodVisitor init = cw.visitMethod(0, "<init>", "(L" + MEM + ";I)V", null, null);
        init.visitCode();
        init.visitVarInsn(ALOAD, 0);
        init.visitVarInsn(ALOAD, 1);
        init.visitVarInsn(ILOAD, 2);
        init.visitMethodInsn(INVOKESPECIAL, REGION, "<init>", "(L" + MEM + ";I)V", false);
        init.visitInsn(RETURN);
        init.visitMaxs(0, 0);
        init.visitEnd();

        MethodVisitor mv = cw.visitMethod(ACC_FINAL, "run", RUN_DESC, null, null);
        mv.visitCode();
        Label end = new Label();
        new RegionEmitter(mv, blocks, ramBase, ramSize, translated).emit();
        mv.visitLabel(end);
        mv.visitMaxs(0, 0);
        mv.visitEnd();
        if (end.getOffset() > MAX_CODE) {
            return null;
        }
        cw.visitEnd();
        return cw.toByteArray();
    }

}
