package io.nemospawn.transport.internal;

import io.nemospawn.spi.MessageTransport;
import io.nemospawn.spi.TransportContext;

class ShmTransportContractTest extends TransportContract {
  @Override
  MessageTransport open(TransportContext context) {
    return new io.nemospawn.transport.internal.shm.ShmTransport(context, 4 << 20);
  }

  @Override
  boolean needsReceiver() {
    return true;
  }
}
