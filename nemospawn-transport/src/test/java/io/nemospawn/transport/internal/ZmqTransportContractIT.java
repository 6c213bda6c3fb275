package io.nemospawn.transport.internal;

import io.nemospawn.Transport;
import io.nemospawn.spi.MessageTransport;
import io.nemospawn.spi.TransportContext;
import java.net.URI;

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
