package dev.ferry.host.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.CharConversionException;
import java.io.IOException;

/**
 * The JSON conventions of the control API: snake_case names, no null fields; unknown fields in requests are
 * rejected, unknown fields in answers ignored.
 */
public final class Json {

    private static final ObjectMapper MAPPER = JsonMapper.builder()
            .propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .serializationInclusion(JsonInclude.Include.NON_NULL)
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();

    private static final ObjectMapper TOLERANT = MAPPER.copy()
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    private Json() {
    }

    /** A mapper for reading answers from other Ferry processes, which may be newer and add fields. */
    public static ObjectMapper tolerant() {
        return TOLERANT;
    }

    /**
     * Decodes a request body into an object, never {@code null}. A body in no encoding JSON allows (Jackson's
     * detection of UTF-16 and UTF-32 fails on some byte patterns with a plain {@link IOException}) and the JSON
     * value {@code null} are 400s like any other malformed request.
     */
    public static <T> T readRequest(byte[] body, Class<T> type) throws IOException {
        T value;
        try {
            value = MAPPER.readValue(body, type);
        } catch (CharConversionException e) {
            throw new ApiException(ErrorCode.MALFORMED_JSON, "malformed JSON: " + e.getMessage());
        }
        if (value == null) {
            throw new ApiException(ErrorCode.WRONG_TYPE, "the request body must be one JSON object, not null");
        }
        return value;
    }

    /** The shared, thread-safe mapper. */
    public static ObjectMapper mapper() {
        return MAPPER;
    }
}
