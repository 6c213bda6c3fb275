package io.nemospawn.transport.internal.file;

import io.nemospawn.spi.MessageTransport;
import io.nemospawn.spi.TransportContext;
import io.nemospawn.spi.TransportKind;
import io.nemospawn.spi.TransportProvider;

/** Provides the {@link FileTransport}; always available. */
public final class FileTransportProvider implements TransportProvider {
  @Override
  public TransportKind kind() {
    return TransportKind.FILE;
  }

  @Override
  public boolean isAvailable() {
    return true;
  }

  @Override
  public MessageTransport open(TransportContext context) {
    return new FileTransport(context);
  }
}
