/**
 * ISO/IEC 7816-4 written once, for every part of SCard that speaks it: {@link dev.scard.iso7816.CommandApdu}
 * (command APDUs: the four cases, short and extended Lc/Le, building and parsing), {@link dev.scard.iso7816.BerTlv}
 * (BER-TLV data objects), {@link dev.scard.iso7816.StatusWords} (what a status word means),
 * {@link dev.scard.iso7816.Fcp} (decoding a file's control parameters), {@link dev.scard.iso7816.HexDigits} (hex
 * digits as people type them; added in 1.1.0) and {@link dev.scard.iso7816.SecretCommands} (which commands carry a
 * PIN or key, and their form with it withheld; added in 1.2.0) with {@link dev.scard.iso7816.CommandPattern}
 * (header patterns such as {@code "80 20 * *"} that name further secret commands; added in 1.3.0). Plain static
 * helpers and immutable views; no services, no state.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.3.0")
package dev.scard.iso7816;
