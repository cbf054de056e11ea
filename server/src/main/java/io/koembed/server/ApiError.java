package io.koembed.server;

/**
 * A request the server refuses, with what the client needs to fix it. Each {@link Kind} fixes the HTTP status and
 * the names of the error in text-embeddings-inference's body ({@code error_type}) and in OpenAI's
 * ({@code error.type}, {@code error.code}).
 */
final class ApiError extends RuntimeException {

    enum Kind {
        /** Not JSON, not UTF-8, not an object. */
        MALFORMED(400, "Validation", "invalid_request_error", null),
        /** An empty list of inputs (TEI: "`inputs` cannot be empty", 400). */
        EMPTY(400, "Empty", "invalid_request_error", null),
        UNAUTHORIZED(401, "Unauthorized", "invalid_request_error", "invalid_api_key"),
        NOT_FOUND(404, "NotFound", "invalid_request_error", null),
        METHOD_NOT_ALLOWED(405, "MethodNotAllowed", "invalid_request_error", null),
        /** Too many inputs, too many tokens, too many bytes (TEI's 413 "Validation"). */
        TOO_LARGE(413, "Validation", "invalid_request_error", null),
        UNSUPPORTED_MEDIA_TYPE(415, "Validation", "invalid_request_error", null),
        /** Well-formed JSON with a wrong field: a wrong type, a value out of range, an unknown prompt name. */
        INVALID(422, "Validation", "invalid_request_error", null),
        /** The queue is full: retry later (TEI's 429 "Overloaded"). */
        OVERLOADED(429, "Overloaded", "rate_limit_error", "rate_limit_exceeded"),
        /** The engine failed on a request that passed validation: a bug, never the client's fault. */
        BACKEND(500, "Backend", "server_error", null),
        /** Shutting down: no new work is taken. */
        UNAVAILABLE(503, "Unhealthy", "server_error", null);

        final int status;
        final String teiType;
        final String openAiType;
        final String openAiCode;

        Kind(int status, String teiType, String openAiType, String openAiCode) {
            this.status = status;
            this.teiType = teiType;
            this.openAiType = openAiType;
            this.openAiCode = openAiCode;
        }

        /** The kind Jetty means by a status it answers itself (a bad request line, a too large header, ...). */
        static Kind ofStatus(int status) {
            for (Kind k : values()) {
                if (k.status == status) {
                    return k;
                }
            }
            return status >= 500 ? BACKEND : MALFORMED;
        }
    }

    final Kind kind;
    /** OpenAI's {@code error.param}: the request field at fault, or null. */
    final String param;

    ApiError(Kind kind, String message) {
        this(kind, null, message);
    }

    ApiError(Kind kind, String param, String message) {
        super(message, null, false, false); // an answer to the client, not a bug: no stack trace
        this.kind = kind;
        this.param = param;
    }
}
