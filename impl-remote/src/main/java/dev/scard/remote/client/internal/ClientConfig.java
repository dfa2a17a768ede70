package dev.scard.remote.client.internal;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.AttributeType;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

import dev.scard.remote.api.RemoteCardHost;

/** Configuration of the import side, PID {@value RemoteCardHost#CLIENT_PID}: without it the remote backend is off. */
@ObjectClassDefinition(id = RemoteCardHost.CLIENT_PID, name = "SCard remote backend",
        description = "The backend scard.backend=remote: the readers of the RemoteCardHost services (imported "
                + "through OSGi Remote Services, or in this framework), named '<reader> @ <host>'. On while this "
                + "configuration exists.")
public @interface ClientConfig {

    /** The secret sent to every host that has none of its own in {@link #hostSecrets()}. */
    @AttributeDefinition(name = "Secret", type = AttributeType.PASSWORD, required = false,
            description = "The secret sent to the hosts (their dev.scard.remote.host secret) when listing readers, "
                    + "polling events and opening sessions. Never logged.")
    String secret() default "";

    /** Secrets of single hosts: {@code <host name>=<secret>}. */
    @AttributeDefinition(name = "Secrets per host", type = AttributeType.PASSWORD, required = false,
            description = "Secrets of single hosts, one entry per host: '<host name>=<secret>', the host named as "
                    + "in the reader names. A host without an entry gets the secret above.")
    String[] hostSecrets() default {};

    /** The longest a call waits for a host, in milliseconds. */
    @AttributeDefinition(name = "Call timeout (ms)", min = "100", max = "2147483647",
            description = "The longest any call waits for a host, in milliseconds (default 120000); a lock waits "
                    + "this plus the wait asked for. A host that does not answer within it fails the call with "
                    + "SCARD_E_TIMEOUT.")
    long callTimeoutMillis() default 120_000L;

    /** The longest a reader listing waits for the hosts, in milliseconds. */
    @AttributeDefinition(name = "List timeout (ms)", min = "100", max = "2147483647",
            description = "The longest a reader listing (scard:readers) waits for the hosts, all asked at once, in "
                    + "milliseconds (default 5000; never longer than the call timeout). A host that does not answer "
                    + "within it has its readers left out of that listing (logged once); a host that could not be "
                    + "reached is not asked until it answers again.")
    long listTimeoutMillis() default 5_000L;

    /** Whether host services of this framework count too. */
    @AttributeDefinition(name = "Local hosts",
            description = "Whether RemoteCardHost services registered in this framework (not imported) are used "
                    + "too (default true: the in-framework tests run that way).")
    boolean acceptLocal() default true;
}
