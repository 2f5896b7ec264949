package dev.ferry.cli;

import dev.ferry.host.api.Quantities;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/** Parses sizes like {@code 256M}, {@code 1G}, {@code 64KiB} or plain byte counts. */
public final class SizeConverter implements ITypeConverter<Long> {

    @Override
    public Long convert(String value) {
        return parse(value);
    }

    /** Parses a size; throws {@link TypeConversionException} with a readable message. */
    public static long parse(String value) {
        try {
            return Quantities.parseBytes(value);
        } catch (IllegalArgumentException e) {
            throw new TypeConversionException(e.getMessage());
        }
    }
}
