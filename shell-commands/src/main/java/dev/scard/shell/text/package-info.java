/**
 * How every SCard command bundle reads and prints: reader names typed in several words, and tables
 * ({@link dev.scard.shell.text.CommandText}). Exported so that command bundles other than shell-commands (the
 * {@code sim:} commands of simulator-shell) import it instead of carrying a copy.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.1.0")
package dev.scard.shell.text;
