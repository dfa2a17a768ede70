/**
 * The generic ISO 7816-4 card services: {@code ISCardFileAccess}, {@code ISCardVerify} and {@code ISCardAuth}
 * written once over {@code ISCardManage.transmit}, and the three {@code SCardInterfaceFactory} DS components that
 * offer them as fallbacks (ranking -1000) to every backend. Private: the bundle exports nothing.
 */
package dev.scard.cardservices.internal;
