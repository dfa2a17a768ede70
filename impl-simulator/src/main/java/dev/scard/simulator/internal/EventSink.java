package dev.scard.simulator.internal;

import dev.scard.api.SCardEvent;

/**
 * Where the simulated readers hand their card events. Readers call it while holding their state lock, so that
 * events keep the order in which the changes happened: an implementation must only queue the event (never block,
 * never call listeners or back into the simulator).
 */
@FunctionalInterface
interface EventSink {

    /** A sink that drops every event. */
    EventSink NONE = event -> {
    };

    /** Queues one event for delivery. */
    void publish(SCardEvent event);
}
