package dev.scard.shell;

import java.lang.ref.ReferenceQueue;
import java.lang.ref.WeakReference;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Values kept per shell session, with weak keys compared by identity: a session that is closed and forgotten
 * does not stay reachable through this map. Unlike {@link java.util.WeakHashMap}, the values of forgotten
 * sessions are handed back ({@link #expunge()}) so that what they hold (a manager instance) can be released.
 * Thread-safe.
 *
 * @param <V> the per-session value
 */
final class SessionRegistry<V> {

    private final ReferenceQueue<Object> queue = new ReferenceQueue<>();
    private final Map<Key, V> values = new HashMap<>();

    /** The value of this session, or null. */
    synchronized V get(Object session) {
        return values.get(new Key(session, null));
    }

    /** Sets the value of this session; returns the value it replaces, or null. */
    synchronized V put(Object session, V value) {
        return values.put(new Key(session, queue), value);
    }

    /** Removes and returns the value of this session, or null. */
    synchronized V remove(Object session) {
        return values.remove(new Key(session, null));
    }

    /** Removes and returns the values of sessions that were garbage-collected since the last call. */
    synchronized List<V> expunge() {
        List<V> gone = new ArrayList<>();
        for (Object ref; (ref = queue.poll()) != null;) {
            V value = values.remove(ref);
            if (value != null) {
                gone.add(value);
            }
        }
        return gone;
    }

    /** Removes and returns every value. */
    synchronized List<V> clear() {
        List<V> all = new ArrayList<>(values.values());
        values.clear();
        while (queue.poll() != null) {
            // drop stale references: their entries are gone
        }
        return all;
    }

    /** How many sessions have a value (including forgotten ones not expunged yet). */
    synchronized int size() {
        return values.size();
    }

    /** A weak reference equal to another for the same referent; a cleared one is equal only to itself. */
    private static final class Key extends WeakReference<Object> {
        private final int hash;

        Key(Object referent, ReferenceQueue<Object> queue) {
            super(referent, queue);
            hash = System.identityHashCode(referent);
        }

        @Override
        public int hashCode() {
            return hash;
        }

        @Override
        public boolean equals(Object other) {
            if (this == other) {
                return true;
            }
            if (!(other instanceof Key)) {
                return false;
            }
            Object referent = get();
            return referent != null && referent == ((Key) other).get();
        }
    }
}
