package io.nemospawn.transport.internal;

import io.nemospawn.spi.MessageTransport;
import io.nemospawn.spi.TransportContext;

class FileTransportContractTest extends TransportContract {
  @Override
  MessageTransport open(TransportContext context) {
    return new io.nemospawn.transport.internal.file.FileTransport(context);
  }

  @Override
  boolean needsReceiver() {
    return false;
  }
}
