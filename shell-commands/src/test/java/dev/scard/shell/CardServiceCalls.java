package dev.scard.shell;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

import dev.scard.api.HResult;
import dev.scard.api.ISCardAuth;
import dev.scard.api.ISCardFileAccess;
import dev.scard.api.ISCardVerify;
import dev.scard.api.SCardException;
import dev.scard.api.SCardInterfaceFactory;
import dev.scard.api.Tlv;
import dev.scard.cardservices.internal.AuthFactory;
import dev.scard.cardservices.internal.FileAccessFactory;
import dev.scard.cardservices.internal.VerifyFactory;
import dev.scard.core.CardManager;

/**
 * card-services' real factories for a {@link CardManager}, each service they make wrapped so that the tests see
 * which calls the shell made ({@link #calls}, e.g. {@code "read 1 256"}, {@code "verify 1 [IHV_GLOBAL]"}; never a
 * code) and which services it made ({@link #made}).
 *
 * <p>Faults for the error paths the real sample card and card services cannot produce (everything else is the real
 * card's own behaviour):
 * <ul>
 * <li>{@link #createFailure}: no provider serves the card (the services cannot be made);</li>
 * <li>{@link #propertiesFailure}: a provider whose {@code getProperties} and {@code getFileCapabilities} fail (the
 * card services implement them for every file of the sample card);</li>
 * <li>{@link #secretInFailures}: a provider whose PIN failures carry the PIN in their message (the card services
 * never do), to prove that the shell never shows a service's text that holds the secret.</li>
 * </ul>
 */
final class CardServiceCalls {

    private static final HexFormat HEX = HexFormat.of().withUpperCase();

    /** The calls made on the services, in order. */
    final List<String> calls = new ArrayList<>();
    /** The services made: {@code "create ISCardFileAccess"} and so on. */
    final List<String> made = new ArrayList<>();
    /** The FCP entries of the last {@code create}. */
    List<Tlv> created = List.of();
    /** When set, making a service fails with this code (as when no provider serves the card). */
    HResult createFailure;
    /** When set, {@code getProperties} and {@code getFileCapabilities} fail with this code. */
    HResult propertiesFailure;
    /** When set, the card services reach the card through this model (see {@link ObservedCard}). */
    ObservedCard observed;
    /** When set, a failing verify/change/unblock fails with a message holding the code it was given, in hex. */
    boolean secretInFailures;

    /** Binds card-services' three factories to a manager, with the properties their DS components have. */
    void bindFactories(CardManager manager) {
        bind(manager, 1L, ISCardFileAccess.class, new FileAccessFactory(), ISCardFileAccess.IID.toString());
        bind(manager, 2L, ISCardVerify.class, new VerifyFactory(), ISCardVerify.IID.toString());
        bind(manager, 3L, ISCardAuth.class, new AuthFactory(), ISCardAuth.IID.toString());
    }

    private void bind(CardManager manager, long id, Class<?> type, SCardInterfaceFactory factory, String guid) {
        SCardInterfaceFactory recorded = (owner, userData) -> {
            if (createFailure != null) {
                throw new SCardException(createFailure, "no provider for this card");
            }
            made.add("create " + type.getSimpleName());
            return wrap(type, factory.create(observed == null ? owner : observed.wrap(owner), userData));
        };
        manager.bindInterfaceFactory(recorded, Map.of("service.id", id, "service.ranking", -1000,
                "scard.interface.name", type.getSimpleName(), "scard.interface.guid", guid));
    }

    private Object wrap(Class<?> type, Object service) {
        return Proxy.newProxyInstance(CardServiceCalls.class.getClassLoader(), new Class<?>[] {type},
                (proxy, method, args) -> {
                    if (method.getDeclaringClass() == Object.class) {
                        return method.invoke(service, args);
                    }
                    calls.add(describe(method, args));
                    if (method.getName().equals("create")) {
                        @SuppressWarnings("unchecked")
                        List<Tlv> properties = (List<Tlv>) args[2];
                        created = List.copyOf(properties);
                    }
                    if ((method.getName().equals("getProperties") || method.getName().equals("getFileCapabilities"))
                            && propertiesFailure != null) {
                        throw new SCardException(propertiesFailure, "properties not available");
                    }
                    try {
                        return method.invoke(service, args);
                    } catch (InvocationTargetException e) {
                        throw leakIfAsked(method, args, e.getCause());
                    }
                });
    }

    private Throwable leakIfAsked(Method method, Object[] args, Throwable failure) {
        if (!secretInFailures || !(failure instanceof SCardException e) || !(args[0] instanceof byte[] code)) {
            return failure;
        }
        String message = e.getMessage();
        String detail = message.contains(" [") ? message.substring(0, message.lastIndexOf(" [")) : message;
        return new SCardException(e.code(), detail + " (code " + HEX.formatHex(code) + " rejected)",
                e.remainingTries().orElse(-1), null);
    }

    /** A call as the tests name it: the method, then what identifies its target; never a PIN, PUK or data. */
    private static String describe(Method method, Object[] a) {
        String name = method.getName();
        switch (name) {
            case "changeDir":
            case "open":
            case "create":
            case "getProperties":
                return name + " " + a[0] + " " + a[1];
            case "delete":
                return name + " " + a[0] + " " + a[1] + " " + a[2];
            case "close":
            case "directory":
            case "invalidate":
            case "rehabilitate":
                return name + " " + a[0];
            case "read":
                return name + " " + a[0] + " " + a[1];
            case "seek":
                return name + " " + a[0] + " " + a[1] + " " + a[2];
            case "write":
                return name + " " + a[0] + " " + HEX.formatHex((byte[]) a[1]);
            case "verify":
                return name + " " + a[2] + " " + a[1];
            case "changeCode":
                return name + " " + a[3] + " " + a[2];
            case "unblock":
                return name + " " + a[3] + " " + a[2] + (a[1] == null ? " keep" : " new");
            case "getChallenge":
                return name + " " + a[0] + " " + a[1];
            case "appAuth":
            case "iccAuth":
            case "userAuth":
                return name + " " + a[0] + " " + HEX.formatHex((byte[]) a[1]) + " " + HEX.formatHex((byte[]) a[2]);
            default:
                return name;
        }
    }
}
