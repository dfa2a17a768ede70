package dev.scard.remote.host.internal;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.AttributeType;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

import dev.scard.remote.api.RemoteCardHost;

/** Configuration of the export side, PID {@value RemoteCardHost#HOST_PID}: without it the host does not run. */
@ObjectClassDefinition(id = RemoteCardHost.HOST_PID, name = "SCard remote host",
        description = "Serves this machine's readers to other machines (OSGi Remote Services through Apache Aries "
                + "RSA and the distribution provider scard.tcp, whose address and port are configured by "
                + "dev.scard.remote.transport). The host runs only while this configuration exists and has a secret.")
public @interface HostConfig {

    /** The secret clients must send to list readers, see events and open sessions. */
    @AttributeDefinition(name = "Secret", type = AttributeType.PASSWORD,
            description = "The secret every client sends (dev.scard.remote.client's secret), at least 8 bytes as "
                    + "UTF-8. Checked on every reader listing, event poll and session open; never logged. Without it "
                    + "the host does not start.")
    String secret();

    /** How long a session lives without a call, in milliseconds. */
    @AttributeDefinition(name = "Lease (ms)", min = "100", max = "600000",
            description = "How long a session lives without a call, in milliseconds (100 to 600000; default 8000, so that a crashed client holds nothing longer than 10 s). "
                    + "The host then releases its lock, ends its transaction and closes its connection (leaving the "
                    + "card), at most a quarter of the lease later. Clients renew three times per lease.")
    long leaseMillis() default RemoteCardHost.DEFAULT_LEASE_MILLIS;

    /** The name the clients show after '@' in the reader names. */
    @AttributeDefinition(name = "Host name", required = false,
            description = "The name clients show after ' @ ' in this host's reader names (service property "
                    + "remote.host.name). Empty (the default): the clients use the endpoint's host.")
    String hostName() default "";

    /** The backend whose readers the host serves. */
    @AttributeDefinition(name = "Backend", required = false,
            description = "The backend whose readers the host serves (simulator, pcsc, ...). Empty (the default): the "
                    + "default backend, as scard:use sets it (never the remote backend itself).")
    String backend() default "";

    /** Whether the service carries the Remote Services export properties. */
    @AttributeDefinition(name = "Export",
            description = "Whether the service is exported through Remote Services (service.exported.interfaces, "
                    + "service.exported.configs=scard.tcp); false registers it in this framework only (tests).")
    boolean export() default true;

    /** How many sessions may be open at once. */
    @AttributeDefinition(name = "Sessions", min = "1", max = "65536",
            description = "How many sessions may be open at once (default 256); more opens fail with "
                    + "SCARD_E_SERVER_TOO_BUSY.")
    int maxSessions() default 256;

    /** The longest a lock call waits on the host, in milliseconds. */
    @AttributeDefinition(name = "Longest lock wait (ms)", min = "0", max = "600000",
            description = "The longest a client's lock waits on the host for another connection's transaction, in "
                    + "milliseconds (default 120000); longer waits asked for are cut to it.")
    long maxLockWaitMillis() default 120_000L;
}
