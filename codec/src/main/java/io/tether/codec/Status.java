package io.tether.codec;

/** Response status codes. They follow gRPC's numbering, so they mean the same thing to gRPC users. */
public final class Status {
    public static final int OK = 0;
    public static final int INVALID_ARGUMENT = 3;
    public static final int RESOURCE_EXHAUSTED = 8;
    public static final int ABORTED = 10;
    public static final int UNIMPLEMENTED = 12;
    public static final int INTERNAL = 13;
    public static final int UNAVAILABLE = 14;

    private Status() {
    }

    public static String name(int status) {
        return switch (status) {
            case OK -> "OK";
            case INVALID_ARGUMENT -> "INVALID_ARGUMENT";
            case RESOURCE_EXHAUSTED -> "RESOURCE_EXHAUSTED";
            case UNIMPLEMENTED -> "UNIMPLEMENTED";
            case INTERNAL -> "INTERNAL";
            case UNAVAILABLE -> "UNAVAILABLE";
            case ABORTED -> "ABORTED";
            default -> "STATUS_" + status;
        };
    }
}
