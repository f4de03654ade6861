package io.tether.engine.admission;

/**
 * One session's request rate ({@code session-request-rate}, {@code session-request-burst}): a request over it is
 * refused, and a session that sends {@code session-request-overrun} refused requests in a row is to be closed.
 * Owned by the session's loop (a resumed session takes it along). Made on first use, so a server without the limit
 * pays one branch per request.
 */
public final class RequestRate {
    /** The request may run. */
    public static final int ADMIT = 0;
    /** Answer it with status 8 instead of running it. */
    public static final int REFUSE = 1;
    /** Answer it with status 8 and close the session: it keeps ignoring the limit. */
    public static final int CLOSE = 2;

    private TokenBucket bucket;
    private int refusedInARow;

    /** Decides on a request at {@code nowNanos}: ADMIT, REFUSE or CLOSE. */
    public int take(long nowNanos, AdmissionSettings s) {
        if (s.sessionRequestRate() <= 0) {
            bucket = null;
            return ADMIT;
        }
        if (bucket == null) {
            bucket = new TokenBucket(s.sessionRequestRate(), s.sessionRequestBurst(), nowNanos);
        } else {
            bucket.configure(s.sessionRequestRate(), s.sessionRequestBurst());
        }
        if (bucket.tryTake(nowNanos)) {
            refusedInARow = 0;
            return ADMIT;
        }
        return ++refusedInARow >= s.sessionRequestOverrun() && !s.dryRun() ? CLOSE : REFUSE;
    }
}
