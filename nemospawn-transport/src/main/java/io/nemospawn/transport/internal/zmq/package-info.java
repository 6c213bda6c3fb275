/** The ZeroMQ transport (JeroMQ PUSH/PULL). Not an API. */
@NullMarked
package io.nemospawn.transport.internal.zmq;

import org.jspecify.annotations.NullMarked;
