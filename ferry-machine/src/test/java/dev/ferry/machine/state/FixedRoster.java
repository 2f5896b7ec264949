package dev.ferry.machine.state;

import java.util.Map;

/** Rosters of components that just hold a record, for tests that need a state file or hash of given records. */
public final class FixedRoster {

    private FixedRoster() {
    }

    /** A component whose state is a record it holds; it accepts every record of its type. */
    public static final class Holder<S extends Record> implements Snapshottable<S> {
        private S state;

        /** A holder starting with {@code state}. */
        public Holder(S state) {
            this.state = state;
        }

        @Override
        public S saveState() {
            return state;
        }

        @Override
        public void validateState(S s) {
        }

        @Override
        public void restoreState(S s) {
            state = s;
        }
    }

    /** A roster with one {@link Holder} per entry, registered in the map's order under its key. */
    public static ComponentRoster of(Map<String, ? extends Record> states) {
        ComponentRoster.Builder b = ComponentRoster.builder();
        states.forEach((id, state) -> add(b, id, state));
        return b.build();
    }

    private static <S extends Record> void add(ComponentRoster.Builder b, String id, S state) {
        @SuppressWarnings("unchecked")
        Class<S> type = (Class<S>) state.getClass();
        b.add(id, type, new Holder<>(state));
    }
}
