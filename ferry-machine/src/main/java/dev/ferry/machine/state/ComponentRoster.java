package dev.ferry.machine.state;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The one list of a machine's migratable components: each stateful part registered once, in a fixed order,
 * under an id that is unique in the machine (so several devices of one kind can coexist) and with its record
 * type. State files, the state hash and migration all iterate this roster; nothing else lists components.
 *
 * <p>Restoring is all or nothing: {@link #check} decodes every record, matches the set of ids against the
 * roster and lets each component {@linkplain Snapshottable#validateState validate} its record, without changing
 * anything; only a {@link Validated} set that passed can be {@linkplain #restore applied}, and applying it
 * cannot fail. Components are restored in roster order.
 *
 * <p>A roster is immutable once built; read it from any thread, save and restore with the vCPU stopped.
 */
public final class ComponentRoster implements Iterable<ComponentRoster.Entry> {

    /** Longest id in UTF-8 bytes (so an id fits a state file section and a DEVICE_STATE entry). */
    public static final int MAX_ID_BYTES = 64;

    /**
     * One registered component, as the roster shows it: id and record type.
     *
     * @param id   the component's id, unique in its roster
     * @param type the class of the component's state record
     */
    public record Entry(String id, Class<? extends Record> type) {

        /** {@link RecordCodec#fingerprint} of the record type. */
        public long fingerprint() {
            return RecordCodec.fingerprint(type);
        }
    }

    /** A registered component with its operations. */
    private record Member<S extends Record>(Entry entry, Class<S> type, Snapshottable<S> component) {

        S save() {
            S state = component.saveState();
            if (state == null || state.getClass() != type) {
                throw new IllegalStateException("component '" + entry.id() + "' saved "
                        + (state == null ? "nothing" : "a " + state.getClass().getSimpleName()) + ", not a "
                        + type.getSimpleName());
            }
            return state;
        }

        S decodeAndValidate(EncodedComponent encoded) throws StateFormatException {
            S state = encoded.decode(type);
            try {
                component.validateState(state);
            } catch (IllegalArgumentException e) {
                throw new StateFormatException("component '" + entry.id() + "': " + e.getMessage(), e);
            }
            return state;
        }

        void restore(Record state) {
            component.restoreState(type.cast(state));
        }
    }

    /**
     * A complete set of component records, decoded and validated against one roster: proof that
     * {@link #restore} will succeed. Holds its own copies of the records.
     */
    public static final class Validated {
        private final ComponentRoster roster;
        private final List<Record> records;

        private Validated(ComponentRoster roster, List<Record> records) {
            this.roster = roster;
            this.records = records;
        }
    }

    /** Registers components in order; {@link #build} makes the roster. Not thread-safe. */
    public static final class Builder {
        private final Map<String, Member<?>> members = new LinkedHashMap<>();

        private Builder() {
        }

        /**
         * Registers {@code component} under {@code id}, after those registered before.
         *
         * @throws IllegalArgumentException if the id is empty, longer than {@value #MAX_ID_BYTES} UTF-8 bytes or
         *                                  registered already
         */
        public <S extends Record> Builder add(String id, Class<S> type, Snapshottable<S> component) {
            Objects.requireNonNull(type, "type");
            Objects.requireNonNull(component, "component");
            int bytes = id.getBytes(StandardCharsets.UTF_8).length;
            if (bytes == 0 || bytes > MAX_ID_BYTES) {
                throw new IllegalArgumentException("component id '" + id + "' must have 1 to " + MAX_ID_BYTES
                        + " bytes");
            }
            if (members.containsKey(id)) {
                throw new IllegalArgumentException("component id '" + id + "' is registered already");
            }
            members.put(id, new Member<>(new Entry(id, type), type, component));
            return this;
        }

        /** The roster of everything registered so far. */
        public ComponentRoster build() {
            return new ComponentRoster(List.copyOf(members.values()));
        }
    }

    private final List<Member<?>> members;
    private final List<Entry> entries;
    private final Map<String, Member<?>> byId = new HashMap<>();

    private ComponentRoster(List<Member<?>> members) {
        this.members = members;
        List<Entry> list = new ArrayList<>(members.size());
        for (Member<?> m : members) {
            list.add(m.entry());
            byId.put(m.entry().id(), m);
        }
        this.entries = Collections.unmodifiableList(list);
    }

    /** A builder for a new roster. */
    public static Builder builder() {
        return new Builder();
    }

    /** The components in roster order. */
    @Override
    public Iterator<Entry> iterator() {
        return entries.iterator();
    }

    /** Number of components. */
    public int size() {
        return members.size();
    }

    /** True if a component has this id. */
    public boolean contains(String id) {
        return byId.containsKey(id);
    }

    /** Every component's current state by id, in roster order. vCPU stopped only. */
    public Map<String, Record> save() {
        Map<String, Record> states = new LinkedHashMap<>();
        for (Member<?> m : members) {
            states.put(m.entry().id(), m.save());
        }
        return states;
    }

    /**
     * Every component's current state encoded, in roster order. vCPU stopped only.
     *
     * @throws IllegalArgumentException if a record cannot be encoded
     */
    public List<EncodedComponent> encode() {
        List<EncodedComponent> out = new ArrayList<>(members.size());
        for (Member<?> m : members) {
            out.add(EncodedComponent.of(m.entry().id(), m.save()));
        }
        return out;
    }

    /**
     * Decodes and validates a complete set of encoded records: exactly one for every component of this roster,
     * none for anything else. Changes nothing.
     *
     * @throws StateFormatException naming the first component that is missing, unknown, repeated, of another
     *                              type or layout, undecodable or rejected by its component
     */
    public Validated check(Collection<EncodedComponent> encoded) throws StateFormatException {
        Map<String, EncodedComponent> given = new HashMap<>();
        for (EncodedComponent e : encoded) {
            if (!byId.containsKey(e.id())) {
                throw new StateFormatException("state has a component '" + e.id() + "' that this machine lacks");
            }
            if (given.put(e.id(), e) != null) {
                throw new StateFormatException("state has component '" + e.id() + "' twice");
            }
        }
        List<Record> records = new ArrayList<>(members.size());
        for (Member<?> m : members) {
            EncodedComponent e = given.get(m.entry().id());
            if (e == null) {
                throw new StateFormatException("state has no '" + m.entry().id() + "' component");
            }
            records.add(m.decodeAndValidate(e));
        }
        return new Validated(this, List.copyOf(records));
    }

    /**
     * Validates a complete set of records by id, as {@link #save} returns them. The records are copied, so the
     * caller's objects are not referenced afterwards. Changes nothing.
     *
     * @throws StateFormatException as {@link #check(Collection)} does, or if a record cannot be encoded
     */
    public Validated check(Map<String, ? extends Record> states) throws StateFormatException {
        List<EncodedComponent> encoded = new ArrayList<>(states.size());
        for (Map.Entry<String, ? extends Record> e : states.entrySet()) {
            try {
                encoded.add(EncodedComponent.of(e.getKey(), e.getValue()));
            } catch (IllegalArgumentException ex) {
                throw new StateFormatException("component '" + e.getKey() + "': " + ex.getMessage(), ex);
            }
        }
        return check(encoded);
    }

    /**
     * Applies a set this roster validated to every component, in roster order. vCPU stopped only.
     *
     * @throws IllegalArgumentException if {@code state} was validated by another roster
     */
    public void restore(Validated state) {
        if (state.roster != this) {
            throw new IllegalArgumentException("component state was validated for another machine");
        }
        for (int i = 0; i < members.size(); i++) {
            members.get(i).restore(state.records.get(i));
        }
    }
}
