package dev.ferry.cli;

import dev.ferry.host.api.Quantities;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/** Parses rates in bits/s like {@code 1G}, {@code 500M}, {@code 100000} (powers of 1000). */
public final class RateConverter implements ITypeConverter<Long> {

    @Override
    public Long convert(String value) {
        try {
            return Quantities.parseBitsPerSecond(value);
        } catch (IllegalArgumentException e) {
            throw new TypeConversionException(e.getMessage());
        }
    }
}
