package io.nemospawn.transport.internal;

import io.nemospawn.Transport;
import io.nemospawn.spi.MessageTransport;
import io.nemospawn.spi.TransportContext;
import java.net.URI;

/**
 * The contract on the raw ZeroMQ transport. Disabled: on a quiet 2-core machine about one run in
 * two loses exactly one envelope in one of these tests (a different test each time, and more
 * often when receivers bind in a narrower port range, which points at a stale or duplicate
 * connection to a reused port; neither ZMQ_IMMEDIATE nor the receive loop is the cause). The
 * inbox does not lose the message, because the file is written first and the receiver also
 * watches the directory (InboxStoreNegotiationIT, CrossProcessIT); a lost envelope only arrives
 * later. Known bug of the transport issue (#4), to be fixed before this test is enabled again.
 */
@org.junit.jupiter.api.Disabled(
    "ZeroMQ transport loses one envelope in about one run in two (port reuse?); see the class"
        + " javadoc and docs/transport.md, Known bugs")
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
