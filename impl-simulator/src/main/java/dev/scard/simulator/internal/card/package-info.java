/**
 * The simulated ISO 7816-4 card (private to the bundle): {@link dev.scard.simulator.internal.card.CardProfile}
 * reads a JSON card profile and makes cards from it; {@link dev.scard.simulator.internal.card.IsoCard} is the card
 * model (file system, PINs, keys, every command and status word). The profile format is described in
 * {@code impl-simulator/PROFILES.md}.
 */
package dev.scard.simulator.internal.card;
