package io.nemospawn.transport.internal.zmq;

import io.nemospawn.spi.MessageTransport;
import io.nemospawn.spi.TransportContext;
import io.nemospawn.spi.TransportKind;
import io.nemospawn.spi.TransportProvider;

/** Provides the {@link ZmqTransport}; JeroMQ is pure Java, so it is always available. */
public final class ZmqTransportProvider implements TransportProvider {
  @Override
  public TransportKind kind() {
    return TransportKind.ZMQ;
  }

  @Override
  public boolean isAvailable() {
    return true;
  }

  @Override
  public MessageTransport open(TransportContext context) {
    return new ZmqTransport(context);
  }
}
