package dev.ferry.bench.migrate;

import dev.ferry.migration.MigrationOptions;
import dev.ferry.migration.Strategy;
import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.RecordComponent;
import java.util.HashMap;
import java.util.Map;

/**
 * Ferry's migration options for a benchmark: a strategy's defaults with some components replaced, named as the
 * record names them ({@code maxDowntimeMillis}, {@code order}, ...). Going through the record's components keeps
 * the benchmark compiling and correct when the engine adds options: every component not named keeps its default.
 */
final class FerryOptions {

    private final Map<String, Object> changes = new HashMap<>();
    private final Strategy strategy;

    private FerryOptions(Strategy strategy) {
        this.strategy = strategy;
    }

    /** Starts from {@link MigrationOptions#defaults(Strategy)}. */
    static FerryOptions defaults(Strategy strategy) {
        return new FerryOptions(strategy);
    }

    /** Replaces component {@code name} with {@code value} (boxed as the component's type). */
    FerryOptions with(String name, Object value) {
        changes.put(name, value);
        return this;
    }

    /** The options; throws IllegalArgumentException for an unknown component or a value the record rejects. */
    MigrationOptions build() {
        MigrationOptions base = MigrationOptions.defaults(strategy);
        RecordComponent[] components = MigrationOptions.class.getRecordComponents();
        Class<?>[] types = new Class<?>[components.length];
        Object[] values = new Object[components.length];
        Map<String, Object> left = new HashMap<>(changes);
        try {
            for (int i = 0; i < components.length; i++) {
                RecordComponent c = components[i];
                types[i] = c.getType();
                values[i] = left.containsKey(c.getName()) ? left.remove(c.getName()) : c.getAccessor().invoke(base);
            }
            if (!left.isEmpty()) {
                throw new IllegalArgumentException("MigrationOptions has no component " + left.keySet());
            }
            Constructor<MigrationOptions> canonical = MigrationOptions.class.getDeclaredConstructor(types);
            return canonical.newInstance(values);
        } catch (InvocationTargetException e) {
            if (e.getCause() instanceof IllegalArgumentException bad) {
                throw bad;
            }
            throw new IllegalStateException(e.getCause());
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("cannot build MigrationOptions: " + e.getMessage(), e);
        }
    }
}
