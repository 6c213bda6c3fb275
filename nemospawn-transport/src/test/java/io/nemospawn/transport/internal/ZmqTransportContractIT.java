package io.nemospawn.transport.internal;

import io.nemospawn.Transport;
import io.nemospawn.spi.MessageTransport;
import io.nemospawn.spi.TransportContext;
import java.net.URI;

/**
 * The contract on the raw ZeroMQ transport, each test with fresh sockets on fresh ports (so it
 * also exercises the new-connection handshake that {@code ZmqFreshConnectionIT} pins).
 */
class ZmqTransportContractIT extends TransportContract {
  @Override
  MessageTransport open(TransportContext context) {
    return new io.nemospawn.transport.internal.zmq.ZmqTransport(
        context.withTransport(Transport.zmq(URI.create("tcp://127.0.0.1:0"))));
  }

  @Override
  boolean needsReceiver() {
    return true;
  }
}
