package io.nemospawn.transport.internal;

import io.nemospawn.spi.InboxStore;
import io.nemospawn.spi.InboxStoreProvider;
import io.nemospawn.spi.TransportContext;

/** Provides the {@link TransportInboxStore}. */
public final class TransportInboxStoreProvider implements InboxStoreProvider {
  @Override
  public InboxStore open(TransportContext context) {
    return new TransportInboxStore(context);
  }
}
