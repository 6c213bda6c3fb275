package io.nemospawn.transport.internal.shm;

import io.nemospawn.spi.MessageTransport;
import io.nemospawn.spi.TransportContext;
import io.nemospawn.spi.TransportKind;
import io.nemospawn.spi.TransportProvider;
import java.nio.file.Files;

/** Provides the {@link ShmTransport} where its ring directory is writable. */
public final class ShmTransportProvider implements TransportProvider {
  @Override
  public TransportKind kind() {
    return TransportKind.SHM;
  }

  @Override
  public boolean isAvailable() {
    return Files.isWritable(ShmTransport.ringDir());
  }

  @Override
  public MessageTransport open(TransportContext context) {
    return new ShmTransport(context, ShmTransport.DEFAULT_CAPACITY);
  }
}
