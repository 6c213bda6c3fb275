package io.nemospawn.spi;

import static java.util.Objects.requireNonNull;

import io.nemospawn.inbox.Message;
import java.nio.file.Path;
import org.apiguardian.api.API;

/**
 * What {@link InboxStore#send} did: the message as stored (its id may have been redrawn on a
 * clash), its durable file, and the transport that carried it ({@link TransportKind#FILE} when a
 * faster one was negotiated but did not take it).
 *
 * @param message the stored message
 * @param file its inbox file
 * @param transport the transport that delivered it
 * @since 0.1
 */
@API(status = API.Status.EXPERIMENTAL, since = "0.1")
public record SendReceipt(Message message, Path file, TransportKind transport) {
  /** Validates the parts. */
  public SendReceipt {
    requireNonNull(message, "message");
    requireNonNull(file, "file");
    requireNonNull(transport, "transport");
  }
}
